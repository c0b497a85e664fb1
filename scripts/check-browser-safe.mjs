// The one check that a browser bundle stays browser-safe: given esbuild's metafile, it throws when
// any bundled input reaches a node: import or an import esbuild left external (which a page could
// not load either). Used by scripts/build.mjs (the all-packages browser bundle) and by
// examples/browser/scripts/build.mjs (the demo's page and worker).

/**
 * @param {import('esbuild').Metafile} metafile
 * @param {string} what the bundle, for the message, e.g. 'the browser bundle'
 * @throws Error naming every offending import
 */
export function checkBrowserSafe(metafile, what) {
  const offending = Object.values(metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => i.path.startsWith('node:') || i.external),
  );
  if (offending.length > 0)
    throw new Error(
      `${what} reaches Node-only or external imports: ${[...new Set(offending.map((i) => i.path))].join(', ')}`,
    );
}

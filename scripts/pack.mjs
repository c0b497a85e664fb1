// Builds the three packages and packs each into packs/<name>-<version>.tgz, as `npm publish` would ship
// them (pnpm pack: workspace:/catalog: versions replaced, publishConfig's exports without the "source"
// condition), with the repository's LICENSE inside. Prints each tarball's size and file count.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['tensor', 'autograd', 'layers'];
const out = join(root, 'packs');

execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of packages) {
  const dir = join(root, 'packages', name);
  const license = join(dir, 'LICENSE');
  copyFileSync(join(root, 'LICENSE'), license);
  try {
    const report = execFileSync('pnpm', ['pack', '--json', '--pack-destination', out], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { filename, files } = JSON.parse(report);
    const kib = statSync(filename).size / 1024;
    console.log(
      `packed @torchlet/${name} → packs/${filename.split('/').pop()} (${kib.toFixed(0)} KiB, ${files.length} files)`,
    );
  } finally {
    rmSync(license, { force: true });
  }
}
console.log(`tarballs: ${readdirSync(out).join(', ')}`);

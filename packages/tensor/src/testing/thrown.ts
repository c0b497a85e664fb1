/**
 * The error `fn` throws, checked to be a `kind` (an error of another kind is rethrown), so a test can
 * read its fields: `thrownBy(() => detectAnomaly(run), AnomalyError).op`.
 * @throws Error if `fn` returns without throwing
 */
export function thrownBy<E extends Error>(fn: () => unknown, kind: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof kind) return e;
    throw e;
  }
  throw new Error(`expected a ${kind.name}, nothing was thrown`);
}

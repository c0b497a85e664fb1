/**
 * How long a test waits for a worker thread to start or to take part in a batch. On a loaded 2-core
 * machine a worker may get no CPU for seconds (a batch test once took 1.8 s beside two busy
 * processes); a passing test waits only as long as the workers need, so the bound can be generous.
 */
export const WORKER_PATIENCE_MS = 20_000;

/**
 * Calls `attempt` and yields to the event loop, again and again, until `done()` holds or `ms` have
 * passed; returns whether it held. Tests assert the result, so a timeout fails with their message.
 */
export async function until(done: () => boolean, attempt: () => void = () => {}, ms = WORKER_PATIENCE_MS) {
  for (const deadline = Date.now() + ms; !done(); ) {
    if (Date.now() >= deadline) return false;
    attempt();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

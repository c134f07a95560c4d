// Polling instead of sleeping a fixed time, with generous deadlines so a loaded 2-core machine does
// not cause false failures. Shared by every test directory.

export const WAIT_MS = 30000;

/** Resolve when `cond()` is truthy; poll every 20 ms; fail with `what` after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

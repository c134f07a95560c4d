// Waiting helpers for interop tests: poll a condition instead of sleeping a fixed time, with
// generous deadlines so a loaded 2-core machine does not cause false failures.
import { EventEmitter, once } from 'node:events';

import { WAIT_MS } from '../helpers/wait.js';

export { WAIT_MS, waitFor } from '../helpers/wait.js';

/** A queue of received items that tests can await one by one. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly events = new EventEmitter();

  push = (item: T): void => {
    this.items.push(item);
    this.events.emit('item');
  };

  get size(): number {
    return this.items.length;
  }

  /** Wait until at least `n` items have arrived; returns the first `n`. */
  async take(n: number, what = `${n} item(s)`, timeoutMs = WAIT_MS): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.items.length}: ${JSON.stringify(this.items)}`);
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), left);
      try {
        await once(this.events, 'item', { signal: ac.signal });
      } catch {
        // deadline reached; the loop reports it
      } finally {
        clearTimeout(timer);
      }
    }
    return this.items.splice(0, n);
  }
}

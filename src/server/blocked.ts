// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...).
//
// Waiters are kept per key in insertion order (first come, first served). A write that adds data
// marks the key ready; after the command (or EXEC, or script) that did it, serveReady() retries
// each waiter's command in order until the data runs out. A retry may itself make other keys
// ready (BLMOVE pushes to its destination), so serving loops until nothing is ready.
import type { ServerSession as Client } from './session.js';
import type { Reply } from '../protocol/reply.js';
import type { CommandContext } from '../commands/types.js';
import type { Database } from '../store/database.js';

export interface Waiter {
  client: Client;
  db: Database;
  keys: string[];
  timeoutReply: Reply;
  retry: (ctx: CommandContext, readyKey?: string) => Reply | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Command name, for statistics. */
  command: string;
  /** The command as sent: SLOWLOG logs it when the client is served (as Redis). */
  argv: Buffer[];
}

export interface BlockingHost {
  /** A context for running a waiter's retry as that client. */
  contextFor(client: Client, db: Database): CommandContext;
  /** Send a reply to a client that was blocked and resume reading its pipelined input. */
  resume(client: Client, reply: Reply): void;
  /** A retry ran (served or not): record its writes in the effects stream. */
  retried?(ctx: CommandContext): void;
  /** A waiter was served by its retry, which took `usec` (SLOWLOG). */
  served?(waiter: Waiter, usec: number): void;
}

const slot = (db: Database, key: string) => `${db.index}\u0000${key}`;

const MAX_TIMER_MS = 2 ** 31 - 1;

export class BlockedClients {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private readonly byClient = new Map<Client, Waiter>();
  private ready = new Map<string, { db: Database; key: string }>();

  constructor(private readonly host: BlockingHost) {}

  get count(): number {
    return this.byClient.size;
  }

  /** Number of distinct keys with waiters (INFO's blocked_keys). */
  get keyCount(): number {
    return this.byKey.size;
  }

  /** Keys with waiters (read-only view for the dashboard): database index, key, waiters in order. */
  *waitingKeys(): IterableIterator<{ db: number; key: string; waiters: ReadonlySet<Waiter> }> {
    for (const [s, waiters] of this.byKey) {
      const nul = s.indexOf('\u0000');
      yield { db: Number(s.slice(0, nul)), key: s.slice(nul + 1), waiters };
    }
  }

  block(waiter: Waiter, timeoutMs: number): void {
    waiter.client.blocked = true;
    this.byClient.set(waiter.client, waiter);
    for (const key of waiter.keys) {
      const s = slot(waiter.db, key);
      let set = this.byKey.get(s);
      if (set === undefined) this.byKey.set(s, (set = new Set()));
      set.add(waiter);
    }
    if (timeoutMs > 0) this.armTimer(waiter, Date.now() + timeoutMs);
  }

  /**
   * Node's setTimeout fires almost at once for a delay above 2^31-1 ms (about 24.8 days), so a
   * longer wait (BLPOP k 3000000) is cut into timers of at most that length.
   */
  private armTimer(waiter: Waiter, deadline: number): void {
    const left = deadline - Date.now();
    waiter.timer = setTimeout(() => {
      if (left > MAX_TIMER_MS) this.armTimer(waiter, deadline);
      else this.unblock(waiter.client, waiter.timeoutReply);
    }, Math.min(Math.max(left, 1), MAX_TIMER_MS));
  }

  isBlocked(client: Client): boolean {
    return this.byClient.has(client);
  }

  /** Remove a client's wait. With a reply, the client is answered and resumes. */
  unblock(client: Client, reply?: Reply): boolean {
    const waiter = this.byClient.get(client);
    if (waiter === undefined) return false;
    this.byClient.delete(client);
    if (waiter.timer) clearTimeout(waiter.timer);
    for (const key of waiter.keys) {
      const s = slot(waiter.db, key);
      const set = this.byKey.get(s);
      if (set) {
        set.delete(waiter);
        if (set.size === 0) this.byKey.delete(s);
      }
    }
    client.blocked = false;
    if (reply !== undefined) this.host.resume(client, reply);
    return true;
  }

  /** The timeout reply of a client's current wait (CLIENT UNBLOCK ... TIMEOUT). */
  timeoutReplyOf(client: Client): Reply | undefined {
    return this.byClient.get(client)?.timeoutReply;
  }

  keyReady(db: Database, key: string): void {
    if (this.byKey.size === 0) return;
    const s = slot(db, key);
    if (this.byKey.has(s) && !this.ready.has(s)) this.ready.set(s, { db, key });
  }

  get hasReady(): boolean {
    return this.ready.size !== 0;
  }

  serveReady(): void {
    while (this.ready.size !== 0) {
      const batch = this.ready;
      this.ready = new Map();
      for (const [s, { db, key }] of batch) {
        const set = this.byKey.get(s);
        if (set === undefined) continue;
        for (const waiter of [...set]) {
          if (!this.byClient.has(waiter.client)) continue;
          const ctx = this.host.contextFor(waiter.client, db);
          const start = performance.now();
          const reply = waiter.retry(ctx, key);
          const usec = Math.round((performance.now() - start) * 1000);
          this.host.retried?.(ctx);
          if (reply === undefined) continue;
          this.host.served?.(waiter, usec);
          this.unblock(waiter.client, reply);
        }
      }
    }
  }
}

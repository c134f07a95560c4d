// The effects stream: every write, recorded once as what it did (PEXPIREAT, not EXPIRE; SREM,
// not SPOP; the generated stream ID, not `*`), in one place.
//
// The dispatcher brackets every command call with enter()/leave(). A write-flagged command whose
// call changed server.dirty records its argv as sent, unless its handler chose other effects
// (ctx.propagateAs / ctx.alsoPropagate). Expiry and eviction record their DEL through the store
// hooks. Nested calls (EXEC's queue, a script's redis.call) add to the same unit; when the
// outermost call ends, the unit goes to the consumers — wrapped in MULTI/EXEC when it is more than
// one command, as Redis 7.0 does. With no consumer, `active` is false and the dispatcher skips
// all of this after one check.

import type { Effect, EffectsConsumer } from '../persistence/host.js';

export type { Effect, EffectsConsumer };

export const PROPAGATE_AOF = 1;
export const PROPAGATE_REPLICAS = 2;
const PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPLICAS;

const MULTI = [Buffer.from('MULTI')];
const EXEC = [Buffer.from('EXEC')];
const DEL = Buffer.from('DEL');

export class EffectsStream {
  /** True while at least one consumer listens: the only check the command path makes. */
  active = false;
  private readonly consumers: EffectsConsumer[] = [];
  private pending: Effect[] = [];
  /** How many of `pending` are expiry/eviction DELs. */
  private pendingDeletions = 0;
  private depth = 0;
  /**
   * Dirty increments caused by mechanisms that record their own effect (expiry, eviction), so a
   * command that only triggered them is not taken for a writer itself.
   */
  selfRecorded = 0;

  subscribe(consumer: EffectsConsumer): void {
    if (!this.consumers.includes(consumer)) this.consumers.push(consumer);
    this.active = true;
  }

  unsubscribe(consumer: EffectsConsumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    this.active = this.consumers.length > 0;
    if (!this.active) {
      this.pending = [];
      this.pendingDeletions = 0;
    }
  }

  /** A command call starts (nested calls included). */
  enter(): void {
    this.depth++;
  }

  /** A command call ended; the outermost one hands its unit to the consumers. */
  leave(): void {
    if (--this.depth === 0) this.commit();
  }

  /**
   * Where the current command's writes propagate: set by a script's redis.set_repl, back to
   * everywhere when the command's unit is committed.
   */
  target = PROPAGATE_ALL;

  /** Record one effect. Outside any command (active expiry in the cron) it is a unit of its own. */
  add(db: number, argv: Buffer[], to = this.target): void {
    if (!this.active) return;
    if (to === PROPAGATE_ALL) this.pending.push({ db, argv });
    else if (to !== 0) this.pending.push({ db, argv, to });
    if (this.depth === 0) this.commit();
  }

  /**
   * A key deleted by expiry or eviction: DEL, counted so it is not mistaken for the command's write.
   * It goes in the command's unit, ahead of its own effect; a unit of such DELs alone (a read that
   * met expired keys: SCAN, RANDOMKEY, GET) is not wrapped in MULTI/EXEC, as in Redis 7.0.
   */
  deleted(db: number, key: string): void {
    this.selfRecorded++;
    if (!this.active) return;
    this.pendingDeletions++;
    this.add(db, [DEL, Buffer.from(key, 'latin1')], PROPAGATE_ALL);
  }

  private commit(): void {
    this.target = PROPAGATE_ALL;
    const unit = this.pending;
    const onlyDeletions = this.pendingDeletions === unit.length;
    this.pendingDeletions = 0;
    if (unit.length === 0) return;
    this.pending = [];
    let out: readonly Effect[] = unit;
    if (unit.length > 1 && !onlyDeletions) {
      const first = unit[0]!;
      const last = unit[unit.length - 1]!;
      out = [{ db: first.db, argv: MULTI }, ...unit, { db: last.db, argv: EXEC }];
    }
    for (const consumer of this.consumers) consumer.feed(out);
  }
}

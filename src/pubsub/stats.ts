// Publish statistics per channel, shard channel and pattern, and the record of subscribers that
// were disconnected for being slow. Kept on the publish path, so each PUBLISH costs a map lookup and
// a few integer adds per counter set it touches; nothing is done per subscriber here.
import type { Subscriber } from './subscriber.js';

/** Seconds covered by the rate ring. */
export const RATE_WINDOW = 60;
/** Counter sets kept for names nobody subscribes to any more (or never did), per table. */
const IDLE_CAP = 10_000;
/** Recent slow-subscriber disconnects kept for TIDINGS SLOWSUBSCRIBERS and the dashboard. */
const DISCONNECT_HISTORY = 64;

/**
 * Milliseconds, refreshed ten times a second: the publish path reads this instead of calling
 * Date.now() per message (last-publish times and the rate ring need no finer resolution).
 */
let coarseMs = Date.now();
setInterval(() => {
  coarseMs = Date.now();
}, 100).unref();

export function coarseNow(): number {
  return coarseMs;
}

/** Counters for one channel or pattern. */
export class Counters {
  /**
   * The channel's subscriber set in the hub, linked at SUBSCRIBE so that PUBLISH finds counters
   * and receivers with one map lookup. Once the hub drops an emptied set this one stays empty.
   */
  subscribers: Set<Subscriber> | undefined;
  /** Messages published to the channel (or matched by the pattern). */
  messages = 0;
  /** Copies queued to subscribers (what PUBLISH returned, summed). */
  deliveries = 0;
  /** Payload bytes published. */
  bytes = 0;
  /** Unix time in ms of the last message, 0 if none. */
  lastPublishMs = 0;
  /**
   * Messages per wall-clock second; slot = second % RATE_WINDOW, cleared lazily as time moves.
   * Allocated at the first message, so channels that are only subscribed to cost no ring.
   */
  private ring: Uint32Array | undefined;
  private ringSecond = 0;

  record(nowMs: number, receivers: number, bytes: number): void {
    this.messages++;
    this.deliveries += receivers;
    this.bytes += bytes;
    this.lastPublishMs = nowMs;
    const second = Math.floor(nowMs / 1000);
    const ring = (this.ring ??= new Uint32Array(RATE_WINDOW));
    if (second !== this.ringSecond) this.advance(ring, second);
    ring[second % RATE_WINDOW]!++;
  }

  /** Back to zero (CONFIG RESETSTAT), keeping the link to the subscriber set. */
  reset(): void {
    this.messages = 0;
    this.deliveries = 0;
    this.bytes = 0;
    this.lastPublishMs = 0;
    this.ring = undefined;
    this.ringSecond = 0;
  }

  /** Messages per second, averaged over the last RATE_WINDOW seconds (the current one included). */
  rate(nowMs: number): number {
    const ring = this.ring;
    if (ring === undefined) return 0;
    this.advance(ring, Math.floor(nowMs / 1000));
    let sum = 0;
    for (let i = 0; i < RATE_WINDOW; i++) sum += ring[i]!;
    return sum / RATE_WINDOW;
  }

  private advance(ring: Uint32Array, second: number): void {
    const gap = second - this.ringSecond;
    if (gap === 0) return;
    if (gap < 0 || gap >= RATE_WINDOW) ring.fill(0);
    else for (let s = this.ringSecond + 1; s <= second; s++) ring[s % RATE_WINDOW] = 0;
    this.ringSecond = second;
  }
}

/**
 * Counter sets by latin1 name. Names with subscribers are always kept; the others are bounded:
 * past IDLE_CAP + headroom, the least recently published idle names are forgotten (so publishing
 * to random names cannot grow memory without bound).
 */
export class CounterTable {
  private readonly byName = new Map<string, Counters>();
  /**
   * Size at which the next sweep runs. Moved on by a tenth of the table after each sweep, so with
   * many live (subscribed) names a sweep stays amortised O(1) per new name.
   */
  private sweepAt = IDLE_CAP + IDLE_CAP / 10;

  constructor(private readonly live: (name: string) => boolean) {}

  get(name: string): Counters {
    let counters = this.byName.get(name);
    if (counters === undefined) {
      if (this.byName.size >= this.sweepAt) {
        this.sweep();
        this.sweepAt = Math.max(IDLE_CAP + IDLE_CAP / 10, this.byName.size + Math.max(IDLE_CAP / 10, this.byName.size / 10));
      }
      counters = new Counters();
      this.byName.set(name, counters);
    }
    return counters;
  }

  peek(name: string): Counters | undefined {
    return this.byName.get(name);
  }

  entries(): IterableIterator<[string, Counters]> {
    return this.byName.entries();
  }

  get size(): number {
    return this.byName.size;
  }

  clear(): void {
    this.byName.clear();
  }

  private sweep(): void {
    const idle: [string, number][] = [];
    for (const [name, c] of this.byName) if (!this.live(name)) idle.push([name, c.lastPublishMs]);
    if (idle.length <= IDLE_CAP * 0.9) return;
    idle.sort((a, b) => a[1] - b[1]);
    for (let i = 0; i < idle.length - IDLE_CAP * 0.9; i++) this.byName.delete(idle[i]![0]);
  }
}

export interface SlowDisconnect {
  id: number;
  name: string;
  addr: string;
  /** Unix time in ms. */
  at: number;
  /** e.g. "hard limit 33554432 bytes" or "soft limit 8388608 bytes for 60 s". */
  reason: string;
  pendingBytes: number;
  queuedMessages: number;
  softLimitHits: number;
  /** Subscriptions at the time (a few; latin1 names). */
  subscriptions: string[];
}

export interface OutputLimitLike {
  hard: number;
  soft: number;
  softSeconds: number;
}

export class PubSubStats {
  readonly channels: CounterTable;
  readonly shardChannels: CounterTable;
  readonly patterns: CounterTable;
  /** Most recent last. */
  readonly disconnects: SlowDisconnect[] = [];
  slowDisconnectsTotal = 0;

  constructor(live: { channel(n: string): boolean; shard(n: string): boolean; pattern(n: string): boolean }) {
    this.channels = new CounterTable(live.channel);
    this.shardChannels = new CounterTable(live.shard);
    this.patterns = new CounterTable(live.pattern);
  }

  /** CONFIG RESETSTAT: every counter to zero and the disconnect history emptied. */
  reset(): void {
    for (const table of [this.channels, this.shardChannels, this.patterns]) for (const [, c] of table.entries()) c.reset();
    this.disconnects.length = 0;
    this.slowDisconnectsTotal = 0;
  }

  /** Called by the server when it closes a client for its output buffer limit. */
  recordDisconnect(client: Subscriber, pendingBytes: number, limit: OutputLimitLike): void {
    this.slowDisconnectsTotal++;
    const reason =
      limit.hard > 0 && pendingBytes >= limit.hard
        ? `hard limit ${limit.hard} bytes`
        : `soft limit ${limit.soft} bytes for ${limit.softSeconds} s`;
    const subscriptions: string[] = [];
    for (const set of [client.channels, client.patterns, client.shardChannels]) {
      for (const name of set) if (subscriptions.length < 8) subscriptions.push(name);
    }
    this.disconnects.push({
      id: client.id,
      name: client.name,
      addr: client.addr,
      at: Date.now(),
      reason,
      pendingBytes,
      queuedMessages: client.queuedMessages,
      softLimitHits: client.softLimitHits,
      subscriptions,
    });
    if (this.disconnects.length > DISCONNECT_HISTORY) this.disconnects.shift();
  }
}

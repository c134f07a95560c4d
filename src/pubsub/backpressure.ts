// Backpressure for fan-out: a connection whose commands queue pub/sub messages for a subscriber
// that has fallen behind is not read again, and runs none of the commands it has buffered, until
// that subscriber has drained. A pipelining
// publisher is slowed to its subscribers' pace instead of a subscriber that does read, only more
// slowly, being dropped at the pubsub output-buffer limit.
//
// Redis has no such hold: it reads at most 16 KiB per client per event-loop turn, which paces a
// publisher when the server is busy, but a subscriber that reads more slowly than a pipelining
// publisher writes is still dropped at the limit. The hold must not make a subscriber that does
// not read at all stall its publishers: a lagging subscriber that has not drained within
// STUCK_MS is given up on (its publishers are released and no longer held for it), so its output
// grows to the limit and it is disconnected as in Redis. Draining below the threshold makes it an
// ordinary subscriber again.

/** How long a lagging subscriber may hold publishers without draining before it counts as stuck. */
export const STUCK_MS = 1000;

/** What the hold needs of a connection, as publisher or as subscriber. */
export interface HoldPeer {
  /** Reading from the connection stops on pause() and starts again on resume(); null: no connection. */
  readonly socket: { pause(): unknown; resume(): unknown } | null;
  readonly closing: boolean;
  /** Output queued this turn, not yet handed to the socket. */
  readonly out: { readonly size: number };
}

interface Lag<C> {
  /** Publishers not read while this subscriber drains. */
  readonly waiting: Set<C>;
  timer: NodeJS.Timeout | undefined;
  /** It did not drain within STUCK_MS: publishers are no longer held for it. */
  stuck: boolean;
}

export class PublisherHolds<C extends HoldPeer> {
  /** `released`: a held publisher may go on (run the commands it had buffered when held). */
  constructor(private readonly released?: (publisher: C) => void) {}

  /** Pending output (bytes) from which a subscriber holds its publishers back; 0: never. */
  private threshold = 0;
  /** Subscribers whose pending output is over the threshold. */
  private readonly lagging = new Map<C, Lag<C>>();
  /** Held publishers: how many lagging subscribers each waits for. */
  private readonly held = new Map<C, number>();
  /** A lagging subscriber that the input being run delivered to. */
  private hit: C | undefined;

  /**
   * Derive the threshold from the pubsub class's limits: half the smaller of the hard and soft
   * limits, so that a subscriber that reads stays clear of both; no limit, no hold (as Redis,
   * output then grows without bound). A change releases every held publisher.
   */
  configure(hard: number, soft: number): void {
    const limit = hard > 0 && soft > 0 ? Math.min(hard, soft) : Math.max(hard, soft);
    const threshold = Math.floor(limit / 2);
    if (threshold === this.threshold) return;
    this.threshold = threshold;
    for (const [sub, lag] of [...this.lagging]) this.settle(sub, lag);
  }

  /** A message was queued for `sub` (called on every delivery: the common case is two compares). */
  delivered(sub: C): void {
    if (this.threshold === 0) return;
    if (this.lagging.size === 0) {
      if (sub.out.size >= this.threshold) this.hit = sub;
      return;
    }
    const lag = this.lagging.get(sub);
    if (lag === undefined ? sub.out.size >= this.threshold : !lag.stuck) this.hit = sub;
  }

  /** Before running a connection's commands (a delivery outside them holds nobody). */
  beginInput(): void {
    this.hit = undefined;
  }

  /** The command just run delivered to a subscriber that may lag (holdIfHit decides). */
  get hitPending(): boolean {
    return this.hit !== undefined;
  }

  /** Is this connection held (not read, its buffered commands not run) until a subscriber drains? */
  isHeld(publisher: C): boolean {
    return this.held.size !== 0 && this.held.has(publisher);
  }

  /**
   * After a command of `publisher`: if it delivered to a subscriber that lags, hold the publisher
   * (its socket paused, its buffered commands left for its release). True when it is held now.
   */
  holdIfHit(publisher: C): boolean {
    const sub = this.hit;
    if (sub === undefined) return false;
    this.hit = undefined;
    if (publisher.closing || publisher.socket === null || sub.closing) return false;
    let lag = this.lagging.get(sub);
    if (lag === undefined) {
      lag = { waiting: new Set(), timer: undefined, stuck: false };
      this.lagging.set(sub, lag);
    }
    if (lag.stuck) return false;
    if (lag.waiting.has(publisher)) return true;
    lag.waiting.add(publisher);
    const count = (this.held.get(publisher) ?? 0) + 1;
    this.held.set(publisher, count);
    if (count === 1) publisher.socket.pause();
    if (lag.timer === undefined) {
      const stuckLag = lag;
      lag.timer = setTimeout(() => {
        stuckLag.timer = undefined;
        stuckLag.stuck = true;
        this.releaseAll(stuckLag);
      }, STUCK_MS);
      lag.timer.unref();
    }
    return true;
  }

  /**
   * A subscriber's pending output (queued and not yet taken by the kernel), measured after a
   * flush, a drain or an output-limit check: over the threshold it lags, under it it has drained.
   */
  observe(sub: C, pending: number): void {
    if (this.threshold === 0) return;
    if (pending >= this.threshold) {
      if (!this.lagging.has(sub)) this.lagging.set(sub, { waiting: new Set(), timer: undefined, stuck: false });
    } else if (this.lagging.size !== 0) {
      const lag = this.lagging.get(sub);
      if (lag !== undefined) this.settle(sub, lag);
    }
  }

  /** A connection closed: it holds nobody and waits for nobody. */
  forget(client: C): void {
    const lag = this.lagging.get(client);
    if (lag !== undefined) this.settle(client, lag);
    this.held.delete(client);
    if (this.hit === client) this.hit = undefined;
  }

  /** Publishers held now (tests, INFO). */
  get heldPublishers(): number {
    return this.held.size;
  }

  private settle(sub: C, lag: Lag<C>): void {
    this.lagging.delete(sub);
    if (lag.timer !== undefined) clearTimeout(lag.timer);
    lag.timer = undefined;
    this.releaseAll(lag);
  }

  private releaseAll(lag: Lag<C>): void {
    for (const publisher of lag.waiting) {
      const count = this.held.get(publisher);
      if (count === undefined) continue;
      if (count > 1) {
        this.held.set(publisher, count - 1);
        continue;
      }
      this.held.delete(publisher);
      if (!publisher.closing) {
        publisher.socket?.resume();
        this.released?.(publisher);
      }
    }
    lag.waiting.clear();
  }
}

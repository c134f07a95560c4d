// Channel, pattern and shard-channel subscriptions, and fan-out.
//
// A published message is encoded once per frame kind (RESP2 array / RESP3 push differ only in the
// first byte) and the same bytes are queued on every receiving connection. Large payloads are not
// copied at all: the header, the payload view and the trailing CRLF are queued by reference.
import type { Subscriber } from './subscriber.js';
import { globMatch } from './glob.js';
import { PubSubStats, coarseNow } from './stats.js';

const CRLF = Buffer.from('\r\n');
/** Payloads below this are framed into one contiguous buffer; above, queued by reference. */
const INLINE_PAYLOAD = 16 * 1024;

export interface Delivery<C extends Subscriber = Subscriber> {
  /** Queue bytes for a client and make sure a flush is scheduled (the server provides this). */
  deliver(client: C, frame: Buffer): void;
}

/** Frame bytes for one message kind, built lazily per protocol. */
class Frame {
  private resp2: Buffer[] | undefined;
  private resp3: Buffer[] | undefined;

  constructor(
    private readonly kind: string,
    /** The matching pattern as its latin1 map key (1 char = 1 byte), for pmessage frames. */
    private readonly pattern: string | undefined,
    private readonly channel: Buffer,
    private readonly message: Buffer,
  ) {}

  parts(proto: 2 | 3): Buffer[] {
    if (proto === 2) return (this.resp2 ??= this.build(42 /* * */));
    if (this.resp3 === undefined) {
      const base = this.parts(2);
      const head = Buffer.from(base[0]!);
      head[0] = 62; /* > */
      this.resp3 = base.length === 1 ? [head] : [head, base[1]!, base[2]!];
    }
    return this.resp3;
  }

  private build(prefix: number): Buffer[] {
    const { kind, pattern, channel, message } = this;
    let header = `${String.fromCharCode(prefix)}${pattern !== undefined ? 4 : 3}\r\n$${kind.length}\r\n${kind}\r\n`;
    if (pattern !== undefined) header += `$${pattern.length}\r\n${pattern}\r\n`;
    header += `$${channel.length}\r\n${channel.toString('latin1')}\r\n$${message.length}\r\n`;
    const headLen = Buffer.byteLength(header, 'latin1');
    if (message.length < INLINE_PAYLOAD) {
      const frame = Buffer.allocUnsafe(headLen + message.length + 2);
      frame.write(header, 0, 'latin1');
      message.copy(frame, headLen);
      frame[headLen + message.length] = 13;
      frame[headLen + message.length + 1] = 10;
      return [frame];
    }
    return [Buffer.from(header, 'latin1'), message, CRLF];
  }
}

/** An in-process observer of published messages (the dashboard's message tap); not a client. */
export interface Tap {
  /** latin1 channel name, or a glob when `isPattern`. */
  name: string;
  isPattern: boolean;
  onMessage(channel: Buffer, message: Buffer, shard: boolean): void;
}

/** C is the server's client type, which hands subscribers back typed as it knows them. */
export class PubSubHub<C extends Subscriber = Subscriber> {
  private readonly channels = new Map<string, Set<C>>();
  private readonly patterns = new Map<string, Set<C>>();
  private readonly shardChannels = new Map<string, Set<C>>();
  private readonly taps = new Set<Tap>();
  readonly stats = new PubSubStats({
    channel: (n) => this.channels.has(n),
    shard: (n) => this.shardChannels.has(n),
    pattern: (n) => this.patterns.has(n),
  });

  /**
   * Per-channel counters on the publish path. Always on in a real server; TIDINGS_PUBSUB_STATS=0 in
   * the environment turns them off only so bench/pubsub-stats.mjs can measure what they cost.
   */
  private readonly countPublishes = process.env.TIDINGS_PUBSUB_STATS !== '0';

  constructor(private readonly delivery: Delivery<C>) {}

  // ---- subscriptions (return true if newly added) ----

  subscribe(client: C, channel: string): boolean {
    if (!add(this.channels, client.channels, client, channel)) return false;
    this.stats.channels.get(channel).subscribers = this.channels.get(channel);
    return true;
  }

  unsubscribe(client: C, channel: string): boolean {
    return remove(this.channels, client.channels, client, channel);
  }

  psubscribe(client: C, pattern: string): boolean {
    if (!add(this.patterns, client.patterns, client, pattern)) return false;
    this.stats.patterns.get(pattern);
    return true;
  }

  punsubscribe(client: C, pattern: string): boolean {
    return remove(this.patterns, client.patterns, client, pattern);
  }

  ssubscribe(client: C, channel: string): boolean {
    if (!add(this.shardChannels, client.shardChannels, client, channel)) return false;
    this.stats.shardChannels.get(channel).subscribers = this.shardChannels.get(channel);
    return true;
  }

  sunsubscribe(client: C, channel: string): boolean {
    return remove(this.shardChannels, client.shardChannels, client, channel);
  }

  /** Drop every subscription of a disconnecting (or RESET) client. */
  removeClient(client: C): void {
    for (const ch of client.channels) this.channels.get(ch)?.delete(client) && cleanup(this.channels, ch);
    for (const p of client.patterns) this.patterns.get(p)?.delete(client) && cleanup(this.patterns, p);
    for (const ch of client.shardChannels) {
      this.shardChannels.get(ch)?.delete(client) && cleanup(this.shardChannels, ch);
    }
    client.channels.clear();
    client.patterns.clear();
    client.shardChannels.clear();
  }

  // ---- publishing ----

  /** Deliver to channel and pattern subscribers; returns the number of deliveries. */
  publish(channel: Buffer, message: Buffer): number {
    if (!this.countPublishes) return this.publishUncounted(channel, message);
    const name = channel.toString('latin1');
    const now = coarseNow();
    // Keyspace notifications name a channel per key: count them only where someone listens, so
    // notify-keyspace-events does not fill the table (or cost a counter set per written key).
    const perKey = name.startsWith('__keyspace@') || name.startsWith('__keyevent@');
    let counters = perKey ? this.stats.channels.peek(name) : this.stats.channels.get(name);
    let receivers = 0;
    // The stats keep this hub's own sets (subscribe() stores them), so they hold C.
    const subscribers = counters?.subscribers as Set<C> | undefined;
    if (subscribers !== undefined && subscribers.size !== 0) {
      const frame = new Frame('message', undefined, channel, message);
      for (const client of subscribers) this.send(client, frame);
      receivers += subscribers.size;
    }
    if (this.patterns.size !== 0) {
      for (const [pattern, clients] of this.patterns) {
        if (!globMatch(pattern, name)) continue;
        const frame = new Frame('pmessage', pattern, channel, message);
        for (const client of clients) this.send(client, frame);
        receivers += clients.size;
        this.stats.patterns.get(pattern).record(now, clients.size, message.length);
      }
    }
    if (counters === undefined && receivers !== 0) counters = this.stats.channels.get(name);
    counters?.record(now, receivers, message.length);
    if (this.taps.size !== 0) this.tap(channel, name, message, false);
    return receivers;
  }

  /** publish() without the per-channel and per-pattern counters (the benchmark's baseline). */
  private publishUncounted(channel: Buffer, message: Buffer): number {
    const name = channel.toString('latin1');
    let receivers = 0;
    const subscribers = this.channels.get(name);
    if (subscribers !== undefined) {
      const frame = new Frame('message', undefined, channel, message);
      for (const client of subscribers) this.send(client, frame);
      receivers += subscribers.size;
    }
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, name)) continue;
      const frame = new Frame('pmessage', pattern, channel, message);
      for (const client of clients) this.send(client, frame);
      receivers += clients.size;
    }
    if (this.taps.size !== 0) this.tap(channel, name, message, false);
    return receivers;
  }

  spublish(channel: Buffer, message: Buffer): number {
    const name = channel.toString('latin1');
    const counters = this.stats.shardChannels.get(name);
    const subscribers = counters.subscribers as Set<C> | undefined;
    const receivers = subscribers === undefined ? 0 : subscribers.size;
    if (subscribers !== undefined && receivers !== 0) {
      const frame = new Frame('smessage', undefined, channel, message);
      for (const client of subscribers) this.send(client, frame);
    }
    counters.record(coarseNow(), receivers, message.length);
    if (this.taps.size !== 0) this.tap(channel, name, message, true);
    return receivers;
  }

  private send(client: C, frame: Frame): void {
    // Count messages queued since the client's output was last empty (an upper bound on what
    // is still waiting once part of it has been written).
    if (client.out.size === 0 && client.unsentBytes === 0) client.queuedMessages = 0;
    client.queuedMessages++;
    for (const part of frame.parts(client.proto)) this.delivery.deliver(client, part);
  }

  // ---- taps (in-process observers; never counted as subscribers) ----

  addTap(tap: Tap): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  get tapCount(): number {
    return this.taps.size;
  }

  private tap(channel: Buffer, name: string, message: Buffer, shard: boolean): void {
    for (const t of this.taps) {
      if (t.isPattern ? globMatch(t.name, name) : t.name === name) t.onMessage(channel, message, shard);
    }
  }

  /** Who receives messages published to `channel`: direct subscribers, then pattern subscribers. */
  receiversOf(channel: string): { client: C; via: string | undefined }[] {
    const out: { client: C; via: string | undefined }[] = [];
    for (const client of this.channels.get(channel) ?? []) out.push({ client, via: undefined });
    for (const [pattern, clients] of this.patterns) {
      if (globMatch(pattern, channel)) for (const client of clients) out.push({ client, via: pattern });
    }
    return out;
  }

  shardReceiversOf(channel: string): C[] {
    return [...(this.shardChannels.get(channel) ?? [])];
  }

  patternSubscriberCount(pattern: string): number {
    return this.patterns.get(pattern)?.size ?? 0;
  }

  // ---- introspection (PUBSUB) ----

  channelNames(pattern?: string): string[] {
    return filterNames(this.channels, pattern);
  }

  shardChannelNames(pattern?: string): string[] {
    return filterNames(this.shardChannels, pattern);
  }

  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  shardSubscriberCount(channel: string): number {
    return this.shardChannels.get(channel)?.size ?? 0;
  }

  get patternCount(): number {
    return this.patterns.size;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  get shardChannelCount(): number {
    return this.shardChannels.size;
  }
}

function add<C extends Subscriber>(index: Map<string, Set<C>>, own: Set<string>, client: C, name: string): boolean {
  if (own.has(name)) return false;
  own.add(name);
  let set = index.get(name);
  if (set === undefined) index.set(name, (set = new Set()));
  set.add(client);
  return true;
}

function remove<C extends Subscriber>(index: Map<string, Set<C>>, own: Set<string>, client: C, name: string): boolean {
  if (!own.delete(name)) return false;
  const set = index.get(name);
  if (set !== undefined) {
    set.delete(client);
    cleanup(index, name);
  }
  return true;
}

function cleanup<C extends Subscriber>(index: Map<string, Set<C>>, name: string): boolean {
  if (index.get(name)?.size === 0) index.delete(name);
  return true;
}

function filterNames<C extends Subscriber>(index: Map<string, Set<C>>, pattern?: string): string[] {
  const names: string[] = [];
  for (const name of index.keys()) if (pattern === undefined || globMatch(pattern, name)) names.push(name);
  return names;
}

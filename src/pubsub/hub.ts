// Channel, pattern and shard-channel subscriptions, and fan-out.
//
// A published message is encoded once per frame kind (RESP2 array / RESP3 push differ only in the
// first byte) and the same bytes are queued on every receiving connection. Large payloads are not
// copied at all: the header, the payload view and the trailing CRLF are queued by reference.
import type { Client } from '../net/client.js';
import { globMatch } from './glob.js';

const CRLF = Buffer.from('\r\n');
/** Payloads below this are framed into one contiguous buffer; above, queued by reference. */
const INLINE_PAYLOAD = 16 * 1024;

export interface Delivery {
  /** Queue bytes for a client and make sure a flush is scheduled (the server provides this). */
  deliver(client: Client, frame: Buffer): void;
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

export class PubSubHub {
  private readonly channels = new Map<string, Set<Client>>();
  private readonly patterns = new Map<string, Set<Client>>();
  private readonly shardChannels = new Map<string, Set<Client>>();

  constructor(private readonly delivery: Delivery) {}

  // ---- subscriptions (return true if newly added) ----

  subscribe(client: Client, channel: string): boolean {
    return add(this.channels, client.channels, client, channel);
  }

  unsubscribe(client: Client, channel: string): boolean {
    return remove(this.channels, client.channels, client, channel);
  }

  psubscribe(client: Client, pattern: string): boolean {
    return add(this.patterns, client.patterns, client, pattern);
  }

  punsubscribe(client: Client, pattern: string): boolean {
    return remove(this.patterns, client.patterns, client, pattern);
  }

  ssubscribe(client: Client, channel: string): boolean {
    return add(this.shardChannels, client.shardChannels, client, channel);
  }

  sunsubscribe(client: Client, channel: string): boolean {
    return remove(this.shardChannels, client.shardChannels, client, channel);
  }

  /** Drop every subscription of a disconnecting (or RESET) client. */
  removeClient(client: Client): void {
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
    if (this.channels.size === 0 && this.patterns.size === 0) return 0;
    let receivers = 0;
    const name = channel.toString('latin1');
    const subscribers = this.channels.get(name);
    if (subscribers !== undefined) {
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
      }
    }
    return receivers;
  }

  spublish(channel: Buffer, message: Buffer): number {
    const subscribers = this.shardChannels.get(channel.toString('latin1'));
    if (subscribers === undefined) return 0;
    const frame = new Frame('smessage', undefined, channel, message);
    for (const client of subscribers) this.send(client, frame);
    return subscribers.size;
  }

  private send(client: Client, frame: Frame): void {
    for (const part of frame.parts(client.proto)) this.delivery.deliver(client, part);
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

function add(index: Map<string, Set<Client>>, own: Set<string>, client: Client, name: string): boolean {
  if (own.has(name)) return false;
  own.add(name);
  let set = index.get(name);
  if (set === undefined) index.set(name, (set = new Set()));
  set.add(client);
  return true;
}

function remove(index: Map<string, Set<Client>>, own: Set<string>, client: Client, name: string): boolean {
  if (!own.delete(name)) return false;
  const set = index.get(name);
  if (set !== undefined) {
    set.delete(client);
    cleanup(index, name);
  }
  return true;
}

function cleanup(index: Map<string, Set<Client>>, name: string): boolean {
  if (index.get(name)?.size === 0) index.delete(name);
  return true;
}

function filterNames(index: Map<string, Set<Client>>, pattern?: string): string[] {
  const names: string[] = [];
  for (const name of index.keys()) if (pattern === undefined || globMatch(pattern, name)) names.push(name);
  return names;
}

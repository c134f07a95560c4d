// What pub/sub needs of a connection: its subscriptions, protocol, and how much output waits.
// net/client.ts's Client is one; pub/sub names this instead of importing net/.
import type { Protocol } from '../protocol/writer.js';

export interface Subscriber {
  readonly id: number;
  readonly name: string;
  readonly addr: string;
  readonly proto: Protocol;
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  readonly shardChannels: Set<string>;
  /** Replies queued this turn. */
  readonly out: { readonly size: number };
  /** What the socket still holds for the kernel; null for socketless clients. */
  readonly socket: { readonly writableLength: number } | null;
  /** Pub/sub messages queued since the output was last empty. */
  queuedMessages: number;
  readonly softLimitHits: number;
}

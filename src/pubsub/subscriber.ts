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
  /** Bytes handed to the socket that the kernel has not taken yet (0 without a socket). */
  readonly unsentBytes: number;
  /** Pub/sub messages queued since the output was last empty. */
  queuedMessages: number;
  readonly softLimitHits: number;
}

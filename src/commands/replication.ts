// Replication, master side only: SYNC and PSYNC hand the connection a full copy of the dataset (an
// RDB payload, `$<length>\r\n<bytes>` with no trailing CRLF, as Redis sends it) and then every
// write as it happens: the effects stream (server/effects.ts), with SELECT whenever the database
// changes — the same stream the append-only file gets. Tidings cannot be a replica itself.
import { NO_REPLY, Status, type HandlerResult } from '../protocol/reply.js';
import { Errors } from '../protocol/errors.js';
import type { Client } from '../net/client.js';
import type { Server } from '../server/server.js';
import type { Effect, EffectsConsumer } from '../server/effects.js';
import { encodeCommand } from '../persistence/aof-rewrite.js';
import { serverSnapshot } from '../persistence/rdbfile.js';
import type { CommandContext, CommandSpec } from './types.js';

const SELECT = Buffer.from('SELECT');
const noKeys = { firstKey: 0, lastKey: 0, step: 0 } as const;

/** One attached replica connection: fed every effect until it closes. */
class ReplicaFeed implements EffectsConsumer {
  private selectedDb = -1;

  constructor(
    private readonly server: Server,
    readonly client: Client,
  ) {}

  feed(effects: readonly Effect[]): void {
    // A closed connection is dropped at the next write (no hook on close needed).
    if (this.client.closing) {
      // Not while the stream iterates its consumers (that would skip the next one).
      queueMicrotask(() => this.server.effects.unsubscribe(this));
      return;
    }
    for (const effect of effects) {
      if (effect.db !== this.selectedDb) {
        this.client.pushRaw(encodeCommand([SELECT, Buffer.from(String(effect.db))]));
        this.selectedDb = effect.db;
      }
      this.client.pushRaw(encodeCommand(effect.argv));
    }
    this.server.scheduleFlush(this.client);
  }
}

/** Replica connections attached by SYNC/PSYNC, per server. */
const feeds = new WeakMap<Server, Set<ReplicaFeed>>();

/** Replicas still connected (INFO replication's connected_slaves). */
export function replicaCount(server: Server): number {
  const set = feeds.get(server);
  if (set === undefined) return 0;
  for (const feed of set) if (feed.client.closing) set.delete(feed);
  return set.size;
}

function attach(ctx: CommandContext, preamble: string | undefined): HandlerResult {
  const { server, client } = ctx;
  if (client.multi !== undefined) throw Errors.custom('ERR Replica can\'t be in a MULTI');
  let set = feeds.get(server);
  if (set === undefined) feeds.set(server, (set = new Set()));
  for (const feed of set) if (feed.client === client) return NO_REPLY; // already attached: ignored, as Redis
  if (preamble !== undefined) client.push(new Status(preamble));
  // The image and the subscription happen in the same turn, so no write falls between them.
  const started = performance.now();
  const snapshot = serverSnapshot(server, false);
  snapshot.step();
  const rdb = snapshot.take();
  server.stats.forked(started);
  client.pushRaw(Buffer.from(`$${rdb.length}\r\n`, 'latin1'));
  client.pushRaw(rdb);
  const feed = new ReplicaFeed(server, client);
  set.add(feed);
  server.effects.subscribe(feed);
  server.log('notice', `Replica ${client.addr} asks for synchronization`);
  server.log('notice', `Synchronization with replica ${client.addr} succeeded`);
  server.scheduleFlush(client);
  return NO_REPLY;
}

const FLAGS = ['admin', 'noscript', 'no_multi'] as const;

export const specs: CommandSpec[] = [
  {
    name: 'sync',
    arity: 1,
    flags: [...FLAGS],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: (ctx) => attach(ctx, undefined),
  },
  {
    name: 'psync',
    arity: -3,
    flags: [...FLAGS],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    // A partial resync is never possible: always a full one, from offset 0 of a fresh history.
    handler: (ctx) => attach(ctx, `FULLRESYNC ${ctx.server.runId} 0`),
  },
];

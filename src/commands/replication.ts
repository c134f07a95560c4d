// Replication commands. Master side: SYNC and PSYNC hand the connection a full copy of the dataset
// (an RDB payload, `$<length>\r\n<bytes>` with no trailing CRLF, as Redis sends it), or, when the
// replica asks to continue a history we still hold in the backlog, +CONTINUE and the missing
// bytes; then the replication stream (server/replica.ts, ReplicaFeeds). REPLCONF carries the
// replica's announcements and its ACKs. Replica side: REPLICAOF / SLAVEOF start or stop the link.
import { BLOCKED, NO_REPLY, OK, ReplyError, Status, type HandlerResult, type Reply } from '../protocol/reply.js';
import { Errors } from '../protocol/errors.js';
import { tryParseInteger } from '../protocol/numbers.js';
import type { AttachedReplica, CommandHost, CommandSession } from './host.js';
import { serverSnapshot } from '../persistence/rdbfile.js';
import type { CommandContext, CommandSpec } from './types.js';

const noKeys = { firstKey: 0, lastKey: 0, step: 0 } as const;

/** What a connection announced with REPLCONF before it asked for a sync. */
interface Announced {
  port: number;
  ip: string;
}
const announced = new WeakMap<CommandSession, Announced>();
/** Connections that are attached replicas. */
const attachedOf = new WeakMap<CommandSession, AttachedReplica>();

/** The attached replica behind a connection, if it is one (CLIENT LIST flags=S, CLIENT KILL TYPE). */
export function attachedReplica(client: CommandSession): AttachedReplica | undefined {
  const replica = attachedOf.get(client);
  return replica !== undefined && !client.closing ? replica : undefined;
}

function attach(ctx: CommandContext, psync: { replid: string; from: number } | undefined): HandlerResult {
  const { server, client } = ctx;
  if (client.multi !== undefined) throw Errors.custom("ERR Replica can't be in a MULTI");
  if (attachedOf.has(client)) return NO_REPLY; // already attached: ignored, as Redis
  const feeds = server.replicaFeeds;
  // A replica whose own link is not up cannot serve a copy yet (Redis's -NOMASTERLINK).
  const link = server.replicaLink;
  if (link !== undefined && link.state !== 'connected') {
    return new ReplyError("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  const info = announced.get(client);
  const replica: AttachedReplica = {
    client,
    port: info?.port ?? 0,
    ip: info !== undefined && info.ip !== '' ? info.ip : client.addr.slice(0, client.addr.lastIndexOf(':')),
    ackOffset: 0,
    ackMs: Date.now(),
    state: 'online',
  };
  feeds.start();
  const repl = server.repl;
  if (psync !== undefined && repl.canContinue(psync.replid, psync.from)) {
    const missing = repl.since(psync.from)!;
    client.push(new Status(`CONTINUE ${repl.replid}`));
    if (missing.length > 0) client.pushRaw(missing);
    attachedOf.set(client, replica);
    feeds.replicas.add(replica);
    server.log('notice', `Partial resynchronization request from ${client.addr} accepted. Sending ${missing.length} bytes of backlog starting from offset ${psync.from}.`);
    server.scheduleFlush(client);
    return NO_REPLY;
  }
  if (psync !== undefined) client.push(new Status(`FULLRESYNC ${repl.replid} ${repl.offset}`));
  // The image and the subscription happen in the same turn, so no write falls between them.
  const started = performance.now();
  const snapshot = serverSnapshot(server, false);
  snapshot.step();
  const rdb = snapshot.take();
  server.stats.forked(started);
  client.pushRaw(Buffer.from(`$${rdb.length}\r\n`, 'latin1'));
  client.pushRaw(rdb);
  // The new replica's stream must start with a SELECT: it knows no database yet.
  feeds.forceSelect();
  attachedOf.set(client, replica);
  feeds.replicas.add(replica);
  server.log('notice', `Replica ${client.addr} asks for synchronization`);
  server.log('notice', `Synchronization with replica ${client.addr} succeeded`);
  server.scheduleFlush(client);
  return NO_REPLY;
}

function replconf(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  if (argv.length % 2 === 0) return Errors.syntax();
  const { server, client } = ctx;
  for (let i = 1; i < argv.length; i += 2) {
    const option = argv[i]!.toString('latin1').toLowerCase();
    const value = argv[i + 1]!;
    switch (option) {
      case 'listening-port': {
        const port = tryParseInteger(value);
        if (port === undefined) return Errors.notInteger();
        const info = announced.get(client) ?? { port: 0, ip: '' };
        info.port = port;
        announced.set(client, info);
        break;
      }
      case 'ip-address': {
        const info = announced.get(client) ?? { port: 0, ip: '' };
        info.ip = value.toString('latin1');
        announced.set(client, info);
        break;
      }
      case 'capa':
        break;
      case 'ack': {
        // From an attached replica only; never answered.
        const replica = attachedOf.get(client);
        const offset = tryParseInteger(value);
        if (replica !== undefined && offset !== undefined) server.replicaFeeds.acked(replica, offset);
        return NO_REPLY;
      }
      case 'getack':
        // Only the master asks this of us (in its stream: server/replica.ts answers there).
        return NO_REPLY;
      case 'rdb-only': {
        const n = tryParseInteger(value);
        if (n === undefined) return Errors.notInteger();
        if (n !== 0 && n !== 1) return new ReplyError('ERR value is out of range, value must between 0 and 1');
        break;
      }
      default:
        return new ReplyError(`ERR Unrecognized REPLCONF option: ${argv[i]!.toString('latin1')}`);
    }
  }
  return OK;
}

function replicaof(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const { server, client } = ctx;
  const host = argv[1]!.toString('latin1');
  const portText = argv[2]!.toString('latin1');
  if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') {
    server.promote();
    return OK;
  }
  if (client.kind === 'master') return new ReplyError('ERR Command is not valid when client is a replica.');
  const port = tryParseInteger(portText);
  if (port === undefined || port < 0 || port > 65535) return new ReplyError('ERR Invalid master port');
  const link = server.replicaLink;
  if (link !== undefined && link.masterHost.toLowerCase() === host.toLowerCase() && link.masterPort === port) {
    server.log('notice', 'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return new Status('OK Already connected to specified master');
  }
  server.replicaOf(host, port);
  server.log('notice', `REPLICAOF ${host}:${port} enabled (user request from '${server.describeClient(client)}')`);
  return OK;
}

function psyncHandler(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const replid = argv[1]!.toString('latin1');
  const from = tryParseInteger(argv[2]!);
  return attach(ctx, { replid, from: from ?? -1 });
}

const FLAGS = ['admin', 'noscript', 'no_multi'] as const;
const ADMIN = ['@admin', '@slow', '@dangerous'];

export const specs: CommandSpec[] = [
  {
    name: 'sync',
    arity: 1,
    flags: [...FLAGS],
    ...noKeys,
    categories: ADMIN,
    handler: (ctx) => attach(ctx, undefined),
  },
  {
    name: 'psync',
    arity: -3,
    flags: [...FLAGS],
    ...noKeys,
    categories: ADMIN,
    handler: psyncHandler,
  },
  {
    name: 'replconf',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
    ...noKeys,
    categories: ADMIN,
    handler: replconf,
  },
  {
    name: 'replicaof',
    arity: 3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    ...noKeys,
    categories: ADMIN,
    handler: replicaof,
  },
  {
    name: 'slaveof',
    arity: 3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    ...noKeys,
    categories: ADMIN,
    handler: replicaof,
  },
];

const LINK_STATE_NAMES = { connect: 'connect', connecting: 'connecting', handshake: 'handshake', transfer: 'sync', connected: 'connected' } as const;

/** INFO replication's fields, as redis-server 7.0 lists them. */
export function replicationInfo(server: CommandHost): [string, string | number][] {
  const fields: [string, string | number][] = [];
  const repl = server.repl;
  const link = server.replicaLink;
  const now = Date.now();
  if (link === undefined) fields.push(['role', 'master']);
  else {
    const up = link.state === 'connected';
    fields.push(
      ['role', 'slave'],
      ['master_host', link.masterHost],
      ['master_port', link.masterPort],
      ['master_link_status', up ? 'up' : 'down'],
      ['master_last_io_seconds_ago', up ? Math.floor((now - link.lastIoMs) / 1000) : -1],
      ['master_sync_in_progress', link.syncInProgress ? 1 : 0],
      ['slave_read_repl_offset', link.readOffset],
      ['slave_repl_offset', repl.offset],
    );
    if (link.syncInProgress) {
      const total = link.syncBytesTotal;
      fields.push(
        ['master_sync_total_bytes', total],
        ['master_sync_read_bytes', link.syncBytesRead],
        ['master_sync_left_bytes', total < 0 ? -1 : total - link.syncBytesRead],
        ['master_sync_perc', total <= 0 ? '0.00' : ((100 * link.syncBytesRead) / total).toFixed(2)],
        ['master_sync_last_io_seconds_ago', Math.floor((now - link.lastIoMs) / 1000)],
      );
    }
    if (!up) fields.push(['master_link_down_since_seconds', link.fullSyncs === 0 ? -1 : Math.floor((now - link.downSinceMs) / 1000)]);
    fields.push(['slave_priority', server.config.number('replica-priority')], ['slave_read_only', server.config.bool('replica-read-only') ? 1 : 0], ['replica_announced', server.config.bool('replica-announced') ? 1 : 0]);
  }
  const replicas = server.replicaFeeds.connected();
  fields.push(['connected_slaves', replicas.length]);
  if (server.minReplicasEnforced) fields.push(['min_slaves_good_slaves', server.goodReplicas()]);
  replicas.forEach((r, i) => {
    fields.push([`slave${i}`, `ip=${r.ip},port=${r.port},state=${r.state},offset=${r.ackOffset},lag=${Math.floor((now - r.ackMs) / 1000)}`]);
  });
  fields.push(
    ['master_failover_state', 'no-failover'],
    ['master_replid', repl.replid],
    ['master_replid2', repl.replid2],
    ['master_repl_offset', repl.offset],
    ['second_repl_offset', repl.secondOffset === -1 ? -1 : repl.secondOffset + 1],
    ['repl_backlog_active', repl.active ? 1 : 0],
    ['repl_backlog_size', server.config.number('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', repl.active ? repl.firstByte : 0],
    ['repl_backlog_histlen', repl.histlen],
  );
  return fields;
}

/** ROLE's reply. */
export function roleReply(server: CommandHost): Reply {
  const link = server.replicaLink;
  if (link !== undefined) {
    return ['slave', link.masterHost, link.masterPort, LINK_STATE_NAMES[link.state], link.state === 'connected' ? server.repl.offset : -1];
  }
  const replicas = server.replicaFeeds.connected().map((r) => [r.ip, String(r.port), String(r.ackOffset)]);
  return ['master', server.repl.offset, replicas];
}

/**
 * WAIT numreplicas timeout: how many replicas acknowledged every write this client made so far
 * (the offset now); when fewer than asked, REPLCONF GETACK goes out and the client waits for ACKs
 * until enough arrive or the timeout (0: forever) passes.
 */
export function waitForReplicas(ctx: CommandContext, wanted: number, timeoutMs: number): HandlerResult {
  const { server, client } = ctx;
  if (server.replicaLink !== undefined) return new ReplyError('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  const feeds = server.replicaFeeds;
  const target = server.repl.offset;
  const now = feeds.countAcked(target);
  if (now >= wanted || ctx.fromScript || client.multi !== undefined) return now;
  const waiting = ctx.block({ keys: [], timeoutMs: 0, timeoutReply: now, retry: () => undefined });
  if (waiting !== BLOCKED) return feeds.countAcked(target);
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    feeds.ackListeners.delete(check);
    if (timer !== undefined) clearTimeout(timer);
    server.blocking.unblock(client, feeds.countAcked(target));
  };
  const check = () => {
    if (!server.blocking.isBlocked(client)) {
      feeds.ackListeners.delete(check);
      if (timer !== undefined) clearTimeout(timer);
      return;
    }
    if (feeds.countAcked(target) >= wanted) finish();
  };
  feeds.ackListeners.add(check);
  if (timeoutMs > 0) timer = setTimeout(() => (server.blocking.isBlocked(client) ? finish() : feeds.ackListeners.delete(check)), timeoutMs);
  feeds.sendCommand('REPLCONF', 'GETACK', '*');
  return BLOCKED;
}

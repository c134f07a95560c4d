// The live dashboard (`dashboard yes`, on the metrics listener): one static page, its script and
// uPlot served from the installed package, a snapshot pushed by server-sent events once a second
// while someone watches, and a message tap that follows a channel or pattern without being a client.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type http from 'node:http';
import type { Server } from '../server/server.js';
import type { ObserveListener } from './http.js';
import { channelRows, patternRows, subscribersByPending, type ChannelRow } from '../commands/tidings.js';
import { usedMemory } from '../store/eviction.js';
import { displayName } from './metrics.js';
import { coarseNow } from '../pubsub/stats.js';

/** Keys examined per snapshot for the by-type counts; past it the counts are scaled from a sample. */
const SCAN_BUDGET = 200_000;
/** The share of the time the keyspace walk may take (see SnapshotBuilder.keyspace). */
const SCAN_SHARE = 0.01;
const TOP_ROWS = 25;
const TOP_LISTS = 10;
/** The tap sends what it kept every TAP_FLUSH_MS, at most TAP_MESSAGES_PER_FLUSH messages (50 a second). */
const TAP_FLUSH_MS = 200;
const TAP_MESSAGES_PER_FLUSH = 10;
const PREVIEW_BYTES = 240;

function assetDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From src/ (tsx) the assets sit beside this file; from dist/ they ship in src/observe/dashboard.
  for (const dir of [path.join(here, 'dashboard'), path.join(here, '..', '..', 'src', 'observe', 'dashboard')]) {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  throw new Error('dashboard assets not found');
}

function uplotDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
}

const ASSETS: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => path.join(assetDir(), 'index.html'), type: 'text/html; charset=utf-8' },
  '/assets/dashboard.js': { file: () => path.join(assetDir(), 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/dashboard.css': { file: () => path.join(assetDir(), 'dashboard.css'), type: 'text/css; charset=utf-8' },
  '/assets/uPlot.iife.min.js': { file: () => path.join(uplotDir(), 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/uPlot.min.css': { file: () => path.join(uplotDir(), 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
};

export function installDashboard(server: Server, listener: ObserveListener): void {
  const snapshots = new SnapshotBuilder(server);
  const watchers = new Set<http.ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const data = `data: ${JSON.stringify(snapshots.build())}\n\n`;
    for (const res of watchers) res.write(data);
  };
  listener.onClose(() => {
    if (timer) clearInterval(timer);
    for (const res of watchers) res.end();
  });

  listener.addRoute((req, res, url) => {
    const asset = ASSETS[url.pathname];
    if (asset !== undefined) {
      const body = fs.readFileSync(asset.file());
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    if (url.pathname === '/events') {
      openStream(res);
      watchers.add(res);
      res.write(`data: ${JSON.stringify(snapshots.build())}\n\n`);
      if (timer === undefined) timer = setInterval(tick, 1000);
      req.on('close', () => {
        watchers.delete(res);
        if (watchers.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
        }
      });
      return true;
    }
    if (url.pathname === '/tap') {
      const name = url.searchParams.get('name') ?? '';
      if (name === '') {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('name is required\n');
        return true;
      }
      openStream(res);
      startTap(server, res, req, Buffer.from(name, 'utf8').toString('latin1'), url.searchParams.get('pattern') === '1');
      return true;
    }
    return false;
  });
}

function openStream(res: http.ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    ...SECURITY_HEADERS,
  });
  res.write(': tidings\n\n');
}

/** A message kept by a tap until its next flush: the head of the payload, copied (the original may be reused). */
interface TappedMessage {
  t: number;
  channel: string;
  shard: boolean;
  size: number;
  head: Buffer;
  /** Messages skipped before this one since the last message sent. */
  dropped: number;
}

/**
 * Follow messages on `name` (a channel, or a glob). The publish hook only keeps the first
 * TAP_MESSAGES_PER_FLUSH messages of each interval (their heads copied) and counts the rest; a
 * timer sends what was kept as one write every TAP_FLUSH_MS, each message telling how many were
 * skipped before it. A busy channel thus costs its PUBLISH a counter increment, no clock read, no
 * JSON and no socket write.
 */
function startTap(server: Server, res: http.ServerResponse, req: http.IncomingMessage, name: string, isPattern: boolean): void {
  let kept: TappedMessage[] = [];
  let dropped = 0;
  const flush = () => {
    if (kept.length === 0) return;
    let frames = '';
    for (const m of kept) {
      const { preview, binary } = previewOf(m.head, m.size);
      frames += `data: ${JSON.stringify({ t: m.t, channel: m.channel, shard: m.shard, size: m.size, dropped: m.dropped, preview, binary })}\n\n`;
    }
    kept = [];
    res.write(frames);
  };
  const timer = setInterval(flush, TAP_FLUSH_MS);
  const remove = server.hub.addTap({
    name,
    isPattern,
    onMessage(channel, message, shard) {
      if (kept.length >= TAP_MESSAGES_PER_FLUSH) {
        dropped++;
        return;
      }
      const head = Buffer.from(message.subarray(0, PREVIEW_BYTES));
      kept.push({ t: coarseNow(), channel: displayName(channel.toString('latin1')), shard, size: message.length, head, dropped });
      dropped = 0;
    },
  });
  const stop = () => {
    clearInterval(timer);
    remove();
  };
  req.on('close', stop);
  res.on('close', stop);
}

/** Text if the first bytes (`head` of a `size`-byte message) are printable UTF-8, else hex. */
function previewOf(head: Buffer, size: number): { preview: string; binary: boolean } {
  const text = head.toString('utf8');
  // A cut multi-byte character at the end is fine; replacement characters elsewhere mean binary.
  const body = size > head.length ? text.replace(/\uFFFD+$/, '') : text;
  if (!body.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f\x7f]/.test(body)) return { preview: body, binary: false };
  return { preview: head.toString('hex').replace(/(..)/g, '$1 ').trim(), binary: true };
}

interface KeyspaceWalk {
  types: Record<string, number>;
  sampled: boolean;
  streams: unknown[];
  longest: { db: number; key: string; length: number }[];
}

interface Totals {
  at: number;
  commands: number;
  calls: number;
  usec: number;
  netIn: number;
  netOut: number;
  channelMessages: Map<string, number>;
}

/** Builds the once-a-second snapshot; keeps the previous totals to turn counters into rates. */
class SnapshotBuilder {
  private previous: Totals | undefined;
  private walked: KeyspaceWalk | undefined;
  /** When the last walk started, and how long it took (ms, performance.now()). */
  private walkedAt = 0;
  private walkMs = 0;

  constructor(private readonly server: Server) {}

  build(): unknown {
    const server = this.server;
    const now = Date.now();
    let usec = 0;
    let calls = 0;
    for (const st of server.stats.commands.values()) {
      usec += st.usec;
      calls += st.calls;
    }
    const channels = channelRows(server);
    const totals: Totals = {
      at: now,
      commands: server.stats.totalCommands,
      calls,
      usec,
      netIn: server.stats.netInputBytes,
      netOut: server.stats.netOutputBytes,
      channelMessages: new Map(channels.map((c) => [`${c.kind}:${c.name}`, c.messages])),
    };
    const prev = this.previous;
    this.previous = totals;
    const seconds = prev ? Math.max(0.001, (now - prev.at) / 1000) : 1;
    const per = (a: number, b: number | undefined) => (prev === undefined || b === undefined ? 0 : Math.max(0, a - b) / seconds);
    const callsDelta = prev ? calls - prev.calls : 0;
    const m = process.memoryUsage();
    let pubsubClients = 0;
    for (const c of server.clients.values()) if (c.subscriptionCount > 0) pubsubClients++;
    const row = (r: ChannelRow) => ({
      name: displayName(r.name),
      kind: r.kind,
      subscribers: r.subscribers,
      messages: r.messages,
      deliveries: r.deliveries,
      bytes: r.bytes,
      ratePerMin: r.rate,
      perSec: r.kind === 'pattern' ? null : per(r.messages, prev?.channelMessages.get(`${r.kind}:${r.name}`) ?? 0),
      lastPublishMs: r.lastPublishMs,
    });
    const stats = server.hub.stats;
    return {
      t: now,
      version: { uptime: Math.floor((now - server.startedAt) / 1000), port: server.port },
      clients: { connected: server.clients.size, blocked: server.blocking.count, pubsub: pubsubClients },
      memory: { rss: m.rss, heapUsed: m.heapUsed, dataset: usedMemory(server), max: server.config.number('maxmemory') },
      ops: {
        total: totals.commands,
        perSec: per(totals.commands, prev?.commands),
        avgLatencyUs: prev !== undefined && callsDelta > 0 ? (usec - prev.usec) / callsDelta : 0,
      },
      net: { inPerSec: per(totals.netIn, prev?.netIn), outPerSec: per(totals.netOut, prev?.netOut) },
      pubsub: { channels: server.hub.channelCount, patterns: server.hub.patternCount, shardChannels: server.hub.shardChannelCount },
      channels: channels.slice(0, TOP_ROWS).map(row),
      patterns: patternRows(server).slice(0, TOP_ROWS).map(row),
      slow: {
        subscribers: subscribersByPending(server)
          .slice(0, 10)
          .map((c) => ({
            id: c.id,
            name: c.name,
            addr: c.addr,
            omem: c.outputBytes,
            queued: c.outputBytes === 0 ? 0 : c.queuedMessages,
            softLimitHits: c.softLimitHits,
            subscriptions: c.subscriptionCount,
          })),
        disconnectsTotal: stats.slowDisconnectsTotal,
        disconnects: stats.disconnects
          .slice(-10)
          .reverse()
          .map((d) => ({ ...d, subscriptions: d.subscriptions.map(displayName) })),
      },
      ...this.keyspace(),
      slowlog: server.slowlog.newest(10).map((e) => ({
        id: e.id,
        time: e.time,
        durationUs: e.durationUs,
        command: e.argv.map((a) => a.toString('utf8')).join(' ').slice(0, 200),
        client: e.addr,
      })),
    };
  }

  /**
   * The keyspace part. Walking the keys (by-type counts, the longest lists, streams with groups)
   * costs ~25 ms at 170k keys, 2.5% of a core once a second: the walk is redone only when its last
   * run took under SCAN_SHARE of the time since, so it costs at most that share; small datasets
   * are walked every snapshot. What waits on blocked keys is read fresh each time.
   */
  private keyspace(): { keyspace: unknown; queues: unknown } {
    const server = this.server;
    const now = performance.now();
    if (this.walked === undefined || now - this.walkedAt >= this.walkMs / SCAN_SHARE) {
      this.walked = this.walk();
      this.walkedAt = now;
      this.walkMs = performance.now() - now;
    }
    const { types, sampled, streams, longest } = this.walked;
    const dbs: { db: number; keys: number; expires: number }[] = [];
    for (const db of server.dbs) if (db.size !== 0) dbs.push({ db: db.index, keys: db.size, expires: db.expiresCount });
    const lists: unknown[] = [];
    for (const { db, key, waiters } of server.blocking.waitingKeys()) {
      if (lists.length >= TOP_ROWS) break;
      const entry = server.dbs[db]?.peek(key);
      lists.push({
        db,
        key: displayName(key),
        type: entry?.type ?? 'none',
        length: entry?.type === 'list' ? entry.value.length : entry?.type === 'stream' ? entry.value.length : entry?.type === 'zset' ? entry.value.size : 0,
        waiters: [...waiters].map((w) => ({ id: w.client.id, name: w.client.name, addr: w.client.addr, command: w.command })),
      });
    }
    const waitingOn = new Map<string, number>();
    for (const { db, key, waiters } of server.blocking.waitingKeys()) waitingOn.set(`${db}\n${key}`, waiters.size);
    const longestLists = longest.map((l) => ({
      db: l.db,
      key: displayName(l.key),
      length: l.length,
      consumers: waitingOn.get(`${l.db}\n${l.key}`) ?? 0,
    }));
    return { keyspace: { dbs, types, sampled }, queues: { blocked: lists, streams, lists: longestLists } };
  }

  /** One walk over the keys, at most SCAN_BUDGET of them. */
  private walk(): KeyspaceWalk {
    const server = this.server;
    const types: Record<string, number> = { string: 0, list: 0, hash: 0, set: 0, zset: 0, stream: 0 };
    const streams: unknown[] = [];
    // The longest lists: job queues (Celery's `celery`, RQ's `rq:queue:*`, BullMQ's `*:wait`) with
    // how many jobs wait. Kept sorted, longest first, at most TOP_LISTS.
    const longest: { db: number; key: string; length: number }[] = [];
    let budget = SCAN_BUDGET;
    let examined = 0;
    let total = 0;
    for (const db of server.dbs) {
      if (db.size === 0) continue;
      total += db.size;
      for (const [key, entry] of db.entries()) {
        if (budget-- <= 0) break;
        examined++;
        types[entry.type] = (types[entry.type] ?? 0) + 1;
        if (entry.type === 'list') {
          const length = entry.value.length;
          if (longest.length < TOP_LISTS || length > longest[longest.length - 1]!.length) {
            let at = longest.length;
            while (at > 0 && longest[at - 1]!.length < length) at--;
            longest.splice(at, 0, { db: db.index, key, length });
            if (longest.length > TOP_LISTS) longest.pop();
          }
        }
        if (entry.type === 'stream' && entry.value.groups.size > 0 && streams.length < TOP_ROWS) {
          const stream = entry.value;
          streams.push({
            db: db.index,
            key: displayName(key),
            length: stream.length,
            groups: [...stream.groups.entries()].map(([name, g]) => {
              const lag = stream.lag(g);
              return {
                name: displayName(name),
                consumers: g.consumers.size,
                pending: g.pending.size,
                lag: lag === undefined ? null : Number(lag),
                lastDeliveredId: g.lastId.toString(),
              };
            }),
          });
        }
      }
    }
    const sampled = examined < total;
    if (sampled && examined > 0) for (const t of Object.keys(types)) types[t] = Math.round((types[t]! * total) / examined);
    return { types, sampled, streams, longest };
  }
}

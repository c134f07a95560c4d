// TIDINGS: the broker's own introspection, in a namespace Redis does not use.
//   TIDINGS CHANNELS [pattern] [COUNT n]   busiest channels by rate, with their counters
//   TIDINGS PATTERNS [COUNT n]             pattern subscriptions, with their counters
//   TIDINGS SUBSCRIBERS channel            who receives a channel's messages
//   TIDINGS SLOWSUBSCRIBERS [COUNT n]      subscribers by pending bytes, and recent disconnects
import { MapReply, ReplyError, Status, type Reply } from '../protocol/reply.js';
import { Errors } from '../protocol/errors.js';
import { globMatch } from '../pubsub/glob.js';
import type { Counters } from '../pubsub/stats.js';
import type { CommandHost, CommandSession, CommandSpec } from './types.js';

const DEFAULT_COUNT = 10;

const HELP = [
  'TIDINGS <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>] [COUNT <n>]',
  '    Return the busiest channels (and shard channels) matching <pattern>, by messages per second over',
  '    the last minute, with their counters (default: 10 channels).',
  'PATTERNS [COUNT <n>]',
  '    Return pattern subscriptions by rate of matched messages, with their counters.',
  'SUBSCRIBERS <channel>',
  '    Return the clients that receive messages published to <channel>, directly or by pattern.',
  'SLOWSUBSCRIBERS [COUNT <n>]',
  '    Return subscribers by pending output bytes, and the recent slow-subscriber disconnects.',
  'HELP',
  '    Print this help.',
];

export interface ChannelRow {
  name: string;
  kind: 'channel' | 'shard' | 'pattern';
  subscribers: number;
  messages: number;
  deliveries: number;
  bytes: number;
  rate: number;
  lastPublishMs: number;
}

/** Counter rows for every known channel and shard channel, busiest first (shared with /metrics and the dashboard). */
export function channelRows(server: CommandHost, pattern?: string): ChannelRow[] {
  const hub = server.hub;
  const now = Date.now();
  const rows: ChannelRow[] = [];
  const add = (kind: 'channel' | 'shard', name: string, c: Counters) => {
    if (pattern !== undefined && !globMatch(pattern, name)) return;
    const subscribers = kind === 'channel' ? hub.subscriberCount(name) : hub.shardSubscriberCount(name);
    if (subscribers === 0 && c.messages === 0) return;
    rows.push({ name, kind, subscribers, messages: c.messages, deliveries: c.deliveries, bytes: c.bytes, rate: c.rate(now), lastPublishMs: c.lastPublishMs });
  };
  for (const [name, c] of hub.stats.channels.entries()) add('channel', name, c);
  for (const [name, c] of hub.stats.shardChannels.entries()) add('shard', name, c);
  return rows.sort(busiestFirst);
}

export function patternRows(server: CommandHost): ChannelRow[] {
  const hub = server.hub;
  const now = Date.now();
  const rows: ChannelRow[] = [];
  for (const [name, c] of hub.stats.patterns.entries()) {
    const subscribers = hub.patternSubscriberCount(name);
    if (subscribers === 0 && c.messages === 0) continue;
    rows.push({ name, kind: 'pattern', subscribers, messages: c.messages, deliveries: c.deliveries, bytes: c.bytes, rate: c.rate(now), lastPublishMs: c.lastPublishMs });
  }
  return rows.sort(busiestFirst);
}

function busiestFirst(a: ChannelRow, b: ChannelRow): number {
  return b.rate - a.rate || b.messages - a.messages || b.subscribers - a.subscribers || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Clients with subscriptions, most pending output first. */
export function subscribersByPending(server: CommandHost): CommandSession[] {
  const list: CommandSession[] = [];
  for (const c of server.clients.values()) if (c.subscriptionCount > 0) list.push(c);
  return list.sort((a, b) => b.outputBytes - a.outputBytes || a.id - b.id);
}

function rowReply(row: ChannelRow): Reply {
  return new MapReply([
    row.kind === 'pattern' ? 'pattern' : 'channel', Buffer.from(row.name, 'latin1'),
    'kind', row.kind,
    'subscribers', row.subscribers,
    'messages', row.messages,
    'deliveries', row.deliveries,
    'bytes', row.bytes,
    'rate_per_sec', formatRate(row.rate),
    'last_publish_ms', row.lastPublishMs,
  ]);
}

/** Three decimals, trailing zeros dropped: "0.083", "12", "0". */
export function formatRate(rate: number): string {
  return String(Math.round(rate * 1000) / 1000);
}

function clientReply(client: CommandSession, extra: Reply[] = []): Reply {
  return new MapReply([
    'id', client.id,
    'name', client.name,
    'addr', client.addr,
    ...extra,
    'sub', client.channels.size,
    'psub', client.patterns.size,
    'ssub', client.shardChannels.size,
    'omem', client.outputBytes,
    'queued_messages', client.outputBytes === 0 ? 0 : client.queuedMessages,
    'soft_limit_hits', client.softLimitHits,
  ]);
}

/** Parse trailing `COUNT n` pairs from argv[from]; returns the count. */
function parseCount(argv: Buffer[], from: number): number {
  let count = DEFAULT_COUNT;
  for (let i = from; i < argv.length; i += 2) {
    if (argv[i]!.toString('latin1').toLowerCase() !== 'count' || i + 1 >= argv.length) throw Errors.syntax();
    const text = argv[i + 1]!.toString('latin1');
    if (!/^-?\d+$/.test(text)) throw Errors.notInteger();
    count = Number(text);
    if (count <= 0) throw new ReplyError('ERR COUNT must be > 0');
  }
  return count;
}

function sub(name: string, arity: number, handler: CommandSpec['handler'], admin = false): CommandSpec {
  return {
    name: `tidings|${name}`,
    arity,
    flags: admin ? ['admin', 'loading', 'stale'] : ['loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: admin ? ['@admin', '@slow', '@dangerous'] : ['@slow'],
    handler,
  };
}

export const specs: CommandSpec[] = [
  {
    name: 'tidings',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@slow'],
    handler: () => null,
    subcommands: [
      sub('channels', -2, (ctx, argv) => {
        const hasPattern = (argv.length - 2) % 2 === 1;
        const pattern = hasPattern ? argv[2]!.toString('latin1') : undefined;
        const count = parseCount(argv, hasPattern ? 3 : 2);
        return channelRows(ctx.server, pattern).slice(0, count).map(rowReply);
      }),
      sub('patterns', -2, (ctx, argv) => {
        const count = parseCount(argv, 2);
        return patternRows(ctx.server).slice(0, count).map(rowReply);
      }),
      sub(
        'subscribers',
        3,
        (ctx, argv) => {
          const hub = ctx.server.hub;
          const name = argv[2]!.toString('latin1');
          const out: Reply[] = [];
          for (const { client, via } of hub.receiversOf(name)) {
            out.push(clientReply(client, ['via', via === undefined ? 'channel' : 'pattern', 'pattern', via === undefined ? null : Buffer.from(via, 'latin1')]));
          }
          for (const client of hub.shardReceiversOf(name)) out.push(clientReply(client, ['via', 'shard', 'pattern', null]));
          return out;
        },
        true,
      ),
      sub(
        'slowsubscribers',
        -2,
        (ctx, argv) => {
          const count = parseCount(argv, 2);
          const stats = ctx.server.hub.stats;
          const disconnects = stats.disconnects.slice(-count).reverse();
          return new MapReply([
            'subscribers',
            subscribersByPending(ctx.server).slice(0, count).map((c) => clientReply(c)),
            'disconnects_total',
            stats.slowDisconnectsTotal,
            'disconnects',
            disconnects.map(
              (d) =>
                new MapReply([
                  'id', d.id,
                  'name', d.name,
                  'addr', d.addr,
                  'at_ms', d.at,
                  'reason', d.reason,
                  'omem', d.pendingBytes,
                  'queued_messages', d.queuedMessages,
                  'soft_limit_hits', d.softLimitHits,
                  'subscriptions', d.subscriptions.map((s) => Buffer.from(s, 'latin1')),
                ]),
            ),
          ]);
        },
        true,
      ),
      sub('help', 2, () => HELP.map((l) => new Status(l))),
    ],
  },
];

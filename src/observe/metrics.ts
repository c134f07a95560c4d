// Prometheus exposition for /metrics. One prom-client Registry per server; every metric is
// collected when scraped from the counters the server already keeps, so serving metrics adds
// nothing to the command path. Names and labels follow redis_exporter, so existing dashboards and
// alerts for Redis work unchanged; the tidings_* metrics are per channel.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Server } from '../server/server.js';
import { usedMemory } from '../store/eviction.js';

/** Channels exported one by one; the rest are summed under channel="__other__". */
export const TOP_CHANNELS = 50;
export const OTHER_CHANNELS = '__other__';

/** A latin1 map key shown as text: channel names are bytes, Prometheus labels are UTF-8. */
export function displayName(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

type Read = (server: Server) => number;

export function createRegistry(server: Server): Registry {
  const registry = new Registry();
  const registers = [registry];

  const gauge = (name: string, help: string, read: Read) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(server));
      },
    });
  const counter = (name: string, help: string, read: Read) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(server));
      },
    });

  gauge('redis_up', 'Information about the Redis instance', () => 1);
  gauge('redis_uptime_in_seconds', 'uptime_in_seconds metric', (s) => Math.floor((Date.now() - s.startedAt) / 1000));
  gauge('redis_connected_clients', 'connected_clients metric', (s) => s.clients.size);
  gauge('redis_blocked_clients', 'blocked_clients metric', (s) => s.blocking.count);
  gauge('redis_memory_used_bytes', 'used_memory metric', (s) => usedMemory(s));
  gauge('redis_memory_max_bytes', 'maxmemory metric', (s) => s.config.number('maxmemory'));
  gauge('redis_pubsub_channels', 'pubsub_channels metric', (s) => s.hub.channelCount);
  gauge('redis_pubsub_patterns', 'pubsub_patterns metric', (s) => s.hub.patternCount);
  counter('redis_connections_received_total', 'total_connections_received metric', (s) => s.stats.totalConnections);
  counter('redis_net_input_bytes_total', 'total_net_input_bytes metric', (s) => s.stats.netInputBytes);
  counter('redis_net_output_bytes_total', 'total_net_output_bytes metric', (s) => s.stats.netOutputBytes);
  counter('redis_keyspace_hits_total', 'keyspace_hits metric', (s) => s.stats.keyspaceHits);
  counter('redis_keyspace_misses_total', 'keyspace_misses metric', (s) => s.stats.keyspaceMisses);
  counter('redis_evicted_keys_total', 'evicted_keys metric', (s) => s.stats.evictedKeys);
  counter('redis_expired_keys_total', 'expired_keys metric', (s) => s.stats.expiredKeys);
  counter('redis_commands_processed_total', 'total_commands_processed metric', (s) => s.stats.totalCommands);
  counter(
    'tidings_slow_subscriber_disconnects_total',
    'Subscribers disconnected for passing the pubsub client-output-buffer-limit',
    (s) => s.hub.stats.slowDisconnectsTotal,
  );

  new Counter({
    name: 'redis_commands_total',
    help: 'Total number of calls per command',
    labelNames: ['cmd'],
    registers,
    collect() {
      this.reset();
      for (const [cmd, st] of server.stats.commands) this.inc({ cmd }, st.calls);
    },
  });
  new Counter({
    name: 'redis_commands_duration_seconds_total',
    help: 'Total amount of time in seconds spent per command',
    labelNames: ['cmd'],
    registers,
    collect() {
      this.reset();
      for (const [cmd, st] of server.stats.commands) this.inc({ cmd }, st.usec / 1e6);
    },
  });
  const perDb = (name: string, help: string, read: (db: Server['dbs'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['db'],
      registers,
      collect() {
        this.reset();
        // As redis_exporter: db0 always, other databases when they hold keys.
        for (const db of server.dbs) if (db.index === 0 || db.size > 0) this.set({ db: `db${db.index}` }, read(db));
      },
    });
  perDb('redis_db_keys', 'Total number of keys by DB', (db) => db.size);
  perDb('redis_db_keys_expiring', 'Total number of expiring keys by DB', (db) => db.expiresCount);

  // Per channel: the busiest TOP_CHANNELS by messages published; the rest summed, so the series
  // count stays bounded whatever names clients publish to.
  let snapshot: { name: string; messages: number; deliveries: number; subscribers: number }[] = [];
  const channelMetric = (kind: 'counter' | 'gauge', name: string, help: string, field: 'messages' | 'deliveries' | 'subscribers') => {
    const collect = function (this: Counter<'channel'> | Gauge<'channel'>) {
      if (field === 'messages') snapshot = topChannels(server);
      this.reset();
      for (const row of snapshot) {
        if (this instanceof Counter) this.inc({ channel: row.name }, row[field]);
        else this.set({ channel: row.name }, row[field]);
      }
    };
    return kind === 'counter'
      ? new Counter({ name, help, labelNames: ['channel'], registers, collect })
      : new Gauge({ name, help, labelNames: ['channel'], registers, collect });
  };
  // Registered in this order so the snapshot taken by the first is used by the other two.
  channelMetric('counter', 'tidings_channel_messages_total', 'Messages published per channel', 'messages');
  channelMetric('counter', 'tidings_channel_deliveries_total', 'Messages queued to subscribers per channel', 'deliveries');
  channelMetric('gauge', 'tidings_channel_subscribers', 'Subscribers per channel (not counting pattern subscribers)', 'subscribers');
  return registry;
}

function topChannels(server: Server): { name: string; messages: number; deliveries: number; subscribers: number }[] {
  const rows: { name: string; messages: number; deliveries: number; subscribers: number }[] = [];
  for (const [name, c] of server.hub.stats.channels.entries()) {
    rows.push({ name, messages: c.messages, deliveries: c.deliveries, subscribers: server.hub.subscriberCount(name) });
  }
  rows.sort((a, b) => b.messages - a.messages || b.subscribers - a.subscribers || (a.name < b.name ? -1 : 1));
  const top = rows.slice(0, TOP_CHANNELS).map((r) => ({ ...r, name: displayName(r.name) }));
  if (rows.length > TOP_CHANNELS) {
    const other = { name: OTHER_CHANNELS, messages: 0, deliveries: 0, subscribers: 0 };
    for (let i = TOP_CHANNELS; i < rows.length; i++) {
      other.messages += rows[i]!.messages;
      other.deliveries += rows[i]!.deliveries;
      other.subscribers += rows[i]!.subscribers;
    }
    top.push(other);
  }
  return top;
}

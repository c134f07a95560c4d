// Prometheus /metrics: parsed with a real text-format parser and checked against INFO after known
// traffic; the per-channel cap; and the listener's security defaults (off, loopback, 401).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { freePort, startTidings } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';
import type { ObserveListener } from '../../src/observe/http.js';

interface Sample {
  value: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

async function scrape(port: number, auth?: string): Promise<{ status: number; families: Map<string, Family>; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, auth ? { headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } } : {});
  const text = await res.text();
  const families = new Map<string, Family>();
  if (res.status === 200) for (const f of parsePrometheusTextFormat(text) as Family[]) families.set(f.name, f);
  return { status: res.status, families, text };
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  assert.ok(family, `metric ${name} is exported`);
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.ok(sample, `${name}${JSON.stringify(labels)} has a sample`);
  return Number(sample.value);
}

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(.*)\r?$`, 'm').exec(info);
  assert.ok(m, `INFO has ${name}`);
  return Number(m[1]);
}

test('/metrics matches INFO after known traffic, with redis_exporter names and types', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ config: { 'metrics-port': metricsPort } });
  const c = await srv.connect();
  const sub = await srv.connect();
  try {
    sub.send('SUBSCRIBE', 'm:alpha', 'm:beta');
    await sub.read();
    await sub.read();
    const psub = await srv.connect();
    psub.send('PSUBSCRIBE', 'm:*');
    await psub.read();
    for (let i = 0; i < 7; i++) await c.call('PUBLISH', 'm:alpha', `message ${i}`);
    await c.call('PUBLISH', 'm:beta', 'x');
    await c.call('SET', 'k1', 'v');
    await c.call('SET', 'k2', 'v', 'EX', 100);
    await c.call('GET', 'k1');
    await c.call('GET', 'missing');
    await c.call('SELECT', 3);
    await c.call('SET', 'in3', 'v');
    await c.call('SELECT', 0);

    const info = String(await c.call('INFO', 'everything'));
    const { status, families, text } = await scrape(metricsPort);
    assert.equal(status, 200);
    assert.match(text, /^# TYPE redis_commands_total counter$/m);
    assert.equal(families.get('redis_connected_clients')?.type, 'GAUGE');
    assert.equal(families.get('redis_keyspace_hits_total')?.type, 'COUNTER');

    assert.equal(value(families, 'redis_up'), 1);
    assert.equal(value(families, 'redis_connected_clients'), infoField(info, 'connected_clients'));
    assert.equal(value(families, 'redis_blocked_clients'), infoField(info, 'blocked_clients'));
    assert.equal(value(families, 'redis_keyspace_hits_total'), infoField(info, 'keyspace_hits'));
    assert.equal(value(families, 'redis_keyspace_misses_total'), infoField(info, 'keyspace_misses'));
    assert.equal(value(families, 'redis_keyspace_hits_total'), 1);
    assert.equal(value(families, 'redis_keyspace_misses_total'), 1);
    assert.equal(value(families, 'redis_pubsub_channels'), infoField(info, 'pubsub_channels'));
    assert.equal(value(families, 'redis_pubsub_patterns'), infoField(info, 'pubsub_patterns'));
    assert.equal(value(families, 'redis_connections_received_total'), infoField(info, 'total_connections_received'));
    assert.equal(value(families, 'redis_evicted_keys_total'), infoField(info, 'evicted_keys'));
    assert.equal(value(families, 'redis_expired_keys_total'), infoField(info, 'expired_keys'));
    assert.equal(value(families, 'redis_memory_max_bytes'), infoField(info, 'maxmemory'));
    assert.ok(value(families, 'redis_memory_used_bytes') > 0);
    assert.ok(value(families, 'redis_uptime_in_seconds') >= infoField(info, 'uptime_in_seconds'));
    assert.ok(value(families, 'redis_net_input_bytes_total') >= infoField(info, 'total_net_input_bytes'));
    assert.ok(value(families, 'redis_net_output_bytes_total') > 0);

    // Command counts and times, labelled as redis_exporter does (cmd="set").
    const cmdstat = (name: string) => {
      const m = new RegExp(`^cmdstat_${name}:calls=(\\d+),usec=(\\d+)`, 'm').exec(info)!;
      return { calls: Number(m[1]), usec: Number(m[2]) };
    };
    assert.equal(value(families, 'redis_commands_total', { cmd: 'set' }), 3);
    assert.equal(value(families, 'redis_commands_total', { cmd: 'set' }), cmdstat('set').calls);
    assert.equal(value(families, 'redis_commands_total', { cmd: 'publish' }), 8);
    assert.equal(value(families, 'redis_commands_duration_seconds_total', { cmd: 'set' }), cmdstat('set').usec / 1e6);

    // Keys per database, from INFO keyspace.
    assert.equal(value(families, 'redis_db_keys', { db: 'db0' }), 2);
    assert.equal(value(families, 'redis_db_keys_expiring', { db: 'db0' }), 1);
    assert.equal(value(families, 'redis_db_keys', { db: 'db3' }), 1);
    assert.match(info, /^db0:keys=2,expires=1,/m);
    assert.equal(families.get('redis_db_keys')!.metrics.some((m) => m.labels?.db === 'db1'), false);

    // Per channel.
    assert.equal(value(families, 'tidings_channel_messages_total', { channel: 'm:alpha' }), 7);
    assert.equal(value(families, 'tidings_channel_deliveries_total', { channel: 'm:alpha' }), 14);
    assert.equal(value(families, 'tidings_channel_subscribers', { channel: 'm:alpha' }), 1);
    assert.equal(value(families, 'tidings_channel_messages_total', { channel: 'm:beta' }), 1);
    psub.close();
  } finally {
    c.close();
    sub.close();
    await srv.close();
  }
});

test('per-channel series are capped at the top 50 channels, the rest summed under __other__', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ config: { 'metrics-port': metricsPort } });
  const c = await srv.connect();
  try {
    // Channel i gets i+1 messages: the 10 quietest (ch0..ch9) go to __other__.
    for (let i = 0; i < 60; i++) for (let n = 0; n <= i; n++) c.send('PUBLISH', `ch${i}`, 'x');
    for (let i = 0; i < 60; i++) for (let n = 0; n <= i; n++) await c.read();
    const { families } = await scrape(metricsPort);
    const samples = families.get('tidings_channel_messages_total')!.metrics;
    assert.equal(samples.length, 51);
    assert.equal(value(families, 'tidings_channel_messages_total', { channel: 'ch59' }), 60);
    assert.equal(value(families, 'tidings_channel_messages_total', { channel: 'ch10' }), 11);
    assert.equal(samples.some((s) => s.labels?.channel === 'ch9'), false);
    assert.equal(value(families, 'tidings_channel_messages_total', { channel: '__other__' }), (10 * 11) / 2);
    assert.equal(families.get('tidings_channel_subscribers')!.metrics.length, 51);
  } finally {
    c.close();
    await srv.close();
  }
});

test('the listener is off by default, binds loopback, and with requirepass answers 401 without it', async () => {
  const plainSrv = await startTidings();
  assert.equal(plainSrv.server!.extensions.has('observe'), false, 'no HTTP listener unless metrics-port is set');
  assert.equal(plainSrv.server!.config.string('metrics-bind'), '127.0.0.1');
  await plainSrv.close();

  const metricsPort = await freePort();
  const srv = await startTidings({ password: 's3cret', config: { 'metrics-port': metricsPort } });
  try {
    const listener = srv.server!.extensions.get('observe') as ObserveListener;
    assert.equal(listener.host, '127.0.0.1');
    const none = await scrape(metricsPort);
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.text, /redis_/);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await scrape(metricsPort, 'default:wrong')).status, 401);
    assert.equal((await scrape(metricsPort, 's3cret')).status, 401, 'no colon: not Basic credentials');
    const ok = await scrape(metricsPort, 'default:s3cret');
    assert.equal(ok.status, 200);
    assert.equal(value(ok.families, 'redis_up'), 1);
    assert.equal((await scrape(metricsPort, 'prometheus:s3cret')).status, 200, 'any user name');
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 401, 'every path is protected');
    const authed = { headers: { authorization: `Basic ${Buffer.from('x:s3cret').toString('base64')}` } };
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/`, authed)).status, 404, 'no dashboard unless dashboard yes');
    const r = await srv.connect();
    assert.deepEqual(plain(await r.callRaw('PING')), { error: 'NOAUTH Authentication required.' });
    r.close();
    // A metrics port in use fails the start before the broker's own port is bound.
    const port = await freePort();
    await assert.rejects(startTidings({ port, config: { 'metrics-port': metricsPort } }), /EADDRINUSE/);
    const again = await startTidings({ port });
    await again.close();
  } finally {
    await srv.close();
  }
});

test('a slow subscriber disconnected for its output limit is counted in /metrics as in TIDINGS SLOWSUBSCRIBERS', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({
    config: { 'metrics-port': metricsPort, 'client-output-buffer-limit': 'normal 0 0 0 replica 0 0 0 pubsub 256kb 0 0' },
  });
  const pub = await srv.connect();
  try {
    const before = await scrape(metricsPort);
    assert.equal(before.families.get('tidings_slow_subscriber_disconnects_total')?.type, 'COUNTER');
    assert.equal(value(before.families, 'tidings_slow_subscriber_disconnects_total'), 0);
    // A subscriber that stops reading, and messages until the server drops it.
    const slow = net.connect(srv.port, '127.0.0.1');
    slow.on('error', () => undefined);
    await new Promise((r) => slow.once('connect', r));
    slow.write('*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nfeed\r\n');
    await new Promise((r) => slow.once('data', r));
    slow.pause();
    const closed = new Promise((r) => slow.once('close', r));
    const payload = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && Number(await pub.call('PUBLISH', 'feed', payload)) === 1; i++);
    slow.resume();
    await closed;
    const after = await scrape(metricsPort);
    assert.equal(value(after.families, 'tidings_slow_subscriber_disconnects_total'), 1);
    const reply = (await pub.call('TIDINGS', 'SLOWSUBSCRIBERS')) as unknown[];
    const at = reply.indexOf('disconnects_total');
    assert.ok(at >= 0, JSON.stringify(reply).slice(0, 200));
    assert.equal(reply[at + 1], 1);
  } finally {
    pub.close();
    await srv.close();
  }
});

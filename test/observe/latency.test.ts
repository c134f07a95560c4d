// The latency monitor and per-command histograms: units, then LATENCY / INFO latencystats over TCP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, LatencyMonitor, EVENT_SAMPLES } from '../../src/observe/latency.js';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

test('histogram percentiles land on the top of their two-digit bucket (as redis-server reports them)', () => {
  // Values redis-server 7.0.15 printed for DEBUG SLEEP 0.2 and 0.3 (INFO latencystats):
  // p50=200278.015 and p99=301989.887 µs.
  const h = new Histogram();
  h.record(200_201_000);
  h.record(301_500_000);
  assert.equal((h.percentile(50) / 1000).toFixed(3), '200278.015');
  assert.equal((h.percentile(99) / 1000).toFixed(3), '301989.887');
  assert.equal(h.total, 2);
  // A 48 µs call is counted under the 66 µs label (the bucket holding 65536 ns), as redis-server does.
  const one = new Histogram();
  one.record(48_000);
  assert.deepEqual(one.cumulative(), [[66, 1]]);
  // Cumulative counts, only where they grow; a value under 1 µs counts in the first bucket.
  const many = new Histogram();
  for (const ns of [0, 500, 1000, 3000, 3000, 9000]) many.record(ns);
  assert.deepEqual(many.cumulative(), [
    [1, 3],
    [4, 5],
    [16, 6],
  ]);
  assert.equal(many.percentile(100), 9023);
});

test('events: one sample per second keeps its maximum; 160 kept; RESET counts what it removed', () => {
  const m = new LatencyMonitor();
  m.threshold = 10;
  m.addIfNeeded('command', 5); // under the threshold
  assert.deepEqual(m.latest(), []);
  m.add('command', 30, 1_000_000);
  m.add('command', 20, 1_000_500); // same second: max stays 30
  m.add('command', 12, 1_002_000);
  assert.deepEqual(m.history('command'), [
    { time: 1000, latency: 30 },
    { time: 1002, latency: 12 },
  ]);
  assert.deepEqual(m.latest(), [['command', 1002, 12, 30]]);
  for (let i = 0; i < EVENT_SAMPLES + 5; i++) m.add('expire-cycle', 15, 2_000_000 + i * 1000);
  assert.equal(m.history('expire-cycle').length, EVENT_SAMPLES);
  assert.equal(m.reset(['nope']), 0);
  assert.equal(m.reset(['command', 'command']), 1);
  assert.equal(m.reset([]), 1);
  assert.deepEqual(m.latest(), []);
});

test('DOCTOR never gives an all-clear while events exist', () => {
  const m = new LatencyMonitor();
  assert.match(m.doctor(), /disabled/);
  m.threshold = 10;
  assert.match(m.doctor(), /no latency spike/);
  m.add('command', 11);
  const report = m.doctor();
  assert.doesNotMatch(report, /no latency spike/);
  assert.match(report, /1\. command: 1 latency spikes .*Worst all time event 11ms/);
  const graph = m.graph('command')!;
  assert.match(graph, /^command - high 11 ms, low 11 ms \(all time high 11 ms\)\n-{80}\n/);
  assert.equal(m.graph('other'), undefined);
});

let srv: TestServer;
before(async () => {
  srv = await startTidings({ config: { 'enable-debug-command': 'yes' } });
});
after(() => srv.close());

test('LATENCY LATEST/HISTORY/DOCTOR/GRAPH record a slow command over TCP', async () => {
  const c = await srv.connect();
  // Any command may take over a threshold on a loaded machine: only the 50 ms sleep is asserted.
  assert.equal(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '20'), 'OK');
  assert.equal(await c.call('DEBUG', 'SLEEP', '0.05'), 'OK');
  const latest = (await c.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  const entry = latest.find((e) => e[0] === 'command');
  assert.ok(entry !== undefined, JSON.stringify(latest));
  const [, time, last, max] = entry;
  // DEBUG SLEEP waits on Date.now(); the dispatcher times with performance.now(): allow clock skew.
  assert.ok(last >= 20 && max >= 45 && max >= last, `latest ${last} max ${max}`);
  assert.ok(Math.abs(time - Date.now() / 1000) < 60);
  const history = (await c.call('LATENCY', 'HISTORY', 'command')) as number[][];
  assert.ok(history.length >= 1);
  assert.ok(history.some(([, ms]) => ms! >= 45));
  assert.deepEqual(history[history.length - 1]![0], time);
  assert.deepEqual(await c.call('LATENCY', 'HISTORY', 'blabla'), []);
  const doctor = String(await c.call('LATENCY', 'DOCTOR'));
  assert.match(doctor, /I have observed latency spikes/);
  assert.match(doctor, /\d\. command: \d+ latency spikes/);
  assert.match(String(await c.call('LATENCY', 'GRAPH', 'command')), /^command - high \d+ ms/);
  assert.deepEqual(await c.call('LATENCY', 'GRAPH', 'blabla'), { error: "ERR No samples available for event 'blabla'" });
  assert.equal(await c.call('LATENCY', 'RESET', 'blabla'), 0);
  assert.equal(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'), 'OK');
  assert.ok(((await c.call('LATENCY', 'RESET')) as number) >= 1);
  assert.deepEqual(await c.call('LATENCY', 'LATEST'), []);
  assert.match(String(await c.call('LATENCY', 'DOCTOR')), /disabled/);
  assert.deepEqual(await c.call('LATENCY', 'HELP', 'xxx'), {
    error: "ERR wrong number of arguments for 'latency|help' command",
  });
  c.close();
});

test('LATENCY HISTOGRAM: calls and cumulative buckets, subcommands, unknown names skipped; RESP3 maps', async () => {
  const c = await srv.connect();
  await c.call('CONFIG', 'RESETSTAT');
  await c.call('SET', 'a', 'b');
  await c.call('SET', 'c', 'd');
  await c.call('CLIENT', 'ID');
  const all = (await c.call('LATENCY', 'HISTOGRAM')) as unknown[];
  const names = all.filter((_, i) => i % 2 === 0);
  assert.deepEqual([...names].sort(), ['client|id', 'config|resetstat', 'set']);
  const set = (await c.call('LATENCY', 'HISTOGRAM', 'blabla', 'set', 'get')) as unknown[];
  assert.equal(set.length, 2);
  assert.equal(set[0], 'set');
  const body = set[1] as unknown[];
  assert.deepEqual(body.slice(0, 3), ['calls', 2, 'histogram_usec']);
  const buckets = body[3] as number[];
  assert.equal(buckets.length % 2, 0);
  assert.equal(buckets[buckets.length - 1], 2);
  const client = (await c.call('LATENCY', 'HISTOGRAM', 'client')) as unknown[];
  assert.deepEqual(client.filter((_, i) => i % 2 === 0), ['client|id']);
  assert.deepEqual(((await c.call('LATENCY', 'HISTOGRAM', 'CLIENT|ID')) as unknown[])[0], 'client|id');
  await c.call('HELLO', '3');
  const raw = await c.callRaw('LATENCY', 'HISTOGRAM', 'set');
  assert.equal(raw.type, 'map');
  c.close();
});

test('INFO latencystats: percentiles per command, configurable, off with latency-tracking no', async () => {
  const c = await srv.connect();
  await c.call('CONFIG', 'RESETSTAT');
  await c.call('SET', 'k', 'v');
  let info = String(await c.call('INFO', 'latencystats'));
  assert.match(info, /^# Latencystats\r\n/);
  assert.match(info, /\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
  assert.match(String(await c.call('INFO', 'everything')), /# Latencystats/);
  assert.doesNotMatch(String(await c.call('INFO')), /# Latencystats/);
  assert.equal(await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0.0 50.0 100.0'), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'latency-tracking-info-percentiles'), ['latency-tracking-info-percentiles', '0 50 100']);
  info = String(await c.call('INFO', 'latencystats'));
  assert.match(info, /latency_percentiles_usec_set:p0=[\d.]+,p50=[\d.]+,p100=[\d.]+\r\n/);
  assert.match(((await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '10 101')) as { error: string }).error, /^ERR/);
  await c.call('CONFIG', 'SET', 'latency-tracking', 'no');
  await c.call('CONFIG', 'RESETSTAT');
  await c.call('SET', 'k', 'v');
  assert.doesNotMatch(String(await c.call('INFO', 'latencystats')), /usec_set/);
  await c.call('CONFIG', 'SET', 'latency-tracking', 'yes');
  await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
  c.close();
});

test('an expire cycle that runs to its time budget is recorded as expire-cycle', async () => {
  const c = await srv.connect();
  // 100,000 keys expired at once: the cron's active-expiry cycle keeps deleting until its 5 ms
  // budget is spent, so it is over a 1 ms threshold by construction (not by the machine's speed).
  assert.equal(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '1'), 'OK');
  assert.equal(await c.call('FLUSHALL'), 'OK');
  await c.call('LATENCY', 'RESET');
  assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  await c.call('EVAL', "for i = 1, 100000 do redis.call('SET', 'exp:' .. i, 'v', 'PX', 1) end", '0');
  assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  // Wait for active expiry to empty the database (DBSIZE counts expired keys not yet deleted).
  await waitFor(async () => (await c.call('DBSIZE')) === 0, 'active expiry to delete the 100,000 keys');
  const latest = (await c.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  assert.ok(latest.some((e) => e[0] === 'expire-cycle'), JSON.stringify(latest));
  assert.equal(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'), 'OK');
  await c.call('LATENCY', 'RESET');
  c.close();
});

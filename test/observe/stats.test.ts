// Units for the publish statistics: the per-second rate ring, the bound on idle counter sets, and
// the hub's link from counters to subscribers across unsubscribe/resubscribe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counters, CounterTable, RATE_WINDOW } from '../../src/pubsub/stats.js';
import { PubSubHub } from '../../src/pubsub/hub.js';
import { Client } from '../../src/net/client.js';

test('the rate ring averages the last minute and forgets older seconds lazily', () => {
  const c = new Counters();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 30; i++) c.record(t0, 1, 10);
  for (let i = 0; i < 30; i++) c.record(t0 + 1500, 2, 10);
  assert.equal(c.rate(t0 + 2000), 60 / RATE_WINDOW);
  assert.deepEqual([c.messages, c.deliveries, c.bytes, c.lastPublishMs], [60, 90, 600, t0 + 1500]);
  // 59 s later the first second has left the window, the second has not.
  assert.equal(c.rate(t0 + 60_000), 30 / RATE_WINDOW);
  assert.equal(c.rate(t0 + 61_000), 0);
  // A long silence clears everything; a clock step backwards does too.
  c.record(t0 + 3_600_000, 0, 1);
  assert.equal(c.rate(t0 + 3_600_000), 1 / RATE_WINDOW);
  assert.equal(c.rate(t0), 0);
  assert.equal(c.messages, 61, 'totals are never forgotten');
});

test('idle counter sets are bounded; live ones are kept', () => {
  const live = new Set(['keep-me']);
  const table = new CounterTable((n) => live.has(n));
  table.get('keep-me').record(1, 0, 0);
  for (let i = 0; i < 30_000; i++) table.get(`random:${i}`).record(1000 + i, 0, 1);
  assert.ok(table.size <= 11_001, `size ${table.size}`);
  assert.ok(table.peek('keep-me'), 'a channel with subscribers keeps its counters');
  assert.ok(table.peek('random:29999'), 'the most recently published idle names are kept');
  assert.equal(table.peek('random:0'), undefined, 'the least recently published are forgotten');
});

test('many live names do not make every new name pay for a sweep', () => {
  const live = new Set<string>();
  let checks = 0;
  const table = new CounterTable((n) => (checks++, live.has(n)));
  for (let i = 0; i < 20_000; i++) {
    live.add(`sub:${i}`);
    table.get(`sub:${i}`);
  }
  checks = 0;
  for (let i = 0; i < 5_000; i++) table.get(`new:${i}`);
  assert.ok(checks <= 2 * 25_000, `liveness checked ${checks} times for 5,000 new names`);
  for (let i = 0; i < 20_000; i++) assert.ok(table.peek(`sub:${i}`));
});

test('counters find the current subscriber set after unsubscribe and resubscribe', () => {
  const delivered: number[] = [];
  const hub = new PubSubHub({ deliver: (client) => void delivered.push(client.id) });
  const fake = (id: number) => new Client(id, null, { maxBulkLen: 1e9, maxQueryBuffer: 1e9 });
  const a = fake(1);
  const b = fake(2);
  hub.subscribe(a, 'ch');
  assert.equal(hub.publish(Buffer.from('ch'), Buffer.from('x')), 1);
  hub.unsubscribe(a, 'ch');
  assert.equal(hub.publish(Buffer.from('ch'), Buffer.from('x')), 0);
  hub.subscribe(b, 'ch');
  assert.equal(hub.publish(Buffer.from('ch'), Buffer.from('x')), 1);
  hub.removeClient(b);
  hub.ssubscribe(a, 'ch');
  assert.equal(hub.publish(Buffer.from('ch'), Buffer.from('x')), 0, 'a shard subscription is not a channel subscription');
  assert.equal(hub.spublish(Buffer.from('ch'), Buffer.from('x')), 1);
  assert.deepEqual(delivered, [1, 2, 1]);
  const counters = hub.stats.channels.peek('ch')!;
  assert.deepEqual([counters.messages, counters.deliveries], [4, 2]);
  assert.equal(hub.stats.shardChannels.peek('ch')!.messages, 1);
});

test('keyspace notification channels are counted only where someone listens', () => {
  const hub = new PubSubHub({ deliver: () => undefined });
  const client = new Client(1, null, { maxBulkLen: 1e9, maxQueryBuffer: 1e9 });
  for (let i = 0; i < 100; i++) hub.publish(Buffer.from(`__keyspace@0__:key${i}`), Buffer.from('set'));
  assert.equal(hub.stats.channels.size, 0);
  hub.psubscribe(client, '__keyevent@0__:*');
  assert.equal(hub.publish(Buffer.from('__keyevent@0__:set'), Buffer.from('key1')), 1);
  hub.subscribe(client, '__keyspace@0__:watched');
  assert.equal(hub.publish(Buffer.from('__keyspace@0__:watched'), Buffer.from('set')), 1);
  assert.equal(hub.publish(Buffer.from('__keyspace@0__:other'), Buffer.from('set')), 0);
  assert.deepEqual([...hub.stats.channels.entries()].map(([n, c]) => [n, c.messages]).sort(), [
    ['__keyevent@0__:set', 1],
    ['__keyspace@0__:watched', 1],
  ]);
});

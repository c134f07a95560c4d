// Hash commands: the same sequences to Tidings and redis-server, replies compared in RESP2 and
// RESP3. Small hashes keep insertion order in Redis (listpack), so most replies compare exactly;
// hash-table-encoded hashes and random picks are compared loosely.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { render, startDiffServers, type Arg, type DiffServers } from './harness.js';
import type { RespClient, RespValue } from '../helpers/resp.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(() => servers?.close());

const basics: Arg[][] = [
  ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
  ['HSET', 'h', 'a', '10', 'd', '4'],
  ['HSET', 'h', 'a'],
  ['HSET', 'h', 'a', '1', 'b'],
  ['HSETNX', 'h', 'a', 'x'],
  ['HSETNX', 'h', 'e', '5'],
  ['HSETNX', 'newh', 'f', 'v'],
  ['HMSET', 'h', 'f', '6', 'g', '7'],
  ['HMSET', 'h', 'f'],
  ['HMSET', 'h', 'f', '6', 'g'],
  ['HGET', 'h', 'a'],
  ['HGET', 'h', 'zz'],
  ['HGET', 'nokey', 'a'],
  ['HMGET', 'h', 'a', 'zz', 'b'],
  ['HMGET', 'nokey', 'a', 'b'],
  ['HGETALL', 'h'],
  ['HGETALL', 'nokey'],
  ['HKEYS', 'h'],
  ['HVALS', 'h'],
  ['HKEYS', 'nokey'],
  ['HVALS', 'nokey'],
  ['HLEN', 'h'],
  ['HLEN', 'nokey'],
  ['HEXISTS', 'h', 'a'],
  ['HEXISTS', 'h', 'zz'],
  ['HEXISTS', 'nokey', 'a'],
  ['HSTRLEN', 'h', 'a'],
  ['HSTRLEN', 'h', 'zz'],
  ['HSTRLEN', 'nokey', 'a'],
  ['HDEL', 'h', 'a', 'zz', 'b'],
  ['HDEL', 'h', 'zz'],
  ['HDEL', 'nokey', 'a'],
  ['HGETALL', 'h'],
  ['HSET', 'h', 'a', 'again'],
  ['HGETALL', 'h'],
  ['HDEL', 'h', 'c', 'd', 'e', 'f', 'g', 'a'],
  ['HLEN', 'h'],
  ['HGETALL', 'h'],
];

const counters: Arg[][] = [
  ['HINCRBY', 'c', 'n', '5'],
  ['HINCRBY', 'c', 'n', '-7'],
  ['HINCRBY', 'c', 'n', 'x'],
  ['HINCRBY', 'c', 'n', '1.5'],
  ['HINCRBY', 'c', 'n', ''],
  ['HINCRBY', 'c', 'big', '9223372036854775807'],
  ['HINCRBY', 'c', 'big', '1'],
  ['HINCRBY', 'c', 'small', '-9223372036854775808'],
  ['HINCRBY', 'c', 'small', '-1'],
  ['HINCRBY', 'c', 'n', '9223372036854775808'],
  ['HSET', 'c', 's', 'foo', 'sp', ' 1', 'f', '1.5'],
  ['HINCRBY', 'c', 's', '1'],
  ['HINCRBY', 'c', 'sp', '1'],
  ['HINCRBY', 'c', 'f', '1'],
  ['HINCRBYFLOAT', 'c', 'x', '0.1'],
  ['HINCRBYFLOAT', 'c', 'x', '0.2'],
  ['HINCRBYFLOAT', 'c', 'x', '-0.3'],
  ['HINCRBYFLOAT', 'c', 'y', '1.5'],
  ['HINCRBYFLOAT', 'c', 'y', '1e3'],
  ['HINCRBYFLOAT', 'c', 'y', '5.0e3'],
  ['HINCRBYFLOAT', 'c', 'y', '-1.23456789012345678901'],
  ['HINCRBYFLOAT', 'c', 'z', '1e308'],
  ['HINCRBYFLOAT', 'c', 'z', '1e308'],
  ['HINCRBYFLOAT', 'c', 'tiny', '0.0000000000000000001'],
  ['HINCRBYFLOAT', 'c', 'neg', '-0.00000000000000000001'],
  ['HINCRBYFLOAT', 'c', 'hex', '0x10'],
  ['HINCRBYFLOAT', 'c', 'n', '1.5'],
  ['HINCRBYFLOAT', 'c', 'n', 'inf'],
  ['HINCRBYFLOAT', 'c', 'n', '-inf'],
  ['HINCRBYFLOAT', 'c', 'n', 'nan'],
  ['HINCRBYFLOAT', 'c', 'n', 'abc'],
  ['HINCRBYFLOAT', 'c', 'n', ' 1'],
  ['HINCRBYFLOAT', 'c', 'n', ''],
  ['HINCRBYFLOAT', 'c', 's', '1'],
  ['HINCRBYFLOAT', 'c', 'sp', '1'],
  ['HSET', 'c', 'ld', '1e4000'],
  ['HINCRBYFLOAT', 'c', 'ld', '1'],
  ['HSET', 'c', 'huge', '1e5000'],
  ['HINCRBYFLOAT', 'c', 'huge', '1'],
  ['HSET', 'c', 'i', 'inf'],
  ['HINCRBYFLOAT', 'c', 'i', '1'],
];

const randoms: Arg[][] = [
  ['HSET', 'r', 'a', '1', 'b', '2', 'c', '3'],
  ['HRANDFIELD', 'r', '3'],
  ['HRANDFIELD', 'r', '10'],
  ['HRANDFIELD', 'r', '5', 'WITHVALUES'],
  ['HRANDFIELD', 'r', '0'],
  ['HRANDFIELD', 'r', '0', 'WITHVALUES'],
  ['HRANDFIELD', 'r', 'x'],
  ['HRANDFIELD', 'r', '1', 'foo'],
  ['HRANDFIELD', 'r', '1', 'WITHVALUES', 'x'],
  ['HRANDFIELD', 'r', '-9223372036854775808'],
  ['HRANDFIELD', 'r', '-9223372036854775807', 'foo'],
  ['HRANDFIELD', 'nokey'],
  ['HRANDFIELD', 'nokey', '3'],
  ['HRANDFIELD', 'nokey', '-3', 'WITHVALUES'],
  ['HSET', 'one', 'only', 'v'],
  ['HRANDFIELD', 'one'],
  ['HRANDFIELD', 'one', '-3'],
  ['HRANDFIELD', 'one', '-2', 'WITHVALUES'],
  ['HRANDFIELD', 'one', '1', 'WITHVALUES'],
];

const scans: Arg[][] = [
  ['HSET', 's', 'a1', '1', 'a2', '2', 'b1', '3'],
  ['HSCAN', 's', '0'],
  ['HSCAN', 's', '0', 'MATCH', 'a*'],
  ['HSCAN', 's', '0', 'COUNT', '1'],
  ['HSCAN', 's', '0', 'COUNT', '0'],
  ['HSCAN', 's', '0', 'COUNT', 'x'],
  ['HSCAN', 's', '0', 'MATCH'],
  ['HSCAN', 's', '0', 'TYPE', 'string'],
  ['HSCAN', 's', '0', 'NOVALUES'],
  ['HSCAN', 's', 'x'],
  ['HSCAN', 's', '-1'],
  ['HSCAN', 's', '18446744073709551616'],
  ['HSCAN', 'nokey', '0'],
  ['HSCAN', 'nokey', 'x'],
  ['HSCAN', 'nokey', '0', 'COUNT', '0'],
  ['HSCAN', 'nokey', '0', 'MATCH'],
];

const wrongType: Arg[][] = [
  ['RPUSH', 'l', 'x'],
  ['HSET', 'l', 'a', '1'],
  ['HSETNX', 'l', 'a', '1'],
  ['HMSET', 'l', 'a', '1'],
  ['HGET', 'l', 'a'],
  ['HMGET', 'l', 'a'],
  ['HGETALL', 'l'],
  ['HDEL', 'l', 'a'],
  ['HEXISTS', 'l', 'a'],
  ['HLEN', 'l'],
  ['HKEYS', 'l'],
  ['HVALS', 'l'],
  ['HINCRBY', 'l', 'a', '1'],
  ['HINCRBY', 'l', 'a', 'x'],
  ['HINCRBYFLOAT', 'l', 'a', '1'],
  ['HINCRBYFLOAT', 'l', 'a', 'x'],
  ['HSTRLEN', 'l', 'a'],
  ['HRANDFIELD', 'l'],
  ['HRANDFIELD', 'l', '2'],
  ['HRANDFIELD', 'l', 'x'],
  ['HSCAN', 'l', '0'],
  ['HSCAN', 'l', 'x'],
  ['HSCAN', 'l', '0', 'COUNT', '0'],
];

const binary: Arg[][] = [
  ['HSET', Buffer.from([0, 255]), Buffer.from([0xc3, 0x28]), Buffer.from([0, 1, 2]), Buffer.alloc(0), Buffer.alloc(0)],
  ['HGETALL', Buffer.from([0, 255])],
  ['HGET', Buffer.from([0, 255]), Buffer.alloc(0)],
  ['HSTRLEN', Buffer.from([0, 255]), Buffer.from([0xc3, 0x28])],
  ['HSCAN', Buffer.from([0, 255]), '0', 'MATCH', Buffer.from([0xc3, 0x2a])],
];

const groups: Record<string, Arg[][]> = { basics, counters, randoms, scans, wrongType, binary };

for (const proto of [2, 3] as const) {
  for (const [name, commands] of Object.entries(groups)) {
    test(`hashes ${name} match redis-server (RESP${proto})`, async (t) => {
      if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
      const pair = await servers.pair(proto);
      await pair.checkAll(commands);
      // Long values turned this hash into a hash table, whose order is Redis's own.
      if (name === 'counters') await pair.check(['HGETALL', 'c'], { unordered: true });
      pair.close();
    });
  }
}

/** Shape of a reply without its random content: type and length, recursively. */
function shape(v: RespValue): unknown {
  if (v.type === 'array' || v.type === 'map' || v.type === 'set' || v.type === 'push') return { [v.type]: v.value.map(shape) };
  if (v.type === 'bulk') return 'bulk';
  return v;
}

for (const proto of [2, 3] as const) {
  test(`HRANDFIELD random picks have Redis's shapes (RESP${proto})`, async (t) => {
    if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
    const pair = await servers.pair(proto);
    await pair.check(['HSET', 'r', 'a', '1', 'b', '2', 'c', '3', 'd', '4']);
    for (const args of [
      ['HRANDFIELD', 'r'],
      ['HRANDFIELD', 'r', '2'],
      ['HRANDFIELD', 'r', '-6'],
      ['HRANDFIELD', 'r', '2', 'WITHVALUES'],
      ['HRANDFIELD', 'r', '-6', 'WITHVALUES'],
    ]) {
      await pair.check(args, { normalize: shape });
    }
    pair.close();
  });
}

test('a hash past hash-max-listpack-entries: same contents, HSCAN visits every field', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const fields: string[] = [];
  for (let i = 0; i < 700; i++) fields.push(`f${i}`, `v${i}`);
  await pair.check(['HSET', 'big', ...fields]);
  await pair.check(['HLEN', 'big']);
  await pair.check(['HGETALL', 'big'], { unordered: true });
  await pair.check(['HKEYS', 'big'], { unordered: true });
  await pair.check(['HDEL', 'big', 'f1', 'f2', 'f3']);
  await pair.check(['HMGET', 'big', 'f0', 'f1', 'f699']);
  for (const client of [pair.tidings, pair.redis]) {
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = (await client.call('HSCAN', 'big', cursor, 'COUNT', '50')) as [string, string[]];
      cursor = reply[0];
      for (let i = 0; i < reply[1].length; i += 2) seen.add(reply[1][i]!);
      calls++;
    } while (cursor !== '0' && calls < 1000);
    assert.equal(seen.size, 697);
    assert.ok(calls > 1, 'a hash table is scanned in several steps');
  }
  pair.close();
});

// Tidings packs a small hash into one string and turns it into a Map past 64 fields or 4 KB, well
// inside Redis's listpack limits (128 fields, 64-byte values): the order and the encoding must not
// show where that happens.
test('a listpack hash growing past the packed form keeps Redis order and encoding', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const value = (i: number) => Buffer.from(Array.from({ length: 60 }, (_, j) => (i * 7 + j * 13) & 0xff));
  for (let i = 0; i < 100; i++) {
    await pair.check(['HSET', 'lp', `field:${i}`, value(i)]);
    if (i % 9 === 0) await pair.check(['HSET', 'lp', `field:${i >> 1}`, `over${i}`]);
    if (i % 11 === 0) await pair.check(['HDEL', 'lp', `field:${i >> 2}`]);
    if (i % 10 === 0) {
      await pair.check(['HGETALL', 'lp']);
      await pair.check(['OBJECT', 'ENCODING', 'lp']);
    }
  }
  await pair.check(['HGETALL', 'lp']);
  await pair.check(['HSCAN', 'lp', '0', 'COUNT', '5']);
  await pair.check(['HMGET', 'lp', 'field:0', 'field:50', 'field:99', 'nope']);
  await pair.check(['OBJECT', 'ENCODING', 'lp']);
  const small: Arg[] = ['HSET', 's'];
  for (let i = 0; i < 5; i++) small.push(`f${i}`, value(i));
  await pair.check(small);
  await pair.check(['HSET', 's', 'f2', 'x'.repeat(200)]);
  await pair.check(['OBJECT', 'ENCODING', 's']);
  await pair.check(['HGETALL', 's'], { unordered: true });
  pair.close();
});

test('keyspace events of hashes commands match redis-server, in order', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const sub = await servers.pair(2);
  await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
  await sub.check(['PSUBSCRIBE', '__key*__:*']);
  await pair.checkAll(
    [
    ['HSET', 'h', 'a', '1', 'b', '2'],
    ['HSET', 'h', 'a', '1'],
    ['HMSET', 'h', 'c', '3'],
    ['HSETNX', 'h', 'a', 'x'],
    ['HSETNX', 'h', 'd', 'x'],
    ['HINCRBY', 'h', 'n', '2'],
    ['HINCRBY', 'h', 'a', 'x'],
    ['HINCRBYFLOAT', 'h', 'n', '0.5'],
    ['HDEL', 'h', 'zz'],
    ['HDEL', 'h', 'a', 'b'],
    ['HDEL', 'h', 'c', 'd', 'n'],
    ['HSETNX', 'k', 'f', 'v'],
    ['HDEL', 'k', 'f'],
      ['CONFIG', 'SET', 'notify-keyspace-events', ''],
    ],
    { normalize: shape },
  );
  const [ours, theirs] = await Promise.all([drain(sub.tidings), drain(sub.redis)]);
  assert.ok(ours.length > 20);
  assert.deepEqual(ours, theirs);
  pair.close();
  sub.close();
});

/** Every frame a client receives until it has been quiet for a while. */
async function drain(client: RespClient): Promise<unknown[]> {
  const frames: unknown[] = [];
  for (;;) {
    const frame = await client.readFrame(300).catch(() => undefined);
    if (frame === undefined) return frames;
    frames.push(render(frame.value));
  }
}

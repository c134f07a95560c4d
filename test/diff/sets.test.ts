// Set commands: the same sequences to Tidings and redis-server, replies compared in RESP2 and
// RESP3. Sets of integers (intsets) reply in numeric order in Redis and compare exactly; other
// sets are hash tables whose order is Redis's own, so those replies compare as multisets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { render, startDiffServers, type Arg, type DiffServers } from './harness.js';
import type { RespClient, RespValue } from '../helpers/resp.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(() => servers?.close());

/** Integer sets: exact order. */
const intsets: Arg[][] = [
  ['SADD', 'i', '5', '3', '-1', '10', '3'],
  ['SMEMBERS', 'i'],
  ['SADD', 'j', '3', '4', '5', '100'],
  ['SINTER', 'i', 'j'],
  ['SUNION', 'i', 'j'],
  ['SDIFF', 'i', 'j'],
  ['SDIFF', 'j', 'i', 'nokey'],
  ['SINTERSTORE', 'k', 'i', 'j'],
  ['SMEMBERS', 'k'],
  ['SUNIONSTORE', 'k', 'i', 'j'],
  ['SMEMBERS', 'k'],
  ['SDIFFSTORE', 'k', 'i', 'j'],
  ['SMEMBERS', 'k'],
  ['SSCAN', 'i', '0'],
  ['SSCAN', 'i', '0', 'MATCH', '1*'],
  ['SSCAN', 'i', '0', 'COUNT', '1'],
  ['SRANDMEMBER', 'i', '100'],
  ['SADD', 'i', '9223372036854775807', '-9223372036854775808'],
  ['SMEMBERS', 'i'],
  ['SPOP', 'i', '100'],
  ['SCARD', 'i'],
];

/** Results that do not depend on order. */
const basics: Arg[][] = [
  ['SADD', 's', 'a', 'b', 'c'],
  ['SADD', 's', 'a', 'd'],
  ['SADD', 's'],
  ['SCARD', 's'],
  ['SCARD', 'nokey'],
  ['SISMEMBER', 's', 'a'],
  ['SISMEMBER', 's', 'z'],
  ['SISMEMBER', 'nokey', 'a'],
  ['SMISMEMBER', 's', 'a', 'z', 'b'],
  ['SMISMEMBER', 'nokey', 'a', 'b'],
  ['SMISMEMBER', 's'],
  ['SREM', 's', 'a', 'z'],
  ['SREM', 's', 'z'],
  ['SREM', 'nokey', 'a'],
  ['SREM', 's'],
  ['SMEMBERS', 'nokey'],
  ['SMOVE', 's', 't', 'b'],
  ['SMOVE', 's', 't', 'z'],
  ['SMOVE', 'nokey', 't', 'b'],
  ['SMOVE', 's', 's', 'c'],
  ['SMOVE', 's', 's', 'z'],
  ['SMOVE', 't', 's', 'b'],
  ['SCARD', 't'],
  ['SMOVE', 's', 't', 'c'],
  ['SMOVE', 's', 't', 'd'],
  ['SCARD', 's'],
  ['SMOVE', 's', 't', 'x'],
  ['SPOP', 'nokey'],
  ['SPOP', 'nokey', '3'],
  ['SPOP', 'nokey', '0'],
  ['SPOP', 't', '0'],
  ['SPOP', 't', '-1'],
  ['SPOP', 't', 'x'],
  ['SPOP', 't', '1', '2'],
  ['SRANDMEMBER', 'nokey'],
  ['SRANDMEMBER', 'nokey', '3'],
  ['SRANDMEMBER', 'nokey', '-3'],
  ['SRANDMEMBER', 't', '0'],
  ['SRANDMEMBER', 't', 'x'],
  ['SRANDMEMBER', 't', '1', '2'],
  ['SRANDMEMBER', 't', '-9223372036854775808'],
  ['SADD', 'one', 'only'],
  ['SRANDMEMBER', 'one'],
  ['SRANDMEMBER', 'one', '-3'],
  ['SRANDMEMBER', 'one', '3'],
  ['SPOP', 'one'],
  ['SCARD', 'one'],
  ['SADD', 'one', 'x', 'y'],
  ['SPOP', 'one', '2'],
  ['SCARD', 'one'],
];

const algebra: Arg[][] = [
  ['SADD', 'a', 'x', 'y', 'z', '1'],
  ['SADD', 'b', 'y', 'z', 'w'],
  ['SADD', 'c', 'z', 'v'],
  ['SINTER', 'a', 'b'],
  ['SINTER', 'a', 'b', 'c'],
  ['SINTER', 'a', 'nokey'],
  ['SINTER', 'a'],
  ['SUNION', 'a', 'b', 'c', 'nokey'],
  ['SUNION', 'nokey'],
  ['SDIFF', 'a', 'b'],
  ['SDIFF', 'a', 'b', 'c'],
  ['SDIFF', 'nokey', 'a'],
  ['SINTERSTORE', 'd', 'a', 'b'],
  ['SMEMBERS', 'd'],
  ['SINTERSTORE', 'd', 'a', 'nokey'],
  ['SCARD', 'd'],
  ['SUNIONSTORE', 'd', 'a', 'b'],
  ['SMEMBERS', 'd'],
  ['SDIFFSTORE', 'd', 'a', 'a'],
  ['SCARD', 'd'],
  ['SDIFFSTORE', 'd', 'a', 'c'],
  ['SMEMBERS', 'd'],
  ['SUNIONSTORE', 'a', 'a', 'c'],
  ['SMEMBERS', 'a'],
  ['SINTERCARD', '2', 'a', 'b'],
  ['SINTERCARD', '3', 'a', 'b', 'c'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
  ['SINTERCARD', '2', 'a', 'b', 'limit', '100'],
  ['SINTERCARD', '2', 'a', 'nokey'],
  ['SINTERCARD', '1', 'nokey'],
  ['SINTERCARD', '0', 'a'],
  ['SINTERCARD', '-1', 'a'],
  ['SINTERCARD', 'x', 'a'],
  ['SINTERCARD', '3', 'a', 'b'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', 'x'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT'],
  ['SINTERCARD', '2', 'a', 'b', 'FOO', '1'],
  ['SINTERCARD', '1', 'a', 'b'],
];

const scans: Arg[][] = [
  ['SADD', 'sc', 'a1', 'a2', 'b1'],
  ['SSCAN', 'sc', '0', 'COUNT', '0'],
  ['SSCAN', 'sc', '0', 'COUNT', 'x'],
  ['SSCAN', 'sc', '0', 'MATCH'],
  ['SSCAN', 'sc', '0', 'foo', 'bar'],
  ['SSCAN', 'sc', '0', 'TYPE', 'set'],
  ['SSCAN', 'sc', 'x'],
  ['SSCAN', 'sc', '18446744073709551616'],
  ['SSCAN', 'nokey', '0'],
  ['SSCAN', 'nokey', '0', 'COUNT', '0'],
];

const wrongType: Arg[][] = [
  ['RPUSH', 'l', 'x'],
  ['SADD', 's', 'm'],
  ['SADD', 'l', 'a'],
  ['SREM', 'l', 'a'],
  ['SMEMBERS', 'l'],
  ['SISMEMBER', 'l', 'a'],
  ['SMISMEMBER', 'l', 'a'],
  ['SCARD', 'l'],
  ['SPOP', 'l'],
  ['SPOP', 'l', '2'],
  ['SPOP', 'l', 'x'],
  ['SRANDMEMBER', 'l'],
  ['SRANDMEMBER', 'l', '2'],
  ['SMOVE', 'l', 's', 'x'],
  ['SMOVE', 's', 'l', 'm'],
  ['SMOVE', 'nokey', 'l', 'm'],
  ['SMOVE', 's', 'l', 'zz'],
  ['SINTER', 's', 'l'],
  ['SINTER', 'nokey', 'l'],
  ['SUNION', 'l', 's'],
  ['SDIFF', 'nokey', 'l'],
  ['SINTERSTORE', 'd', 's', 'l'],
  ['SUNIONSTORE', 'd', 'l'],
  ['SDIFFSTORE', 'd', 'nokey', 'l'],
  ['SINTERSTORE', 'l', 's'],
  ['LLEN', 'l'],
  ['SINTERCARD', '2', 's', 'l'],
  ['SSCAN', 'l', '0'],
  ['SSCAN', 'l', 'x'],
  ['SSCAN', 'l', '0', 'COUNT', '0'],
  ['SCARD', 's'],
];

const binary: Arg[][] = [
  ['SADD', Buffer.from([0, 255]), Buffer.from([0xc3, 0x28]), Buffer.alloc(0)],
  ['SISMEMBER', Buffer.from([0, 255]), Buffer.alloc(0)],
  ['SMISMEMBER', Buffer.from([0, 255]), Buffer.from([0xc3, 0x28]), Buffer.from([0xc3])],
  ['SMEMBERS', Buffer.from([0, 255])],
  ['SSCAN', Buffer.from([0, 255]), '0', 'MATCH', Buffer.from([0xc3, 0x2a])],
];

const groups: Record<string, { commands: Arg[][]; unordered: boolean }> = {
  intsets: { commands: intsets, unordered: false },
  basics: { commands: basics, unordered: true },
  algebra: { commands: algebra, unordered: true },
  scans: { commands: scans, unordered: true },
  wrongType: { commands: wrongType, unordered: true },
  binary: { commands: binary, unordered: true },
};

for (const proto of [2, 3] as const) {
  for (const [name, { commands, unordered }] of Object.entries(groups)) {
    test(`sets ${name} match redis-server (RESP${proto})`, async (t) => {
      if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
      const pair = await servers.pair(proto);
      await pair.checkAll(commands, { unordered });
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
  test(`SPOP and SRANDMEMBER random picks have Redis's shapes (RESP${proto})`, async (t) => {
    if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
    const pair = await servers.pair(proto);
    await pair.check(['SADD', 'r', 'a', 'b', 'c', 'd', 'e', 'f']);
    for (const args of [
      ['SRANDMEMBER', 'r'],
      ['SRANDMEMBER', 'r', '2'],
      ['SRANDMEMBER', 'r', '-9'],
      ['SPOP', 'r'],
      ['SPOP', 'r', '2'],
      ['SCARD', 'r'],
    ]) {
      await pair.check(args, { normalize: shape });
    }
    pair.close();
  });
}

test('large sets (hash tables): algebra agrees, SSCAN visits every member once', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const a = Array.from({ length: 1000 }, (_, i) => `m${i}`);
  const b = Array.from({ length: 1000 }, (_, i) => `m${i * 2}`);
  await pair.check(['SADD', 'a', ...a]);
  await pair.check(['SADD', 'b', ...b]);
  await pair.check(['SINTER', 'a', 'b'], { unordered: true });
  await pair.check(['SDIFF', 'a', 'b'], { unordered: true });
  await pair.check(['SUNIONSTORE', 'u', 'a', 'b']);
  await pair.check(['SINTERCARD', '2', 'a', 'b', 'LIMIT', '10']);
  await pair.check(['SREM', 'a', 'm1', 'm2', 'm3']);
  // Integers beyond set-max-intset-entries: a hash table in Redis, so unordered from here.
  await pair.check(['SADD', 'ints', ...Array.from({ length: 600 }, (_, i) => String(i))]);
  await pair.check(['SMEMBERS', 'ints'], { unordered: true });
  for (const client of [pair.tidings, pair.redis]) {
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const reply = (await client.call('SSCAN', 'a', cursor, 'COUNT', '20')) as [string, string[]];
      cursor = reply[0];
      seen.push(...reply[1]);
      calls++;
    } while (cursor !== '0' && calls < 1000);
    assert.equal(new Set(seen).size, 997);
    assert.ok(calls > 1);
  }
  pair.close();
});

// Tidings packs a small set into one string and turns it into a Set past 64 members or 4 KB,
// inside Redis's intset limit (512): intset order, encodings and algebra must not show where.
test('small sets growing past the packed form agree with Redis', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  for (let i = 0; i < 100; i++) {
    await pair.check(['SADD', 'ints', String((i * 37) % 101 - 50)]);
    await pair.check(['SADD', 'words', `w${i % 70}`, Buffer.from([i, 0x80 + i])]);
    if (i % 7 === 0) await pair.check(['SREM', 'ints', String((i * 11) % 101 - 50)]);
    if (i % 10 === 0) {
      await pair.check(['SMEMBERS', 'ints']);
      await pair.check(['OBJECT', 'ENCODING', 'ints']);
      await pair.check(['SSCAN', 'ints', '0', 'COUNT', '3']);
      await pair.check(['SMEMBERS', 'words'], { unordered: true });
    }
  }
  await pair.check(['SISMEMBER', 'words', 'w69']);
  await pair.check(['SMISMEMBER', 'ints', '0', '50', '-50', '51']);
  await pair.check(['SINTER', 'ints', 'ints']);
  await pair.check(['SUNION', 'words', 'ints'], { unordered: true });
  await pair.check(['SCARD', 'words']);
  await pair.check(['ZUNION', '2', 'ints', 'words'], { unordered: true });
  pair.close();
});

test('keyspace events of sets commands match redis-server, in order', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const sub = await servers.pair(2);
  await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
  await sub.check(['PSUBSCRIBE', '__key*__:*']);
  await pair.checkAll(
    [
    ['SADD', 's', 'a', 'b', 'c'],
    ['SADD', 's', 'a'],
    ['SREM', 's', 'a', 'zz'],
    ['SMOVE', 's', 't', 'b'],
    ['SMOVE', 's', 't', 'zz'],
    ['SADD', 't', 'c'],
    ['SMOVE', 's', 't', 'c'],
    ['SINTERSTORE', 'u', 't', 't'],
    ['SUNIONSTORE', 'u', 't', 'nokey'],
    ['SDIFFSTORE', 'u', 't'],
    ['SDIFFSTORE', 'u', 't', 't'],
    ['SINTERSTORE', 'u', 'nokey'],
    ['SPOP', 't', '1'],
    ['SADD', 'p', 'x'],
    ['SPOP', 'p'],
    ['SADD', 'p', 'x', 'y'],
    ['SPOP', 'p', '5'],
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

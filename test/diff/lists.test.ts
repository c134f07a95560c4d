// List commands: the same sequences to Tidings and redis-server, replies compared byte for byte
// in RESP2 and RESP3 (error paths, null shapes and blocking timeouts included).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { render, startDiffServers, type Arg, type DiffServers } from './harness.js';
import type { RespClient } from '../helpers/resp.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(() => servers?.close());

const basics: Arg[][] = [
  ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
  ['LPUSH', 'l', 'z', 'y'],
  ['LPUSHX', 'l', 'x'],
  ['RPUSHX', 'l', 'f'],
  ['LPUSHX', 'nokey', 'x'],
  ['RPUSHX', 'nokey', 'x'],
  ['LLEN', 'l'],
  ['LLEN', 'nokey'],
  ['LRANGE', 'l', '0', '-1'],
  ['LRANGE', 'l', '-100', '100'],
  ['LRANGE', 'l', '2', '4'],
  ['LRANGE', 'l', '-3', '-2'],
  ['LRANGE', 'l', '5', '1'],
  ['LRANGE', 'l', '100', '200'],
  ['LRANGE', 'l', 'x', '1'],
  ['LRANGE', 'l', '1', '1.5'],
  ['LRANGE', 'nokey', '0', '-1'],
  ['LINDEX', 'l', '0'],
  ['LINDEX', 'l', '-1'],
  ['LINDEX', 'l', '-100'],
  ['LINDEX', 'l', '100'],
  ['LINDEX', 'l', 'x'],
  ['LINDEX', 'nokey', '0'],
  ['LSET', 'l', '0', 'first'],
  ['LSET', 'l', '-1', 'last'],
  ['LSET', 'l', '100', 'x'],
  ['LSET', 'l', 'x', 'x'],
  ['LSET', 'nokey', '0', 'x'],
  ['LRANGE', 'l', '0', '-1'],
  ['LINSERT', 'l', 'BEFORE', 'c', 'C1'],
  ['LINSERT', 'l', 'after', 'c', 'C2'],
  ['LINSERT', 'l', 'after', 'last', 'end'],
  ['LINSERT', 'l', 'before', 'first', 'start'],
  ['LINSERT', 'l', 'before', 'nothere', 'x'],
  ['LINSERT', 'l', 'middle', 'c', 'x'],
  ['LINSERT', 'nokey', 'before', 'c', 'x'],
  ['LINSERT', 'nokey', 'middle', 'c', 'x'],
  ['LRANGE', 'l', '0', '-1'],
  ['RPUSH', 'r', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
  ['LREM', 'r', '1', 'a'],
  ['LREM', 'r', '-1', 'a'],
  ['LRANGE', 'r', '0', '-1'],
  ['LREM', 'r', '0', 'b'],
  ['LREM', 'r', '0', 'nothere'],
  ['LREM', 'r', 'x', 'a'],
  ['LREM', 'nokey', '0', 'a'],
  ['LRANGE', 'r', '0', '-1'],
  ['LREM', 'r', '0', 'a'],
  ['LREM', 'r', '0', 'c'],
  ['LLEN', 'r'],
  ['RPUSH', 't', '1', '2', '3', '4', '5', '6', '7'],
  ['LTRIM', 't', '1', '-2'],
  ['LRANGE', 't', '0', '-1'],
  ['LTRIM', 't', '-100', '100'],
  ['LTRIM', 't', '1', 'x'],
  ['LTRIM', 'nokey', '0', '1'],
  ['LTRIM', 't', '5', '1'],
  ['LLEN', 't'],
];

const pops: Arg[][] = [
  ['RPUSH', 'p', 'a', 'b', 'c', 'd', 'e'],
  ['LPOP', 'p'],
  ['RPOP', 'p'],
  ['LPOP', 'p', '0'],
  ['LPOP', 'p', '2'],
  ['RPOP', 'p', '5'],
  ['LPOP', 'p'],
  ['LPOP', 'p', '1'],
  ['RPOP', 'nokey'],
  ['RPOP', 'nokey', '0'],
  ['RPOP', 'nokey', '3'],
  ['LPOP', 'nokey', '-1'],
  ['RPUSH', 'p', 'a'],
  ['LPOP', 'p', '-1'],
  ['LPOP', 'p', 'x'],
  ['LPOP', 'p', '1', '2'],
  ['RPOP', 'p', '1', '2'],
  ['LPOP'],
  ['LLEN', 'p'],
];

const wrongType: Arg[][] = [
  ['HSET', 'h', 'f', 'v'],
  ['SADD', 's', 'm'],
  ['LPUSH', 'h', 'x'],
  ['RPUSH', 'h', 'x'],
  ['LPUSHX', 'h', 'x'],
  ['RPUSHX', 's', 'x'],
  ['LPOP', 'h'],
  ['RPOP', 'h', '2'],
  ['LPOP', 'h', 'x'],
  ['LLEN', 'h'],
  ['LRANGE', 'h', '0', '-1'],
  ['LRANGE', 'h', 'x', '-1'],
  ['LINDEX', 'h', '0'],
  ['LINDEX', 'h', 'x'],
  ['LSET', 'h', '0', 'x'],
  ['LSET', 'h', 'x', 'x'],
  ['LINSERT', 'h', 'before', 'a', 'b'],
  ['LINSERT', 'h', 'middle', 'a', 'b'],
  ['LREM', 'h', '0', 'a'],
  ['LREM', 'h', 'x', 'a'],
  ['LTRIM', 'h', '0', '1'],
  ['LTRIM', 'h', 'x', '1'],
  ['LPOS', 'h', 'a'],
  ['LPOS', 'h', 'a', 'RANK', '0'],
  ['RPUSH', 'l', 'a'],
  ['LMOVE', 'h', 'l', 'left', 'right'],
  ['LMOVE', 'l', 'h', 'left', 'right'],
  ['LMOVE', 'nokey', 'h', 'left', 'right'],
  ['RPOPLPUSH', 'l', 's'],
  ['LMPOP', '2', 'nokey', 'h', 'left'],
  ['LMPOP', '2', 'l', 'h', 'left'],
  ['BLPOP', 'nokey', 'h', '0'],
  ['BLPOP', 'l', 'h', '0'],
  ['BLMOVE', 'h', 'l', 'left', 'left', '0'],
  ['BLMPOP', '0', '1', 'h', 'left'],
  ['LRANGE', 'l', '0', '-1'],
];

const lposCases: Arg[][] = [
  ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a'],
  ['LPOS', 'l', 'a'],
  ['LPOS', 'l', 'c'],
  ['LPOS', 'l', 'z'],
  ['LPOS', 'l', 'a', 'RANK', '2'],
  ['LPOS', 'l', 'a', 'RANK', '-1'],
  ['LPOS', 'l', 'a', 'RANK', '-2'],
  ['LPOS', 'l', 'a', 'RANK', '10'],
  ['LPOS', 'l', 'a', 'RANK', '0'],
  ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'],
  ['LPOS', 'l', 'a', 'RANK', 'x'],
  ['LPOS', 'l', 'a', 'COUNT', '0'],
  ['LPOS', 'l', 'a', 'COUNT', '2'],
  ['LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '-1'],
  ['LPOS', 'l', 'a', 'COUNT', '0', 'RANK', '2'],
  ['LPOS', 'l', 'a', 'COUNT', '-1'],
  ['LPOS', 'l', 'z', 'COUNT', '2'],
  ['LPOS', 'l', 'a', 'MAXLEN', '3'],
  ['LPOS', 'l', 'a', 'MAXLEN', '3', 'COUNT', '0'],
  ['LPOS', 'l', 'a', 'MAXLEN', '1', 'RANK', '-1'],
  ['LPOS', 'l', 'b', 'MAXLEN', '1'],
  ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
  ['LPOS', 'l', 'a', 'MAXLEN', '0', 'COUNT', '0'],
  ['LPOS', 'l', 'a', 'foo'],
  ['LPOS', 'l', 'a', 'RANK'],
  ['LPOS', 'l', 'a', 'COUNT', '1', 'MAXLEN'],
  ['LPOS', 'nokey', 'a'],
  ['LPOS', 'nokey', 'a', 'COUNT', '0'],
  ['LPOS', 'nokey', 'a', 'RANK', '0'],
];

const moves: Arg[][] = [
  ['RPUSH', 'src', '1', '2', '3', '4'],
  ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
  ['LMOVE', 'src', 'dst', 'right', 'left'],
  ['LMOVE', 'src', 'dst', 'left', 'left'],
  ['LMOVE', 'src', 'dst', 'right', 'right'],
  ['LRANGE', 'dst', '0', '-1'],
  ['LLEN', 'src'],
  ['LMOVE', 'src', 'dst', 'left', 'right'],
  ['LMOVE', 'dst', 'dst', 'left', 'right'],
  ['LMOVE', 'dst', 'dst', 'right', 'left'],
  ['LRANGE', 'dst', '0', '-1'],
  ['LMOVE', 'dst', 'x', 'up', 'right'],
  ['LMOVE', 'dst', 'x', 'left', 'down'],
  ['LMOVE', 'nokey', 'x', 'up', 'right'],
  ['RPOPLPUSH', 'dst', 'other'],
  ['RPOPLPUSH', 'nokey', 'other'],
  ['LRANGE', 'other', '0', '-1'],
  ['RPUSH', 'one', 'x'],
  ['RPOPLPUSH', 'one', 'one'],
  ['LRANGE', 'one', '0', '-1'],
];

const mpops: Arg[][] = [
  ['RPUSH', 'm1', 'a', 'b', 'c'],
  ['RPUSH', 'm2', 'd', 'e'],
  ['LMPOP', '2', 'nokey', 'm1', 'LEFT'],
  ['LMPOP', '2', 'nokey', 'm1', 'RIGHT', 'COUNT', '10'],
  ['LMPOP', '2', 'm1', 'm2', 'left', 'count', '1'],
  ['LMPOP', '1', 'nokey', 'left'],
  ['LMPOP', '0', 'm2', 'left'],
  ['LMPOP', '-1', 'm2', 'left'],
  ['LMPOP', 'x', 'm2', 'left'],
  ['LMPOP', '1', 'm2', 'middle'],
  ['LMPOP', '1', 'm2', 'left', 'count', '0'],
  ['LMPOP', '1', 'm2', 'left', 'count', '-1'],
  ['LMPOP', '1', 'm2', 'left', 'count', 'x'],
  ['LMPOP', '1', 'm2', 'left', 'count'],
  ['LMPOP', '1', 'm2', 'left', 'count', '1', 'count', '1'],
  ['LMPOP', '1', 'm2', 'left', 'foo'],
  ['LMPOP', '5', 'm2', 'left'],
  ['LMPOP', '2', 'm2'],
  ['LMPOP', '1'],
  ['BLMPOP', '0', '1', 'm2', 'right', 'count', '5'],
  ['BLMPOP', '0', '0', 'm2', 'right'],
  ['BLMPOP', 'x', '1', 'm2', 'right'],
  ['BLMPOP', '-1', '1', 'm2', 'right'],
  ['BLMPOP', '0', '1', 'm2', 'up'],
  ['BLMPOP', '0.01', '1', 'nokey', 'left'],
  ['BLMPOP', '0.01', '1', 'nokey', 'left', 'COUNT', '2'],
  ['LLEN', 'm1'],
  ['LLEN', 'm2'],
];

const blocking: Arg[][] = [
  ['RPUSH', 'b1', 'a', 'b'],
  ['BLPOP', 'nokey', 'b1', '0'],
  ['BRPOP', 'nokey', 'b1', '0'],
  ['BLPOP', 'nokey', 'b1', '0.01'],
  ['BRPOP', 'nokey', '0.01'],
  ['BLPOP', 'nokey', 'x'],
  ['BLPOP', 'nokey', '-1'],
  ['BLPOP', 'nokey', '-0.002'],
  ['BLPOP', 'nokey', '1e30'],
  ['BLPOP', 'nokey', 'inf'],
  ['BLPOP', 'nokey', 'nan'],
  ['BLPOP', 'nokey', ' 1'],
  ['BLPOP', 'nokey', ''],
  ['BLPOP', 'nokey', '1.5.5'],
  ['BLPOP', 'nokey'],
  ['RPUSH', 'b1', 'c'],
  ['BLMOVE', 'b1', 'b2', 'LEFT', 'RIGHT', '0'],
  ['BLMOVE', 'b1', 'b2', 'LEFT', 'RIGHT', 'x'],
  ['BLMOVE', 'b1', 'b2', 'UP', 'RIGHT', '0'],
  ['BLMOVE', 'nokey', 'b2', 'LEFT', 'RIGHT', '0.01'],
  ['BRPOPLPUSH', 'b2', 'b3', '0'],
  ['BRPOPLPUSH', 'nokey', 'b3', '0.01'],
  ['BRPOPLPUSH', 'nokey', 'b3', '-1'],
  ['LRANGE', 'b3', '0', '-1'],
  ['MULTI'],
  ['BLPOP', 'nokey', '0'],
  ['BRPOP', 'nokey', '0'],
  ['BLMOVE', 'nokey', 'b2', 'LEFT', 'RIGHT', '0'],
  ['BRPOPLPUSH', 'nokey', 'b2', '0'],
  ['BLMPOP', '0', '1', 'nokey', 'left'],
  ['BLPOP', 'b3', '0'],
  ['EXEC'],
];

const binary: Arg[][] = [
  ['RPUSH', Buffer.from([0, 1, 255]), Buffer.from([0xc3, 0x28]), Buffer.from([0]), Buffer.alloc(0)],
  ['LRANGE', Buffer.from([0, 1, 255]), '0', '-1'],
  ['LPOS', Buffer.from([0, 1, 255]), Buffer.from([0])],
  ['LREM', Buffer.from([0, 1, 255]), '0', Buffer.alloc(0)],
  ['BLPOP', Buffer.from([0, 1, 255]), '0'],
  ['LMPOP', '1', Buffer.from([0, 1, 255]), 'left'],
];

const groups: Record<string, Arg[][]> = { basics, pops, wrongType, lposCases, moves, mpops, blocking, binary };

for (const proto of [2, 3] as const) {
  for (const [name, commands] of Object.entries(groups)) {
    test(`lists ${name} match redis-server (RESP${proto})`, async (t) => {
      if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
      const pair = await servers.pair(proto);
      await pair.checkAll(commands);
      pair.close();
    });
  }
}

test('a long list: pushes, trims and random access agree with redis-server', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const values = Array.from({ length: 300 }, (_, i) => `v${i % 17}`);
  await pair.check(['RPUSH', 'big', ...values]);
  await pair.check(['LPUSH', 'big', ...values.slice(0, 50)]);
  for (const i of [0, 1, 49, 50, 175, 349, 350, -1, -350, -351]) await pair.check(['LINDEX', 'big', i]);
  await pair.check(['LINSERT', 'big', 'BEFORE', 'v16', 'mid']);
  await pair.check(['LREM', 'big', '-5', 'v3']);
  await pair.check(['LREM', 'big', '7', 'v4']);
  await pair.check(['LPOS', 'big', 'v5', 'COUNT', '0']);
  await pair.check(['LTRIM', 'big', '10', '-10']);
  await pair.check(['LRANGE', 'big', '0', '-1']);
  await pair.check(['LPOP', 'big', '100']);
  await pair.check(['RPOP', 'big', '100']);
  await pair.check(['LRANGE', 'big', '0', '-1']);
  pair.close();
});

test('keyspace events of list commands match redis-server, in order', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  const sub = await servers.pair(2);
  await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
  await sub.check(['PSUBSCRIBE', '__key*__:*']);
  await pair.checkAll([
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['LPUSHX', 'l', 'z'],
    ['RPUSHX', 'nokey', 'z'],
    ['LPOP', 'l'],
    ['RPOP', 'l', '2'],
    ['LSET', 'l', '0', 'A'],
    ['LINSERT', 'l', 'AFTER', 'A', 'B'],
    ['LREM', 'l', '0', 'B'],
    ['LTRIM', 'l', '0', '1'],
    ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', 'l', 'm'],
    ['LMPOP', '1', 'm', 'LEFT', 'COUNT', '1'],
    ['BLMOVE', 'm', 'm', 'LEFT', 'RIGHT', '0'],
    ['BLPOP', 'm', '0'],
    ['RPUSH', 't', 'x'],
    ['LREM', 't', '1', 'x'],
    ['CONFIG', 'SET', 'notify-keyspace-events', ''],
  ]);
  // Every event (keyspace and keyevent) arrives in the same order on both servers.
  const [ours, theirs] = await Promise.all([drain(sub.tidings), drain(sub.redis)]);
  assert.ok(ours.length > 30);
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

test('blocking timeouts round like Redis (sub-millisecond, negative, huge, malformed)', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  for (const proto of [2, 3] as const) {
    const p = await servers.pair(proto);
    for (const cmd of ['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX']) {
      for (const timeout of ['0.0001', '1e-300', '0.0015', '-0.0011', '-1', 'inf', '1e30', 'x', '', ' 1', '1e-5000']) {
        await p.check([cmd, 'nokey', timeout]);
      }
    }
    await p.check(['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.0001']);
    await p.check(['BLMPOP', '0.0001', '1', 'nokey', 'LEFT']);
    await p.check(['BZMPOP', '0.0001', '1', 'nokey', 'MIN']);
    p.close();
  }
});

test('packed list chunks: boundaries, binary and large elements agree with redis-server', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const pair = await servers.pair(2);
  // Elements around Tidings' one-byte length limit (253/254) and larger than a chunk (8 KB),
  // holding the bytes Tidings uses as length markers, pushed at both ends so chunks fill, split
  // and empty at both ends.
  const bin = (len: number, seed: number) => {
    const buf = Buffer.alloc(len);
    for (let i = 0; i < len; i++) buf[i] = [0, 253, 254, 255, 13, 10][(i + seed) % 6]!;
    return buf;
  };
  const sizes = [0, 1, 253, 254, 255, 8190, 8192, 20000];
  for (let round = 0; round < 3; round++) {
    await pair.check(['RPUSH', 'p', ...sizes.map((s, i) => bin(s, i + round))]);
    await pair.check(['LPUSH', 'p', ...sizes.map((s, i) => bin(s, i * 3 + round))]);
  }
  const small = Array.from({ length: 2000 }, (_, i) => `e${i}`);
  await pair.check(['RPUSH', 'p', ...small]);
  await pair.check(['LPUSH', 'p', ...small.slice(0, 1000)]);
  await pair.check(['LLEN', 'p']);
  for (const i of [0, 7, 23, 24, 25, 47, 48, 500, 1023, 1024, 2047, 3047, 3048, -1, -25, -2000]) await pair.check(['LINDEX', 'p', i]);
  await pair.check(['LSET', 'p', '1500', bin(9000, 1)]);
  await pair.check(['LSET', 'p', '-3', bin(254, 2)]);
  await pair.check(['LINSERT', 'p', 'BEFORE', 'e1999', bin(300, 3)]);
  await pair.check(['LINSERT', 'p', 'AFTER', bin(253, 2), 'after-253']);
  await pair.check(['LPOS', 'p', bin(254, 0), 'COUNT', '0']);
  await pair.check(['LPOS', 'p', 'e10', 'RANK', '-2']);
  await pair.check(['LPOS', 'p', 'e10', 'RANK', '-1', 'MAXLEN', '1500']);
  await pair.check(['LREM', 'p', '-2', 'e5']);
  await pair.check(['LREM', 'p', '0', bin(0, 0)]);
  await pair.check(['LRANGE', 'p', '0', '-1']);
  await pair.check(['LRANGE', 'p', '1020', '1030']);
  await pair.check(['LMOVE', 'p', 'q', 'LEFT', 'RIGHT']);
  await pair.check(['LMOVE', 'p', 'q', 'RIGHT', 'LEFT']);
  await pair.check(['LTRIM', 'p', '3', '-4']);
  await pair.check(['LPOP', 'p', '700']);
  await pair.check(['RPOP', 'p', '700']);
  await pair.check(['LRANGE', 'p', '0', '-1']);
  await pair.check(['SORT', 'p', 'BY', 'nosort', 'DESC', 'LIMIT', '5', '10']);
  await pair.check(['COPY', 'p', 'p2']);
  await pair.check(['LRANGE', 'p2', '0', '-1']);
  await pair.check(['LRANGE', 'q', '0', '-1']);
  await pair.check(['LPOP', 'p', '100000']);
  await pair.check(['EXISTS', 'p']);
  pair.close();
});

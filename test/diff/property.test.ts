// Property test: fast-check generates random sequences of string, keyspace and expiry commands
// (plus list/hash/set commands when those groups are present) and sends each sequence to Tidings
// and to redis-server 7.0; every reply must match. Bounded: 50 runs × 30 commands in RESP2 and
// 20 runs in RESP3. Times are absolute or large so replies do not depend on scheduling, except
// that a relative expiry (EX 100, EXPIRE k 100) is counted from when each server ran the command:
// TTL/PTTL/EXPIRETIME/PEXPIRETIME may then differ by the moments between the two (see CLOCK_SLACK).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startDiffServers, render, type Arg, type DiffServers } from './harness.js';
import { plain, type RespClient, type RespValue } from '../helpers/resp.js';

let servers: DiffServers | undefined;
let withContainers = false;

before(async (t) => {
  servers = await startDiffServers(t as never);
  if (servers !== undefined) {
    const c = await servers.tidings.connect();
    const info = plain(await c.callRaw('COMMAND', 'INFO', 'rpush', 'lrange', 'hset', 'hget', 'sadd', 'scard')) as unknown[];
    withContainers = info.every((x) => x !== null);
    c.close();
  }
});
after(async () => {
  await servers?.close();
});

const key = fc.constantFrom('a', 'b', 'c', 'd');
const value = fc.constantFrom('0', '1', '-1', '10', 'abc', '', '9223372036854775807', '1.5', '00', 'hello world');
const smallInt = fc.integer({ min: -6, max: 6 }).map(String);
/** Far in the future, fixed: replies of EXPIRETIME/TTL do not depend on when a command ran. */
const FUTURE_S = '4102444800'; // 2100-01-01
const FUTURE_MS = '4102444800123';

const expireOption = fc.constantFrom<string[]>([], ['EX', '100'], ['PX', '100000'], ['KEEPTTL'], ['EXAT', FUTURE_S], ['PXAT', '1'], ['EX', '0']);

const stringCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  fc.tuple(key, value, fc.constantFrom<string[]>([], ['NX'], ['XX'], ['GET'], ['NX', 'GET'], ['XX', 'GET']), expireOption).map(
    ([k, v, cond, exp]) => ['SET', k, v, ...cond, ...exp],
  ),
  key.map((k) => ['GET', k]),
  fc.tuple(key, value).map(([k, v]) => ['GETSET', k, v]),
  key.map((k) => ['GETDEL', k]),
  fc.tuple(key, fc.constantFrom<string[]>([], ['PERSIST'], ['EX', '100'], ['PXAT', '1'], ['EXAT', FUTURE_S])).map(([k, o]) => ['GETEX', k, ...o]),
  fc.tuple(key, value).map(([k, v]) => ['SETNX', k, v]),
  fc.tuple(key, value).map(([k, v]) => ['SETEX', k, '100', v]),
  fc.tuple(key, key).map(([a, b]) => ['MGET', a, b]),
  fc.tuple(key, value, key, value).map(([a, x, b, y]) => ['MSET', a, x, b, y]),
  fc.tuple(key, value, key, value).map(([a, x, b, y]) => ['MSETNX', a, x, b, y]),
  fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]),
  key.map((k) => ['STRLEN', k]),
  fc.tuple(key, smallInt, smallInt).map(([k, s, e]) => ['GETRANGE', k, s, e]),
  fc.tuple(key, fc.integer({ min: -1, max: 5 }).map(String), value).map(([k, o, v]) => ['SETRANGE', k, o, v]),
  key.map((k) => ['INCR', k]),
  key.map((k) => ['DECR', k]),
  fc.tuple(key, fc.constantFrom('1', '-5', '100', '9223372036854775807', 'x')).map(([k, n]) => ['INCRBY', k, n]),
  fc.tuple(key, fc.constantFrom('1', '-9223372036854775808', '3')).map(([k, n]) => ['DECRBY', k, n]),
  fc.tuple(key, fc.constantFrom('0.1', '0.2', '1.5', '-2', '1e3', 'abc', '5e-18')).map(([k, f]) => ['INCRBYFLOAT', k, f]),
  fc.tuple(key, key).map(([a, b]) => ['LCS', a, b]),
  key.map((k) => ['OBJECT', 'ENCODING', k]),
);

const keyCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  fc.tuple(key, key).map(([a, b]) => ['DEL', a, b]),
  fc.tuple(key, key).map(([a, b]) => ['UNLINK', a, b]),
  fc.tuple(key, key).map(([a, b]) => ['EXISTS', a, b]),
  key.map((k) => ['TYPE', k]),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  fc.tuple(key, key).map(([a, b]) => ['RENAMENX', a, b]),
  fc.tuple(key, key, fc.constantFrom<string[]>([], ['REPLACE'], ['DB', '1'], ['DB', '1', 'REPLACE'])).map(([a, b, o]) => ['COPY', a, b, ...o]),
  key.map((k) => ['MOVE', k, '1']),
  fc.constantFrom<Arg[]>(['SELECT', '0'], ['SELECT', '1'], ['DBSIZE'], ['SWAPDB', '0', '1']),
  fc.tuple(key, fc.constantFrom('100', '-1', '0', '200'), fc.constantFrom<string[]>([], ['NX'], ['XX'], ['GT'], ['LT'])).map(([k, t, o]) => [
    'EXPIRE',
    k,
    t,
    ...o,
  ]),
  fc.tuple(key, fc.constantFrom(FUTURE_MS, '1')).map(([k, t]) => ['PEXPIREAT', k, t]),
  fc.tuple(key, fc.constantFrom(FUTURE_S, '1')).map(([k, t]) => ['EXPIREAT', k, t]),
  key.map((k) => ['TTL', k]),
  key.map((k) => ['EXPIRETIME', k]),
  key.map((k) => ['PEXPIRETIME', k]),
  key.map((k) => ['PERSIST', k]),
  key.map((k) => ['TOUCH', k]),
);

const containerCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ['RPUSH', k, v]),
  key.map((k) => ['LRANGE', k, '0', '-1']),
  fc.tuple(key, value).map(([k, v]) => ['HSET', k, 'f', v]),
  key.map((k) => ['HGET', k, 'f']),
  fc.tuple(key, value).map(([k, v]) => ['SADD', k, v]),
  key.map((k) => ['SCARD', k]),
);

const UNORDERED = new Set(['KEYS', 'SCAN']);

/**
 * Replies that count from a relative expiry: two non-negative integers match when they differ by
 * at most this much (the same command reaches the two servers a few ms apart on a loaded machine;
 * 2 s covers a second boundary crossed in between). Negative replies (-1, -2) must be equal.
 */
const CLOCK_SLACK: Record<string, bigint> = { TTL: 2n, EXPIRETIME: 2n, PTTL: 2000n, PEXPIRETIME: 2000n };

async function checkClock(pair: { tidings: RespClient; redis: RespClient }, cmd: Arg[], slack: bigint): Promise<void> {
  pair.tidings.send(...cmd);
  pair.redis.send(...cmd);
  const [t, r] = await Promise.all([pair.tidings.readFrame(), pair.redis.readFrame()]);
  assert.ok(t && r, `connection closed during ${cmd.join(' ')}`);
  if (t.value.type === 'int' && r.value.type === 'int' && t.value.value >= 0n && r.value.value >= 0n) {
    const gap = t.value.value > r.value.value ? t.value.value - r.value.value : r.value.value - t.value.value;
    assert.ok(gap <= slack, `${cmd.join(' ')}: ${t.value.value} vs redis-server ${r.value.value}`);
  } else {
    assert.deepEqual(render(t.value), render(r.value), `reply differs for ${cmd.join(' ')}`);
  }
}
const listing: fc.Arbitrary<Arg[]> = fc.constantFrom<Arg[]>(['KEYS', '*'], ['SCAN', '0', 'COUNT', '100']);

function commands(): fc.Arbitrary<Arg[][]> {
  const options = [
    { weight: 6, arbitrary: stringCommand },
    { weight: 4, arbitrary: keyCommand },
    { weight: 1, arbitrary: listing },
  ];
  if (withContainers) options.push({ weight: 2, arbitrary: containerCommand });
  return fc.array(fc.oneof(...options), { minLength: 1, maxLength: 30 });
}

/** SCAN's reply is [cursor, keys]: compare the cursor and the keys as a set. */
function normalizeListing(v: RespValue): unknown {
  return render(v, true);
}

for (const [proto, runs] of [
  [2, 50],
  [3, 20],
] as const) {
  test(`random string/key/expiry command sequences reply like redis-server (RESP${proto})`, async (t) => {
    if (servers === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    const pair = await servers.pair(proto);
    try {
      await fc.assert(
        fc.asyncProperty(commands(), async (sequence) => {
          for (const c of [pair.tidings, pair.redis]) {
            await c.call('SELECT', '0');
            await c.call('FLUSHALL');
          }
          for (const cmd of sequence) {
            const name = String(cmd[0]);
            const slack = CLOCK_SLACK[name];
            if (slack !== undefined) await checkClock(pair, cmd, slack);
            else await pair.check(cmd, UNORDERED.has(name) ? { normalize: normalizeListing } : {});
          }
        }),
        { numRuns: runs },
      );
    } finally {
      pair.close();
    }
  });
}

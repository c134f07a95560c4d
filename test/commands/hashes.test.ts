// Hash commands over TCP. Expected values and error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import { Hash, encodingOf } from '../../src/types/hash.js';

let srv: TestServer;
let c: RespClient;

before(async () => {
  srv = await startTidings();
  c = await srv.connect();
});
after(async () => {
  c.close();
  await srv.close();
});

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const SYNTAX = { error: 'ERR syntax error' };
const NOT_INT = { error: 'ERR value is not an integer or out of range' };
const arity = (name: string) => ({ error: `ERR wrong number of arguments for '${name}' command` });

/** Database 0 emptied, plus a list `l` to provoke WRONGTYPE. */
async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  assert.equal(await c.call('RPUSH', 'l', 'x'), 1);
}

const exists = (key: string) => srv.server!.dbs[0]!.peek(key) !== undefined;

function encoding(key: string): string | undefined {
  const entry = srv.server!.dbs[0]!.peek(key);
  return entry?.type === 'hash' ? encodingOf(entry.value, srv.server!.config) : undefined;
}

test('HSET, HSETNX, HMSET, HGET, HMGET, HLEN, HEXISTS, HSTRLEN', async () => {
  await fresh();
  assert.equal(await c.call('HSET', 'h', 'a', '1', 'b', '2'), 2);
  assert.equal(await c.call('HSET', 'h', 'a', '10', 'c', '3'), 1);
  assert.deepEqual(await c.call('HSET', 'h', 'a', '1', 'b'), arity('hset'));
  assert.deepEqual(await c.call('HSET', 'h', 'a'), arity('hset'));
  assert.equal(await c.call('HSETNX', 'h', 'a', 'x'), 0);
  assert.equal(await c.call('HSETNX', 'h', 'd', '4'), 1);
  assert.equal(await c.call('HSETNX', 'new', 'f', 'v'), 1);
  assert.equal(await c.call('HMSET', 'h', 'e', '5', 'f', '6'), 'OK');
  assert.deepEqual(await c.call('HMSET', 'h', 'e'), arity('hmset'));
  assert.deepEqual(await c.call('HMSET', 'h', 'e', '5', 'f'), arity('hmset'));
  assert.equal(await c.call('HGET', 'h', 'a'), '10');
  assert.equal(await c.call('HGET', 'h', 'zz'), null);
  assert.equal(await c.call('HGET', 'nokey', 'a'), null);
  assert.deepEqual(await c.call('HMGET', 'h', 'a', 'zz', 'b'), ['10', null, '2']);
  assert.deepEqual(await c.call('HMGET', 'nokey', 'a'), [null]);
  assert.equal(await c.call('HLEN', 'h'), 6);
  assert.equal(await c.call('HLEN', 'nokey'), 0);
  assert.equal(await c.call('HEXISTS', 'h', 'a'), 1);
  assert.equal(await c.call('HEXISTS', 'h', 'zz'), 0);
  assert.equal(await c.call('HEXISTS', 'nokey', 'a'), 0);
  assert.equal(await c.call('HSTRLEN', 'h', 'a'), 2);
  assert.equal(await c.call('HSTRLEN', 'h', 'zz'), 0);
  assert.equal(await c.call('HSTRLEN', 'nokey', 'a'), 0);
  for (const args of [
    ['HSET', 'l', 'a', '1'],
    ['HSETNX', 'l', 'a', '1'],
    ['HMSET', 'l', 'a', '1'],
    ['HGET', 'l', 'a'],
    ['HMGET', 'l', 'a'],
    ['HLEN', 'l'],
    ['HEXISTS', 'l', 'a'],
    ['HSTRLEN', 'l', 'a'],
  ]) {
    assert.deepEqual(await c.call(...args), WRONGTYPE, args.join(' '));
  }
});

test('HGETALL, HKEYS, HVALS keep insertion order; HGETALL is a RESP3 map', async () => {
  await fresh();
  await c.call('HSET', 'h', 'z', '1', 'a', '2', 'm', '3');
  await c.call('HSET', 'h', 'z', 'updated');
  assert.deepEqual(await c.call('HGETALL', 'h'), ['z', 'updated', 'a', '2', 'm', '3']);
  assert.deepEqual(await c.call('HKEYS', 'h'), ['z', 'a', 'm']);
  assert.deepEqual(await c.call('HVALS', 'h'), ['updated', '2', '3']);
  assert.deepEqual(await c.call('HGETALL', 'nokey'), []);
  assert.deepEqual(await c.call('HKEYS', 'nokey'), []);
  assert.deepEqual(await c.call('HVALS', 'nokey'), []);
  for (const cmd of ['HGETALL', 'HKEYS', 'HVALS']) assert.deepEqual(await c.call(cmd, 'l'), WRONGTYPE);
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  const map = await r3.callRaw('HGETALL', 'h');
  assert.equal(map.type, 'map');
  assert.deepEqual(plain(map), ['z', 'updated', 'a', '2', 'm', '3']);
  assert.equal((await r3.callFrame('HGETALL', 'nokey')).raw.toString(), '%0\r\n');
  assert.equal((await r3.callRaw('HKEYS', 'h')).type, 'array');
  r3.close();
});

test('HDEL deletes fields and the key once empty', async () => {
  await fresh();
  await c.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
  assert.equal(await c.call('HDEL', 'h', 'a', 'zz', 'a'), 1);
  assert.equal(await c.call('HDEL', 'h', 'zz'), 0);
  assert.equal(await c.call('HDEL', 'nokey', 'a'), 0);
  assert.equal(await c.call('HDEL', 'h', 'b', 'c'), 2);
  assert.equal(exists('h'), false);
  assert.deepEqual(await c.call('HDEL', 'h'), arity('hdel'));
  assert.deepEqual(await c.call('HDEL', 'l', 'a'), WRONGTYPE);
});

test('HINCRBY: range, overflow and non-integer values', async () => {
  await fresh();
  assert.equal(await c.call('HINCRBY', 'h', 'n', '5'), 5);
  assert.equal(await c.call('HINCRBY', 'h', 'n', '-10'), -5);
  assert.equal(await c.call('HINCRBY', 'h', 'big', '9223372036854775807'), 9223372036854775807);
  assert.deepEqual(await c.call('HINCRBY', 'h', 'big', '1'), { error: 'ERR increment or decrement would overflow' });
  assert.equal(await c.call('HGET', 'h', 'big'), '9223372036854775807');
  assert.deepEqual(await c.call('HINCRBY', 'h', 'n', '1.5'), NOT_INT);
  assert.deepEqual(await c.call('HINCRBY', 'h', 'n', '9223372036854775808'), NOT_INT);
  await c.call('HSET', 'h', 's', 'abc', 'sp', ' 1');
  assert.deepEqual(await c.call('HINCRBY', 'h', 's', '1'), { error: 'ERR hash value is not an integer' });
  assert.deepEqual(await c.call('HINCRBY', 'h', 'sp', '1'), { error: 'ERR hash value is not an integer' });
  assert.deepEqual(await c.call('HINCRBY', 'l', 'n', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('HINCRBY', 'newkey', 'n', 'x'), NOT_INT);
  assert.equal(exists('newkey'), false, 'a failed HINCRBY creates nothing');
});

test('HINCRBYFLOAT formats like Redis (long double, %.17Lf without trailing zeros)', async () => {
  await fresh();
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'x', '0.1'), '0.1');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'x', '0.2'), '0.3');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'x', '-0.3'), '0');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'y', '5.0e3'), '5000');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'y', '0x10'), '5016');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'z', '1.23456789012345678901'), '1.23456789012345679');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 't', '0.0000000000000000001'), '0');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'n', '-0.00000000000000000001'), '0');
  await c.call('HSET', 'h', 'i', '10');
  assert.equal(await c.call('HINCRBYFLOAT', 'h', 'i', '1.5'), '11.5');
  assert.equal(await c.call('HGET', 'h', 'i'), '11.5');
  assert.deepEqual(await c.call('HINCRBYFLOAT', 'h', 'i', 'inf'), { error: 'ERR value is NaN or Infinity' });
  assert.deepEqual(await c.call('HINCRBYFLOAT', 'h', 'i', 'abc'), { error: 'ERR value is not a valid float' });
  assert.deepEqual(await c.call('HINCRBYFLOAT', 'h', 'i', ' 1'), { error: 'ERR value is not a valid float' });
  await c.call('HSET', 'h', 's', 'abc', 'inf', 'inf');
  assert.deepEqual(await c.call('HINCRBYFLOAT', 'h', 's', '1'), { error: 'ERR hash value is not a float' });
  assert.deepEqual(await c.call('HINCRBYFLOAT', 'h', 'inf', '1'), { error: 'ERR increment would produce NaN or Infinity' });
  assert.deepEqual(await c.call('HINCRBYFLOAT', 'l', 'x', '1'), WRONGTYPE);
  const big = (await c.call('HINCRBYFLOAT', 'h', 'big', '1e308')) as string;
  assert.equal(big.length, 308); // the long double nearest 1e308 is just below it
  assert.ok(big.startsWith('99999999999999999996'));
});

test('HRANDFIELD: counts, WITHVALUES, RESP2 and RESP3 shapes', async () => {
  await fresh();
  await c.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
  const one = (await c.call('HRANDFIELD', 'h')) as string;
  assert.ok(['a', 'b', 'c'].includes(one));
  assert.equal(await c.call('HRANDFIELD', 'nokey'), null);
  assert.deepEqual(await c.call('HRANDFIELD', 'nokey', '2'), []);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '0'), []);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '5'), ['a', 'b', 'c']);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '5', 'WITHVALUES'), ['a', '1', 'b', '2', 'c', '3']);
  const two = (await c.call('HRANDFIELD', 'h', '2')) as string[];
  assert.equal(new Set(two).size, 2);
  const repeats = (await c.call('HRANDFIELD', 'h', '-20')) as string[];
  assert.equal(repeats.length, 20);
  assert.ok(repeats.every((f) => ['a', 'b', 'c'].includes(f)));
  const flat = (await c.call('HRANDFIELD', 'h', '-4', 'WITHVALUES')) as string[];
  assert.equal(flat.length, 8);
  for (let i = 0; i < 8; i += 2) assert.equal(flat[i + 1], String(flat[i]!.charCodeAt(0) - 96));
  assert.deepEqual(await c.call('HRANDFIELD', 'h', 'x'), NOT_INT);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '1', 'foo'), SYNTAX);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'), SYNTAX);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '-9223372036854775808'), {
    error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  });
  assert.deepEqual(await c.call('HRANDFIELD', 'l'), WRONGTYPE);
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.deepEqual(await r3.call('HRANDFIELD', 'h', '3', 'WITHVALUES'), [
    ['a', '1'],
    ['b', '2'],
    ['c', '3'],
  ]);
  const pairs = (await r3.call('HRANDFIELD', 'h', '-2', 'WITHVALUES')) as string[][];
  assert.equal(pairs.length, 2);
  assert.ok(pairs.every((p) => p.length === 2));
  r3.close();
});

test('HRANDFIELD and random picks on a large hash', async () => {
  await fresh();
  const args: string[] = [];
  for (let i = 0; i < 1000; i++) args.push(`f${i}`, `v${i}`);
  await c.call('HSET', 'big', ...args);
  const picked = (await c.call('HRANDFIELD', 'big', '100', 'WITHVALUES')) as string[];
  assert.equal(picked.length, 200);
  const fields = picked.filter((_, i) => i % 2 === 0);
  assert.equal(new Set(fields).size, 100);
  for (let i = 0; i < picked.length; i += 2) assert.equal(picked[i + 1], `v${picked[i]!.slice(1)}`);
  // Deleting fields keeps random picks to live fields.
  const del: string[] = [];
  for (let i = 0; i < 990; i++) del.push(`f${i}`);
  assert.equal(await c.call('HDEL', 'big', ...del), 990);
  for (let i = 0; i < 20; i++) assert.match((await c.call('HRANDFIELD', 'big')) as string, /^f99\d$/);
  assert.equal(((await c.call('HRANDFIELD', 'big', '-50')) as string[]).filter((f) => !/^f99\d$/.test(f)).length, 0);
});

test('HSCAN: small hashes come back whole; large ones with a cursor that survives deletions', async () => {
  await fresh();
  await c.call('HSET', 'h', 'a1', '1', 'a2', '2', 'b1', '3');
  assert.deepEqual(await c.call('HSCAN', 'h', '0'), ['0', ['a1', '1', 'a2', '2', 'b1', '3']]);
  assert.deepEqual(await c.call('HSCAN', 'h', '0', 'MATCH', 'a*', 'COUNT', '1'), ['0', ['a1', '1', 'a2', '2']]);
  assert.deepEqual(await c.call('HSCAN', 'nokey', '0'), ['0', []]);
  assert.deepEqual(await c.call('HSCAN', 'h', 'x'), { error: 'ERR invalid cursor' });
  assert.deepEqual(await c.call('HSCAN', 'h', '0', 'COUNT', '0'), SYNTAX);
  assert.deepEqual(await c.call('HSCAN', 'h', '0', 'COUNT', 'x'), NOT_INT);
  assert.deepEqual(await c.call('HSCAN', 'h', '0', 'MATCH'), SYNTAX);
  assert.deepEqual(await c.call('HSCAN', 'h', '0', 'NOVALUES'), SYNTAX);
  assert.deepEqual(await c.call('HSCAN', 'l', '0'), WRONGTYPE);

  const args: string[] = [];
  for (let i = 0; i < 600; i++) args.push(`f${i}`, `v${i}`);
  await c.call('HSET', 'big', ...args);
  const seen = new Set<string>();
  let cursor = '0';
  let step = 0;
  do {
    const [next, items] = (await c.call('HSCAN', 'big', cursor, 'COUNT', '25')) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) {
      if (items[i]!.startsWith('f')) assert.equal(items[i + 1], `v${items[i]!.slice(1)}`);
      seen.add(items[i]!);
    }
    // Churn during the scan: delete fields already returned, add new ones.
    if (step++ % 3 === 0 && items.length > 0) {
      await c.call('HDEL', 'big', items[0]!);
      await c.call('HSET', 'big', `new${step}`, 'x');
    }
    cursor = next;
  } while (cursor !== '0');
  for (let i = 0; i < 600; i++) assert.ok(seen.has(`f${i}`), `f${i} present throughout is returned`);
  assert.ok(step > 10, 'scanned in many steps');
});

test('encodings follow Redis 7.0: listpack until a threshold, then hashtable for good', async () => {
  await fresh();
  await c.call('HSET', 'h', 'a', '1');
  assert.equal(encoding('h'), 'listpack');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '5');
  await c.call('HSET', 'h2', 'a', '1');
  await c.call('HSETNX', 'h2', 'a', '1234567');
  assert.equal(encoding('h2'), 'listpack', 'HSETNX on an existing field changes nothing');
  await c.call('HINCRBY', 'h2', 'a', '1000000');
  assert.equal(encoding('h2'), 'hashtable', 'a 7-byte value exceeds the limit');
  await c.call('HSET', 'h3', 'longfield', '1');
  assert.equal(encoding('h3'), 'hashtable');
  await c.call('HDEL', 'h3', 'longfield');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
  await c.call('HSET', 'h4', 'a', '1', 'b', '2');
  assert.equal(encoding('h4'), 'listpack');
  await c.call('HSET', 'h4', 'c', '3');
  assert.equal(encoding('h4'), 'hashtable');
  await c.call('HDEL', 'h4', 'c', 'b');
  assert.equal(encoding('h4'), 'hashtable', 'no conversion back');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '512');
  assert.equal(encodingOf(new Hash(undefined, [['f', 'v']]), srv.server!.config), 'listpack');
});

test('binary-safe fields and values; stored bytes are copies', async () => {
  await fresh();
  const field = Buffer.from([0, 255, 0xc3, 0x28]);
  const value = Buffer.from([13, 10, 0]);
  assert.equal(await c.call('HSET', 'h', field, value, Buffer.alloc(0), Buffer.alloc(0)), 2);
  const reply = await c.callRaw('HGETALL', 'h');
  assert.deepEqual(reply, {
    type: 'array',
    value: [
      { type: 'bulk', value: field },
      { type: 'bulk', value: value },
      { type: 'bulk', value: Buffer.alloc(0) },
      { type: 'bulk', value: Buffer.alloc(0) },
    ],
  });
  const pusher = await srv.connect();
  for (let i = 0; i < 200; i++) pusher.send('HSET', 'p', `f${i}`, `value-${i}`);
  for (let i = 0; i < 200; i++) await pusher.read();
  const vals = (await c.call('HVALS', 'p')) as string[];
  assert.deepEqual(vals, Array.from({ length: 200 }, (_, i) => `value-${i}`));
  pusher.close();
});

test('keyspace notifications', async () => {
  await fresh();
  const sub = await srv.connect();
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const expect = async (cmd: string[], expected: string[]) => {
    await c.call(...cmd);
    const events: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      const msg = plain(await sub.read()) as string[];
      events.push(`${msg[2]!.split(':')[1]} ${msg[3]}`);
    }
    assert.deepEqual(events, expected, cmd.join(' '));
    assert.ok(await sub.silentFor(20), `no extra events after ${cmd.join(' ')}`);
  };
  await expect(['HSET', 'h', 'a', '1', 'b', '2'], ['hset h']);
  await expect(['HSET', 'h', 'a', '1'], ['hset h']);
  await expect(['HMSET', 'h', 'c', '3'], ['hset h']);
  await expect(['HSETNX', 'h', 'a', '1'], []);
  await expect(['HSETNX', 'h', 'd', '1'], ['hset h']);
  await expect(['HINCRBY', 'h', 'n', '1'], ['hincrby h']);
  await expect(['HINCRBYFLOAT', 'h', 'n', '1.5'], ['hincrbyfloat h']);
  await expect(['HINCRBY', 'h', 'n', '1'], []);
  await expect(['HDEL', 'h', 'zz'], []);
  await expect(['HDEL', 'h', 'a', 'b'], ['hdel h']);
  await expect(['HDEL', 'h', 'c', 'd', 'n'], ['hdel h', 'del h']);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});

test('HSET of the value a field already holds: 0, the value kept, a change for WATCH, the encoding rules applied', async () => {
  await fresh();
  assert.equal(await c.call('HSET', 'h', 'f', 'v', 'g', 'w'), 2);
  assert.equal(await c.call('HSET', 'h', 'f', 'v'), 0);
  assert.deepEqual(await c.call('HGETALL', 'h'), ['f', 'v', 'g', 'w']);
  const other = await srv.connect();
  await c.call('WATCH', 'h');
  assert.equal(await other.call('HSET', 'h', 'g', 'w'), 0);
  await c.call('MULTI');
  await c.call('HLEN', 'h');
  assert.equal(await c.call('EXEC'), null, 'an HSET that rewrites the same value still touches the key, as in Redis');
  other.close();
  // Redis checks the arguments against hash-max-listpack-value whatever they replace.
  await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '0');
  assert.equal(encoding('h'), 'listpack');
  assert.equal(await c.call('HSET', 'h', 'f', 'v'), 0);
  assert.equal(encoding('h'), 'hashtable');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  assert.deepEqual(await c.call('HGETALL', 'h'), ['f', 'v', 'g', 'w']);
});

test('WATCH sees in-place hash changes', async () => {
  await fresh();
  await c.call('HSET', 'h', 'a', '1', 'b', '2');
  for (const change of [
    ['HSET', 'h', 'a', '2'],
    ['HSETNX', 'h', 'x', '1'],
    ['HINCRBY', 'h', 'n', '1'],
    ['HINCRBYFLOAT', 'h', 'n', '1'],
    ['HDEL', 'h', 'x'],
  ]) {
    const other = await srv.connect();
    await c.call('WATCH', 'h');
    await other.call(...change);
    await c.call('MULTI');
    await c.call('HLEN', 'h');
    assert.equal(await c.call('EXEC'), null, `${change[0]} must abort the transaction`);
    other.close();
  }
});

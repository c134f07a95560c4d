// SORT and SORT_RO over TCP. Expected values and error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

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
const NOT_DOUBLE = { error: "ERR One or more scores can't be converted into double" };

/** A list `l` of numbers, weights w_*, names o_*, hashes h_* and a string `str`. */
async function fixture(): Promise<void> {
  await c.call('FLUSHALL');
  await c.call('RPUSH', 'l', '3', '1', '2', '10', '-5', '1.5');
  await c.call('MSET', 'w_3', '30', 'w_1', '10', 'w_2', '20', 'w_10', '5', 'o_1', 'one', 'o_2', 'two', 'str', 'x');
  await c.call('HSET', 'h_3', 'f', 'c');
  await c.call('HSET', 'h_1', 'f', 'a');
}

test('SORT: numeric, ALPHA, DESC and LIMIT', async () => {
  await fixture();
  assert.deepEqual(await c.call('SORT', 'l'), ['-5', '1', '1.5', '2', '3', '10']);
  assert.deepEqual(await c.call('SORT', 'l', 'DESC'), ['10', '3', '2', '1.5', '1', '-5']);
  assert.deepEqual(await c.call('SORT', 'l', 'ALPHA'), ['-5', '1', '1.5', '10', '2', '3']);
  assert.deepEqual(await c.call('SORT', 'l', 'ALPHA', 'DESC', 'ASC'), ['-5', '1', '1.5', '10', '2', '3']);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', '1', '3'), ['1', '1.5', '2']);
  assert.deepEqual(await c.call('SORT', 'l', 'DESC', 'LIMIT', '1', '3'), ['3', '2', '1.5']);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', '-5', '2'), ['-5', '1']);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', '10', '2'), []);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', '0', '0'), []);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', '4', '-1'), ['3', '10']);
  assert.deepEqual(await c.call('SORT', 'nokey'), []);
  // Equal scores are ordered by the elements' bytes; leading spaces and "" parse as numbers.
  await c.call('RPUSH', 'n', '1.0', '1', ' 2', '', '01');
  assert.deepEqual(await c.call('SORT', 'n'), ['', '01', '1', '1.0', ' 2']);
  await c.call('RPUSH', 'bad', '1', 'x', '2');
  assert.deepEqual(await c.call('SORT', 'bad'), NOT_DOUBLE);
  assert.deepEqual(await c.call('SORT', 'bad', 'ALPHA'), ['1', '2', 'x']);
  await c.call('RPUSH', 'big', '1e400');
  assert.deepEqual(await c.call('SORT', 'big'), NOT_DOUBLE);
});

test('SORT: sets and sorted sets', async () => {
  await fixture();
  await c.call('SADD', 's', '5', '3', '9', '1');
  assert.deepEqual(await c.call('SORT', 's'), ['1', '3', '5', '9']);
  assert.deepEqual(await c.call('SORT', 's', 'DESC', 'LIMIT', '0', '2'), ['9', '5']);
  await c.call('ZADD', 'z', '1', 'c', '2', 'b', '3', 'a');
  assert.equal(await c.call('OBJECT', 'ENCODING', 'z'), 'listpack');
  assert.deepEqual(await c.call('SORT', 'z', 'ALPHA'), ['a', 'b', 'c']);
  // SORT leaves the sorted set in its skip list encoding, as Redis does.
  assert.equal(await c.call('OBJECT', 'ENCODING', 'z'), 'skiplist');
  assert.deepEqual(await c.call('SORT', 'z', 'BY', 'nosort'), ['c', 'b', 'a']);
  assert.deepEqual(await c.call('SORT', 'z', 'BY', 'nosort', 'DESC'), ['a', 'b', 'c']);
  assert.deepEqual(await c.call('SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '1'), ['b']);
  assert.deepEqual(await c.call('SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '5'), ['b', 'c']);
  assert.deepEqual(await c.call('SORT', 'z'), NOT_DOUBLE);
  assert.deepEqual(await c.call('SORT', 'str'), WRONGTYPE);
  await c.call('HSET', 'h', 'a', '1');
  assert.deepEqual(await c.call('SORT', 'h'), WRONGTYPE);
});

test('SORT: BY and GET patterns, hash fields, nosort', async () => {
  await fixture();
  await c.call('LREM', 'l', '0', '-5');
  await c.call('LREM', 'l', '0', '1.5');
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'w_*'), ['10', '1', '2', '3']);
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'o_*', 'GET', 'h_*->f'), [
    '10', null, null,
    '1', 'one', 'a',
    '2', 'two', null,
    '3', null, 'c',
  ]);
  // Missing BY keys sort as 0 (numeric) or first (ALPHA).
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'h_*->f', 'ALPHA'), ['2', '10', '1', '3']);
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'o_*'), NOT_DOUBLE);
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'nosort'), ['3', '1', '2', '10']);
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'), ['2', '1']);
  // A GET pattern without '*' names no key; a hash field on a string key gives null.
  assert.deepEqual(await c.call('SORT', 'l', 'BY', 'nosort', 'LIMIT', '0', '1', 'GET', 'fixed', 'GET', 'w_*->f'), [null, null]);
});

test('SORT ... STORE, SORT_RO and errors', async () => {
  await fixture();
  assert.equal(await c.call('SORT', 'l', 'STORE', 'dst'), 6);
  assert.deepEqual(await c.call('LRANGE', 'dst', '0', '-1'), ['-5', '1', '1.5', '2', '3', '10']);
  assert.equal(await c.call('SORT', 'l', 'BY', 'nosort', 'GET', 'o_*', 'LIMIT', '0', '3', 'STORE', 'dst'), 3);
  // Missing GET values are stored as empty strings.
  assert.deepEqual(await c.call('LRANGE', 'dst', '0', '-1'), ['', 'one', 'two']);
  assert.equal(await c.call('SORT', 'nokey', 'STORE', 'dst'), 0);
  assert.equal(await c.call('EXISTS', 'dst'), 0);
  // A set with BY nosort is sorted (ALPHA) when stored.
  await c.call('SADD', 's', 'b', 'c', 'a');
  assert.equal(await c.call('SORT', 's', 'BY', 'nosort', 'STORE', 'dst'), 3);
  assert.deepEqual(await c.call('LRANGE', 'dst', '0', '-1'), ['a', 'b', 'c']);
  await c.call('RPUSH', 'bad', 'x');
  assert.deepEqual(await c.call('SORT', 'bad', 'STORE', 'dst'), NOT_DOUBLE);
  assert.deepEqual(await c.call('LRANGE', 'dst', '0', '-1'), ['a', 'b', 'c']);

  assert.deepEqual(await c.call('SORT_RO', 'l', 'DESC', 'LIMIT', '0', '2'), ['10', '3']);
  assert.deepEqual(await c.call('SORT_RO', 'l', 'STORE', 'x'), SYNTAX);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', '0'), SYNTAX);
  assert.deepEqual(await c.call('SORT', 'l', 'LIMIT', 'a', 'b'), NOT_INT);
  assert.deepEqual(await c.call('SORT', 'l', 'FOO'), SYNTAX);
  assert.deepEqual(await c.call('SORT', 'l', 'GET'), SYNTAX);
  // Options are checked before the key's type.
  assert.deepEqual(await c.call('SORT', 'str', 'FOO'), SYNTAX);
  assert.deepEqual(await c.call('SORT'), { error: "ERR wrong number of arguments for 'sort' command" });
  assert.deepEqual(await c.call('SORT_RO'), { error: "ERR wrong number of arguments for 'sort_ro' command" });
});

test('SORT from a script sorts a set even with BY nosort', async () => {
  await fixture();
  await c.call('SADD', 's2', 'b', 'a', 'c', 'zz', '1');
  assert.deepEqual(await c.call('EVAL', "return redis.call('sort', KEYS[1], 'by', 'nosort')", '1', 's2'), ['1', 'a', 'b', 'c', 'zz']);
  assert.deepEqual(await c.call('EVAL', "return redis.call('sort_ro', KEYS[1], 'by', 'nosort', 'desc')", '1', 's2'), ['zz', 'c', 'b', 'a', '1']);
  // Lists keep their own order.
  assert.deepEqual(await c.call('EVAL', "return redis.call('sort', KEYS[1], 'by', 'nosort')", '1', 'l'), ['3', '1', '2', '10', '-5', '1.5']);
});

test('COMMAND GETKEYS for SORT', async () => {
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'a', 'LIMIT', '0', '1', 'STORE', 'b'), ['k', 'b']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'SORT', 'k', 'GET', 'store', 'STORE', 'x'), ['k', 'x']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'SORT', 'k'), ['k']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'STORE', 'a'), ['k']);
});

test('keyspace notifications', async () => {
  await fixture();
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
  await expect(['SORT', 'l'], []);
  await expect(['SORT', 'l', 'STORE', 'd'], ['sortstore d']);
  await expect(['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'd'], ['del d']);
  await expect(['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'd'], []);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});

test('SORT STORE wakes a client blocked on the destination', async () => {
  await fixture();
  const blocked = await srv.connect();
  blocked.send('BLPOP', 'dst', '0');
  for (let i = 0; i < 200 && srv.server!.blocking.count === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await c.call('SORT', 'l', 'STORE', 'dst'), 6);
  assert.deepEqual(plain(await blocked.read()), ['dst', '-5']);
  assert.deepEqual(await c.call('LRANGE', 'dst', '0', '-1'), ['1', '1.5', '2', '3', '10']);
  blocked.close();
});

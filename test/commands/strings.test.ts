// String commands over TCP: replies, options and every error path with Redis's exact text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Hash } from '../../src/types/hash.js';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { encodeCommand, plain, type RespClient } from '../helpers/resp.js';

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

const err = (text: string) => ({ error: text });
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INT = err('ERR value is not an integer or out of range');
const SYNTAX = err('ERR syntax error');

/** A key of another type, made in-process so these tests do not depend on the list group. */
function makeHash(key: string): void {
  srv.server!.dbs[0]!.set(key, 'hash', new Hash(undefined, [['f', 'v']]));
}

test('GET and SET basics, binary values, wrong types and arity', async () => {
  await c.call('FLUSHALL');
  assert.equal(await c.call('GET', 'k'), null);
  assert.equal(await c.call('SET', 'k', 'v'), 'OK');
  assert.equal(await c.call('GET', 'k'), 'v');
  const bin = Buffer.from([0, 255, 13, 10, 128]);
  await c.call('SET', bin, bin);
  const reply = await c.callRaw('GET', bin);
  assert.ok(reply.type === 'bulk' && reply.value.equals(bin));
  makeHash('h');
  assert.deepEqual(await c.call('GET', 'h'), WRONGTYPE);
  assert.equal(await c.call('SET', 'h', 'x'), 'OK', 'SET overwrites any type');
  assert.equal(await c.call('GET', 'h'), 'x');
  assert.deepEqual(await c.call('GET'), err("ERR wrong number of arguments for 'get' command"));
  assert.deepEqual(await c.call('SET', 'k'), err("ERR wrong number of arguments for 'set' command"));
});

test('SET NX, XX, GET, KEEPTTL and expiry options', async () => {
  await c.call('FLUSHALL');
  assert.equal(await c.call('SET', 'k', '1', 'NX'), 'OK');
  assert.equal(await c.call('SET', 'k', '2', 'NX'), null);
  assert.equal(await c.call('SET', 'k', '3', 'XX'), 'OK');
  assert.equal(await c.call('SET', 'nokey', '3', 'XX'), null);
  assert.equal(await c.call('SET', 'k', '4', 'GET'), '3');
  assert.equal(await c.call('SET', 'k', '5', 'NX', 'GET'), '4', 'NX+GET returns the old value without setting');
  assert.equal(await c.call('GET', 'k'), '4');
  assert.equal(await c.call('SET', 'new', 'x', 'GET'), null);
  makeHash('h');
  assert.deepEqual(await c.call('SET', 'h', 'x', 'GET'), WRONGTYPE);
  assert.equal(await c.call('TYPE', 'h'), 'hash', 'a failed SET GET leaves the key alone');

  assert.equal(await c.call('SET', 'e', 'v', 'EX', '100'), 'OK');
  assert.equal(await c.call('TTL', 'e'), 100);
  assert.equal(await c.call('SET', 'e', 'v', 'PX', '50000'), 'OK');
  assert.equal(await c.call('TTL', 'e'), 50);
  const at = Math.floor(Date.now() / 1000) + 1000;
  assert.equal(await c.call('SET', 'e', 'v', 'EXAT', String(at)), 'OK');
  assert.ok(Math.abs((await c.call('TTL', 'e')) as number - 1000) <= 2);
  assert.equal(await c.call('SET', 'e', 'v', 'PXAT', String(at * 1000)), 'OK');
  assert.equal(await c.call('EXPIRETIME', 'e'), at);
  assert.equal(await c.call('SET', 'e', 'v2', 'KEEPTTL'), 'OK');
  assert.equal(await c.call('EXPIRETIME', 'e'), at);
  assert.equal(await c.call('SET', 'e', 'v3'), 'OK');
  assert.equal(await c.call('TTL', 'e'), -1, 'plain SET clears the TTL');
  assert.equal(await c.call('SET', 'p', 'v', 'PXAT', '1'), 'OK');
  assert.equal(await c.call('GET', 'p'), null, 'an expiry in the past makes the key disappear');

  for (const args of [
    ['NX', 'XX'],
    ['EX', '10', 'PX', '10'],
    ['KEEPTTL', 'EX', '10'],
    ['EX', '10', 'KEEPTTL'],
    ['EX'],
    ['PERSIST'],
    ['FOO'],
  ]) {
    assert.deepEqual(await c.call('SET', 'k', 'v', ...args), SYNTAX, args.join(' '));
  }
  for (const args of [
    ['EX', '0'],
    ['EX', '-1'],
    ['PX', '0'],
    ['EXAT', '0'],
    ['EX', '9999999999999999'],
    ['PX', '9223372036854775807'],
  ]) {
    assert.deepEqual(await c.call('SET', 'k', 'v', ...args), err("ERR invalid expire time in 'set' command"), args.join(' '));
  }
  assert.deepEqual(await c.call('SET', 'k', 'v', 'EX', 'abc'), NOT_INT);
});

test('SETNX, SETEX, PSETEX, GETSET, GETDEL', async () => {
  await c.call('FLUSHALL');
  assert.equal(await c.call('SETNX', 'a', '1'), 1);
  assert.equal(await c.call('SETNX', 'a', '2'), 0);
  assert.equal(await c.call('SETEX', 'b', '100', 'v'), 'OK');
  assert.equal(await c.call('TTL', 'b'), 100);
  assert.deepEqual(await c.call('SETEX', 'b', '0', 'v'), err("ERR invalid expire time in 'setex' command"));
  assert.deepEqual(await c.call('SETEX', 'b', 'x', 'v'), NOT_INT);
  assert.equal(await c.call('PSETEX', 'c', '100000', 'v'), 'OK');
  assert.equal(await c.call('TTL', 'c'), 100);
  assert.deepEqual(await c.call('PSETEX', 'c', '-5', 'v'), err("ERR invalid expire time in 'psetex' command"));
  assert.equal(await c.call('GETSET', 'a', '3'), '1');
  assert.equal(await c.call('GETSET', 'fresh', '3'), null);
  assert.equal(await c.call('GETSET', 'b', 'x'), 'v');
  assert.equal(await c.call('TTL', 'b'), -1, 'GETSET clears the TTL');
  makeHash('h');
  assert.deepEqual(await c.call('GETSET', 'h', 'x'), WRONGTYPE);
  assert.equal(await c.call('GETDEL', 'a'), '3');
  assert.equal(await c.call('GETDEL', 'a'), null);
  assert.deepEqual(await c.call('GETDEL', 'h'), WRONGTYPE);
});

test('GETEX options', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'e', 'v');
  assert.equal(await c.call('GETEX', 'e'), 'v');
  assert.equal(await c.call('GETEX', 'e', 'EX', '100'), 'v');
  assert.equal(await c.call('TTL', 'e'), 100);
  assert.equal(await c.call('GETEX', 'e', 'PX', '200000'), 'v');
  assert.equal(await c.call('TTL', 'e'), 200);
  assert.equal(await c.call('GETEX', 'e', 'PERSIST'), 'v');
  assert.equal(await c.call('TTL', 'e'), -1);
  assert.equal(await c.call('GETEX', 'nokey', 'EX', '0'), null, 'a missing key replies nil before the time is checked');
  assert.deepEqual(await c.call('GETEX', 'e', 'EX', '0'), err("ERR invalid expire time in 'getex' command"));
  assert.deepEqual(await c.call('GETEX', 'e', 'PERSIST', 'EX', '1'), SYNTAX);
  assert.deepEqual(await c.call('GETEX', 'e', 'EX', '1', 'PX', '1'), SYNTAX);
  assert.deepEqual(await c.call('GETEX', 'e', 'NX'), SYNTAX);
  assert.equal(await c.call('GETEX', 'e', 'PXAT', '1'), 'v');
  assert.equal(await c.call('EXISTS', 'e'), 0, 'an absolute time in the past deletes the key');
  makeHash('h');
  assert.deepEqual(await c.call('GETEX', 'h'), WRONGTYPE);
});

test('MGET, MSET, MSETNX', async () => {
  await c.call('FLUSHALL');
  makeHash('h');
  assert.equal(await c.call('MSET', 'a', '1', 'b', '2'), 'OK');
  assert.deepEqual(await c.call('MGET', 'a', 'b', 'nokey', 'h'), ['1', '2', null, null]);
  assert.deepEqual(await c.call('MSET', 'a', '1', 'b'), err("ERR wrong number of arguments for 'mset' command"));
  assert.equal(await c.call('MSETNX', 'a', '9', 'c', '3'), 0);
  assert.equal(await c.call('EXISTS', 'c'), 0, 'MSETNX sets nothing when one key exists');
  assert.equal(await c.call('MSETNX', 'c', '3', 'd', '4'), 1);
  assert.deepEqual(await c.call('MGET', 'c', 'd'), ['3', '4']);
  assert.deepEqual(await c.call('MSETNX', 'x', '1', 'y'), err("ERR wrong number of arguments for 'msetnx' command"));
});

test('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', async () => {
  await c.call('FLUSHALL');
  makeHash('h');
  assert.equal(await c.call('APPEND', 's', 'hello'), 5);
  assert.equal(await c.call('APPEND', 's', ' world'), 11);
  assert.equal(await c.call('STRLEN', 's'), 11);
  assert.equal(await c.call('STRLEN', 'nokey'), 0);
  assert.deepEqual(await c.call('STRLEN', 'h'), WRONGTYPE);
  assert.deepEqual(await c.call('APPEND', 'h', 'x'), WRONGTYPE);
  assert.equal(await c.call('GETRANGE', 's', '0', '4'), 'hello');
  assert.equal(await c.call('GETRANGE', 's', '-5', '-1'), 'world');
  assert.equal(await c.call('GETRANGE', 's', '5', '3'), '');
  assert.equal(await c.call('GETRANGE', 's', '-100', '100'), 'hello world');
  assert.equal(await c.call('GETRANGE', 'nokey', '0', '1'), '');
  assert.equal(await c.call('SUBSTR', 's', '1', '3'), 'ell');
  assert.deepEqual(await c.call('GETRANGE', 's', 'a', '1'), NOT_INT);
  assert.deepEqual(await c.call('GETRANGE', 'h', '0', '1'), WRONGTYPE);
  assert.equal(await c.call('SETRANGE', 's', '6', 'WORLD'), 11);
  assert.equal(await c.call('GET', 's'), 'hello WORLD');
  assert.equal(await c.call('SETRANGE', 's', '13', '!'), 14);
  assert.equal(await c.call('GET', 's'), 'hello WORLD\0\0!');
  assert.equal(await c.call('SETRANGE', 'new', '0', ''), 0);
  assert.equal(await c.call('EXISTS', 'new'), 0, 'an empty SETRANGE does not create the key');
  assert.equal(await c.call('SETRANGE', 'new', '2', 'ab'), 4);
  assert.equal(await c.call('GET', 'new'), '\0\0ab');
  assert.deepEqual(await c.call('SETRANGE', 's', '-1', 'x'), err('ERR offset is out of range'));
  assert.deepEqual(
    await c.call('SETRANGE', 's', '536870912', 'x'),
    err('ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
  );
  assert.deepEqual(await c.call('SETRANGE', 'h', '0', 'x'), WRONGTYPE);
});

test('INCR family: results, overflow and parse errors', async () => {
  await c.call('FLUSHALL');
  assert.equal(await c.call('INCR', 'n'), 1);
  assert.equal(await c.call('INCRBY', 'n', '10'), 11);
  assert.equal(await c.call('DECR', 'n'), 10);
  assert.equal(await c.call('DECRBY', 'n', '20'), -10);
  assert.deepEqual(await c.call('INCRBY', 'n', 'x'), NOT_INT);
  assert.deepEqual(await c.call('INCRBY', 'n', '1.5'), NOT_INT);
  await c.call('SET', 'big', '9223372036854775807');
  assert.deepEqual(await c.call('INCR', 'big'), err('ERR increment or decrement would overflow'));
  const raw = await c.callRaw('INCRBY', 'big', '0');
  assert.deepEqual(raw, { type: 'int', value: 9223372036854775807n }, 'exact 64-bit integers');
  await c.call('SET', 'small', '-9223372036854775808');
  assert.deepEqual(await c.call('DECR', 'small'), err('ERR increment or decrement would overflow'));
  assert.deepEqual(await c.call('DECRBY', 'n', '-9223372036854775808'), err('ERR decrement would overflow'));
  await c.call('SET', 'f', '1.5');
  assert.deepEqual(await c.call('INCR', 'f'), NOT_INT);
  await c.call('SET', 'lead', '01');
  assert.deepEqual(await c.call('INCR', 'lead'), NOT_INT);
  makeHash('h');
  assert.deepEqual(await c.call('INCR', 'h'), WRONGTYPE);
  await c.call('SET', 't', '5', 'EX', '100');
  await c.call('INCR', 't');
  assert.equal(await c.call('TTL', 't'), 100, 'INCR keeps the TTL');
});

test('INCRBYFLOAT formats like Redis (long double, %.17Lf)', async () => {
  await c.call('FLUSHALL');
  assert.equal(await c.call('INCRBYFLOAT', 'f', '0.1'), '0.1');
  assert.equal(await c.call('INCRBYFLOAT', 'f', '0.2'), '0.3');
  assert.equal(await c.call('INCRBYFLOAT', 'f', '3.0'), '3.3');
  assert.equal(await c.call('INCRBYFLOAT', 'f', '-3.3'), '0');
  assert.equal(await c.call('INCRBYFLOAT', 'g', '1.23456789012345678901'), '1.23456789012345679');
  assert.equal(await c.call('INCRBYFLOAT', 'h', '1e18'), '1000000000000000000');
  assert.equal(await c.call('INCRBYFLOAT', 'h', '1'), '1000000000000000001');
  assert.equal(await c.call('INCRBYFLOAT', 'x', '0x1p3'), '8');
  assert.equal(await c.call('INCRBYFLOAT', 'tiny', '1e-17'), '0.00000000000000001');
  assert.deepEqual(await c.call('INCRBYFLOAT', 'f', 'abc'), err('ERR value is not a valid float'));
  assert.deepEqual(await c.call('INCRBYFLOAT', 'f', 'nan'), err('ERR value is not a valid float'));
  assert.deepEqual(await c.call('INCRBYFLOAT', 'f', 'inf'), err('ERR increment would produce NaN or Infinity'));
  assert.deepEqual(await c.call('INCRBYFLOAT', 'f', '1e99999'), err('ERR value is not a valid float'));
  await c.call('SET', 'bad', 'abc');
  assert.deepEqual(await c.call('INCRBYFLOAT', 'bad', '1'), err('ERR value is not a valid float'));
  makeHash('hh');
  assert.deepEqual(await c.call('INCRBYFLOAT', 'hh', '1'), WRONGTYPE);
});

test('LCS: string, LEN, IDX with MINMATCHLEN and WITHMATCHLEN, errors', async () => {
  await c.call('FLUSHALL');
  await c.call('MSET', 'k1', 'ohmytext', 'k2', 'mynewtext');
  assert.equal(await c.call('LCS', 'k1', 'k2'), 'mytext');
  assert.equal(await c.call('LCS', 'k1', 'k2', 'LEN'), 6);
  assert.deepEqual(await c.call('LCS', 'k1', 'k2', 'IDX'), [
    'matches',
    [
      [
        [4, 7],
        [5, 8],
      ],
      [
        [2, 3],
        [0, 1],
      ],
    ],
    'len',
    6,
  ]);
  assert.deepEqual(await c.call('LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), [
    'matches',
    [
      [
        [4, 7],
        [5, 8],
        4,
      ],
    ],
    'len',
    6,
  ]);
  assert.equal(await c.call('LCS', 'k1', 'nokey'), '');
  assert.deepEqual(await c.call('LCS', 'k1', 'k2', 'LEN', 'IDX'), err('ERR If you want both the length and indexes, please just use IDX.'));
  assert.deepEqual(await c.call('LCS', 'k1', 'k2', 'FOO'), SYNTAX);
  makeHash('h');
  assert.deepEqual(await c.call('LCS', 'k1', 'h'), err('ERR The specified keys must contain string values'));
});

test('OBJECT ENCODING of strings follows how the value was written', async () => {
  await c.call('FLUSHALL');
  const enc = (k: string) => c.call('OBJECT', 'ENCODING', k);
  await c.call('SET', 'i', '123');
  assert.equal(await enc('i'), 'int');
  await c.call('SET', 'e', 'x'.repeat(44));
  assert.equal(await enc('e'), 'embstr');
  await c.call('SET', 'r', 'x'.repeat(45));
  assert.equal(await enc('r'), 'raw');
  await c.call('SET', 'big', '12345678901234567890');
  assert.equal(await enc('big'), 'embstr', 'beyond 64 bits is not an integer');
  await c.call('APPEND', 'i', '4');
  assert.equal(await enc('i'), 'raw', 'APPEND leaves a raw string');
  await c.call('INCR', 'i');
  assert.equal(await enc('i'), 'int');
  await c.call('INCRBYFLOAT', 'i', '1');
  assert.equal(await enc('i'), 'embstr', 'INCRBYFLOAT stores a plain string');
  await c.call('SETRANGE', 'sr', '0', 'ab');
  assert.equal(await enc('sr'), 'raw');
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'e'), 1);
  await c.call('SET', 'small', '100');
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'small'), 2147483647, 'shared small integer');
});

test('SETRANGE and APPEND edit big values in place without changing replies already queued', async () => {
  await c.call('FLUSHALL');
  const big = 'a'.repeat(5000);
  await c.call('SET', 'big', big);
  // One write: every GET is queued before the next edit runs; each must show the value of its time.
  const cmds: (string | number)[][] = [
    ['GET', 'big'],
    ['SETRANGE', 'big', 0, 'b'],
    ['GET', 'big'],
    ['APPEND', 'big', 'c'],
    ['APPEND', 'big', 'd'],
    ['GETRANGE', 'big', 0, -1],
    ['SETRANGE', 'big', 1, 'e'],
    ['SETRANGE', 'big', 5010, 'f'],
    ['APPEND', 'big', 'g'],
    ['GET', 'big'],
    ['SETRANGE', 'big', 0, 'z'],
  ];
  c.write(Buffer.concat(cmds.map((args) => encodeCommand(args))));
  const replies: unknown[] = [];
  for (let i = 0; i < cmds.length; i++) replies.push(plain(await c.read()));
  const b = 'b' + 'a'.repeat(4999);
  const bcd = b + 'cd';
  const last = 'be' + 'a'.repeat(4998) + 'cd' + '\0'.repeat(8) + 'fg';
  assert.deepEqual(replies, [big, 5000, b, 5001, 5002, bcd, 5002, 5011, 5012, last, 5012]);
  assert.equal(await c.call('GET', 'big'), 'z' + last.slice(1));
  // Many appends (in place once the value has room): the bytes are all there, in order.
  await c.call('DEL', 'log');
  let expected = '';
  for (let i = 0; i < 300; i++) {
    const piece = `<${i}>`.repeat(20);
    expected += piece;
    assert.equal(await c.call('APPEND', 'log', piece), expected.length);
    if (i % 50 === 0) assert.equal(await c.call('GETRANGE', 'log', 0, -1), expected);
  }
  assert.equal(await c.call('GET', 'log'), expected);
  assert.equal(await c.call('OBJECT', 'ENCODING', 'log'), 'raw');
  // A value renamed keeps its bytes; COPY's copy is not changed by an edit of the source.
  await c.call('COPY', 'log', 'log2');
  await c.call('SETRANGE', 'log', 0, 'XYZ');
  assert.equal(await c.call('GET', 'log2'), expected);
  assert.equal(await c.call('GETRANGE', 'log', 0, 5), 'XYZ<0>');
});

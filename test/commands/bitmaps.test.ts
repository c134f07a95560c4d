// Bitmap commands over TCP: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO —
// replies, every error path with Redis's exact text, keyspace events, encodings and WATCH.
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

const err = (text: string) => ({ error: text });
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INT = err('ERR value is not an integer or out of range');
const SYNTAX = err('ERR syntax error');
const BAD_OFFSET = err('ERR bit offset is not an integer or out of range');
const BAD_BIT = err('ERR bit is not an integer or out of range');
const BAD_TYPE = err('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');

async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  srv.server!.dbs[0]!.set('h', 'hash', new Map([['f', 'v']]));
}

async function bytes(key: string): Promise<Buffer> {
  const reply = await c.callRaw('GET', key);
  assert.ok(reply.type === 'bulk');
  return reply.value;
}

test('SETBIT and GETBIT: replies, growth, encodings and errors', async () => {
  await fresh();
  assert.equal(await c.call('SETBIT', 'b', '7', '1'), 0);
  assert.equal(await c.call('SETBIT', 'b', '7', '1'), 1);
  assert.equal(await c.call('SETBIT', 'b', '7', '0'), 1);
  assert.equal(await c.call('SETBIT', 'b', '100', '1'), 0);
  assert.deepEqual(await bytes('b'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8]));
  assert.equal(await c.call('GETBIT', 'b', '100'), 1);
  assert.equal(await c.call('GETBIT', 'b', '99'), 0);
  assert.equal(await c.call('GETBIT', 'b', '100000'), 0, 'beyond the string reads 0');
  assert.equal(await c.call('GETBIT', 'nokey', '3'), 0);
  assert.equal(await c.call('OBJECT', 'ENCODING', 'b'), 'raw');
  assert.equal(await c.call('SETBIT', 'z', '0', '0'), 0, 'setting a 0 still creates the key');
  assert.deepEqual(await bytes('z'), Buffer.from([0]));

  // An int-encoded string becomes raw even when SETBIT changes nothing (Redis unshares it).
  await c.call('SET', 'n', '123');
  assert.equal(await c.call('OBJECT', 'ENCODING', 'n'), 'int');
  assert.equal(await c.call('GETBIT', 'n', '2'), 1, "'1' is 0x31");
  assert.equal(await c.call('SETBIT', 'n', '0', '0'), 0);
  assert.equal(await c.call('OBJECT', 'ENCODING', 'n'), 'raw');
  assert.equal(await c.call('GET', 'n'), '123');

  // TTLs survive SETBIT.
  await c.call('SET', 't', 'x', 'EX', '100');
  await c.call('SETBIT', 't', '50', '1');
  assert.equal(await c.call('TTL', 't'), 100);

  for (const bad of ['-1', 'a', '4294967296', '1.5', '']) {
    assert.deepEqual(await c.call('SETBIT', 'b', bad, '1'), BAD_OFFSET, `offset ${bad}`);
    assert.deepEqual(await c.call('GETBIT', 'b', bad), BAD_OFFSET, `offset ${bad}`);
  }
  for (const bad of ['2', '-1', 'a', '']) assert.deepEqual(await c.call('SETBIT', 'b', '1', bad), BAD_BIT);
  assert.deepEqual(await c.call('SETBIT', 'h', '1', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('SETBIT', 'h', 'x', '1'), BAD_OFFSET, 'arguments are checked before the type');
  assert.deepEqual(await c.call('GETBIT', 'h', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('SETBIT', 'b', '1'), err("ERR wrong number of arguments for 'setbit' command"));
  assert.deepEqual(await c.call('GETBIT', 'b'), err("ERR wrong number of arguments for 'getbit' command"));
});

test('bit offsets are limited by proto-max-bulk-len', async () => {
  await fresh();
  await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb');
  try {
    assert.deepEqual(await c.call('SETBIT', 'b', String(8 * 1024 * 1024), '1'), BAD_OFFSET);
    assert.equal(await c.call('SETBIT', 'b', String(8 * 1024 * 1024 - 1), '1'), 0);
    assert.equal(await c.call('STRLEN', 'b'), 1024 * 1024);
    assert.deepEqual(await c.call('BITFIELD', 'b', 'GET', 'u8', '#1048576'), BAD_OFFSET);
    assert.deepEqual(await c.call('BITFIELD', 'b', 'GET', 'u8', '#1048575'), [1]);
  } finally {
    await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb');
  }
});

test('BITCOUNT with BYTE and BIT ranges', async () => {
  await fresh();
  await c.call('SET', 's', 'foobar');
  assert.equal(await c.call('BITCOUNT', 's'), 26);
  assert.equal(await c.call('BITCOUNT', 's', '0', '0'), 4);
  assert.equal(await c.call('BITCOUNT', 's', '1', '1'), 6);
  assert.equal(await c.call('BITCOUNT', 's', '1', '1', 'BYTE'), 6);
  assert.equal(await c.call('BITCOUNT', 's', '5', '30', 'BIT'), 17);
  assert.equal(await c.call('BITCOUNT', 's', '-2', '-1'), 7);
  assert.equal(await c.call('BITCOUNT', 's', '-1', '-5'), 0);
  assert.equal(await c.call('BITCOUNT', 's', '-1', '-5', 'foo'), 0, 'an inverted negative range answers before the unit is read');
  assert.equal(await c.call('BITCOUNT', 's', '100', '200'), 0);
  assert.equal(await c.call('BITCOUNT', 's', '-100', '100'), 26);
  assert.equal(await c.call('BITCOUNT', 'nokey'), 0);
  assert.equal(await c.call('BITCOUNT', 'nokey', 'a', 'b'), 0, 'a missing key answers before the range is parsed');
  assert.deepEqual(await c.call('BITCOUNT', 's', '1'), SYNTAX);
  assert.deepEqual(await c.call('BITCOUNT', 's', '0', '1', 'bits'), SYNTAX);
  assert.deepEqual(await c.call('BITCOUNT', 's', '0', '1', 'bit', 'x'), SYNTAX);
  assert.deepEqual(await c.call('BITCOUNT', 's', 'a', '1'), NOT_INT);
  assert.deepEqual(await c.call('BITCOUNT', 'h'), WRONGTYPE);
  assert.deepEqual(await c.call('BITCOUNT'), err("ERR wrong number of arguments for 'bitcount' command"));
});

test('BITPOS with ranges, units and the zero-padding rule', async () => {
  await fresh();
  await c.call('SET', 'z', Buffer.from([0xff, 0xf0, 0x00]));
  assert.equal(await c.call('BITPOS', 'z', '0'), 12);
  assert.equal(await c.call('BITPOS', 'z', '1'), 0);
  assert.equal(await c.call('BITPOS', 'z', '1', '2'), -1);
  assert.equal(await c.call('BITPOS', 'z', '0', '1', '1'), 12);
  assert.equal(await c.call('BITPOS', 'z', '1', '7', '15', 'BIT'), 7);
  assert.equal(await c.call('BITPOS', 'z', '0', '0', '11', 'BIT'), -1);
  await c.call('SET', 'ones', Buffer.from([0xff, 0xff]));
  assert.equal(await c.call('BITPOS', 'ones', '0'), 16, 'no end given: the string counts as zero-padded');
  assert.equal(await c.call('BITPOS', 'ones', '0', '0'), 16);
  assert.equal(await c.call('BITPOS', 'ones', '0', '0', '-1'), -1, 'an explicit end: no clear bit in range');
  assert.equal(await c.call('BITPOS', 'nokey', '0'), 0);
  assert.equal(await c.call('BITPOS', 'nokey', '1'), -1);
  assert.equal(await c.call('BITPOS', 'nokey', '1', 'a'), -1);
  await c.call('SET', 'empty', '');
  assert.equal(await c.call('BITPOS', 'empty', '0'), -1);
  assert.deepEqual(await c.call('BITPOS', 'z', '2'), err('ERR The bit argument must be 1 or 0.'));
  assert.deepEqual(await c.call('BITPOS', 'z', 'x'), NOT_INT);
  assert.deepEqual(await c.call('BITPOS', 'z', '1', 'a'), NOT_INT);
  assert.deepEqual(await c.call('BITPOS', 'z', '1', '0', '1', 'nibble'), SYNTAX);
  assert.deepEqual(await c.call('BITPOS', 'z', '1', '0', '1', 'bit', 'x'), SYNTAX);
  assert.deepEqual(await c.call('BITPOS', 'h', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('BITPOS', 'z'), err("ERR wrong number of arguments for 'bitpos' command"));
});

test('BITOP AND, OR, XOR, NOT: results, deletion and errors', async () => {
  await fresh();
  await c.call('SET', 'a', Buffer.from([0xf0, 0x0f, 0xff]));
  await c.call('SET', 'b', Buffer.from([0x3c]));
  assert.equal(await c.call('BITOP', 'AND', 'd', 'a', 'b'), 3);
  assert.deepEqual(await bytes('d'), Buffer.from([0x30, 0, 0]));
  assert.equal(await c.call('BITOP', 'or', 'd', 'a', 'b', 'nokey'), 3);
  assert.deepEqual(await bytes('d'), Buffer.from([0xfc, 0x0f, 0xff]));
  assert.equal(await c.call('BITOP', 'Xor', 'd', 'a', 'b'), 3);
  assert.deepEqual(await bytes('d'), Buffer.from([0xcc, 0x0f, 0xff]));
  assert.equal(await c.call('BITOP', 'NOT', 'd', 'b'), 1);
  assert.deepEqual(await bytes('d'), Buffer.from([0xc3]));
  assert.equal(await c.call('OBJECT', 'ENCODING', 'd'), 'raw');
  await c.call('EXPIRE', 'd', '100');
  assert.equal(await c.call('BITOP', 'AND', 'd', 'd'), 1);
  assert.equal(await c.call('TTL', 'd'), -1, 'the destination is replaced, TTL included');
  assert.equal(await c.call('BITOP', 'AND', 'd', 'nokey', 'nokey2'), 0);
  assert.equal(await c.call('EXISTS', 'd'), 0, 'an empty result deletes the destination');
  assert.deepEqual(await c.call('BITOP', 'NOT', 'd', 'a', 'b'), err('ERR BITOP NOT must be called with a single source key.'));
  assert.deepEqual(await c.call('BITOP', 'NAND', 'd', 'a'), SYNTAX);
  assert.deepEqual(await c.call('BITOP', 'AND', 'd', 'a', 'h'), WRONGTYPE);
  assert.deepEqual(await c.call('BITOP', 'AND', 'd'), err("ERR wrong number of arguments for 'bitop' command"));
  assert.equal(await c.call('BITOP', 'AND', 'h', 'a'), 3, 'the destination may hold any type');
});

test('BITFIELD GET, SET, INCRBY with every OVERFLOW policy', async () => {
  await fresh();
  assert.deepEqual(await c.call('BITFIELD', 'f', 'SET', 'u8', '0', '255', 'GET', 'u8', '0', 'GET', 'i8', '0'), [0, 255, -1]);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'INCRBY', 'u8', '0', '10'), [9], 'WRAP is the default');
  assert.deepEqual(await c.call('BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300', 'INCRBY', 'u8', '0', '-1000'), [255, 0]);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '256', 'GET', 'u8', '0'), [null, 0]);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'SET', 'i4', '#1', '7', 'INCRBY', 'i4', '#1', '1'), [0, -8]);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'OVERFLOW', 'sat', 'SET', 'i4', '#1', '100', 'SET', 'u4', '#1', '-1'), [-8, 7]);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'u4', '#1'), [15], 'SET takes a negative value as a huge unsigned one (SAT: max)');
  assert.deepEqual(await c.call('BITFIELD', 'f', 'OVERFLOW', 'WRAP', 'SET', 'u4', '#1', '-1', 'GET', 'u4', '4'), [15, 15]);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'INCRBY', 'u2', '102', '1'), [1], 'writes grow the string');
  assert.equal(await c.call('STRLEN', 'f'), 13);
  assert.deepEqual(await c.call('BITFIELD', 'nokey', 'GET', 'u8', '100'), [0]);
  assert.equal(await c.call('EXISTS', 'nokey'), 0, 'GET alone never creates the key');
  assert.deepEqual(await c.call('BITFIELD', 'f'), []);
  // 64-bit fields: exact signed values, beyond 2^53.
  const r = await c.callRaw('BITFIELD', 'g', 'SET', 'i64', '0', '-2', 'GET', 'u63', '0', 'INCRBY', 'i64', '0', '9223372036854775807');
  assert.ok(r.type === 'array');
  assert.deepEqual(r.value.map((v) => (v.type === 'int' ? String(v.value) : v.type)), ['0', '9223372036854775807', '9223372036854775805']);
  assert.equal(await c.call('OBJECT', 'ENCODING', 'g'), 'raw');
});

test('BITFIELD and BITFIELD_RO errors', async () => {
  await fresh();
  await c.call('SET', 'f', 'x');
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'x8', '0'), BAD_TYPE);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'i65', '0'), BAD_TYPE);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'u64', '0'), BAD_TYPE);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'i0', '0'), BAD_TYPE);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'i8', '-1'), BAD_OFFSET);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'GET', 'i8', '#-1'), BAD_OFFSET);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'SET', 'i8', '0', 'x'), NOT_INT);
  assert.deepEqual(await c.call('BITFIELD', 'f', 'OVERFLOW', 'MAYBE'), err('ERR Invalid OVERFLOW type specified'));
  for (const args of [['OVERFLOW'], ['GET', 'i8'], ['SET', 'i8', '0'], ['INCRBY', 'i8', '0'], ['FOO']]) {
    assert.deepEqual(await c.call('BITFIELD', 'f', ...args), SYNTAX, args.join(' '));
  }
  assert.deepEqual(await c.call('BITFIELD', 'h', 'GET', 'i8', '0'), WRONGTYPE);
  assert.deepEqual(await c.call('BITFIELD', 'h', 'SET', 'i8', '0', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('BITFIELD', 'h', 'GET', 'q8', '0'), BAD_TYPE, 'arguments are checked before the type');
  assert.deepEqual(await c.call('BITFIELD'), err("ERR wrong number of arguments for 'bitfield' command"));

  assert.deepEqual(await c.call('BITFIELD_RO', 'f', 'GET', 'u8', '0', 'GET', 'i4', '#1'), [120, -8]);
  assert.deepEqual(await c.call('BITFIELD_RO', 'f'), []);
  const RO = err('ERR BITFIELD_RO only supports the GET subcommand');
  assert.deepEqual(await c.call('BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'), RO);
  assert.deepEqual(await c.call('BITFIELD_RO', 'f', 'INCRBY', 'u8', '0', '1'), RO);
  assert.deepEqual(await c.call('BITFIELD_RO', 'f', 'SET', 'u8', '0', 'x'), NOT_INT, 'the value is parsed first');
  assert.deepEqual(await c.call('BITFIELD_RO', 'f', 'GET', 'u99', '0', 'SET', 'u8', '0', '1'), BAD_TYPE);
  assert.deepEqual(await c.call('BITFIELD_RO', 'h', 'GET', 'u8', '0'), WRONGTYPE);
  assert.deepEqual(await c.call('BITFIELD_RO'), err("ERR wrong number of arguments for 'bitfield_ro' command"));
  assert.equal(await c.call('GET', 'f'), 'x');
});

test('keyspace events: setbit, set and del as Redis sends them', async () => {
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
  try {
    await expect(['SETBIT', 'b', '3', '1'], ['setbit b']);
    await expect(['SETBIT', 'b', '3', '1'], []);
    await expect(['SETBIT', 'b', '3', '0'], ['setbit b']);
    await expect(['SETBIT', 'b', '30', '0'], ['setbit b']);
    await expect(['BITFIELD', 'b', 'SET', 'u8', '0', '0'], []);
    await expect(['BITFIELD', 'b', 'INCRBY', 'u8', '0', '1'], ['setbit b']);
    await expect(['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000'], []);
    await expect(['BITFIELD', 'b', 'GET', 'u8', '0'], []);
    await expect(['BITOP', 'NOT', 'd', 'b'], ['set d']);
    await expect(['BITOP', 'AND', 'd', 'nokey'], ['del d']);
    await expect(['BITOP', 'AND', 'd', 'nokey'], []);
  } finally {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
  }
});

test('WATCH and the dirty counter see only real changes', async () => {
  await fresh();
  const server = srv.server!;
  await c.call('SETBIT', 'b', '0', '1');
  let dirty = server.dirty;
  await c.call('SETBIT', 'b', '0', '1');
  await c.call('BITFIELD', 'b', 'SET', 'u1', '0', '1');
  assert.equal(server.dirty, dirty, 'no change, no dirty');
  await c.call('SETBIT', 'b', '0', '0');
  await c.call('BITFIELD', 'b', 'SET', 'u1', '0', '1');
  await c.call('SETBIT', 'b', '90', '0');
  assert.equal(server.dirty, dirty + 3);
  dirty = server.dirty;

  await c.call('WATCH', 'b');
  await c.call('SETBIT', 'b', '0', '1');
  await c.call('MULTI');
  await c.call('GET', 'b');
  assert.deepEqual(await c.call('EXEC'), [Buffer.from([0x80, ...new Array(11).fill(0)]).toString()], 'an unchanged bit does not break WATCH');
  await c.call('WATCH', 'b');
  await c.call('SETBIT', 'b', '0', '0');
  await c.call('MULTI');
  await c.call('GET', 'b');
  assert.equal(await c.call('EXEC'), null);
});

test('a reply queued before a bit change keeps the old bytes', async () => {
  await fresh();
  const big = Buffer.alloc(64 * 1024, 0x41);
  await c.call('SET', 'big', big);
  c.send('GET', 'big');
  c.send('SETBIT', 'big', '1', '0');
  c.send('BITFIELD', 'big', 'SET', 'u8', '8', '0');
  const first = await c.readFrame();
  assert.ok(first?.value.type === 'bulk' && first.value.value.equals(big));
  await c.readFrame();
  await c.readFrame();
  assert.deepEqual((await bytes('big')).subarray(0, 3), Buffer.from([0x01, 0x00, 0x41]));
});

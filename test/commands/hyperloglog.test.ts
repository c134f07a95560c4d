// HyperLogLog commands over TCP: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST — replies, Redis's
// byte representation (header, cache, sparse opcodes, dense registers), corruption and type
// errors with Redis's texts, keyspace events and WATCH.
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
const NOT_HLL = err('WRONGTYPE Key is not a valid HyperLogLog string value.');
const CORRUPT = err('INVALIDOBJ Corrupted HLL object detected');
const DENSE_SIZE = 12304;

async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  srv.server!.dbs[0]!.set('h', 'hash', new Map([['f', 'v']]));
}

async function bytes(key: string): Promise<Buffer> {
  const reply = await c.callRaw('GET', key);
  assert.ok(reply.type === 'bulk');
  return reply.value;
}

const header = (encoding: number, card: number[]) => Buffer.from([0x48, 0x59, 0x4c, 0x4c, encoding, 0, 0, 0, ...card]);

test('PFADD builds the same sparse bytes as Redis (fixed vectors)', async () => {
  await fresh();
  assert.equal(await c.call('PFADD', 'e'), 1, 'PFADD without elements creates the key');
  assert.deepEqual(await bytes('e'), Buffer.concat([header(1, [0, 0, 0, 0, 0, 0, 0, 0x80]), Buffer.from([0x7f, 0xff])]));
  assert.equal(await c.call('PFADD', 'e'), 0);
  assert.equal(await c.call('PFCOUNT', 'e'), 0);
  assert.deepEqual(await bytes('e'), Buffer.concat([header(1, [0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7f, 0xff])]));

  assert.equal(await c.call('PFADD', 'x', 'a', 'b', 'c'), 1);
  const abc = Buffer.from([0x60, 0xf3, 0x80, 0x50, 0xb1, 0x84, 0x4b, 0xfb, 0x80, 0x42, 0x5a]);
  assert.deepEqual(await bytes('x'), Buffer.concat([header(1, [0, 0, 0, 0, 0, 0, 0, 0x80]), abc]));
  assert.equal(await c.call('PFDEBUG', 'DECODE', 'x'), 'Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
  assert.equal(await c.call('PFADD', 'x', 'a', 'c'), 0, 'no register changed');
  assert.equal(await c.call('PFCOUNT', 'x'), 3);
  assert.deepEqual(await bytes('x'), Buffer.concat([header(1, [3, 0, 0, 0, 0, 0, 0, 0]), abc]), 'the cardinality is cached in the header');
  assert.equal(await c.call('PFADD', 'y', 'foo'), 1);
  assert.equal(await c.call('PFDEBUG', 'DECODE', 'y'), 'Z:7348 v:5,1 Z:9035');
  assert.equal(await c.call('PFADD', 'y', ''), 1, 'the empty string is an element');
  assert.equal(await c.call('OBJECT', 'ENCODING', 'x'), 'raw');
});

test('PFCOUNT: cache, several keys, missing keys', async () => {
  await fresh();
  const many = Array.from({ length: 1000 }, (_, i) => `m${i}`);
  await c.call('PFADD', 'a', ...many.slice(0, 600));
  await c.call('PFADD', 'b', ...many.slice(400));
  const ca = (await c.call('PFCOUNT', 'a')) as number;
  const cb = (await c.call('PFCOUNT', 'b')) as number;
  const union = (await c.call('PFCOUNT', 'a', 'b', 'nokey')) as number;
  assert.ok(Math.abs(ca - 600) < 20 && Math.abs(cb - 600) < 20, `${ca} ${cb}`);
  assert.ok(Math.abs(union - 1000) < 30, `union ${union}`);
  assert.equal(await c.call('PFCOUNT', 'nokey'), 0);
  assert.equal(await c.call('PFCOUNT', 'nokey', 'nokey2'), 0);
  // A cached value is returned as stored (Redis trusts its own cache).
  const buf = await bytes('a');
  buf.writeBigUInt64LE(12345n, 8);
  await c.call('SET', 'a', buf);
  assert.equal(await c.call('PFCOUNT', 'a'), 12345);
  assert.equal(await c.call('PFADD', 'a', 'new-element-xyz'), 1);
  assert.equal((await bytes('a'))[15]! & 0x80, 0x80, 'PFADD marks the cache stale');
  assert.notEqual(await c.call('PFCOUNT', 'a'), 12345);
  assert.deepEqual(await c.call('PFCOUNT'), err("ERR wrong number of arguments for 'pfcount' command"));
});

test('sparse values turn dense past 3000 bytes or a register above 32', async () => {
  await fresh();
  let last = 0;
  for (let i = 0; ; i += 50) {
    const batch = Array.from({ length: 50 }, (_, j) => `e${i + j}`);
    await c.call('PFADD', 'p', ...batch);
    const len = (await bytes('p')).length;
    if (len === DENSE_SIZE) break;
    assert.ok(len <= 3000, `sparse length ${len}`);
    assert.equal(await c.call('PFDEBUG', 'ENCODING', 'p'), 'sparse');
    last = len;
  }
  assert.ok(last > 2500, `promoted near the limit (last sparse length ${last})`);
  assert.equal(await c.call('PFDEBUG', 'ENCODING', 'p'), 'dense');
  assert.deepEqual(await c.call('PFDEBUG', 'DECODE', 'p'), err('ERR HLL encoding is not sparse'));
  assert.equal(await c.call('PFDEBUG', 'TODENSE', 'p'), 0);

  // PFDEBUG TODENSE and GETREG convert, keeping the header and the cached cardinality.
  await c.call('PFADD', 's', 'a', 'b', 'c');
  await c.call('PFCOUNT', 's');
  const regs = (await c.call('PFDEBUG', 'GETREG', 's')) as number[];
  assert.equal(regs.length, 16384);
  assert.deepEqual(
    regs.flatMap((v, i) => (v ? [[i, v]] : [])),
    [
      [8436, 1],
      [12711, 2],
      [15780, 1],
    ],
  );
  const dense = await bytes('s');
  assert.equal(dense.length, DENSE_SIZE);
  assert.deepEqual(dense.subarray(0, 16), header(0, [3, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(await c.call('PFCOUNT', 's'), 3);
  await c.call('PFADD', 't', 'a');
  assert.equal(await c.call('PFDEBUG', 'todense', 't'), 1);
  assert.equal(await c.call('PFDEBUG', 'ENCODING', 't'), 'dense');
});

test('PFMERGE merges into the destination (sparse or dense) and creates it', async () => {
  await fresh();
  await c.call('PFADD', 'a', 'x', 'y');
  await c.call('PFADD', 'b', 'y', 'z');
  assert.equal(await c.call('PFMERGE', 'd', 'a', 'b', 'nokey'), 'OK');
  assert.equal(await c.call('PFCOUNT', 'd'), 3);
  assert.equal(await c.call('PFDEBUG', 'ENCODING', 'd'), 'sparse');
  assert.equal(await c.call('PFMERGE', 'empty'), 'OK');
  assert.equal(await c.call('PFCOUNT', 'empty'), 0);
  assert.equal(await c.call('PFMERGE', 'a', 'b'), 'OK', 'the destination is an input too');
  assert.equal(await c.call('PFCOUNT', 'a'), 3);
  await c.call('PFDEBUG', 'TODENSE', 'b');
  assert.equal(await c.call('PFMERGE', 'd2', 'a', 'b'), 'OK');
  assert.equal(await c.call('PFDEBUG', 'ENCODING', 'd2'), 'dense', 'a dense input makes a dense result');
  assert.equal(await c.call('OBJECT', 'ENCODING', 'd2'), 'raw');
  assert.deepEqual(await c.call('PFMERGE', 'd', 'h'), WRONGTYPE);
  assert.deepEqual(await c.call('PFMERGE'), err("ERR wrong number of arguments for 'pfmerge' command"));
});

test('type and corruption errors', async () => {
  await fresh();
  await c.call('SET', 'str', 'not an hll at all!');
  await c.call('SET', 'n', '1234567890123456789');
  for (const key of ['str', 'n']) {
    assert.deepEqual(await c.call('PFADD', key, 'a'), NOT_HLL);
    assert.deepEqual(await c.call('PFCOUNT', key), NOT_HLL);
    assert.deepEqual(await c.call('PFCOUNT', 'nokey', key), NOT_HLL);
    assert.deepEqual(await c.call('PFMERGE', 'd', key), NOT_HLL);
    assert.deepEqual(await c.call('PFDEBUG', 'GETREG', key), NOT_HLL);
  }
  assert.deepEqual(await c.call('PFADD', 'h', 'a'), WRONGTYPE);
  assert.deepEqual(await c.call('PFCOUNT', 'h'), WRONGTYPE);

  await c.call('PFADD', 'x', 'a', 'b', 'c');
  const good = await bytes('x');
  const variant = async (mutate: (b: Buffer) => Buffer) => {
    await c.call('SET', 'bad', mutate(Buffer.from(good)));
  };
  await variant((b) => Buffer.concat([b, Buffer.from([0x7f, 0xff])]));
  assert.deepEqual(await c.call('PFCOUNT', 'bad'), CORRUPT, 'extra opcodes at the tail');
  assert.deepEqual(await c.call('PFCOUNT', 'bad', 'x'), CORRUPT);
  assert.deepEqual(await c.call('PFMERGE', 'd', 'bad'), CORRUPT);
  assert.deepEqual(await c.call('PFDEBUG', 'TODENSE', 'bad'), CORRUPT);
  await variant((b) => b.subarray(0, b.length - 2));
  const spread = Array.from({ length: 100 }, (_, i) => `e${i}`);
  assert.deepEqual(await c.call('PFADD', 'bad', ...spread), CORRUPT, 'registers past the last opcode');
  assert.deepEqual(await c.call('PFCOUNT', 'bad'), CORRUPT);
  await variant((b) => ((b[0] = 0x68), b));
  assert.deepEqual(await c.call('PFCOUNT', 'bad'), NOT_HLL, 'broken magic');
  await variant((b) => ((b[4] = 2), b));
  assert.deepEqual(await c.call('PFADD', 'bad', 'a'), NOT_HLL, 'unknown encoding');
  await variant((b) => b.subarray(0, 15));
  assert.deepEqual(await c.call('PFCOUNT', 'bad'), NOT_HLL, 'shorter than the header');
  await c.call('PFDEBUG', 'TODENSE', 'x');
  const dense = await bytes('x');
  await c.call('SET', 'bad', Buffer.concat([dense, Buffer.from('x')]));
  assert.deepEqual(await c.call('PFCOUNT', 'bad'), NOT_HLL, 'a dense value of the wrong length');
  assert.equal(await c.call('TYPE', 'bad'), 'string');
});

test('PFDEBUG errors and PFSELFTEST', async () => {
  await fresh();
  await c.call('PFADD', 'x', 'a');
  assert.deepEqual(await c.call('PFDEBUG', 'GETREG', 'nokey'), err('ERR The specified key does not exist'));
  assert.deepEqual(await c.call('PFDEBUG', 'nosuch', 'nokey'), err('ERR The specified key does not exist'));
  assert.deepEqual(await c.call('PFDEBUG', 'NoSuch', 'x'), err("ERR Unknown PFDEBUG subcommand 'NoSuch'"));
  assert.deepEqual(await c.call('PFDEBUG', 'GETREG', 'h'), WRONGTYPE);
  assert.deepEqual(await c.call('PFDEBUG', 'GETREG'), err("ERR wrong number of arguments for 'pfdebug' command"));
  assert.equal(await c.call('PFSELFTEST'), 'OK');
  assert.deepEqual(await c.call('PFSELFTEST', 'x'), err("ERR wrong number of arguments for 'pfselftest' command"));
});

test('keyspace events and WATCH', async () => {
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
    await expect(['PFADD', 'x'], ['pfadd x']);
    await expect(['PFADD', 'x', 'a'], ['pfadd x']);
    await expect(['PFADD', 'x', 'a'], []);
    await expect(['PFCOUNT', 'x'], []);
    await expect(['PFMERGE', 'y', 'x'], ['pfadd y']);
    await expect(['PFDEBUG', 'TODENSE', 'y'], []);
  } finally {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
  }

  // Refreshing the cached cardinality rewrites the value: WATCH sees it, as in Redis.
  await c.call('WATCH', 'x');
  await c.call('PFADD', 'x', 'b');
  await c.call('MULTI');
  await c.call('PING');
  assert.equal(await c.call('EXEC'), null);
  await c.call('WATCH', 'x');
  await c.call('PFCOUNT', 'x');
  await c.call('MULTI');
  await c.call('PING');
  assert.equal(await c.call('EXEC'), null, 'PFCOUNT refreshed the cache');
  await c.call('WATCH', 'x');
  await c.call('PFCOUNT', 'x');
  await c.call('PFADD', 'x', 'a');
  await c.call('MULTI');
  await c.call('PING');
  assert.deepEqual(await c.call('EXEC'), ['PONG'], 'a cached count and a no-op PFADD change nothing');
});

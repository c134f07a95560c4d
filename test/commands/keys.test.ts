// Keyspace commands over TCP: DEL/EXISTS/TYPE/RENAME/KEYS/SCAN/RANDOMKEY/MOVE/COPY/SWAPDB/
// OBJECT/MEMORY/TOUCH, with error paths and keyspace notifications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import { SortedSet } from '../../src/types/zset.js';
import { lruClock } from '../../src/store/database.js';
import { Hash } from '../../src/types/hash.js';
import { MemberSet } from '../../src/types/set.js';

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
const SYNTAX = err('ERR syntax error');
const NOT_INT = err('ERR value is not an integer or out of range');
const db = (i = 0) => srv.server!.dbs[i]!;

test('DEL, UNLINK, EXISTS, TYPE, TOUCH', async () => {
  await c.call('FLUSHALL');
  await c.call('MSET', 'a', '1', 'b', '2', 'c', '3');
  db().set('h', 'hash', new Hash(undefined, [['f', 'v']]));
  db().set('s', 'set', new MemberSet(undefined, ['m']));
  const z = new SortedSet();
  z.set('m', 1);
  db().set('z', 'zset', z);
  assert.equal(await c.call('EXISTS', 'a', 'a', 'nokey', 'h'), 3, 'EXISTS counts repeats');
  assert.equal(await c.call('TYPE', 'a'), 'string');
  assert.equal(await c.call('TYPE', 'h'), 'hash');
  assert.equal(await c.call('TYPE', 's'), 'set');
  assert.equal(await c.call('TYPE', 'z'), 'zset');
  assert.equal(await c.call('TYPE', 'nokey'), 'none');
  assert.equal(await c.call('TOUCH', 'a', 'b', 'nokey'), 2);
  assert.equal(await c.call('DEL', 'a', 'a', 'nokey'), 1);
  assert.equal(await c.call('UNLINK', 'b', 'c', 'h'), 3);
  assert.equal(await c.call('EXISTS', 'a', 'b', 'c', 'h'), 0);
  assert.deepEqual(await c.call('DEL'), err("ERR wrong number of arguments for 'del' command"));
  assert.deepEqual(await c.call('TYPE', 'a', 'b'), err("ERR wrong number of arguments for 'type' command"));
});

test('RENAME and RENAMENX keep the value and TTL', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'a', '1', 'EX', '100');
  assert.equal(await c.call('RENAME', 'a', 'b'), 'OK');
  assert.equal(await c.call('GET', 'b'), '1');
  assert.equal(await c.call('TTL', 'b'), 100);
  assert.equal(await c.call('EXISTS', 'a'), 0);
  assert.deepEqual(await c.call('RENAME', 'nokey', 'x'), err('ERR no such key'));
  assert.deepEqual(await c.call('RENAMENX', 'nokey', 'x'), err('ERR no such key'));
  assert.equal(await c.call('RENAME', 'b', 'b'), 'OK');
  assert.equal(await c.call('RENAMENX', 'b', 'b'), 0);
  await c.call('SET', 'c', '3');
  assert.equal(await c.call('RENAMENX', 'b', 'c'), 0);
  assert.equal(await c.call('RENAME', 'b', 'c'), 'OK');
  assert.equal(await c.call('GET', 'c'), '1');
  assert.equal(await c.call('TTL', 'c'), 100, 'the source TTL replaces the destination one');
  await c.call('SET', 'd', '4');
  assert.equal(await c.call('RENAMENX', 'd', 'e'), 1);
  assert.equal(await c.call('GET', 'e'), '4');
});

test('KEYS matches glob patterns and skips expired keys', async () => {
  await c.call('FLUSHALL');
  await c.call('MSET', 'hello', '1', 'hallo', '2', 'hxllo', '3', 'hllo', '4', 'h*llo', '5');
  await c.call('SET', 'gone', 'x', 'PX', '1');
  await new Promise((r) => setTimeout(r, 10));
  const sorted = async (p: string) => ((await c.call('KEYS', p)) as string[]).sort();
  assert.deepEqual(await sorted('*'), ['h*llo', 'hallo', 'hello', 'hllo', 'hxllo']);
  assert.deepEqual(await sorted('h?llo'), ['h*llo', 'hallo', 'hello', 'hxllo']);
  assert.deepEqual(await sorted('h[ae]llo'), ['hallo', 'hello']);
  assert.deepEqual(await sorted('h[^e]llo'), ['h*llo', 'hallo', 'hxllo']);
  assert.deepEqual(await sorted('h\\*llo'), ['h*llo']);
  assert.deepEqual(await sorted('nothing*'), []);
});

async function scanAll(client: RespClient, ...options: string[]): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = plain(await client.callRaw('SCAN', cursor, ...options)) as [string, string[]];
    cursor = next;
    seen.push(...keys);
  } while (cursor !== '0');
  return seen;
}

test('SCAN: COUNT, MATCH, TYPE and errors', async () => {
  await c.call('FLUSHALL');
  for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, 'v');
  db().set('h', 'hash', new Hash(undefined, [['f', 'v']]));
  const all = await scanAll(c);
  assert.equal(all.length, 101);
  assert.equal(new Set(all).size, 101, 'no duplicates without concurrent writes');
  const [first, page] = plain(await c.callRaw('SCAN', '0', 'COUNT', '5')) as [string, string[]];
  assert.notEqual(first, '0');
  assert.equal(page.length, 5);
  assert.deepEqual((await scanAll(c, 'MATCH', 'k1*', 'COUNT', '7')).sort(), ['k1', ...Array.from({ length: 10 }, (_, i) => `k1${i}`)].sort());
  assert.deepEqual(await scanAll(c, 'TYPE', 'hash'), ['h']);
  assert.deepEqual(await scanAll(c, 'TYPE', 'HASH'), ['h']);
  assert.deepEqual(await scanAll(c, 'TYPE', 'nosuchtype'), []);
  assert.deepEqual(await c.call('SCAN', 'abc'), err('ERR invalid cursor'));
  assert.deepEqual(await c.call('SCAN', '18446744073709551616'), err('ERR invalid cursor'));
  assert.deepEqual(await c.call('SCAN', '0', 'COUNT', '0'), SYNTAX);
  assert.deepEqual(await c.call('SCAN', '0', 'COUNT', 'x'), NOT_INT);
  assert.deepEqual(await c.call('SCAN', '0', 'MATCH'), SYNTAX);
  assert.deepEqual(await c.call('SCAN', '0', 'FOO', 'bar'), SYNTAX);
  assert.deepEqual(await c.call('SCAN', '-1'), ['0', []], 'a wrapped negative cursor is past the end');
});

test('SCAN during concurrent writes returns every key present for the whole scan', async () => {
  await c.call('FLUSHALL');
  const writer = await srv.connect();
  const stable = new Set<string>();
  for (let i = 0; i < 2000; i++) stable.add(`stable:${i}`);
  const mset: string[] = [];
  for (const k of stable) mset.push(k, 'v');
  await c.call('MSET', ...mset);
  const churn: string[] = [];
  for (let i = 0; i < 3000; i++) churn.push(`churn:${i}`, 'v');
  await writer.call('MSET', ...churn);
  const seen = new Set<string>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, keys] = plain(await c.callRaw('SCAN', cursor, 'COUNT', '50')) as [string, string[]];
    cursor = next;
    for (const k of keys) seen.add(k);
    // Between SCAN calls: delete churn keys (enough to make the key index compact itself), add
    // new keys, re-create some deleted ones, and overwrite stable keys (which stay present).
    const dels: string[] = [];
    for (let j = 0; j < 150; j++) dels.push(`churn:${(round * 150 + j) % 3000}`);
    await writer.call('DEL', ...dels);
    const sets: string[] = [];
    for (let j = 0; j < 20; j++) {
      const n = round * 20 + j;
      sets.push(`new:${n}`, 'v', `churn:${(n * 7) % 3000}`, 'again', `stable:${(n * 13) % 2000}`, 'overwritten');
    }
    await writer.call('MSET', ...sets);
    round++;
  } while (cursor !== '0');
  writer.close();
  for (const k of stable) assert.ok(seen.has(k), `${k} was present for the whole scan`);
});

test('SCAN cursors hold across repeated compactions of the key order', async () => {
  await c.call('FLUSHALL');
  const writer = await srv.connect();
  // Stable keys spread among short-lived ones, so that each compaction moves the stable keys' slots.
  const stable: string[] = [];
  const initial: string[] = [];
  for (let i = 0; i < 600; i++) {
    stable.push(`s:${i}`);
    initial.push(`s:${i}`, 'v', `t:${i}`, 'v');
  }
  await writer.call('MSET', ...initial);
  const counts = new Map<string, number>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, keys] = plain(await c.callRaw('SCAN', cursor, 'COUNT', '40')) as [string, string[]];
    cursor = next;
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    // Each round creates a wave of keys and deletes it again (dead slots outnumber live ones, so
    // the order compacts), and deletes and re-creates a stable key's neighbour.
    const wave: string[] = [];
    for (let j = 0; j < 1500; j++) wave.push(`w:${round}:${j}`, 'v');
    await writer.call('MSET', ...wave);
    await writer.call('DEL', ...wave.filter((_, j) => j % 2 === 0), `t:${round % 600}`);
    await writer.call('SET', `t:${round % 600}`, 'again');
    round++;
  } while (cursor !== '0');
  writer.close();
  assert.ok(round > 3, 'the scan spanned several compactions');
  for (const k of stable) assert.equal(counts.get(k), 1, `${k} was returned exactly once`);
});

test('RANDOMKEY', async () => {
  await c.call('FLUSHALL');
  assert.equal(await c.call('RANDOMKEY'), null);
  await c.call('MSET', 'a', '1', 'b', '2');
  const got = new Set<unknown>();
  for (let i = 0; i < 50; i++) got.add(await c.call('RANDOMKEY'));
  assert.deepEqual([...got].sort(), ['a', 'b']);
  await c.call('FLUSHALL');
  await c.call('SET', 'gone', 'x', 'PX', '1');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(await c.call('RANDOMKEY'), null, 'expired keys are not returned');
});

test('MOVE between databases', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'a', '1', 'EX', '100');
  assert.equal(await c.call('MOVE', 'a', '1'), 1);
  assert.equal(await c.call('EXISTS', 'a'), 0);
  await c.call('SELECT', '1');
  assert.equal(await c.call('GET', 'a'), '1');
  assert.equal(await c.call('TTL', 'a'), 100, 'MOVE keeps the TTL');
  await c.call('SELECT', '0');
  await c.call('SET', 'a', 'zero');
  assert.equal(await c.call('MOVE', 'a', '1'), 0, 'the target key exists');
  assert.equal(await c.call('MOVE', 'nokey', '1'), 0);
  assert.deepEqual(await c.call('MOVE', 'a', '0'), err('ERR source and destination objects are the same'));
  assert.deepEqual(await c.call('MOVE', 'a', '99'), err('ERR DB index is out of range'));
  assert.deepEqual(await c.call('MOVE', 'a', 'x'), NOT_INT);
});

test('COPY within and across databases', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'src', 'hello', 'EX', '100');
  assert.equal(await c.call('COPY', 'src', 'dst'), 1);
  assert.equal(await c.call('GET', 'dst'), 'hello');
  assert.equal(await c.call('TTL', 'dst'), 100);
  assert.equal(await c.call('COPY', 'src', 'dst'), 0);
  await c.call('SET', 'src', 'changed', 'KEEPTTL');
  assert.equal(await c.call('COPY', 'src', 'dst', 'REPLACE'), 1);
  assert.equal(await c.call('GET', 'dst'), 'changed');
  assert.equal(await c.call('COPY', 'src', 'src', 'DB', '2'), 1);
  await c.call('SELECT', '2');
  assert.equal(await c.call('GET', 'src'), 'changed');
  await c.call('SELECT', '0');
  assert.equal(await c.call('COPY', 'nokey', 'x'), 0);
  assert.deepEqual(await c.call('COPY', 'src', 'src'), err('ERR source and destination objects are the same'));
  assert.deepEqual(await c.call('COPY', 'src', 'x', 'DB', '99'), err('ERR DB index is out of range'));
  assert.deepEqual(await c.call('COPY', 'src', 'x', 'DB', 'x'), NOT_INT);
  assert.deepEqual(await c.call('COPY', 'src', 'x', 'DB'), SYNTAX);
  assert.deepEqual(await c.call('COPY', 'src', 'x', 'FOO'), SYNTAX);

  // Containers are deep copies: changing the copy leaves the original alone.
  db().set('h', 'hash', new Hash(undefined, [['f', 'v']]));
  const z = new SortedSet();
  z.set('m', 1);
  db().set('z', 'zset', z);
  assert.equal(await c.call('COPY', 'h', 'h2'), 1);
  assert.equal(await c.call('COPY', 'z', 'z2'), 1);
  const h2 = db().getRead('h2', 'hash')!;
  h2.set('g', 'w');
  assert.equal(db().getRead('h', 'hash')!.size, 1);
  db().getRead('z2', 'zset')!.set('n', 2);
  assert.equal(db().getRead('z', 'zset')!.size, 1);
});

test('SWAPDB exchanges databases', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'a', 'db0');
  await c.call('SELECT', '1');
  await c.call('SET', 'a', 'db1');
  await c.call('SET', 'b', 'only1', 'EX', '100');
  await c.call('SELECT', '0');
  assert.equal(await c.call('SWAPDB', '0', '1'), 'OK');
  assert.equal(await c.call('GET', 'a'), 'db1');
  assert.equal(await c.call('TTL', 'b'), 100);
  assert.equal((await scanAll(c)).length, 2, 'SCAN sees the swapped-in keys');
  await c.call('SELECT', '1');
  assert.equal(await c.call('GET', 'a'), 'db0');
  await c.call('SELECT', '0');
  assert.deepEqual(await c.call('SWAPDB', '0', '99'), err('ERR DB index is out of range'));
  assert.deepEqual(await c.call('SWAPDB', 'x', '0'), err('ERR invalid first DB index'));
  assert.deepEqual(await c.call('SWAPDB', '0', 'x'), err('ERR invalid second DB index'));
});

test('OBJECT ENCODING of containers by the configured thresholds', async () => {
  await c.call('FLUSHALL');
  const enc = (k: string) => c.call('OBJECT', 'ENCODING', k);
  await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '4');
  await c.call('CONFIG', 'SET', 'set-max-intset-entries', '2');
  try {
    await c.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.equal(await enc('h'), 'listpack');
    await c.call('HSET', 'h', 'c', '3');
    assert.equal(await enc('h'), 'hashtable');
    await c.call('HDEL', 'h', 'c');
    assert.equal(await enc('h'), 'hashtable', 'a hash never converts back');
    db().set('hv', 'hash', new Hash(undefined, [['a', '12345']]));
    assert.equal(await enc('hv'), 'hashtable', 'value longer than hash-max-listpack-value');
    await c.call('SADD', 's', '1', '-2');
    assert.equal(await enc('s'), 'intset');
    await c.call('SADD', 's', '3');
    assert.equal(await enc('s'), 'hashtable');
    db().set('s2', 'set', new MemberSet(undefined, ['1', 'a']));
    assert.equal(await enc('s2'), 'hashtable');
    db().set('s3', 'set', new MemberSet(undefined, ['01']));
    assert.equal(await enc('s3'), 'hashtable', 'non-canonical integers are not intset members');
    const z = new SortedSet();
    z.set('m', 1);
    db().set('z', 'zset', z);
    assert.equal(await enc('z'), 'listpack');
    assert.equal(await enc('nokey'), null);
  } finally {
    await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '64');
    await c.call('CONFIG', 'SET', 'set-max-intset-entries', '512');
  }
});

test('OBJECT IDLETIME, REFCOUNT, FREQ, HELP and errors', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'k', 'v');
  db().peek('k')!.lru = lruClock() - 5000;
  assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), 5);
  assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), 5, 'OBJECT does not touch the key');
  await c.call('GET', 'k');
  assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), 0, 'a read touches it');
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'k'), 1);
  assert.equal(await c.call('OBJECT', 'IDLETIME', 'nokey'), null);
  assert.deepEqual(
    await c.call('OBJECT', 'FREQ', 'k'),
    err(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    ),
  );
  await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
  assert.equal(typeof (await c.call('OBJECT', 'FREQ', 'k')), 'number');
  assert.deepEqual(
    await c.call('OBJECT', 'IDLETIME', 'k'),
    err(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    ),
  );
  await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  const help = (await c.call('OBJECT', 'HELP')) as string[];
  assert.equal(help[0], 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.deepEqual(await c.call('OBJECT', 'FOO', 'k'), err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
  assert.deepEqual(await c.call('OBJECT', 'ENCODING'), err("ERR wrong number of arguments for 'object|encoding' command"));
});

test('MEMORY USAGE, STATS, DOCTOR, HELP', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'small', 'v');
  await c.call('SET', 'large', 'x'.repeat(10000));
  const small = (await c.call('MEMORY', 'USAGE', 'small')) as number;
  const large = (await c.call('MEMORY', 'USAGE', 'large')) as number;
  // What V8 pays per key (map slot, entry, Buffer object), not Redis's ~50 bytes.
  assert.ok(small > 0 && small < 300, `small key estimate ${small}`);
  assert.ok(large >= 10000 && large < 10500, `large key estimate ${large}`);
  const hash = new Hash('hashtable');
  for (let i = 0; i < 1000; i++) hash.set(`field:${i}`, '\0'.repeat(100));
  db().set('h', 'hash', hash);
  const h = (await c.call('MEMORY', 'USAGE', 'h', 'SAMPLES', '0')) as number;
  assert.ok(h > 100 * 1000 && h < 300 * 1000, `hash estimate ${h}`);
  assert.equal(await c.call('MEMORY', 'USAGE', 'nokey'), null);
  assert.deepEqual(await c.call('MEMORY', 'USAGE', 'small', 'SAMPLES', '-1'), SYNTAX);
  assert.deepEqual(await c.call('MEMORY', 'USAGE', 'small', 'FOO'), SYNTAX);
  const stats = (await c.call('MEMORY', 'STATS')) as unknown[];
  const keysCount = stats[stats.indexOf('keys.count') + 1];
  assert.equal(keysCount, 3);
  assert.equal(typeof (await c.call('MEMORY', 'DOCTOR')), 'string');
  assert.equal(await c.call('MEMORY', 'PURGE'), 'OK');
  assert.equal(((await c.call('MEMORY', 'HELP')) as string[])[0], 'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.deepEqual(await c.call('MEMORY', 'FOO'), err("ERR unknown subcommand 'FOO'. Try MEMORY HELP."));
});

test('keyspace notifications for generic commands', async () => {
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Eg');
  const sub = await srv.connect();
  try {
    await sub.call('PSUBSCRIBE', '__keyevent@*__:*');
    await c.call('SET', 'a', '1');
    await c.call('EXPIRE', 'a', '100');
    await c.call('PERSIST', 'a');
    await c.call('RENAME', 'a', 'b');
    await c.call('COPY', 'b', 'c', 'DB', '3');
    await c.call('MOVE', 'b', '1');
    await c.call('DEL', 'nokey');
    await c.call('SELECT', '1');
    await c.call('DEL', 'b');
    await c.call('SELECT', '0');
    const events: string[] = [];
    for (let i = 0; i < 8; i++) {
      const [, , channel, key] = plain(await sub.read()) as string[];
      events.push(`${channel} ${key}`);
    }
    assert.deepEqual(events, [
      '__keyevent@0__:expire a',
      '__keyevent@0__:persist a',
      '__keyevent@0__:rename_from a',
      '__keyevent@0__:rename_to b',
      '__keyevent@3__:copy_to c',
      '__keyevent@0__:move_from b',
      '__keyevent@1__:move_to b',
      '__keyevent@1__:del b',
    ]);
  } finally {
    sub.close();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
});

test("'new' keyspace events when a key is created", async () => {
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'En');
  const sub = await srv.connect();
  try {
    await sub.call('SUBSCRIBE', '__keyevent@0__:new');
    await c.call('SET', 'a', '1');
    await c.call('SET', 'a', '2'); // overwrite: not new
    await c.call('INCR', 'n');
    await c.call('RENAME', 'a', 'b');
    await c.call('COPY', 'b', 'c');
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) keys.push((plain(await sub.read()) as string[])[2]!);
    assert.deepEqual(keys, ['a', 'n', 'b', 'c']);
    assert.ok(await sub.silentFor(50));
  } finally {
    sub.close();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
});

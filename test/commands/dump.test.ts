// DUMP and RESTORE over TCP: round trips of every type, options, and every error text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { Crc64 } from '../../src/persistence/rdb/index.js';

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

async function dump(key: string): Promise<Buffer> {
  const v = await c.callRaw('DUMP', key);
  assert.equal(v.type, 'bulk');
  return (v as { value: Buffer }).value;
}

/** Re-sign a payload whose body was altered, so only the body's validity is tested. */
function resign(body: Buffer): Buffer {
  const out = Buffer.concat([body, Buffer.from([10, 0]), Buffer.alloc(8)]);
  new Crc64().update(out, 0, out.length - 8).digest().copy(out, out.length - 8);
  return out;
}

test('DUMP of a string: exact bytes; a missing key is null', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'foo', 'bar');
  // The same bytes redis-server 7.0 produces for "bar".
  assert.deepEqual(await dump('foo'), Buffer.from('0003626172' + '0a00' + 'e6be4960ee66fd17', 'hex'));
  assert.equal(await c.call('DUMP', 'nokey'), null);
});

test('RESTORE round trips every type with TTL, ABSTTL, REPLACE, IDLETIME and FREQ', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 's', 'hello');
  await c.call('RPUSH', 'l', 'a', 'b', '3');
  await c.call('HSET', 'h', 'f', 'v', 'n', '12');
  await c.call('SADD', 'si', '1', '2', '3');
  await c.call('SADD', 'ss', 'a', 'b');
  await c.call('ZADD', 'z', '1.5', 'a', '2', 'b');
  await c.call('XADD', 'x', '1-1', 'f', 'v');
  await c.call('XGROUP', 'CREATE', 'x', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'x', '>');
  for (const key of ['s', 'l', 'h', 'si', 'ss', 'z', 'x']) {
    const payload = await dump(key);
    assert.equal(await c.call('RESTORE', `${key}2`, '0', payload), 'OK');
    assert.deepEqual(await dump(`${key}2`), payload, `${key} survives a round trip byte for byte`);
    assert.equal(await c.call('TYPE', `${key}2`), await c.call('TYPE', key));
  }
  assert.deepEqual(await c.call('LRANGE', 'l2', '0', '-1'), ['a', 'b', '3']);
  assert.deepEqual(await c.call('HGETALL', 'h2'), ['f', 'v', 'n', '12']);
  assert.deepEqual(await c.call('ZRANGE', 'z2', '0', '-1', 'WITHSCORES'), ['a', '1.5', 'b', '2']);
  assert.deepEqual(await c.call('XPENDING', 'x2', 'g'), [1, '1-1', '1-1', [['alice', '1']]]);

  const payload = await dump('s');
  assert.deepEqual(await c.call('RESTORE', 's', '0', payload), err('BUSYKEY Target key name already exists.'));
  assert.equal(await c.call('RESTORE', 's', '0', payload, 'REPLACE'), 'OK');
  assert.equal(await c.call('RESTORE', 't1', '100000', payload), 'OK');
  const pttl = (await c.call('PTTL', 't1')) as number;
  assert.ok(pttl > 0 && pttl <= 100000);
  const at = Date.now() + 500000;
  assert.equal(await c.call('RESTORE', 't2', String(at), payload, 'ABSTTL'), 'OK');
  assert.equal(await c.call('PEXPIRETIME', 't2'), at);
  assert.equal(await c.call('RESTORE', 't3', '1', payload, 'ABSTTL'), 'OK', 'already expired: OK, no key');
  assert.equal(await c.call('EXISTS', 't3'), 0);
  assert.equal(await c.call('RESTORE', 's', '1', payload, 'ABSTTL', 'REPLACE'), 'OK');
  assert.equal(await c.call('EXISTS', 's'), 0, 'REPLACE with a past ABSTTL deletes the old key');
  assert.equal(await c.call('RESTORE', 'idle', '0', payload, 'IDLETIME', '1000'), 'OK');
  const idle = (await c.call('OBJECT', 'IDLETIME', 'idle')) as number;
  assert.ok(idle >= 1000 && idle < 1100);
  assert.equal(await c.call('RESTORE', 'freq', '0', payload, 'FREQ', '100'), 'OK');
  assert.equal(await c.call('GET', 'freq'), 'hello');
});

test('COMMAND INFO of dump and restore: arity, flags, keys and categories as in Redis 7.0', async () => {
  const info = (await c.call('COMMAND', 'INFO', 'dump', 'restore')) as unknown[][];
  assert.deepEqual(info[0]!.slice(0, 7), ['dump', 2, ['readonly'], 1, 1, 1, ['@keyspace', '@read', '@slow']]);
  assert.deepEqual(info[1]!.slice(0, 7), ['restore', -4, ['write', 'denyoom'], 1, 1, 1, ['@keyspace', '@write', '@slow', '@dangerous']]);
});

test('RESTORE errors, in Redis order', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'foo', 'bar');
  const payload = await dump('foo');
  assert.deepEqual(await c.call('RESTORE', 'foo', '0', payload), err('BUSYKEY Target key name already exists.'));
  assert.deepEqual(await c.call('RESTORE', 'k', '-1', payload), err('ERR Invalid TTL value, must be >= 0'));
  assert.deepEqual(await c.call('RESTORE', 'k', 'abc', payload), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', 'x'), err('ERR DUMP payload version or checksum are wrong'));
  const badCrc = Buffer.from(payload);
  badCrc[badCrc.length - 1] ^= 1;
  assert.deepEqual(await c.call('RESTORE', 'k', '0', badCrc), err('ERR DUMP payload version or checksum are wrong'));
  const future = Buffer.from(payload);
  future[future.length - 10] = 11;
  assert.deepEqual(await c.call('RESTORE', 'k', '0', future), err('ERR DUMP payload version or checksum are wrong'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', resign(Buffer.from([0x00, 0x05, 0x61]))), err('ERR Bad data format'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', resign(Buffer.from([0x63, 0x00]))), err('ERR Bad data format'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', resign(Buffer.from([0x02, 0x00]))), err('ERR Bad data format'), 'empty set');
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'IDLETIME', '-1'), err('ERR Invalid IDLETIME value, must be >= 0'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'IDLETIME', 'x'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'FREQ', '256'), err('ERR Invalid FREQ value, must be >= 0 and <= 255'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'FREQ', '-1'), err('ERR Invalid FREQ value, must be >= 0 and <= 255'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'FREQ', '1', 'IDLETIME', '1'), err('ERR syntax error'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'IDLETIME'), err('ERR syntax error'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0', payload, 'BOGUS'), err('ERR syntax error'));
  assert.deepEqual(await c.call('RESTORE', 'k', '0'), err("ERR wrong number of arguments for 'restore' command"));
  assert.deepEqual(await c.call('DUMP'), err("ERR wrong number of arguments for 'dump' command"));
  assert.equal(await c.call('EXISTS', 'k'), 0);
});

test('RESTORE fires the restore keyspace event and wakes blocked clients', async () => {
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEg');
  const sub = await srv.connect();
  try {
    await sub.call('SUBSCRIBE', '__keyspace@0__:k');
    await c.call('RPUSH', 'src', 'x');
    const payload = await dump('src');
    const waiter = await srv.connect();
    waiter.send('BLPOP', 'k', '0');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await c.call('RESTORE', 'k', '0', payload), 'OK');
    assert.deepEqual(await sub.call('PING'), ['message', '__keyspace@0__:k', 'restore']);
    assert.deepEqual(await waiter.read().then((v) => (v as { value: { value: Buffer }[] }).value.map((x) => x.value.toString())), ['k', 'x']);
    waiter.close();
  } finally {
    sub.close();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
});

test('a refused payload is logged with its reason; DEBUG SET-SKIP-CHECKSUM-VALIDATION skips only the CRC', async () => {
  const lines: string[] = [];
  const s = await startTidings({ config: { 'enable-debug-command': 'yes' }, log: (l) => lines.push(l) });
  const c = await s.connect();
  try {
    await c.call('SADD', 'set', 'a', 'b', 'c');
    const payload = (await c.callRaw('DUMP', 'set')) as { type: string; value: Buffer };
    const good = Buffer.from(payload.value as Buffer);
    // The CRC64 wrong: refused, unless the check is skipped.
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1]! ^= 0xff;
    assert.deepEqual(await c.call('RESTORE', 'k1', '0', badCrc), { error: 'ERR DUMP payload version or checksum are wrong' });
    assert.equal(await c.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), 'OK');
    assert.equal(await c.call('RESTORE', 'k1', '0', badCrc), 'OK');
    assert.deepEqual(((await c.call('SMEMBERS', 'k1')) as string[]).sort(), ['a', 'b', 'c']);
    // A broken structure is still refused, and the log says why.
    const broken = Buffer.concat([good.subarray(0, 2), Buffer.from([0xff, 0xff, 0xff]), good.subarray(5)]);
    assert.deepEqual(await c.call('RESTORE', 'k2', '0', broken), { error: 'ERR Bad data format' });
    assert.ok(lines.some((l) => l.includes("RESTORE of key 'k2' refused: bad DUMP payload")), lines.join('\n'));
    assert.equal(await c.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'), 'OK');
    assert.deepEqual(await c.call('RESTORE', 'k3', '0', badCrc), { error: 'ERR DUMP payload version or checksum are wrong' });
  } finally {
    c.close();
    await s.close();
  }
});

test('LFU: RESTORE FREQ is what OBJECT FREQ shows; new keys start at 5; IDLETIME is ignored under LFU', async () => {
  await c.call('FLUSHALL');
  try {
    await c.call('SET', 'src', 'bar');
    const payload = (await c.callRaw('DUMP', 'src')) as { value: Buffer };
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    assert.equal(await c.call('RESTORE', 'f', '0', payload.value, 'FREQ', '100'), 'OK');
    assert.equal(await c.call('OBJECT', 'FREQ', 'f'), 100);
    assert.equal(await c.call('GET', 'f'), 'bar');
    // One access near 100 adds one only with probability 1/(95 * lfu-log-factor + 1).
    assert.ok([100, 101].includes((await c.call('OBJECT', 'FREQ', 'f')) as number));
    assert.equal(await c.call('SET', 'new', 'v'), 'OK');
    assert.equal(await c.call('OBJECT', 'FREQ', 'new'), 5);
    // With lfu-log-factor 0 every access counts, up to 255.
    await c.call('CONFIG', 'SET', 'lfu-log-factor', '0');
    for (let i = 0; i < 3; i++) await c.call('GET', 'new');
    assert.equal(await c.call('OBJECT', 'FREQ', 'new'), 8);
    // An overwrite keeps the counter (as Redis); COPY makes a new key.
    await c.call('SET', 'new', 'w');
    assert.equal(await c.call('OBJECT', 'FREQ', 'new'), 9);
    assert.equal(await c.call('COPY', 'new', 'copied'), 1);
    assert.equal(await c.call('OBJECT', 'FREQ', 'copied'), 5);
    assert.equal(await c.call('RESTORE', 'i', '0', payload.value, 'IDLETIME', '1000'), 'OK');
    assert.equal(await c.call('OBJECT', 'FREQ', 'i'), 5);
    // FREQ is ignored under another policy, IDLETIME applies under any non-LFU one.
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    assert.equal(await c.call('RESTORE', 'i2', '0', payload.value, 'IDLETIME', '1000'), 'OK');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'i2'), 1000);
  } finally {
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await c.call('CONFIG', 'SET', 'lfu-log-factor', '10');
  }
});

test('LFU: allkeys-lfu evicts the least frequently used key', async () => {
  const s = await startTidings();
  const d = await s.connect();
  try {
    await d.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await d.call('CONFIG', 'SET', 'lfu-log-factor', '0');
    await d.call('CONFIG', 'SET', 'maxmemory-samples', '64');
    const big = 'x'.repeat(10000);
    for (let i = 0; i < 20; i++) await d.call('SET', `k${i}`, big);
    for (let i = 1; i < 20; i++) for (let j = 0; j < 3; j++) await d.call('GET', `k${i}`);
    const used = Number(/used_memory:(\d+)/.exec(String(await d.call('INFO', 'memory')))![1]);
    // Lower the limit until the first eviction: used_memory also counts connection buffers, which
    // move by a few KB between the INFO above and the CONFIG SET.
    for (let limit = used - 5000; (await d.call('DBSIZE')) === 20 && limit > used - 100000; limit -= 2000) {
      await d.call('CONFIG', 'SET', 'maxmemory', String(limit));
    }
    assert.equal(await d.call('EXISTS', 'k0'), 0, 'the key never read is evicted');
    assert.equal(await d.call('EXISTS', 'k1'), 1);
  } finally {
    d.close();
    await s.close();
  }
});

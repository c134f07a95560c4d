// maxmemory over TCP: OOM under noeviction, eviction by each policy, INFO used_memory /
// evicted_keys, and 'evicted' keyspace notifications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import { BASE_BYTES } from '../../src/store/eviction.js';
import { lruClock } from '../../src/store/database.js';

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

const OOM = { error: "OOM command not allowed when used memory > 'maxmemory'." };
const VALUE = 'x'.repeat(1000);
/** Room for roughly 190 keys of 1000 bytes on top of the fixed base. */
const LIMIT = BASE_BYTES + 200 * 1024;

async function info(section: string): Promise<Map<string, string>> {
  const text = (await c.call('INFO', section)) as string;
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

async function setup(policy: string, samples = 64): Promise<void> {
  await c.call('CONFIG', 'SET', 'maxmemory', '0');
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'maxmemory-policy', policy);
  await c.call('CONFIG', 'SET', 'maxmemory-samples', String(samples));
}

async function fill(prefix: string, n: number, ...extra: string[]): Promise<unknown[]> {
  const replies: unknown[] = [];
  for (let i = 0; i < n; i++) replies.push(await c.call('SET', `${prefix}${i}`, VALUE, ...extra));
  return replies;
}

const db = () => srv.server!.dbs[0]!;

test('INFO used_memory tracks the dataset, not the V8 heap', async () => {
  await setup('noeviction');
  const empty = Number((await info('memory')).get('used_memory'));
  await fill('k', 100);
  const full = Number((await info('memory')).get('used_memory'));
  assert.ok(full - empty >= 100 * 1000 && full - empty < 100 * 1300, `100 KB of values: grew by ${full - empty}`);
  await c.call('FLUSHALL');
  const after = Number((await info('memory')).get('used_memory'));
  assert.ok(after - empty < 10 * 1024, 'deleting keys is reflected at once, without waiting for a GC');
});

test('noeviction: denyoom commands get OOM, reads and deletes still work', async () => {
  await setup('noeviction');
  await fill('k', 150);
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT - 100 * 1024));
  assert.deepEqual(await c.call('SET', 'more', 'v'), OOM);
  assert.deepEqual(await c.call('APPEND', 'k1', 'v'), OOM);
  assert.deepEqual(await c.call('INCR', 'n'), OOM);
  assert.equal((await c.call('GET', 'k1'))?.toString().length, 1000);
  assert.equal(await c.call('EXPIRE', 'k1', '100'), 1, 'EXPIRE is not denyoom');
  const dels: string[] = [];
  for (let i = 0; i < 100; i++) dels.push(`k${i}`);
  assert.equal(await c.call('DEL', ...dels), 100);
  assert.equal(await c.call('SET', 'more', 'v'), 'OK', 'room again after deleting');
  assert.equal(Number((await info('stats')).get('evicted_keys')), 0);
});

test('allkeys-lru evicts the least recently used keys', async () => {
  await setup('allkeys-lru');
  await fill('old', 100);
  await fill('hot', 50);
  // Make the "old" keys clearly older than everything else.
  for (let i = 0; i < 100; i++) db().peek(`old${i}`)!.lru = lruClock() - 100000;
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT));
  const evictedBefore = Number((await info('stats')).get('evicted_keys'));
  const replies = await fill('new', 100);
  assert.ok(replies.every((r) => r === 'OK'), 'writes succeed by evicting');
  // INFO itself evicts first when over the limit (every command does, as in Redis): read it first.
  const evicted = Number((await info('stats')).get('evicted_keys')) - evictedBefore;
  let hot = 0;
  let old = 0;
  for (let i = 0; i < 50; i++) if (db().has(`hot${i}`)) hot++;
  for (let i = 0; i < 100; i++) if (db().has(`old${i}`)) old++;
  assert.equal(hot, 50, 'recently used keys survive');
  assert.ok(old < 100, 'old keys were evicted');
  assert.equal(evicted, 100 - old);
  const used = Number((await info('memory')).get('used_memory'));
  assert.ok(used <= LIMIT + 2000, `used_memory ${used} stays at the limit ${LIMIT}`);
});

test('allkeys-lfu is accepted and evicts like LRU', async () => {
  await setup('allkeys-lfu');
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT));
  const replies = await fill('k', 400);
  assert.ok(replies.every((r) => r === 'OK'));
  assert.ok(db().size < 250 && db().size > 100, `dbsize ${db().size} is bounded by maxmemory`);
});

test('a keyspace too large to measure exactly (sampled estimate) stays bounded', async () => {
  await setup('allkeys-lru', 5);
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT));
  const small = 'y'.repeat(100);
  for (let i = 0; i < 3000; i++) assert.equal(await c.call('SET', `s${i}`, small), 'OK');
  const size = db().size;
  assert.ok(size > 450 && size < 900, `dbsize ${size}: about 200 KB of ~320-byte entries`);
  const used = Number((await info('memory')).get('used_memory'));
  assert.ok(used <= LIMIT * 1.05, `used_memory ${used} near the limit ${LIMIT}`);
});

test('allkeys-random keeps the dataset bounded', async () => {
  await setup('allkeys-random', 5);
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT));
  const replies = await fill('k', 400);
  assert.ok(replies.every((r) => r === 'OK'));
  assert.ok(db().size < 250 && db().size > 100, `dbsize ${db().size} is bounded by maxmemory`);
  assert.ok(Number((await info('stats')).get('evicted_keys')) > 0);
});

test('volatile-lru only evicts keys with a TTL, and OOMs when none are left', async () => {
  await setup('volatile-lru');
  await fill('persistent', 100);
  await fill('volatile', 60, 'EX', '1000');
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT));
  const replies = await fill('more', 150);
  const oomAt = replies.findIndex((r) => typeof r === 'object' && r !== null && 'error' in r);
  assert.ok(oomAt > 0, 'some writes succeeded by evicting volatile keys');
  assert.deepEqual(replies[oomAt], OOM, 'then OOM once no volatile key is left');
  for (let i = 0; i < 100; i++) assert.ok(db().has(`persistent${i}`), 'keys without TTL are never evicted');
  for (let i = 0; i < 60; i++) assert.ok(!db().has(`volatile${i}`));
});

test('volatile-ttl evicts the keys closest to expiring first', async () => {
  await setup('volatile-ttl');
  await fill('persistent', 100);
  for (let i = 0; i < 60; i++) await c.call('SET', `ttl${i}`, VALUE, 'EX', String(1000 + i * 10));
  await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT));
  await fill('more', 60);
  const alive = [];
  for (let i = 0; i < 60; i++) if (db().has(`ttl${i}`)) alive.push(i);
  assert.ok(alive.length < 60 && alive.length > 0);
  const evicted = 60 - alive.length;
  assert.deepEqual(alive, Array.from({ length: alive.length }, (_, i) => i + evicted), 'the shortest TTLs went first');
});

test("evictions are notified as 'evicted' keyspace events", async () => {
  await setup('allkeys-lru');
  await fill('k', 190);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
  const sub = await srv.connect();
  try {
    await sub.call('SUBSCRIBE', '__keyevent@0__:evicted');
    await c.call('CONFIG', 'SET', 'maxmemory', String(LIMIT - 50 * 1024));
    await c.call('SET', 'trigger', 'v');
    const msg = plain(await sub.read()) as string[];
    assert.equal(msg[0], 'message');
    assert.equal(msg[1], '__keyevent@0__:evicted');
    assert.ok(msg[2]!.startsWith('k'));
  } finally {
    sub.close();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
  }
});

test('INFO used_memory_peak never goes down; mem_fragmentation_ratio stays sane after FLUSHALL', async () => {
  await setup('noeviction');
  await fill('p', 200);
  const loaded = await info('memory');
  const peakLoaded = Number(loaded.get('used_memory_peak'));
  assert.ok(peakLoaded >= Number(loaded.get('used_memory')), 'the peak is at least the current figure');
  await c.call('FLUSHALL');
  const flushed = await info('memory');
  assert.ok(Number(flushed.get('used_memory')) < Number(loaded.get('used_memory')), 'used_memory drops with the data');
  assert.ok(Number(flushed.get('used_memory_peak')) >= peakLoaded, 'the peak stays');
  // RSS over what V8 and the buffers hold: not RSS over a 1 MB base (which read ~187 in issue #12).
  const ratio = Number(flushed.get('mem_fragmentation_ratio'));
  assert.ok(ratio > 0 && ratio < 50, `mem_fragmentation_ratio ${ratio}`);
});

test('CONFIG SET maxmemory below the usage evicts at once, as redis-server does, before any write', async (t) => {
  // The same sequence against Tidings and redis-server: the eviction and its notification arrive
  // in reply to CONFIG SET itself.
  const servers: [string, TestServer][] = [['tidings', srv]];
  if (requireRedisServer(t)) servers.push(['redis', await startRedis()]);
  const seen: Record<string, unknown[]> = {};
  for (const [name, server] of servers) {
    const a = await server.connect();
    const sub = await server.connect();
    try {
      await a.call('FLUSHALL');
      await a.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await a.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
      await sub.call('PSUBSCRIBE', '*');
      await a.call('SET', 'foo', 'bar');
      const reply = await a.call('CONFIG', 'SET', 'maxmemory', '1');
      const msg = plain(await sub.read());
      seen[name] = [reply, msg];
    } finally {
      await a.call('CONFIG', 'SET', 'maxmemory', '0');
      await a.call('CONFIG', 'SET', 'notify-keyspace-events', '');
      await a.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      a.close();
      sub.close();
      if (name === 'redis') await server.close();
    }
  }
  assert.deepEqual(seen.tidings, ['OK', ['pmessage', '*', '__keyevent@0__:evicted', 'foo']]);
  if (seen.redis) assert.deepEqual(seen.tidings, seen.redis);
});

test("a client's unfinished request counts in used_memory and makes keys go, as Redis counts query buffers", async () => {
  await setup('allkeys-random');
  await fill('k', 100);
  const before = Number((await info('memory')).get('used_memory'));
  const dead = await srv.connect();
  try {
    // 200 arguments of 1000 bytes announced as 250: the command never completes.
    let partial = '*250\r\n';
    for (let i = 0; i < 200; i++) partial += `$1000\r\n${VALUE}\r\n`;
    dead.write(partial);
    let used = before;
    for (let i = 0; i < 100 && used < before + 200 * 1000; i++) {
      await new Promise((r) => setTimeout(r, 20));
      used = Number((await info('memory')).get('used_memory'));
    }
    assert.ok(used >= before + 200 * 1000, `used_memory ${used} counts the 200 KB held (was ${before})`);
    await c.call('CONFIG', 'SET', 'maxmemory', String(before + 100 * 1024));
    // Any command evicts first (a read too).
    await c.call('PING');
    assert.ok(((await c.call('DBSIZE')) as number) < 100, 'keys were evicted for the query buffer');
  } finally {
    dead.close();
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
  }
});

// The README's online move to Redis or Valkey, as an operator would do it: a real redis-server
// started as a replica of Tidings (`--replicaof`) copies the dataset and then follows live writes;
// `REPLICAOF NO ONE` makes it a standalone server the clients can be switched to. (The offline way,
// copying dump.rdb or appendonlydir, is covered by test/persistence.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';

async function until(what: string, cond: () => Promise<boolean>, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function infoField(c: RespClient, section: string, name: string): Promise<string | undefined> {
  const text = String(await c.call('INFO', section));
  return new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(text)?.[1];
}

test('a redis-server replica of Tidings takes the data and live writes, then stands alone', async (t) => {
  if (!requireRedisServer(t)) return;
  const tidings = await startTidings();
  const src = await tidings.connect();
  await src.call('SET', 'plain', 'value');
  await src.call('SET', 'session', 'abc', 'EX', 600);
  await src.call('RPUSH', 'jobs', 'a', 'b', 'c');
  await src.call('HSET', 'user:1', 'name', 'ann', 'plan', 'pro');
  await src.call('ZADD', 'board', 1, 'x', 2, 'y');
  await src.call('XADD', 'events', '1-1', 'k', 'v');
  await src.call('XGROUP', 'CREATE', 'events', 'workers', '0');
  await src.call('SELECT', 3);
  await src.call('SET', 'in-db-3', 'yes');
  await src.call('SELECT', 0);

  const redis = await startRedis(['--replicaof', '127.0.0.1', String(tidings.port)]);
  const dst = await redis.connect();
  try {
    await until('the replica link', async () => (await infoField(dst, 'replication', 'master_link_status')) === 'up');
    await until('the initial copy', async () => (await dst.call('DBSIZE')) === 6);
    assert.equal(await dst.call('GET', 'plain'), 'value');
    const ttl = Number(await dst.call('TTL', 'session'));
    assert.ok(ttl > 500 && ttl <= 600, `TTL kept (${ttl})`);
    assert.deepEqual(await dst.call('LRANGE', 'jobs', 0, -1), ['a', 'b', 'c']);
    assert.equal(await dst.call('HGET', 'user:1', 'plan'), 'pro');
    assert.deepEqual(await dst.call('ZRANGE', 'board', 0, -1, 'WITHSCORES'), ['x', '1', 'y', '2']);
    const groups = (await dst.call('XINFO', 'GROUPS', 'events')) as unknown[][];
    assert.equal(groups.length, 1, 'the consumer group came along');
    assert.equal(groups[0]![1], 'workers');

    // Writes after the copy follow, in their database, until the switch.
    await src.call('LPOP', 'jobs');
    await src.call('INCR', 'counter');
    await src.call('SELECT', 3);
    await src.call('DEL', 'in-db-3');
    await src.call('SELECT', 0);
    await until('live writes', async () => (await dst.call('GET', 'counter')) === '1');
    assert.deepEqual(await dst.call('LRANGE', 'jobs', 0, -1), ['b', 'c']);
    await dst.call('SELECT', 3);
    await until('the write in db 3', async () => (await dst.call('EXISTS', 'in-db-3')) === 0);
    await dst.call('SELECT', 0);

    // The switch: the replica becomes a writable standalone server.
    assert.deepEqual(await dst.call('SET', 'x', '1'), { error: "READONLY You can't write against a read only replica." });
    assert.equal(await dst.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    assert.equal(await dst.call('SET', 'x', '1'), 'OK');
    assert.equal(await infoField(dst, 'replication', 'role'), 'master');
  } finally {
    dst.close();
    src.close();
    await redis.close();
    await tidings.close();
  }
});

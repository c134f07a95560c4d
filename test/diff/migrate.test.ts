// MIGRATE over TCP, differentially: every scenario runs twice, once with Tidings as the source and
// once with redis-server as the source, both migrating to a real redis-server (and Tidings to
// Tidings); replies, and what ends up on each side, must be the same. Plus what only Tidings needs:
// a key written while MIGRATE waits for a slow target is kept, not lost.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

let tidings: TestServer;
let redisSource: TestServer;
let target: TestServer;
const have = hasRedisServer();

before(async () => {
  if (!have) return;
  tidings = await startTidings();
  redisSource = await startRedis();
  target = await startRedis();
});
after(async () => {
  await tidings?.close();
  await redisSource?.close();
  await target?.close();
});

interface Sides {
  src: RespClient;
  dst: RespClient;
}

/** Empty the target and take its password away (a scenario may set one). */
async function resetTarget(dst: RespClient): Promise<void> {
  await dst.call('AUTH', 'secret');
  await dst.call('CONFIG', 'SET', 'requirepass', '');
  await dst.call('SELECT', 0);
  await dst.call('FLUSHALL');
}

/** Run `scenario` with each source against a flushed target; returns both transcripts. */
async function both(scenario: (s: Sides, port: number) => Promise<unknown[]>): Promise<void> {
  const out: unknown[][] = [];
  for (const source of [redisSource, tidings]) {
    const src = await source.connect();
    const dst = await target.connect();
    try {
      await resetTarget(dst);
      await src.call('FLUSHALL');
      out.push(await scenario({ src, dst }, target.port));
      await resetTarget(dst);
    } finally {
      src.socket.destroy();
      dst.socket.destroy();
    }
  }
  assert.deepEqual(out[1], out[0], 'Tidings as the source answers and ends as redis-server does');
}

describe('MIGRATE', () => {
  test('moves a key with its TTL, COPY keeps it, REPLACE overwrites, BUSYKEY otherwise', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    await both(async ({ src, dst }, port) => [
      await src.call('RPUSH', 'list', 'a', 'b', 'c'),
      await src.call('SET', 'str', 'value', 'EX', '100'),
      await src.call('MIGRATE', '127.0.0.1', port, 'list', 0, 5000),
      await src.call('EXISTS', 'list'),
      await dst.call('LRANGE', 'list', 0, -1),
      await src.call('MIGRATE', '127.0.0.1', port, 'str', 3, 5000, 'COPY'),
      await src.call('GET', 'str'),
      await dst.call('SELECT', 3),
      await dst.call('GET', 'str'),
      ((await dst.call('TTL', 'str')) as number) > 95,
      await src.call('SET', 'str', 'changed'),
      await src.call('MIGRATE', '127.0.0.1', port, 'str', 3, 5000),
      await src.call('MIGRATE', '127.0.0.1', port, 'str', 3, 5000, 'REPLACE'),
      await src.call('EXISTS', 'str'),
      await dst.call('GET', 'str'),
      await dst.call('TTL', 'str'),
      await src.call('MIGRATE', '127.0.0.1', port, 'nosuchkey', 0, 5000),
    ]);
  });

  test('KEYS: only existing keys move; a refused key stays while the others go', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    await both(async ({ src, dst }, port) => [
      await src.call('MSET', 'a', 1, 'b', 2, 'c', 3, 'd', 4),
      await src.call('MIGRATE', '127.0.0.1', port, '', 0, 5000, 'KEYS', 'x', 'y'),
      await dst.call('SET', 'c', 'busy'),
      await src.call('MIGRATE', '127.0.0.1', port, '', 0, 5000, 'KEYS', 'x', 'a', 'b', 'c', 'd'),
      await src.call('KEYS', '*'),
      (await dst.call('KEYS', '*') as string[]).sort(),
      await dst.call('GET', 'c'),
      await src.call('MIGRATE', '127.0.0.1', port, 'notempty', 0, 5000, 'KEYS', 'c'),
    ]);
  });

  test('errors: syntax, arguments, an unreachable target, AUTH', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    await both(async ({ src, dst }, port) => [
      await src.call('SET', 'k', 'v'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 5000, 'BOGUS'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 5000, 'AUTH'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 5000, 'AUTH2', 'user'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 'x', 5000),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 'soon'),
      await src.call('MIGRATE', '127.0.0.1', 1, 'k', 0, 1000),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 5000, 'AUTH', 'nopass-set'),
      await dst.call('CONFIG', 'SET', 'requirepass', 'secret'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 5000, 'AUTH', 'wrong'),
      await src.call('EXISTS', 'k'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 5000, 'AUTH', 'secret'),
      await src.call('EXISTS', 'k'),
      await src.call('SET', 'k2', 'v'),
      await src.call('MIGRATE', '127.0.0.1', port, 'k2', 0, 5000, 'AUTH2', 'default', 'secret'),
      await src.call('EXISTS', 'k2'),
    ]);
  });

  test('a target that does not answer in time: IOERR, and the key stays', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    const slow = await startRedis(['--enable-debug-command', 'yes']);
    try {
      for (const source of [redisSource, tidings]) {
        const src = await source.connect();
        const sleeper = await slow.connect();
        await src.call('SET', 'k', 'v');
        sleeper.send('DEBUG', 'SLEEP', '1');
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(await src.call('MIGRATE', '127.0.0.1', slow.port, 'k', 0, 300), { error: 'IOERR error or timeout reading to target instance' });
        assert.equal(await src.call('EXISTS', 'k'), 1);
        await sleeper.read();
        src.socket.destroy();
        sleeper.socket.destroy();
      }
    } finally {
      await slow.close();
    }
  });

  test('the connection is cached (INFO migrate_cached_sockets) and other clients are served meanwhile', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    const other = await startTidings();
    try {
      const src = await other.connect();
      const info = async () => /migrate_cached_sockets:(\d+)/.exec((await src.call('INFO', 'stats')) as string)?.[1];
      assert.equal(await info(), '0');
      await src.call('SET', 'k', 'v');
      assert.equal(await src.call('MIGRATE', '127.0.0.1', target.port, 'k', 0, 5000), 'OK');
      assert.equal(await info(), '1');
      await src.call('SET', 'k', 'v');
      assert.equal(await src.call('MIGRATE', '127.0.0.1', target.port, 'k', 0, 5000, 'REPLACE'), 'OK');
      assert.equal(await info(), '1', 'the same connection is reused');
      // Tidings to Tidings.
      await src.call('HSET', 'h', 'f', 'v');
      assert.equal(await src.call('MIGRATE', '127.0.0.1', tidings.port, 'h', 5, 5000), 'OK');
      const t2 = await tidings.connect();
      await t2.call('SELECT', 5);
      assert.deepEqual(await t2.call('HGETALL', 'h'), ['f', 'v']);
      assert.equal(await info(), '2');
      t2.socket.destroy();
      src.socket.destroy();
    } finally {
      await other.close();
    }
  });

  test('a key written while MIGRATE waits for the target is kept (never lost), and the reply says so', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    const slow = await startRedis(['--enable-debug-command', 'yes']);
    try {
      const src = await tidings.connect();
      const writer = await tidings.connect();
      const sleeper = await slow.connect();
      await src.call('FLUSHALL');
      await src.call('SET', 'k', 'old');
      await src.call('SET', 'untouched', 'x');
      sleeper.send('DEBUG', 'SLEEP', '0.5');
      await new Promise((r) => setTimeout(r, 100));
      src.send('MIGRATE', '127.0.0.1', slow.port, '', 0, 5000, 'KEYS', 'k', 'untouched');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await writer.call('APPEND', 'k', '+new'), 7, 'other clients are served while MIGRATE waits');
      assert.deepEqual(plain(await src.read(10000)), {
        error: "ERR 1 key(s) changed while MIGRATE waited for the target: copied, and kept here",
      });
      assert.equal(await writer.call('GET', 'k'), 'old+new');
      assert.equal(await writer.call('EXISTS', 'untouched'), 0, 'the unchanged key moved');
      await sleeper.read();
      const dst = await slow.connect();
      assert.equal(await dst.call('GET', 'k'), 'old');
      assert.equal(await dst.call('GET', 'untouched'), 'x');
      for (const c of [src, writer, sleeper, dst]) c.socket.destroy();
    } finally {
      await slow.close();
    }
  });

  test('inside MULTI it is refused with a clear error (it would have to wait)', { skip: !have }, async (t) => {
    if (!have) return skipLoudly(t, 'redis-server is not installed');
    const src = await tidings.connect();
    await src.call('SET', 'k', 'v');
    await src.call('MULTI');
    await src.call('MIGRATE', '127.0.0.1', target.port, 'k', 0, 5000);
    assert.deepEqual(await src.call('EXEC'), [{ error: 'ERR MIGRATE cannot run inside MULTI or a script in Tidings (it waits for the target server)' }]);
    assert.equal(await src.call('EXISTS', 'k'), 1);
    src.socket.destroy();
  });
});

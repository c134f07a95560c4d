// While loading, against redis-server: both load the same dump file (written by redis-server,
// slowed with key-load-delay) and answer the same bytes to commands with and without the `loading`
// flag, to CONFIG SET of parameters refused while loading, and list the same INFO persistence
// fields in the same order (the values differ: sizes, times).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidingsProcess } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { tempDir } from '../persistence/aof-util.js';
import { DiffPair } from './harness.js';

const SLOW = ['--key-load-delay', '200', '--loading-process-events-interval-bytes', '1024', '--enable-protected-configs', 'yes'];

async function fieldNames(c: RespClient): Promise<string[]> {
  const text = String(await c.call('INFO', 'persistence'));
  return text
    .split('\r\n')
    .filter((l) => l.includes(':'))
    .map((l) => l.slice(0, l.indexOf(':')));
}

test('while loading a dump file, replies and INFO persistence fields match redis-server', { timeout: 120_000 }, async (t) => {
  if (!requireRedisServer(t)) return;
  // The dump file, made by redis-server.
  const maker = await startRedis(['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes', '--rdbcompression', 'no']);
  const dir = tempDir('tidings-load-diff-');
  try {
    const c = await maker.connect();
    assert.equal(await c.call('CONFIG', 'SET', 'dir', dir), 'OK');
    assert.equal(await c.call('DEBUG', 'POPULATE', 20000, 'key', 500), 'OK');
    assert.equal(await c.call('SAVE'), 'OK');
    c.close();
  } finally {
    await maker.close();
  }
  const redisDir = tempDir('tidings-load-diff-');
  fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(redisDir, 'dump.rdb'));
  const [tidings, redis] = await Promise.all([
    startTidingsProcess(['--dir', dir, ...SLOW], { waitLoaded: false }),
    startRedis([...SLOW, '--dir', redisDir], { waitLoaded: false }),
  ]);
  const [a, b] = await Promise.all([tidings.connect(), redis.connect()]);
  const p = new DiffPair(a, b);
  try {
    await p.checkAll([
      ['GET', 'key:1'],
      ['PING'],
      ['SET', 'x', 'y'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'appendonly', 'yes'],
      ['CONFIG', 'SET', 'loglevel', 'verbose'],
      ['CONFIG', 'GET', 'loglevel'],
      ['PUBLISH', 'ch', 'm'],
      ['SELECT', '1'],
    ]);
    const [names, redisNames] = await Promise.all([fieldNames(a), fieldNames(b)]);
    assert.deepEqual(names, redisNames);
    assert.ok(names.includes('loading_eta_seconds'), 'both still loading');
    // Both finish once the delay is lifted, with the same keys.
    await p.check(['CONFIG', 'SET', 'key-load-delay', '0']);
    for (const c of [a, b]) {
      for (;;) {
        if (!(await fieldNames(c)).includes('loading_total_bytes')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await p.checkAll([['SELECT', '0'], ['DBSIZE'], ['GET', 'key:19999'], ['PING']]);
  } finally {
    p.close();
    await Promise.all([tidings.close(), redis.close()]);
  }
});

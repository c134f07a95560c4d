// CONFIG SET appendonly yes writes its base in the background, as Redis's (AOF_WAIT_REWRITE):
// meanwhile INFO says enabled and rewriting, writes go on and are kept, the files on disk are the
// former ones, and SHUTDOWN refuses to stop (Redis's reply and log lines) unless FORCE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { requireRedisServer, startRedis, startTidings, startTidingsProcess } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { dump, readManifest, tempDir, until } from './aof-util.js';
import { withServer } from '../helpers/fixtures.js';

const aofDir = (dir: string) => path.join(dir, 'appendonlydir');

async function info(c: RespClient, field: string): Promise<string> {
  const text = (await c.call('INFO', 'persistence')) as string;
  return new RegExp(`\\r\\n${field}:([^\\r]*)`).exec(text)?.[1] ?? '';
}

test('CONFIG SET appendonly yes: a slow initial rewrite keeps writes, SHUTDOWN fails meanwhile', async () => {
  const dir = tempDir('tidings-aof-initial-');
  const srv = await startTidingsProcess(['--dir', dir, '--appendonly', 'no']);
  try {
    const c = await srv.connect();
    await c.call('SET', 'before', '1');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '30000000');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    assert.equal(await info(c, 'aof_enabled'), '1');
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '1');
    assert.deepEqual(await c.call('BGREWRITEAOF'), { error: 'ERR Background append only file rewriting already in progress' });
    await c.call('RPUSH', 'during', 'a', 'b');
    // Nothing named by a manifest yet: only the temporary files.
    assert.equal(fs.existsSync(path.join(aofDir(dir), 'appendonly.aof.manifest')), false);
    assert.deepEqual(await c.call('SHUTDOWN'), { error: 'ERR Errors trying to SHUTDOWN. Check logs.' });
    // The log lines come through the child's stdout pipe, which may be read after the reply.
    await until(() => /Errors trying to shut down the server\. Check the logs for more information\./.test(srv.output()));
    assert.match(srv.output(), /Writing initial AOF, can't exit\./);
    assert.equal(await c.call('PING'), 'PONG');
    // The rewrite keeps the delay it started with (as Redis's child): kill its writer child, as
    // Redis's tests do; the retry runs at full speed and its base + the temporary incremental
    // file become the log.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    const child = spawnSync('pgrep', ['-P', String(srv.child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.equal(child.length, 1);
    process.kill(Number(child[0]), 'SIGKILL');
    await until(async () => /Removing the temp incr aof file/.test(srv.output()));
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0' && (await info(c, 'aof_last_bgrewrite_status')) === 'ok');
    assert.equal(await info(c, 'aof_last_bgrewrite_status'), 'ok');
    await c.call('SET', 'after', '3');
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'b' },
      { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
    ]);
    assert.deepEqual(fs.readdirSync(aofDir(dir)).filter((f) => f.startsWith('temp-')), []);
    await until(() => /Successfully renamed the temporary AOF incr file temp-appendonly\.aof\.incr into appendonly\.aof\.1\.incr\.aof/.test(srv.output()));
    const before = await dump(c);
    c.close();
    await srv.close();
    const again = await startTidingsProcess(['--dir', dir, '--appendonly', 'yes']);
    const c2 = await again.connect();
    assert.deepEqual(await dump(c2), before);
    c2.close();
    await again.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SHUTDOWN FORCE stops during the initial rewrite; CONFIG SET appendonly no abandons it', async () => {
  const dir = tempDir('tidings-aof-initial-');
  await withServer(() => startTidings({ config: { dir, appendonly: 'no' } }), async (c) => {
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '30000000');
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    await c.call('SET', 'k2', 'v2');
    await c.call('CONFIG', 'SET', 'appendonly', 'no');
    assert.equal(await info(c, 'aof_enabled'), '0');
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '0');
    assert.deepEqual(fs.readdirSync(aofDir(dir)), []);
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
  });
  const proc = await startTidingsProcess(['--dir', dir, '--appendonly', 'no', '--rdb-key-save-delay', '30000000']);
  const c = await proc.connect();
  await c.call('SET', 'k', 'v');
  await c.call('CONFIG', 'SET', 'appendonly', 'yes');
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  await c.call('SHUTDOWN', 'NOSAVE', 'FORCE').catch(() => undefined);
  await exited;
  assert.match(proc.output(), /Writing initial AOF\. Exit anyway\./);
  c.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SHUTDOWN during the initial rewrite: the same reply as redis-server', async (t) => {
  if (!requireRedisServer(t)) return;
  const dir = tempDir('tidings-aof-initial-');
  const tidings = await startTidings({ config: { dir, appendonly: 'no' } });
  const redis = await startRedis();
  try {
    const replies = [];
    for (const srv of [tidings, redis]) {
      const c = await srv.connect();
      await c.call('SET', 'k', 'v');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '30000000');
      await c.call('CONFIG', 'SET', 'appendonly', 'yes');
      const fields = [await info(c, 'aof_enabled'), await info(c, 'aof_rewrite_in_progress')];
      replies.push([fields, await c.call('SHUTDOWN'), await c.call('SHUTDOWN', 'NOSAVE'), await c.call('PING')]);
      await c.call('CONFIG', 'SET', 'appendonly', 'no');
      c.close();
    }
    assert.deepEqual(replies[0], replies[1]);
  } finally {
    await tidings.close();
    await redis.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

// A rewrite's base is written by a child process (see src/persistence/writer-child.ts), which
// `pgrep -P <server pid>` finds, as Redis's tests find the rewrite child. Killing it fails the
// rewrite as in Redis: INFO says err, the temporary file is gone, each failed attempt has opened
// its own incremental file (all kept in the manifest), and the next rewrite succeeds and turns
// them into history. The data is whole throughout (DEBUG LOADAOF gives the same digest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTidingsProcess } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { children, readManifest, until } from './aof-util.js';
import { withServerInDir, infoField } from '../helpers/fixtures.js';

const aofDir = (dir: string) => path.join(dir, 'appendonlydir');

const info = (c: RespClient, field: string) => infoField(c, 'persistence', field);

test('killing the rewrite child fails the rewrite (incr files kept), the next rewrite succeeds', async () => {
  await withServerInDir('tidings-rewrite-child-', (dir) => startTidingsProcess(['--dir', dir, '--appendonly', 'yes', '--enable-debug-command', 'yes']), async (c, dir, srv) => {
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}`, String(i));
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    for (let round = 0; round < 2; round++) {
      assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
      let child: number[] = [];
      await until(() => (child = children(srv.child.pid!)).length === 1);
      await c.call('INCR', `during${round}`);
      process.kill(child[0]!, 'SIGKILL');
      await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
      assert.equal(await info(c, 'aof_last_bgrewrite_status'), 'err');
      assert.deepEqual(fs.readdirSync(aofDir(dir)).filter((f) => f.startsWith('temp-')), []);
    }
    await until(() => /Background AOF rewrite failed: the rewrite child was terminated by signal SIGKILL/.test(srv.output()));
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'b' },
      { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
      { name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' },
      { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' },
    ]);
    const digest = await c.call('DEBUG', 'DIGEST');
    assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await c.call('BGREWRITEAOF');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
    assert.equal(await info(c, 'aof_last_bgrewrite_status'), 'ok');
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' },
      { name: 'appendonly.aof.4.incr.aof', seq: 4, type: 'i' },
    ]);
    assert.deepEqual(children(srv.child.pid!), [], 'no child left once the rewrite is over');
    assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
  });
});

test('CONFIG SET appendonly no kills the rewrite child and removes its file', async () => {
  await withServerInDir('tidings-rewrite-child-', (dir) => startTidingsProcess(['--dir', dir, '--appendonly', 'yes']), async (c, dir, srv) => {
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    await c.call('BGREWRITEAOF');
    let child: number[] = [];
    await until(() => (child = children(srv.child.pid!)).length === 1);
    await c.call('CONFIG', 'SET', 'appendonly', 'no');
    await until(() => srv.output().includes(`Killing running AOF rewrite child: ${child[0]}`));
    await until(() => children(srv.child.pid!).length === 0);
    assert.deepEqual(fs.readdirSync(aofDir(dir)).filter((f) => f.startsWith('temp-')), []);
  });
});

test('after 3 failed rewrites, automatic rewrites are held back (logged); BGREWRITEAOF still runs', async () => {
  await withServerInDir('tidings-rewrite-child-', (dir) => startTidingsProcess(['--dir', dir, '--appendonly', 'yes']), async (c, dir, srv) => {
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    await c.call('SET', 'k', 'v');
    for (let i = 0; i < 3; i++) {
      await c.call('BGREWRITEAOF');
      let child: number[] = [];
      await until(() => (child = children(srv.child.pid!)).length === 1);
      process.kill(child[0]!, 'SIGKILL');
      await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
    }
    assert.equal(await info(c, 'aof_rewrites_consecutive_failures'), '3');
    const manifest = readManifest(aofDir(dir));
    await c.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '1');
    await c.call('CONFIG', 'SET', 'auto-aof-rewrite-min-size', '1kb');
    await c.call('SET', 'x', 'x'.repeat(1024));
    await until(() => /Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes/.test(srv.output()));
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '0');
    assert.deepEqual(readManifest(aofDir(dir)), manifest, 'no rewrite started, no incremental file opened');
    await c.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await c.call('BGREWRITEAOF');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
    assert.equal(await info(c, 'aof_last_bgrewrite_status'), 'ok');
  });
});

test('CONFIG SET appendonly yes whose rewrite child is killed: the temporary incr file goes, the rewrite starts again', async () => {
  await withServerInDir('tidings-rewrite-child-', (dir) => startTidingsProcess(['--dir', dir, '--appendonly', 'no']), async (c, dir, srv) => {
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    let child: number[] = [];
    await until(() => (child = children(srv.child.pid!)).length === 1);
    await c.call('SET', 'during', '1');
    process.kill(child[0]!, 'SIGKILL');
    await until(() => srv.output().includes('Removing the temp incr aof file temp-appendonly.aof.incr in the background'));
    assert.equal(fs.existsSync(path.join(aofDir(dir), 'appendonly.aof.manifest')), false);
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '1');
    // The retry keeps the delay it started with (as Redis's child): lifting it helps the next
    // attempt only, so this child is killed too (as Redis's test does), and the third attempt ends.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await until(() => (child = children(srv.child.pid!)).length === 1);
    process.kill(child[0]!, 'SIGKILL');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0' && (await info(c, 'aof_last_bgrewrite_status')) === 'ok');
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'b' },
      { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
    ]);
    assert.equal(await c.call('GET', 'during'), '1');
  });
});

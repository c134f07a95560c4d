// BGSAVE's bytes go to disk through a writer child (src/persistence/writer-child.ts) that writes
// temp-<its pid>.rdb, found with `pgrep -P <server pid>` as Redis's tests find the fork child.
// Killing it fails the save as in Redis (rdb_last_bgsave_status:err, -MISCONF on writes); a later
// BGSAVE succeeds, and its file loads in redis-server. INFO's copy-on-write figures count the old
// values the snapshot copied before writes touched keys it had not reached yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requireRedisServer, skipLoudly, startRedis, startTidingsProcess } from '../helpers/servers.js';
import { children, persistenceInfo as info, tempDir, until } from './aof-util.js';


test('killing the BGSAVE child fails the save (MISCONF, temp file removed); a later BGSAVE succeeds and loads in redis-server', async (t) => {
  const dir = tempDir('tidings-bgsave-child-');
  const srv = await startTidingsProcess(['--dir', dir, '--save', '900 1']);
  try {
    const c = await srv.connect();
    for (let i = 0; i < 100; i++) c.send('SET', `k${i}`, `v${i}`);
    for (let i = 0; i < 100; i++) await c.read();
    await c.call('RPUSH', 'list', 'a', 'b', 'c');
    // Ten seconds per key: the save waits on its child until the child is killed.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    let child: number[] = [];
    await until(() => (child = children(srv.child.pid!)).length === 1);
    const temp = path.join(dir, `temp-${child[0]}.rdb`);
    await until(() => fs.existsSync(temp));
    process.kill(child[0]!, 'SIGKILL');
    await until(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0');
    assert.equal(await info(c, 'rdb_last_bgsave_status'), 'err');
    // The log line comes through the child's stdout pipe, which may be read after INFO's reply.
    await until(() => /Background saving terminated by signal 9/.test(srv.output()));
    assert.equal(fs.existsSync(temp), false, 'the killed child left no temp file');
    assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false);
    assert.equal(await c.call('GET', 'k1'), 'v1');
    const set = (await c.call('SET', 'k1', 'other')) as { error: string };
    assert.match(set.error, /^MISCONF /);

    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    await until(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0');
    assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
    assert.equal(await c.call('SET', 'k1', 'writable'), 'OK');
    assert.deepEqual(children(srv.child.pid!), [], 'no child left once the save is over');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')), []);
    c.close();
  } finally {
    await srv.close();
  }
  if (requireRedisServer(t)) {
    const redis = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const r = await redis.connect();
    assert.equal(await r.call('DBSIZE'), 101);
    // SIGTERM saved once more on the way out (save points are set): the last write is there.
    assert.equal(await r.call('GET', 'k1'), 'writable');
    assert.equal(await r.call('GET', 'k99'), 'v99');
    assert.deepEqual(await r.call('LRANGE', 'list', '0', '-1'), ['a', 'b', 'c']);
    r.close();
    await redis.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('INFO copy-on-write figures: writes to keys the save has not reached grow current_cow_size', async () => {
  const dir = tempDir('tidings-bgsave-cow-');
  const srv = await startTidingsProcess(['--dir', dir]);
  try {
    const c = await srv.connect();
    const N = 50;
    const value = 'A'.repeat(500);
    for (let i = 0; i < N; i++) c.send('SET', `key${i}`, value);
    for (let i = 0; i < N; i++) await c.read();
    assert.equal(await info(c, 'current_cow_size'), '0');
    assert.equal(await info(c, 'rdb_last_cow_size'), '0');
    // 100 ms per key, newest key first: the oldest keys are reached seconds after the writes below.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000');
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    assert.equal(await info(c, 'current_save_keys_total'), String(N));
    const processed = Number(await info(c, 'current_save_keys_processed'));
    for (let i = 0; i < 10; i++) assert.equal(await c.call('SETRANGE', `key${i}`, '0', 'B'.repeat(500)), 500);
    assert.equal(await info(c, 'rdb_bgsave_in_progress'), '1', 'the writes overlapped the save');
    // Ten old values of 500 bytes were copied into the image before the writes.
    assert.ok(Number(await info(c, 'current_cow_size')) >= 10 * 500);
    assert.ok(Number(await info(c, 'current_save_keys_processed')) >= processed + 10);
    assert.ok(Number(await info(c, 'current_fork_perc')) > 0);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await until(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0');
    assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
    assert.ok(Number(await info(c, 'rdb_last_cow_size')) >= 10 * 500);
    assert.equal(await info(c, 'current_cow_size'), '0');
    assert.equal(await info(c, 'current_save_keys_total'), '0');
    c.close();
  } finally {
    await srv.close();
  }
  // The image holds the values as they were when BGSAVE started.
  const again = await startTidingsProcess(['--dir', dir]);
  try {
    const c = await again.connect();
    assert.equal(await c.call('DBSIZE'), 50);
    assert.equal(await c.call('GET', 'key0'), 'A'.repeat(500));
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the BGSAVE child takes the bgchild oom-score-adj class', async (t) => {
  if (process.platform !== 'linux') {
    skipLoudly(t, 'oom_score_adj is Linux only');
    return;
  }
  const dir = tempDir('tidings-bgsave-oom-');
  const srv = await startTidingsProcess(['--dir', dir]);
  try {
    const c = await srv.connect();
    const score = (pid: number | string) => Number(fs.readFileSync(`/proc/${pid}/oom_score_adj`, 'latin1'));
    const base = score(srv.child.pid!);
    await c.call('CONFIG', 'SET', 'oom-score-adj-values', '10 20 30');
    await c.call('CONFIG', 'SET', 'oom-score-adj', 'yes');
    assert.equal(score(srv.child.pid!), base + 10);
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    await c.call('BGSAVE');
    let child: number[] = [];
    await until(() => (child = children(srv.child.pid!)).length === 1);
    await until(() => score(child[0]!) === base + 30);
    process.kill(child[0]!, 'SIGKILL');
    await until(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0');
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

// RDB snapshots over TCP, in-process servers: SAVE, BGSAVE (point-in-time while clients write),
// save points, MISCONF after a failed save, SHUTDOWN's options, DEBUG RELOAD, INFO persistence.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTidings, startRedis, requireRedisServer, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-snap-'));
}

async function info(c: RespClient, field: string): Promise<string> {
  const text = String(await c.call('INFO', 'persistence'));
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  assert.ok(m, `INFO persistence has ${field}`);
  return m[1]!.trim();
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `dir`/dump.rdb loaded by a fresh Tidings and by redis-server (when installed) passes `check` in
 * both, and redis-check-rdb accepts it.
 */
async function checkDumpEverywhere(t: TestContext, dir: string, check: (server: TestServer) => Promise<void>): Promise<void> {
  const reloaded = await startTidings({ config: { dir } });
  await check(reloaded);
  await reloaded.close();
  if (!requireRedisServer(t)) return;
  const redis = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
  await check(redis);
  await redis.close();
  const checked = spawnSync('redis-check-rdb', [path.join(dir, 'dump.rdb')], { encoding: 'utf8' });
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /RDB looks OK/);
}

const waitForBgsave = (c: RespClient) => waitFor(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0', 'BGSAVE to finish');

/** Every type, TTLs, a stream with a consumer group, a pending entry and a deleted entry. */
async function populateAllTypes(c: RespClient): Promise<void> {
  await c.call('SET', 'str', 'hello');
  await c.call('SET', 'int', '12345');
  await c.call('SET', 'ttl', 'soon', 'PX', '600000');
  await c.call('RPUSH', 'list', 'a', 'b', 'c');
  await c.call('HSET', 'hash', 'f1', 'v1', 'f2', 'v2');
  await c.call('SADD', 'set', 'x', 'y');
  await c.call('SADD', 'intset', '1', '2', '3');
  await c.call('ZADD', 'zset', '1.5', 'm1', '-2', 'm2');
  await c.call('XADD', 'stream', '1-1', 'k', 'v1');
  await c.call('XADD', 'stream', '1-2', 'k', 'v2');
  await c.call('XADD', 'stream', '1-3', 'k', 'v3');
  await c.call('XDEL', 'stream', '1-3');
  await c.call('XGROUP', 'CREATE', 'stream', 'grp', '0');
  await c.call('XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>');
  await c.call('SELECT', '3');
  await c.call('SET', 'in3', 'three');
  await c.call('SELECT', '0');
}

async function checkAllTypes(c: RespClient): Promise<void> {
  assert.equal(await c.call('GET', 'str'), 'hello');
  assert.equal(await c.call('GET', 'int'), '12345');
  const pttl = (await c.call('PTTL', 'ttl')) as number;
  assert.ok(pttl > 0 && pttl <= 600000, `TTL kept (${pttl})`);
  assert.equal(await c.call('TTL', 'str'), -1);
  assert.deepEqual(await c.call('LRANGE', 'list', '0', '-1'), ['a', 'b', 'c']);
  assert.deepEqual(await c.call('HGETALL', 'hash'), ['f1', 'v1', 'f2', 'v2']);
  assert.deepEqual(((await c.call('SMEMBERS', 'set')) as string[]).sort(), ['x', 'y']);
  assert.deepEqual(((await c.call('SMEMBERS', 'intset')) as string[]).sort(), ['1', '2', '3']);
  assert.deepEqual(await c.call('ZRANGE', 'zset', '0', '-1', 'WITHSCORES'), ['m2', '-2', 'm1', '1.5']);
  assert.deepEqual(await c.call('XRANGE', 'stream', '-', '+'), [['1-1', ['k', 'v1']], ['1-2', ['k', 'v2']]]);
  assert.deepEqual(await c.call('XPENDING', 'stream', 'grp'), [1, '1-1', '1-1', [['alice', '1']]]);
  const groups = (await c.call('XINFO', 'GROUPS', 'stream')) as unknown[][];
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0]!.slice(0, 8), ['name', 'grp', 'consumers', 1, 'pending', 1, 'last-delivered-id', '1-1']);
  assert.equal(await c.call('SELECT', '3'), 'OK');
  assert.equal(await c.call('GET', 'in3'), 'three');
  assert.equal(await c.call('SELECT', '0'), 'OK');
}

test('save points are validated and normalised as Redis does', async () => {
  const s = await startTidings();
  const c = await s.connect();
  const invalid = { error: "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters" };
  for (const bad of ['100', '-1 5', '10 -1', '10 x', '1 2 3']) {
    assert.deepEqual(await c.call('CONFIG', 'SET', 'save', bad), invalid, `save "${bad}"`);
  }
  assert.equal(await c.call('CONFIG', 'SET', 'save', '3600 1 300 100'), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '3600 1 300 100']);
  assert.equal(await c.call('CONFIG', 'SET', 'save', ''), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '']);
  c.close();
  await s.close();
});

test('SAVE writes the dump; DEBUG RELOAD brings back every type with TTLs and stream groups', async () => {
  const dir = tempDir();
  const s = await startTidings({ config: { dir, 'enable-debug-command': 'yes' } });
  const c = await s.connect();
  await populateAllTypes(c);
  assert.notEqual(await info(c, 'rdb_changes_since_last_save'), '0');
  assert.equal(await c.call('SAVE'), 'OK');
  assert.equal(await info(c, 'rdb_changes_since_last_save'), '0');
  assert.equal(await info(c, 'rdb_saves'), '1');
  assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
  assert.deepEqual(fs.readdirSync(dir), ['dump.rdb'], 'no temp file left behind');
  const lastsave = (await c.call('LASTSAVE')) as number;
  assert.ok(Math.abs(lastsave - Date.now() / 1000) < 5);
  assert.equal(await c.call('SET', 'after-save', 'gone after reload'), 'OK');
  assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
  await checkAllTypes(c);
  // DEBUG RELOAD saves first, so the key written after SAVE is in the reloaded data too.
  assert.equal(await c.call('GET', 'after-save'), 'gone after reload');
  assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
  assert.equal(await info(c, 'rdb_last_load_keys_loaded'), '11');
  assert.deepEqual(await c.call('DEBUG', 'RELOAD', 'BOGUS'), { error: 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.' });
  c.close();
  await s.close();
});

test('a restarted server loads the dump, FUNCTION libraries included, dropping expired keys', async () => {
  const dir = tempDir();
  const a = await startTidings({ config: { dir } });
  const c = await a.connect();
  await populateAllTypes(c);
  await c.call('FUNCTION', 'LOAD', "#!lua name=mylib\nredis.register_function('answer', function() return 42 end)");
  await c.call('SET', 'short', 'lived', 'PX', '300');
  assert.equal(await c.call('SAVE'), 'OK');
  c.close();
  await a.close();
  await new Promise((r) => setTimeout(r, 350));
  const logs: string[] = [];
  const b = await startTidings({ config: { dir }, log: (line) => logs.push(line) });
  const d = await b.connect();
  await checkAllTypes(d);
  assert.equal(await d.call('EXISTS', 'short'), 0);
  assert.equal(await d.call('FCALL', 'answer', '0'), 42);
  assert.equal(await info(d, 'rdb_last_load_keys_expired'), '1');
  assert.ok(logs.some((l) => /DB loaded from disk: [\d.]+ seconds$/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('Done loading RDB, keys loaded: 10, keys expired: 1.')), logs.join('\n'));
  d.close();
  await b.close();
});

test('BGSAVE writes a point-in-time image while clients modify, delete and create keys', async (t) => {
  const dir = tempDir();
  const logs: string[] = [];
  const s = await startTidings({ config: { dir }, log: (line) => logs.push(line) });
  const c = await s.connect();
  const N = 2000;
  for (let i = 0; i < N; i++) c.send('SET', `k${i}`, `v${i}`);
  for (let i = 0; i < N; i++) await c.read();
  await c.call('RPUSH', 'list', 'a', 'b');
  await c.call('HSET', 'hash', 'f', 'old');
  await c.call('SET', 'ttl', 'x');
  await c.call('SET', 'will-expire', 'x');
  await c.call('SELECT', '1');
  await c.call('SET', 'db1key', 'one');
  await c.call('SELECT', '2');
  await c.call('SET', 'db2key', 'two');
  await c.call('SELECT', '0');
  // 200 µs per key: the save spans many event-loop turns (about half a second here).
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '200');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  assert.equal(await info(c, 'rdb_bgsave_in_progress'), '1');
  assert.deepEqual(await c.call('BGSAVE'), { error: 'ERR Background save already in progress' });
  assert.deepEqual(await c.call('SAVE'), { error: 'ERR Background save already in progress' });
  // Writes from both ends of the key order, in place and by replacement.
  const w = await s.connect();
  assert.equal(await w.call('SET', 'k0', 'changed'), 'OK');
  assert.equal(await w.call('SET', `k${N - 1}`, 'changed'), 'OK');
  assert.equal(await w.call('APPEND', `k${N - 2}`, '-appended'), `v${N - 2}-appended`.length);
  assert.equal(await w.call('DEL', 'k1', `k${N - 3}`), 2);
  assert.equal(await w.call('RENAME', 'k2', 'k2-renamed'), 'OK');
  assert.equal(await w.call('SET', 'created', 'during'), 'OK');
  assert.equal(await w.call('RPUSH', 'list', 'c'), 3);
  assert.equal(await w.call('HSET', 'hash', 'f', 'new'), 0);
  assert.equal(await w.call('EXPIRE', 'ttl', '1000'), 1);
  assert.equal(await w.call('PEXPIRE', 'will-expire', '1'), 1);
  assert.equal(await w.call('SELECT', '1'), 'OK');
  assert.equal(await w.call('FLUSHDB'), 'OK');
  assert.equal(await w.call('SET', 'db1new', 'x'), 'OK');
  assert.equal(await w.call('SELECT', '2'), 'OK');
  assert.equal(await w.call('SET', 'db2key', 'changed'), 'OK');
  // The writes above happened while the save was still running, so they tested copy-on-write.
  assert.equal(await info(c, 'rdb_bgsave_in_progress'), '1', 'the save overlapped the writes');
  assert.equal(await c.call('PING'), 'PONG');
  await waitForBgsave(c);
  assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
  assert.ok(logs.some((l) => l.endsWith('Background saving terminated with success')), logs.join('\n'));
  w.close();
  c.close();
  await s.close();

  const check = async (server: TestServer) => {
    const r = await server.connect();
    assert.equal(await r.call('DBSIZE'), N + 4);
    assert.equal(await r.call('GET', 'k0'), 'v0');
    assert.equal(await r.call('GET', `k${N - 1}`), `v${N - 1}`);
    assert.equal(await r.call('GET', `k${N - 2}`), `v${N - 2}`);
    assert.equal(await r.call('GET', 'k1'), 'v1');
    assert.equal(await r.call('GET', `k${N - 3}`), `v${N - 3}`);
    assert.equal(await r.call('GET', 'k2'), 'v2');
    assert.equal(await r.call('EXISTS', 'k2-renamed', 'created'), 0);
    assert.deepEqual(await r.call('LRANGE', 'list', '0', '-1'), ['a', 'b']);
    assert.equal(await r.call('HGET', 'hash', 'f'), 'old');
    assert.equal(await r.call('TTL', 'ttl'), -1);
    assert.equal(await r.call('GET', 'will-expire'), 'x');
    await r.call('SELECT', '1');
    assert.deepEqual(await r.call('KEYS', '*'), ['db1key']);
    await r.call('SELECT', '2');
    assert.equal(await r.call('GET', 'db2key'), 'two');
    r.close();
  };
  await checkDumpEverywhere(t, dir, check);
});

test('SWAPDB and FLUSHALL during BGSAVE: the swap keeps the image, FLUSHALL aborts the save', async () => {
  const dir = tempDir();
  const s = await startTidings({ config: { dir } });
  const c = await s.connect();
  for (let i = 0; i < 500; i++) c.send('SET', `a${i}`, 'zero');
  for (let i = 0; i < 500; i++) await c.read();
  await c.call('SELECT', '1');
  for (let i = 0; i < 500; i++) c.send('SET', `b${i}`, 'one');
  for (let i = 0; i < 500; i++) await c.read();
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '500');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  assert.equal(await c.call('SWAPDB', '0', '1'), 'OK');
  assert.equal(await c.call('SET', 'b0', 'changed-after-swap'), 'OK');
  // (SWAPDB writes out both databases first, so the save may already be over here.)
  await waitForBgsave(c);
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
  const reloaded = await startTidings({ config: { dir } });
  const r = await reloaded.connect();
  assert.equal(await r.call('DBSIZE'), 500);
  assert.equal(await r.call('GET', 'a0'), 'zero');
  await r.call('SELECT', '1');
  assert.equal(await r.call('GET', 'b0'), 'one');
  r.close();
  await reloaded.close();

  // FLUSHALL stops a running BGSAVE without marking it failed; the change counter stays high.
  const before = fs.readFileSync(path.join(dir, 'dump.rdb'));
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  assert.equal(await c.call('FLUSHALL'), 'OK');
  await waitForBgsave(c);
  assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
  assert.ok(Number(await info(c, 'rdb_changes_since_last_save')) >= 1000);
  assert.equal(await c.call('SET', 'x', 'writable'), 'OK');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'dump.rdb')), before, 'the aborted save left the dump alone');
  await waitFor(async () => fs.readdirSync(dir).length === 1, 'temp file removal');
  c.close();
  await s.close();
});

test('BGSAVE syntax and scheduling inside MULTI', async () => {
  const dir = tempDir();
  const s = await startTidings({ config: { dir } });
  const c = await s.connect();
  assert.deepEqual(await c.call('BGSAVE', 'foo'), { error: 'ERR syntax error' });
  assert.deepEqual(await c.call('BGSAVE', 'SCHEDULE', 'x'), { error: 'ERR syntax error' });
  await c.call('MULTI');
  assert.equal(await c.call('BGSAVE'), 'QUEUED');
  assert.deepEqual(await c.call('EXEC'), ['Background saving scheduled']);
  await waitFor(async () => fs.existsSync(path.join(dir, 'dump.rdb')), 'the scheduled BGSAVE');
  await waitForBgsave(c);
  assert.equal(await c.call('BGSAVE', 'SCHEDULE'), 'Background saving started');
  await waitForBgsave(c);
  assert.equal(await info(c, 'rdb_saves'), '2');
  c.close();
  await s.close();
});

test('a failed BGSAVE refuses writes with -MISCONF until a save succeeds', async () => {
  const dir = tempDir();
  const logs: string[] = [];
  const s = await startTidings({ config: { dir, save: '3600 1' }, log: (line) => logs.push(line) });
  // The dump's name is taken by a non-empty directory, so the final rename fails (even as root).
  fs.mkdirSync(path.join(dir, 'dump.rdb', 'blocker'), { recursive: true });
  const c = await s.connect();
  await c.call('SET', 'x', 'before');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  await waitForBgsave(c);
  assert.equal(await info(c, 'rdb_last_bgsave_status'), 'err');
  assert.ok(logs.some((l) => l.includes('Error moving temp DB file') && l.endsWith('Is a directory')), logs.join('\n'));
  assert.ok(logs.some((l) => l.endsWith('# Background saving error')), logs.join('\n'));
  const misconf = {
    error:
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  };
  assert.deepEqual(await c.call('SET', 'x', 'y'), misconf);
  assert.deepEqual(await c.call('PING'), misconf);
  assert.equal(await c.call('GET', 'x'), 'before');
  // Inside MULTI the write is refused when queued, and EXEC then aborts.
  await c.call('MULTI');
  assert.deepEqual(await c.call('DEL', 'x'), misconf);
  assert.deepEqual(await c.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
  // Scripts: a write through redis.call is refused; reads still work; a shebang script that may
  // write is refused before it runs, one flagged no-writes runs.
  const scriptError = (await c.call('EVAL', "return redis.call('set','x',1)", '1', 'x')) as { error: string };
  assert.match(scriptError.error, /^MISCONF /);
  assert.equal(await c.call('EVAL', "return redis.call('get','x')", '1', 'x'), 'before');
  assert.deepEqual(await c.call('EVAL', "#!lua\nreturn redis.call('set','x',1)", '1', 'x'), misconf);
  assert.equal(await c.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get','x')", '1', 'x'), 'before');
  assert.deepEqual(await c.call('SAVE'), { error: 'ERR' });
  // Without save points (or with the option off) writes are accepted again.
  await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
  assert.equal(await c.call('SET', 'x', 'y'), 'OK');
  await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
  assert.deepEqual(await c.call('SET', 'x', 'y'), misconf);
  fs.rmSync(path.join(dir, 'dump.rdb'), { recursive: true });
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  await waitForBgsave(c);
  assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
  assert.equal(await c.call('SET', 'x', 'z'), 'OK');
  c.close();
  await s.close();
});

test('SHUTDOWN validates its options, saves when asked, and refuses to stop when the save fails', async () => {
  const dir = tempDir();
  const s = await startTidings({ config: { dir } });
  const c = await s.connect();
  for (const args of [['foo'], ['NOSAVE', 'SAVE'], ['ABORT', 'NOW'], ['ABORT', 'FORCE'], ['SAVE', 'bar']]) {
    assert.deepEqual(await c.call('SHUTDOWN', ...args), { error: 'ERR syntax error' }, `SHUTDOWN ${args.join(' ')}`);
  }
  assert.deepEqual(await c.call('SHUTDOWN', 'ABORT'), { error: 'ERR No shutdown in progress.' });
  await c.call('MULTI');
  assert.deepEqual(await c.call('SHUTDOWN'), { error: 'ERR Command not allowed inside a transaction' });
  await c.call('DISCARD');
  // A save that cannot complete keeps the server running unless FORCE.
  fs.mkdirSync(path.join(dir, 'dump.rdb', 'blocker'), { recursive: true });
  await c.call('SET', 'k', 'v');
  assert.deepEqual(await c.call('SHUTDOWN', 'SAVE'), { error: 'ERR Errors trying to SHUTDOWN. Check logs.' });
  assert.equal(await c.call('GET', 'k'), 'v');
  fs.rmSync(path.join(dir, 'dump.rdb'), { recursive: true });
  c.send('SHUTDOWN', 'SAVE', 'NOW');
  await c.waitClosed();
  await s.close();
  assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')), 'SHUTDOWN SAVE wrote the dump');

  // With save points, a plain SHUTDOWN saves; NOSAVE does not.
  const dir2 = tempDir();
  const t2 = await startTidings({ config: { dir: dir2, save: '3600 1' } });
  const d = await t2.connect();
  await d.call('SET', 'k', 'v');
  d.send('SHUTDOWN', 'NOSAVE');
  await d.waitClosed();
  await t2.close();
  assert.equal(fs.existsSync(path.join(dir2, 'dump.rdb')), false);
  const t3 = await startTidings({ config: { dir: dir2, save: '3600 1' } });
  const e = await t3.connect();
  await e.call('SET', 'k', 'v');
  e.send('SHUTDOWN');
  await e.waitClosed();
  await t3.close();
  assert.ok(fs.existsSync(path.join(dir2, 'dump.rdb')));
});

test('a save point starts a BGSAVE from the cron', async () => {
  const dir = tempDir();
  const logs: string[] = [];
  const s = await startTidings({ config: { dir, save: '1 2', hz: 50 }, log: (line) => logs.push(line) });
  const c = await s.connect();
  await c.call('SET', 'a', '1');
  await c.call('SET', 'b', '2');
  await waitFor(async () => (await info(c, 'rdb_saves')) === '1', 'the save point to fire');
  assert.ok(logs.some((l) => l.endsWith('2 changes in 1 seconds. Saving...')), logs.join('\n'));
  assert.equal(await info(c, 'rdb_changes_since_last_save'), '0');
  c.close();
  await s.close();
});

/** Every key of db 0 with its type, value and whether it has a TTL, in a comparable form. */
async function dumpState(c: RespClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const keys = ((await c.call('KEYS', '*')) as string[]).sort();
  for (const key of keys) {
    const type = (await c.call('TYPE', key)) as string;
    let value: unknown;
    if (type === 'string') value = await c.call('GET', key);
    else if (type === 'list') value = await c.call('LRANGE', key, '0', '-1');
    else if (type === 'hash') value = ((await c.call('HGETALL', key)) as string[]).join(',').split(',').sort();
    else if (type === 'set') value = ((await c.call('SMEMBERS', key)) as string[]).sort();
    else if (type === 'zset') value = await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
    else value = await c.call('XINFO', 'STREAM', key, 'FULL');
    out[key] = { type, value, ttl: ((await c.call('PTTL', key)) as number) > 0 };
  }
  return out;
}

test('the image keeps every key as it was when BGSAVE started, whatever command changed it', async () => {
  const dir = tempDir();
  const s = await startTidings({ config: { dir } });
  const c = await s.connect();
  const build = async (p: string) => {
    await c.call('SET', `${p}s`, 'abc');
    await c.call('SET', `${p}n`, '10');
    await c.call('SET', `${p}t`, 'ttl', 'EX', '5000');
    await c.call('RPUSH', `${p}l`, 'a', 'b', 'c', 'd');
    await c.call('HSET', `${p}h`, 'f1', '1', 'f2', 'x');
    await c.call('SADD', `${p}set`, 'a', 'b', 'c');
    await c.call('ZADD', `${p}z`, '1', 'a', '2', 'b', '3', 'c');
    await c.call('XADD', `${p}x`, '1-1', 'f', 'v');
    await c.call('XADD', `${p}x`, '1-2', 'f', 'v');
    await c.call('XGROUP', 'CREATE', `${p}x`, 'g', '0');
    await c.call('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', `${p}x`, '>');
  };
  await build('');
  // Filler after the keys under test, so the save is still running while they change.
  for (let i = 0; i < 400; i++) c.send('SET', `filler${i}`, 'f');
  for (let i = 0; i < 400; i++) await c.read();
  const before = await dumpState(c);
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '2000');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  const commands: string[][] = [
    ['APPEND', 's', 'def'], ['SETRANGE', 's', '0', 'X'], ['INCR', 'n'], ['INCRBYFLOAT', 'n', '1.5'],
    ['PERSIST', 't'], ['GETEX', 's', 'EX', '100'],
    ['LPUSH', 'l', 'z'], ['RPOP', 'l'], ['LSET', 'l', '1', 'Q'], ['LINSERT', 'l', 'BEFORE', 'c', 'Y'], ['LTRIM', 'l', '0', '2'], ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'],
    ['HSET', 'h', 'f3', 'new'], ['HDEL', 'h', 'f2'], ['HINCRBY', 'h', 'f1', '5'],
    ['SADD', 'set', 'd'], ['SREM', 'set', 'a'], ['SMOVE', 'set', 'set2', 'b'], ['SINTERSTORE', 'set', 'set', 'set2'],
    ['ZADD', 'z', '9', 'd'], ['ZINCRBY', 'z', '5', 'a'], ['ZREM', 'z', 'b'], ['ZPOPMIN', 'z'], ['ZUNIONSTORE', 'z', '1', 'z'],
    ['XADD', 'x', '2-1', 'f', 'v'], ['XACK', 'x', 'g', '1-1'], ['XCLAIM', 'x', 'g', 'c2', '0', '1-1'], ['XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', 'x', '>'],
    ['XDEL', 'x', '1-2'], ['XTRIM', 'x', 'MAXLEN', '0'], ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'c9'], ['XGROUP', 'SETID', 'x', 'g', '0'], ['XSETID', 'x', '99-0'],
    ['EXPIRE', 'h', '100'], ['COPY', 'h', 'l', 'REPLACE'], ['RENAME', 'z', 'z2'], ['MOVE', 'set', '1'], ['DEL', 'n'], ['UNLINK', 'x'],
  ];
  for (const cmd of commands) {
    const reply = await c.call(...cmd);
    assert.ok(!(typeof reply === 'object' && reply !== null && 'error' in reply), `${cmd.join(' ')}: ${JSON.stringify(reply)}`);
  }
  assert.equal(await info(c, 'rdb_bgsave_in_progress'), '1', 'the save overlapped the commands');
  await waitForBgsave(c);
  c.close();
  await s.close();
  const reloaded = await startTidings({ config: { dir } });
  const r = await reloaded.connect();
  assert.deepEqual(await dumpState(r), before);
  r.close();
  await reloaded.close();
});

test('server.shutdownOnSignal follows shutdown-on-sigterm: saves with save points, not with nosave', async () => {
  const dir = tempDir();
  const a = await startTidings({ config: { dir, save: '3600 1' } });
  const c = await a.connect();
  await c.call('SET', 'k', 'v');
  assert.equal(await a.server!.shutdownOnSignal('SIGTERM'), true);
  await c.waitClosed();
  assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
  fs.rmSync(path.join(dir, 'dump.rdb'));
  const b = await startTidings({ config: { dir, save: '3600 1', 'shutdown-on-sigterm': 'nosave' } });
  const d = await b.connect();
  await d.call('SET', 'k', 'v');
  assert.equal(await b.server!.shutdownOnSignal('SIGTERM'), true);
  await d.waitClosed();
  assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false);
});

test('huge hashes, sets, sorted sets, lists and streams are saved over several slices, as they were when BGSAVE started', async (t) => {
  const dir = tempDir();
  const s = await startTidings({ config: { dir } });
  const c = await s.connect();
  const N = 60_000;
  // Small keys first: the main pass goes from the newest key to the oldest, so the huge keys
  // (created last) are written first, and a write to a small key during them is a copy-on-write
  // that must wait for the rest of the huge value.
  for (let i = 0; i < 100; i++) c.send('SET', `small${i}`, `v${i}`);
  for (let i = 0; i < 100; i++) await c.read();
  const batch = async (cmd: (i: number) => string[]): Promise<void> => {
    for (let i = 0; i < N; i += 500) c.send(...Array.from({ length: 500 }, (_, j) => cmd(i + j)).flat());
    for (let i = 0; i < N; i += 500) await c.read(30000);
  };
  await batch((i) => (i % 500 === 0 ? ['ZADD', 'bigzset'] : []).concat([String(i % 997), `member:${i}`]));
  await batch((i) => (i % 500 === 0 ? ['SADD', 'bigset'] : []).concat([`member:${i}`]));
  await batch((i) => (i % 500 === 0 ? ['HSET', 'bighash'] : []).concat([`field:${i}`, `value:${i}`]));
  // Integers, short strings and long compressible ones: each element encoding of the plain LIST type.
  const element = (i: number): string => (i % 3 === 0 ? String(i) : i % 3 === 1 ? `e${i}` : `element ${i} `.repeat(4));
  await batch((i) => (i % 500 === 0 ? ['RPUSH', 'biglist'] : []).concat([element(i)]));
  for (let i = 0; i < N; i++) c.send('XADD', 'bigstream', `${1000 + i}-1`, 'f', `v${i}`);
  for (let i = 0; i < N; i++) await c.read(30000);
  assert.equal(await c.call('XGROUP', 'CREATE', 'bigstream', 'g', '0'), 'OK');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '10', 'STREAMS', 'bigstream', '>');
  const pendingBefore = await c.call('XPENDING', 'bigstream', 'g');
  assert.deepEqual(
    [await c.call('ZCARD', 'bigzset'), await c.call('SCARD', 'bigset'), await c.call('HLEN', 'bighash'), await c.call('LLEN', 'biglist')],
    [N, N, N, N],
  );
  // Keeps the save going for many turns (the huge keys take several slices without it too).
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '2000');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  const w = await s.connect();
  assert.equal(await w.call('SET', 'small0', 'changed'), 'OK');
  assert.equal(await w.call('HSET', 'bighash', 'field:1', 'changed', 'added', 'x'), 1);
  assert.equal(await w.call('HDEL', 'bighash', 'field:2'), 1);
  assert.equal(await w.call('SREM', 'bigset', 'member:3'), 1);
  assert.equal(await w.call('SADD', 'bigset', 'added'), 1);
  assert.equal(await w.call('ZADD', 'bigzset', '-1', 'member:4', '5', 'added'), 1);
  assert.equal(await w.call('ZREM', 'bigzset', 'member:5'), 1);
  assert.equal(await w.call('LSET', 'biglist', '6', 'changed'), 'OK');
  assert.equal(await w.call('RPUSH', 'biglist', 'added'), N + 1);
  assert.equal(await w.call('LPOP', 'biglist'), element(0));
  assert.match(String(await w.call('XADD', 'bigstream', '*', 'f', 'added')), /^\d+-\d+$/);
  assert.equal(await w.call('XDEL', 'bigstream', '1002-1'), 1);
  assert.equal(await w.call('XACK', 'bigstream', 'g', '1000-1'), 1);
  assert.equal(await w.call('SET', 'small99', 'changed'), 'OK');
  assert.equal(await w.call('DEL', 'small50'), 1);
  assert.equal(await info(c, 'rdb_bgsave_in_progress'), '1', 'the save overlapped the writes');
  await waitForBgsave(c);
  assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
  w.close();
  c.close();
  await s.close();

  const check = async (server: TestServer) => {
    const r = await server.connect();
    // Big replies get a minute: the test client reads a reply of 100,000 items in seconds.
    const big = async (...cmd: string[]): Promise<unknown> => {
      r.send(...cmd);
      return plain(await r.read(60000));
    };
    assert.equal(await r.call('DBSIZE'), 105);
    assert.deepEqual([await r.call('GET', 'small0'), await r.call('GET', 'small50'), await r.call('GET', 'small99')], ['v0', 'v50', 'v99']);
    const hash = (await big('HGETALL', 'bighash')) as string[];
    const fields = new Map<string, string>();
    for (let i = 0; i < hash.length; i += 2) fields.set(hash[i]!, hash[i + 1]!);
    assert.equal(fields.size, N);
    for (let i = 0; i < N; i++) assert.equal(fields.get(`field:${i}`), `value:${i}`);
    const members = new Set((await big('SMEMBERS', 'bigset')) as string[]);
    assert.equal(members.size, N);
    for (let i = 0; i < N; i++) assert.ok(members.has(`member:${i}`), `member:${i}`);
    const zset = (await big('ZRANGE', 'bigzset', '0', '-1', 'WITHSCORES')) as string[];
    assert.equal(zset.length, 2 * N);
    const scores = new Map<string, string>();
    for (let i = 0; i < zset.length; i += 2) scores.set(zset[i]!, zset[i + 1]!);
    for (let i = 0; i < N; i++) assert.equal(scores.get(`member:${i}`), String(i % 997));
    const list = (await big('LRANGE', 'biglist', '0', '-1')) as string[];
    assert.equal(list.length, N);
    for (let i = 0; i < N; i++) assert.equal(list[i], element(i));
    assert.equal(await r.call('XLEN', 'bigstream'), N);
    const entries: [string, string[]][] = [];
    for (let from = '-'; entries.length < N; from = `(${entries[entries.length - 1]![0]}`) {
      const page = (await big('XRANGE', 'bigstream', from, '+', 'COUNT', '5000')) as [string, string[]][];
      if (page.length === 0) break;
      entries.push(...page);
    }
    assert.equal(entries.length, N);
    for (let i = 0; i < N; i++) assert.deepEqual(entries[i], [`${1000 + i}-1`, ['f', `v${i}`]]);
    assert.deepEqual(await r.call('XPENDING', 'bigstream', 'g'), pendingBefore);
    r.close();
  };
  await checkDumpEverywhere(t, dir, check);
});

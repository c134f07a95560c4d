// Loading while serving: the dump file and the append-only file load in slices after the server
// listens. Meanwhile INFO says loading:1 with the loading_* figures, commands without the `loading`
// flag get -LOADING, CONFIG SET dir/appendonly are refused, clients that leave are freed, and a
// SHUTDOWN stops the load without saving a partial dataset. key-load-delay (microseconds per key)
// keeps the load going long enough to look at it; setting it back to 0 lets it finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTidingsProcess } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { sleep, tempDir, until } from './aof-util.js';

const KEYS = 20000;
const SLOW = ['--key-load-delay', '100', '--loading-process-events-interval-bytes', '1024', '--enable-debug-command', 'yes', '--enable-protected-configs', 'yes'];

async function info(c: RespClient, section = 'persistence'): Promise<Map<string, string>> {
  const text = String(await c.call('INFO', section));
  return new Map(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as [string, string]),
  );
}

/** A server on `dir` holding KEYS keys of 1000 bytes, in the dump file or in the append-only file. */
async function prepare(dir: string, args: string[]): Promise<void> {
  const srv = await startTidingsProcess(['--dir', dir, '--enable-debug-command', 'yes', '--rdbcompression', 'no', ...args]);
  const c = await srv.connect();
  assert.equal(await c.call('DEBUG', 'POPULATE', KEYS, 'key', 1000), 'OK');
  if (args.includes('--appendonly')) {
    // DEBUG POPULATE is not logged: a rewrite puts the keys in the base, then commands follow.
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await until(async () => (await info(c)).get('aof_rewrite_in_progress') === '0');
    for (let i = 0; i < 100; i++) await c.call('RPUSH', 'tail', i);
  } else assert.equal(await c.call('SAVE'), 'OK');
  c.close();
  await srv.close();
}

/** While the server loads: what a client sees. */
async function checkWhileLoading(c: RespClient, connect: () => Promise<RespClient>, totalBytes: (n: number) => boolean): Promise<void> {
  const p = await info(c);
  assert.equal(p.get('loading'), '1');
  assert.equal(p.get('async_loading'), '0');
  const names = [...p.keys()];
  const fields = ['loading_start_time', 'loading_total_bytes', 'loading_rdb_used_mem', 'loading_loaded_bytes', 'loading_loaded_perc', 'loading_eta_seconds'];
  // The loading_* fields end the section, in Redis's order.
  assert.deepEqual(names.slice(-fields.length), fields);
  assert.ok(totalBytes(Number(p.get('loading_total_bytes'))), `loading_total_bytes ${p.get('loading_total_bytes')}`);
  assert.ok(Number(p.get('loading_loaded_bytes')) <= Number(p.get('loading_total_bytes')));
  assert.match(p.get('loading_loaded_perc')!, /^\d+\.\d\d$/);
  const loadingError = { error: 'LOADING Redis is loading the dataset in memory' };
  assert.deepEqual(await c.call('GET', 'key:1'), loadingError);
  assert.deepEqual(await c.call('PING'), loadingError);
  assert.deepEqual(await c.call('SET', 'x', 'y'), loadingError);
  assert.deepEqual(await c.call('CONFIG', 'SET', 'dir', '/tmp'), loadingError);
  assert.deepEqual(await c.call('CONFIG', 'SET', 'appendonly', 'no'), loadingError);
  assert.equal(await c.call('CONFIG', 'SET', 'loglevel', 'verbose'), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'loglevel'), ['loglevel', 'verbose']);
  assert.deepEqual(await c.call('DEBUG', 'RELOAD'), loadingError);
  // Clients that come and go while loading are freed.
  const before = Number((await info(c, 'clients')).get('connected_clients'));
  const others = await Promise.all(Array.from({ length: 5 }, () => connect()));
  for (const o of others) assert.equal(await o.call('DEBUG', 'LOG', 'hello'), 'OK');
  assert.equal(Number((await info(c, 'clients')).get('connected_clients')), before + 5);
  for (const o of others) o.close();
  await until(async () => Number((await info(c, 'clients')).get('connected_clients')) === before);
  assert.equal((await info(c)).get('loading'), '1', 'still loading');
}

async function loadedFully(c: RespClient): Promise<void> {
  assert.equal(await c.call('CONFIG', 'SET', 'key-load-delay', '0'), 'OK');
  await until(async () => (await info(c)).get('loading') === '0', 60000);
  assert.ok(!(await info(c)).has('loading_total_bytes'), 'no loading_* fields once loaded');
  assert.equal(await c.call('PING'), 'PONG');
}

test('the dump file loads in slices after listening: -LOADING, INFO loading_*, CONFIG SET refusals, clients freed', { timeout: 180_000 }, async () => {
  const dir = tempDir('tidings-load-');
  await prepare(dir, []);
  const size = fs.statSync(path.join(dir, 'dump.rdb')).size;
  const srv = await startTidingsProcess(['--dir', dir, ...SLOW], { waitLoaded: false });
  try {
    const c = await srv.connect();
    await checkWhileLoading(c, () => srv.connect(), (n) => n === size);
    assert.ok(Number((await info(c)).get('loading_rdb_used_mem')) > 0, 'the used-mem AUX field of the file');
    await loadedFully(c);
    assert.equal(await c.call('DBSIZE'), KEYS);
    assert.equal((await info(c)).get('rdb_last_load_keys_loaded'), String(KEYS));
    const value = await c.call('GET', 'key:1');
    // DEBUG RELOAD loads in slices too: another client gets -LOADING meanwhile, the caller its OK.
    assert.equal(await c.call('CONFIG', 'SET', 'key-load-delay', '100'), 'OK');
    const other = await srv.connect();
    c.send('DEBUG', 'RELOAD');
    await until(async () => (await info(other)).get('loading') === '1');
    assert.deepEqual(await other.call('GET', 'key:1'), { error: 'LOADING Redis is loading the dataset in memory' });
    assert.equal(await other.call('CONFIG', 'SET', 'key-load-delay', '0'), 'OK');
    assert.equal((await c.read(60000)).type, 'simple');
    assert.equal(await c.call('DBSIZE'), KEYS);
    assert.equal(await other.call('GET', 'key:1'), value);
    other.close();
    c.close();
  } finally {
    await srv.close();
  }
});

test('the append-only file (RDB base and incr file) loads in slices after listening', { timeout: 180_000 }, async () => {
  const dir = tempDir('tidings-load-');
  await prepare(dir, ['--appendonly', 'yes']);
  const aofDir = path.join(dir, 'appendonlydir');
  const total = fs.readdirSync(aofDir).filter((f) => !f.endsWith('.manifest')).reduce((n, f) => n + fs.statSync(path.join(aofDir, f)).size, 0);
  const srv = await startTidingsProcess(['--dir', dir, '--appendonly', 'yes', ...SLOW], { waitLoaded: false });
  try {
    const c = await srv.connect();
    await checkWhileLoading(c, () => srv.connect(), (n) => n === total);
    await loadedFully(c);
    assert.equal(await c.call('DBSIZE'), KEYS + 1);
    assert.equal(await c.call('LLEN', 'tail'), 100);
    // The log is open for appending again once loaded.
    assert.equal(await c.call('SET', 'after', 'load'), 'OK');
    c.close();
  } finally {
    await srv.close();
  }
});

test('SHUTDOWN while loading stops the load and never saves the partial dataset', { timeout: 180_000 }, async () => {
  const dir = tempDir('tidings-load-');
  await prepare(dir, []);
  const file = path.join(dir, 'dump.rdb');
  const before = fs.readFileSync(file);
  // Save points configured: a SHUTDOWN after loading would save, one during loading must not.
  const srv = await startTidingsProcess(['--dir', dir, '--save', '3600 1', ...SLOW], { waitLoaded: false });
  try {
    const c = await srv.connect();
    assert.equal((await info(c)).get('loading'), '1');
    c.send('SHUTDOWN');
    await new Promise((resolve) => (srv.child.exitCode !== null ? resolve(null) : srv.child.once('exit', resolve)));
    assert.equal(srv.child.exitCode, 0);
    assert.ok(fs.readFileSync(file).equals(before), 'the dump file is untouched');
    c.close();
  } finally {
    await srv.close();
  }
  // And a SIGTERM while loading: the same.
  const again = await startTidingsProcess(['--dir', dir, '--save', '3600 1', ...SLOW], { waitLoaded: false });
  const c = await again.connect();
  assert.equal((await info(c)).get('loading'), '1');
  c.close();
  again.child.kill('SIGTERM');
  await new Promise((resolve) => (again.child.exitCode !== null ? resolve(null) : again.child.once('exit', resolve)));
  assert.match(again.output(), /Received shutdown signal during loading, scheduling shutdown\./);
  assert.ok(fs.readFileSync(file).equals(before), 'the dump file is untouched');
  await sleep(0);
});

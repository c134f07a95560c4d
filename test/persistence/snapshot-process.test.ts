// RDB snapshots across real processes: restart with --dir, SIGKILL during BGSAVE, corrupt and
// truncated dumps at start-up, and dumps written by redis-server. Needs `npm run build` (dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, requireRedisServer, startRedis, startTidings, startTidingsProcess } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-snapp-'));
}

async function info(c: RespClient, field: string): Promise<string> {
  const text = String(await c.call('INFO', 'persistence'));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)![1]!.trim();
}

/** Run the CLI until it exits (a start-up failure); resolves with its exit code and output. */
function runUntilExit(args: string[], timeoutMs = 20000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tidings.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('SAVE survives a restart of the process (every type, TTLs, stream groups)', async () => {
  const dir = tempDir();
  const a = await startTidingsProcess(['--dir', dir]);
  const c = await a.connect();
  await c.call('SET', 'str', 'v');
  await c.call('SET', 'ttl', 'v', 'EX', '1000');
  await c.call('RPUSH', 'list', '1', '2');
  await c.call('HSET', 'hash', 'f', 'v');
  await c.call('SADD', 'set', 'm');
  await c.call('ZADD', 'zset', '3', 'm');
  await c.call('XADD', 'stream', '5-1', 'f', 'v');
  await c.call('XGROUP', 'CREATE', 'stream', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 'stream', '>');
  assert.equal(await c.call('SAVE'), 'OK');
  c.close();
  await a.close();
  const b = await startTidingsProcess(['--dir', dir]);
  const d = await b.connect();
  assert.equal(await d.call('DBSIZE'), 7);
  assert.equal(await d.call('GET', 'str'), 'v');
  const ttl = (await d.call('TTL', 'ttl')) as number;
  assert.ok(ttl > 990 && ttl <= 1000, `ttl ${ttl}`);
  assert.deepEqual(await d.call('LRANGE', 'list', '0', '-1'), ['1', '2']);
  assert.equal(await d.call('HGET', 'hash', 'f'), 'v');
  assert.equal(await d.call('SISMEMBER', 'set', 'm'), 1);
  assert.equal(await d.call('ZSCORE', 'zset', 'm'), '3');
  assert.deepEqual(await d.call('XPENDING', 'stream', 'g'), [1, '5-1', '5-1', [['bob', '1']]]);
  assert.match(b.output(), /DB loaded from disk: [\d.]+ seconds/);
  // The "ready" line comes after loading.
  assert.ok(b.output().indexOf('DB loaded from disk') < b.output().indexOf('Ready to accept connections'), b.output());
  d.close();
  await b.close();
});

test('SIGKILL during a BGSAVE leaves the previous dump intact', async () => {
  const dir = tempDir();
  const a = await startTidingsProcess(['--dir', dir]);
  const c = await a.connect();
  await c.call('SET', 'generation', 'first');
  assert.equal(await c.call('SAVE'), 'OK');
  const before = fs.readFileSync(path.join(dir, 'dump.rdb'));
  for (let i = 0; i < 3000; i++) c.send('SET', `key${i}`, 'x'.repeat(100));
  for (let i = 0; i < 3000; i++) await c.read();
  await c.call('SET', 'generation', 'second');
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  // Let some of the image reach the temp file before the crash.
  const deadline = Date.now() + 5000;
  while (Number(await info(c, 'current_save_keys_processed')) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await info(c, 'rdb_bgsave_in_progress'), '1');
  a.child.kill('SIGKILL');
  await new Promise((r) => a.child.once('exit', r));
  c.close();
  assert.deepEqual(fs.readFileSync(path.join(dir, 'dump.rdb')), before);
  const b = await startTidingsProcess(['--dir', dir]);
  const d = await b.connect();
  assert.equal(await d.call('GET', 'generation'), 'first');
  assert.equal(await d.call('DBSIZE'), 1);
  d.close();
  await b.close();
});

test('a corrupt or truncated dump stops start-up with the file and offset named, and is left untouched', async () => {
  const dir = tempDir();
  const a = await startTidings({ config: { dir } });
  const c = await a.connect();
  for (let i = 0; i < 50; i++) await c.call('SET', `key${i}`, `value${i}`);
  assert.equal(await c.call('SAVE'), 'OK');
  c.close();
  await a.close();
  const file = path.join(dir, 'dump.rdb');
  const good = fs.readFileSync(file);

  const corrupt = Buffer.from(good);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
  fs.writeFileSync(file, corrupt);
  const port = String(await freePort());
  const bad = await runUntilExit(['--port', port, '--dir', dir]);
  assert.equal(bad.code, 1, bad.output);
  assert.ok(bad.output.includes(file), bad.output);
  assert.match(bad.output, /offset \d+/);
  assert.doesNotMatch(bad.output, /ready to accept connections/);
  assert.deepEqual(fs.readFileSync(file), corrupt);

  // The CRC check itself: the last 8 bytes changed.
  const crc = Buffer.from(good);
  crc.write('foobar00', crc.length - 8, 'latin1');
  fs.writeFileSync(file, crc);
  const crcRun = await runUntilExit(['--port', port, '--dir', dir]);
  assert.equal(crcRun.code, 1, crcRun.output);
  assert.match(crcRun.output, /CRC error/);
  assert.deepEqual(fs.readFileSync(file), crc);

  const truncated = good.subarray(0, good.length - 20);
  fs.writeFileSync(file, truncated);
  const cut = await runUntilExit(['--port', port, '--dir', dir]);
  assert.equal(cut.code, 1, cut.output);
  assert.ok(cut.output.includes(file), cut.output);
  assert.match(cut.output, /offset \d+/);
  assert.deepEqual(fs.readFileSync(file), truncated);
});

test('a dump written by redis-server loads in Tidings', async (t) => {
  if (!requireRedisServer(t)) return;
  const dir = tempDir();
  const redis = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
  const r = await redis.connect();
  await r.call('SET', 'str', 'from redis');
  await r.call('SET', 'num', '42');
  await r.call('PEXPIRE', 'num', '900000');
  await r.call('RPUSH', 'list', 'a', 'b', 'c');
  await r.call('HSET', 'hash', 'f', 'v');
  await r.call('SADD', 'ints', '1', '2', '3');
  await r.call('SADD', 'words', 'x', 'y');
  await r.call('ZADD', 'zset', '1', 'a', '2.5', 'b');
  await r.call('XADD', 'stream', '7-1', 'f', 'v');
  await r.call('XGROUP', 'CREATE', 'stream', 'g', '$');
  await r.call('FUNCTION', 'LOAD', "#!lua name=rlib\nredis.register_function('hi', function() return 'hi' end)");
  await r.call('SELECT', '5');
  await r.call('SET', 'far', 'db5');
  assert.equal(await r.call('SAVE'), 'OK');
  r.close();
  await redis.close();

  const s = await startTidings({ config: { dir } });
  const c = await s.connect();
  assert.equal(await c.call('DBSIZE'), 8);
  assert.equal(await c.call('GET', 'str'), 'from redis');
  assert.equal(await c.call('GET', 'num'), '42');
  assert.ok(((await c.call('PTTL', 'num')) as number) > 800000);
  assert.deepEqual(await c.call('LRANGE', 'list', '0', '-1'), ['a', 'b', 'c']);
  assert.equal(await c.call('HGET', 'hash', 'f'), 'v');
  assert.deepEqual(((await c.call('SMEMBERS', 'ints')) as string[]).sort(), ['1', '2', '3']);
  assert.deepEqual(((await c.call('SMEMBERS', 'words')) as string[]).sort(), ['x', 'y']);
  assert.deepEqual(await c.call('ZRANGE', 'zset', '0', '-1', 'WITHSCORES'), ['a', '1', 'b', '2.5']);
  assert.deepEqual(await c.call('XINFO', 'GROUPS', 'stream').then((g) => (g as unknown[][])[0]!.slice(0, 2)), ['name', 'g']);
  assert.equal(await c.call('FCALL', 'hi', '0'), 'hi');
  await c.call('SELECT', '5');
  assert.equal(await c.call('GET', 'far'), 'db5');
  c.close();
  await s.close();
});

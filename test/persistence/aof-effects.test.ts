// The effects stream, checked against the reference: the same commands go to redis-server 7.0
// (appendonly yes) and to Tidings, and the two incremental AOF files must hold the same commands
// (absolute times and generated stream IDs masked, SPOP's random members checked separately).
// Then each server's AOF directory is loaded by the other, and redis-check-aof accepts ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { dump, incrCommands, readManifest, sleep, tempDir, until } from './aof-util.js';

const LIB = "#!lua name=aoflib\nredis.register_function('bump', function(keys, args) redis.call('incr', keys[1]); return redis.call('incr', keys[1]) end)";

/** The same workload for both servers: every rewrite the effects stream makes, and some that it must not. */
async function workload(srv: TestServer): Promise<Record<string, unknown>> {
  const c = await srv.connect();
  const waiter = await srv.connect();
  const replies: Record<string, unknown> = {};
  const run = (...args: (string | number)[]) => c.call(...args);
  // strings and expiry
  await run('SET', 'a', '1');
  await run('SET', 'b', '2', 'EX', 100);
  await run('SET', 'b2', '2', 'PX', 100000, 'GET');
  await run('SET', 'b3', 'v', 'EXAT', 4000000000);
  await run('SET', 'b4', 'v', 'PXAT', 4000000000000);
  await run('SET', 'b5', 'v', 'pxat', '04000000000000');
  await run('SET', 'b6', 'v', 'keepttl', 'get');
  await run('SET', 'b6', 'w', 'Get', 'XX', 'GET');
  await run('SETEX', 'c', 100, 'v');
  await run('PSETEX', 'd', 100000, 'v');
  await run('EXPIRE', 'a', 100);
  await run('PEXPIRE', 'a', 200000, 'GT');
  await run('EXPIREAT', 'a', 4000000000);
  await run('PEXPIREAT', 'a', 4000000001000);
  await run('EXPIRE', 'nosuch', 100);
  await run('SET', 'gone', 'x');
  await run('EXPIRE', 'gone', -1);
  await run('GETEX', 'b', 'EX', 200);
  await run('GETEX', 'b', 'PERSIST');
  await run('GETEX', 'b2', 'PXAT', 4000000000000);
  await run('INCRBYFLOAT', 'f', '1.5');
  await run('INCRBYFLOAT', 'f', '0.1');
  await run('HINCRBYFLOAT', 'hf', 'field', '2.5');
  await run('HINCRBYFLOAT', 'hf', 'field', '0.25');
  // Lazy expiry (active expiry off, so both servers meet the expired keys on access): a DEL, before
  // the command's own effect and in one MULTI block with it.
  await run('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
  await run('SET', 'lazy', '1', 'PX', 1);
  await run('SET', 'lazy2', '1', 'PX', 1);
  await sleep(30);
  await run('GET', 'lazy');
  await run('INCR', 'lazy2');
  // Active expiry: a DEL of its own (INFO does not touch keys).
  const expiredKeys = async () => Number(/expired_keys:(\d+)/.exec((await run('INFO', 'stats')) as string)![1]);
  const before = await expiredKeys();
  await run('SET', 'active', '1', 'PX', 1);
  await sleep(30);
  await run('DEBUG', 'SET-ACTIVE-EXPIRE', 1);
  await until(async () => (await expiredKeys()) > before);
  // sets
  await run('SADD', 's', 'x', 'y', 'z', 'w');
  replies.spop1 = await run('SPOP', 's');
  replies.spop2 = await run('SPOP', 's', 2);
  await run('SADD', 's2', 'p', 'q');
  await run('SPOP', 's2', 5);
  // lists, blocking pops served at once and after waiting
  await run('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g');
  await run('LMPOP', 1, 'l', 'LEFT', 'COUNT', 2);
  await run('BLPOP', 'l', 0);
  await run('BRPOP', 'l', 0);
  await run('BLMOVE', 'l', 'l2', 'Left', 'rIGHT', 0);
  await run('BRPOPLPUSH', 'l', 'l2', 0);
  await run('BLMPOP', 0, 1, 'l', 'RIGHT', 'COUNT', 5);
  waiter.send('BLPOP', 'wl', 0);
  await until(async () => ((await run('INFO', 'clients')) as string).includes('blocked_clients:1'));
  await run('RPUSH', 'wl', 'x', 'y');
  await waiter.read();
  waiter.send('BLMOVE', 'wl2', 'wl3', 'RIGHT', 'LEFT', 0);
  await until(async () => ((await run('INFO', 'clients')) as string).includes('blocked_clients:1'));
  await run('LPUSH', 'wl2', 'm');
  await waiter.read();
  // sorted sets
  await run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
  await run('BZPOPMIN', 'z', 0);
  await run('BZPOPMAX', 'z', 0);
  await run('ZMPOP', 1, 'z', 'MIN', 'COUNT', 1);
  await run('BZMPOP', 0, 1, 'z', 'MAX', 'COUNT', 3);
  waiter.send('BZPOPMIN', 'wz', 0);
  await until(async () => ((await run('INFO', 'clients')) as string).includes('blocked_clients:1'));
  await run('ZADD', 'wz', 7, 'q');
  await waiter.read();
  // streams
  replies.id1 = await run('XADD', 'st', '*', 'f', 'v');
  await run('XADD', 'st', '9999999999999-*', 'f', 'v');
  await run('XADD', 'st', 'MAXLEN', '~', 5, '9999999999999-5', 'f', 'v');
  await run('XADD', 'st', 'MAXLEN', 1, '9999999999999-6', 'f', 'v');
  await run('XTRIM', 'st', 'MAXLEN', 0);
  // consumer groups: deliveries and claims as XCLAIM ... LASTID, NOACK reads as XGROUP SETID
  for (const id of ['1-1', '2-1', '3-1', '4-1']) await run('XADD', 'gs', id, 'f', id);
  await run('XGROUP', 'CREATE', 'gs', 'g', '0');
  await run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 'gs', '>');
  await run('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', 1, 'STREAMS', 'gs', '>');
  await run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'gs', '0');
  await run('XCLAIM', 'gs', 'g', 'carol', 0, '1-1');
  await run('XCLAIM', 'gs', 'g', 'carol', 0, '2-1', 'JUSTID');
  await run('XDEL', 'gs', '1-1');
  await run('XAUTOCLAIM', 'gs', 'g', 'dave', 0, '0');
  await run('XREADGROUP', 'GROUP', 'g', 'erin', 'STREAMS', 'gs', '>');
  await run('XREADGROUP', 'GROUP', 'g', 'fay', 'STREAMS', 'gs', '>');
  waiter.send('XREADGROUP', 'GROUP', 'g', 'gus', 'BLOCK', 0, 'STREAMS', 'gs', '>');
  await until(async () => ((await run('INFO', 'clients')) as string).includes('blocked_clients:1'));
  await run('XADD', 'gs', '5-1', 'f', 'v');
  await waiter.read();
  await run('XACK', 'gs', 'g', '2-1');
  // scripts and functions: their writes, not EVAL
  await run('EVAL', "redis.call('set', KEYS[1], '1'); redis.call('incr', KEYS[1]); return 1", 1, 'e1');
  await run('EVAL', "redis.call('set', KEYS[1], '1'); return 1", 1, 'e2');
  await run('EVAL', "return redis.call('get', KEYS[1])", 1, 'e2');
  await run('FUNCTION', 'LOAD', LIB);
  await run('FCALL', 'bump', 1, 'fc');
  // transactions: one block when more than one write
  await run('MULTI');
  await run('SET', 'm1', '1');
  await run('EXEC');
  await run('MULTI');
  await run('SET', 'm2', '1');
  await run('INCR', 'm2');
  await run('GET', 'm2');
  await run('EXEC');
  await run('MULTI');
  await run('GET', 'm2');
  await run('EXEC');
  // RESTORE with a relative TTL is recorded with the absolute one
  const payload = (await c.callRaw('DUMP', 'm1')) as { value: Buffer };
  await c.call('RESTORE', 'restored', 100000, payload.value);
  await c.call('RESTORE', 'restored2', 0, payload.value);
  // no write, no effect
  await run('DEL', 'nosuch');
  await run('SREM', 's2', 'nothing');
  // other databases
  await run('SELECT', 3);
  await run('SET', 'q', '1');
  await run('SELECT', 0);
  await run('SET', 'back', '1');
  c.close();
  waiter.close();
  return replies;
}

/** Mask what legitimately differs between two runs: absolute times and clock-generated IDs. */
function normalise(commands: string[][], id1: string): string[][] {
  return commands.map((argv) =>
    argv.map((a, i) => {
      if (i === 0) return a;
      if (a === id1) return '<generated-id>';
      if (/^\d{13}$/.test(a) && Math.abs(Number(a) - Date.now()) < 10 * 60 * 1000) return '<now-ish-ms>';
      return a;
    }),
  );
}

/**
 * Tidings' one deliberate addition to Redis 7.0's effects: a group read that delivers entries
 * ends with `XGROUP SETID key group last ENTRIESREAD n` after its XCLAIMs, so a restart keeps the
 * group's entries-read (Redis's XCLAIM ... LASTID does not carry it). Check each such SETID names
 * the last XCLAIM's group and LASTID, then drop it, and the MULTI/EXEC it alone made necessary.
 */
function withoutEntriesReadSetid(commands: string[][]): string[][] {
  const out: string[][] = [];
  let dropped = 0;
  for (const argv of commands) {
    const prev = out[out.length - 1];
    if (argv[0] === 'XGROUP' && argv[1] === 'SETID' && prev?.[0] === 'XCLAIM' && prev.includes('LASTID')) {
      assert.deepEqual([argv[2], argv[3], argv[4], argv[5]], [prev[1], prev[2], prev[prev.length - 1], 'ENTRIESREAD'], 'the SETID follows its read');
      dropped++;
      continue;
    }
    // A unit of one command is never wrapped (Redis 7.0): MULTI, X, EXEC left by the drop is X.
    if (argv[0] === 'EXEC' && out.length >= 2 && out[out.length - 2]![0] === 'MULTI') {
      out.splice(out.length - 2, 1);
      continue;
    }
    out.push(argv);
  }
  assert.ok(dropped > 0, 'the workload has group reads that deliver');
  return out;
}

/** SPOP's members are random: check they are the reply's, then mask them. */
function maskSpop(commands: string[][], replies: Record<string, unknown>): string[][] {
  const popped = [replies.spop1 as string, ...(replies.spop2 as string[])];
  const srem = commands.filter((c) => c[0] === 'SREM' && c[1] === 's').map((c) => c[2]!);
  assert.deepEqual(srem.sort(), popped.sort(), 'SPOP is recorded as SREM of the members it returned');
  return commands.map((c) => (c[0] === 'SREM' && c[1] === 's' ? ['SREM', 's', '<member>'] : c));
}

test('the effects in the AOF match redis-server 7.0 for the same commands; each server loads the other AOF', async (t) => {
  if (!requireRedisServer(t)) return;
  const redisDir = tempDir();
  const tidingsDir = tempDir();
  const redis = await startRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--dir', redisDir, '--enable-debug-command', 'yes']);
  const tidings = await startTidings({ config: { appendonly: 'yes', dir: tidingsDir, 'aof-use-rdb-preamble': 'no', 'enable-debug-command': 'yes' } });
  let redisDump: Record<string, unknown>;
  let tidingsDump: Record<string, unknown>;
  try {
    const redisReplies = await workload(redis);
    const tidingsReplies = await workload(tidings);
    const rc = await redis.connect();
    const tc = await tidings.connect();
    redisDump = await dump(rc, [0, 3]);
    tidingsDump = await dump(tc, [0, 3]);
    rc.close();
    tc.close();
    const expected = maskSpop(normalise(incrCommands(path.join(redisDir, 'appendonlydir')), redisReplies.id1 as string), redisReplies);
    const actual = maskSpop(normalise(withoutEntriesReadSetid(incrCommands(path.join(tidingsDir, 'appendonlydir'))), tidingsReplies.id1 as string), tidingsReplies);
    assert.deepEqual(actual, expected);
  } finally {
    await redis.close();
    await tidings.close();
  }
  const masked = (d: Record<string, unknown>) => JSON.parse(JSON.stringify(d).replaceAll(/\d{13}-0/g, '<id>'));
  // SPOP chose different members in each server: compare everything else.
  delete redisDump['0:s'];
  delete tidingsDump['0:s'];
  assert.deepEqual(masked(tidingsDump), masked(redisDump));

  // redis-check-aof accepts Tidings' directory.
  const check = spawnSync('redis-check-aof', [path.join(tidingsDir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /All AOF files and manifest are valid/);

  // Tidings' AOF directory loads in redis-server, and redis-server's in Tidings. Redis's own
  // replay is not quite its live state (its XCLAIM ... LASTID does not carry a group's
  // entries-read): Tidings on Redis's files gives what redis-server gets from them; Tidings' files
  // (with XGROUP SETID ... ENTRIESREAD after each group read) give the live state, in both servers.
  const reload = async (srv: TestServer) => {
    try {
      const c = await srv.connect();
      await until(async () => /\r\nloading:0\r\n/.test((await c.call('INFO', 'persistence')) as string));
      const d = masked(await dumpWithout(c));
      c.close();
      return d;
    } finally {
      await srv.close();
    }
  };
  const redisOwn = await reload(await startRedis(['--appendonly', 'yes', '--dir', redisDir]));
  const redisOnOurs = await reload(await startRedis(['--appendonly', 'yes', '--dir', tidingsDir]));
  const oursOnRedis = await reload(await startTidings({ config: { appendonly: 'yes', dir: redisDir } }));
  const oursOwn = await reload(await startTidings({ config: { appendonly: 'yes', dir: tidingsDir } }));
  assert.deepEqual(oursOnRedis, redisOwn);
  const live = masked(tidingsDump);
  assert.deepEqual(redisOnOurs, live);
  assert.deepEqual(oursOwn, live);
  for (const dir of [redisDir, tidingsDir]) fs.rmSync(dir, { recursive: true, force: true });
});

async function dumpWithout(c: RespClient): Promise<Record<string, unknown>> {
  const d = await dump(c, [0, 3]);
  delete d['0:s'];
  return d;
}

test('Redis 7.0 file names and manifest: base and incr at start, history deleted after BGREWRITEAOF', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', dir } });
  try {
    const aofDir = path.join(dir, 'appendonlydir');
    assert.deepEqual(readManifest(aofDir), [
      { name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'b' },
      { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
    ]);
    const c = await srv.connect();
    await c.call('SET', 'k', 'v');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await until(async () => ((await c.call('INFO', 'persistence')) as string).includes('aof_rewrites:1'));
    assert.deepEqual(readManifest(aofDir), [
      { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' },
      { name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' },
    ]);
    assert.deepEqual(fs.readdirSync(aofDir).sort(), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    const info = (await c.call('INFO', 'persistence')) as string;
    assert.match(info, /aof_enabled:1/);
    assert.match(info, /aof_last_bgrewrite_status:ok/);
    assert.match(info, /aof_last_write_status:ok/);
    c.close();
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with the RDB preamble (the default), each server loads the other\'s rewritten AOF directory', async (t) => {
  if (!requireRedisServer(t)) return;
  const redisDir = tempDir();
  const tidingsDir = tempDir();
  const redis = await startRedis(['--appendonly', 'yes', '--dir', redisDir]);
  const tidings = await startTidings({ config: { appendonly: 'yes', dir: tidingsDir } });
  const dumps: Record<string, unknown>[] = [];
  try {
    for (const srv of [redis, tidings]) {
      const c = await srv.connect();
      await c.call('SET', 'str', 'v');
      await c.call('SET', 'num', 12345);
      await c.call('RPUSH', 'list', 'a', 'b', 'c');
      await c.call('HSET', 'hash', 'f1', 'v1', 'f2', 'v2');
      await c.call('SADD', 'set', 'x', 'y', 1, 2);
      await c.call('ZADD', 'zset', 1.5, 'm', -2, 'n');
      await c.call('XADD', 'stream', '1-1', 'f', 'v');
      await c.call('XGROUP', 'CREATE', 'stream', 'g', '0');
      await c.call('SET', 'ttl', 'v', 'EX', 1000);
      await c.call('FUNCTION', 'LOAD', LIB);
      await c.call('BGREWRITEAOF');
      await until(async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrites:1/.test((await c.call('INFO', 'persistence')) as string));
      // After the rewrite: the incremental file continues.
      await c.call('FCALL', 'bump', 1, 'after');
      await c.call('SELECT', 3);
      await c.call('SET', 'in3', 'x');
      dumps.push(await dump(c, [0, 3]));
      c.close();
    }
  } finally {
    await redis.close();
    await tidings.close();
  }
  assert.deepEqual(dumps[1], dumps[0]);
  assert.ok(readManifest(path.join(tidingsDir, 'appendonlydir')).some((f) => f.name === 'appendonly.aof.2.base.rdb'));
  const check = spawnSync('redis-check-aof', [path.join(tidingsDir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /RDB preamble is OK/);
  const redisOnOurs = await startRedis(['--appendonly', 'yes', '--dir', tidingsDir]);
  try {
    const c = await redisOnOurs.connect();
    assert.deepEqual(await dump(c, [0, 3]), dumps[0]);
    assert.equal(await c.call('FCALL', 'bump', 1, 'after'), 4);
    c.close();
  } finally {
    await redisOnOurs.close();
  }
  const oursOnRedis = await startTidings({ config: { appendonly: 'yes', dir: redisDir } });
  try {
    const c = await oursOnRedis.connect();
    assert.deepEqual(await dump(c, [0, 3]), dumps[0]);
    assert.equal(await c.call('FCALL', 'bump', 1, 'after'), 4);
    c.close();
  } finally {
    await oursOnRedis.close();
  }
  for (const dir of [redisDir, tidingsDir]) fs.rmSync(dir, { recursive: true, force: true });
});

test('a base written as commands (aof-use-rdb-preamble no) rebuilds every type, in Tidings and in redis-server', async (t) => {
  if (!requireRedisServer(t)) return;
  const dir = tempDir();
  const config = { appendonly: 'yes', dir, 'aof-use-rdb-preamble': 'no' };
  const srv = await startTidings({ config });
  let before: Record<string, unknown>;
  try {
    const c = await srv.connect();
    await c.call('SET', 'str', 'v');
    await c.call('RPUSH', 'list', ...Array.from({ length: 150 }, (_, i) => `e${i}`));
    await c.call('HSET', 'hash', 'f1', 'v1', 'f2', '');
    await c.call('SADD', 'set', 'x', 'y', 1, 2);
    await c.call('ZADD', 'zset', 1.5, 'm', '-inf', 'low', '+inf', 'high', 0.1, 'tenth');
    await c.call('XADD', 'stream', '1-1', 'f', 'v');
    await c.call('XADD', 'stream', '2-1', 'f', 'v', 'g', 'w');
    await c.call('XGROUP', 'CREATE', 'stream', 'g', '0');
    await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 1, 'STREAMS', 'stream', '>');
    await c.call('XGROUP', 'CREATECONSUMER', 'stream', 'g', 'idle');
    await c.call('XADD', 'empty', '5-5', 'f', 'v');
    await c.call('XDEL', 'empty', '5-5');
    await c.call('SET', 'ttl', 'v', 'EX', 1000);
    await c.call('SELECT', 2);
    await c.call('SET', 'in2', 'x');
    await c.call('FUNCTION', 'LOAD', LIB);
    await c.call('BGREWRITEAOF');
    await until(async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrites:1/.test((await c.call('INFO', 'persistence')) as string));
    before = await dump(c, [0, 2]);
    c.close();
  } finally {
    await srv.close();
  }
  const base = readManifest(path.join(dir, 'appendonlydir')).find((f) => f.type === 'b')!;
  assert.equal(base.name, 'appendonly.aof.2.base.aof');
  for (const start of [() => startTidings({ config }), () => startRedis(['--appendonly', 'yes', '--dir', dir])]) {
    const again = await start();
    try {
      const c = await again.connect();
      assert.deepEqual(await dump(c, [0, 2]), before);
      assert.deepEqual(await c.call('XINFO', 'CONSUMERS', 'stream', 'g').then((r) => (r as string[][]).map((x) => [x[1], x[3]])), [
        ['alice', 1],
        ['idle', 0],
      ]);
      assert.match(JSON.stringify(await c.call('FUNCTION', 'LIST')), /aoflib/);
      c.close();
    } finally {
      await again.close();
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

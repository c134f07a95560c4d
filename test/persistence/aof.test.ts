// The append-only file over TCP: restart keeps data in every fsync mode, truncated and corrupt
// logs at start, the upgrade of an old single-file AOF, CONFIG SET appendonly, BGREWRITEAOF under
// load, timestamp annotations and DEBUG LOADAOF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasRedisServer, requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';
import { dump, incrCommands, parseAofCommands, readManifest, tempDir, until } from './aof-util.js';

const aofDir = (dir: string) => path.join(dir, 'appendonlydir');

function writeAofDir(dir: string, incr: Buffer | string): void {
  fs.mkdirSync(aofDir(dir), { recursive: true });
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof'), '');
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), incr);
  fs.writeFileSync(
    path.join(aofDir(dir), 'appendonly.aof.manifest'),
    'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
  );
}

const cmd = (...args: string[]) => encodeCommand(args);

for (const fsync of ['always', 'everysec', 'no']) {
  test(`restart keeps every acknowledged write (appendfsync ${fsync})`, async () => {
    const dir = tempDir();
    const config = { appendonly: 'yes', appendfsync: fsync, dir };
    const first = await startTidings({ config });
    const c = await first.connect();
    await c.call('SET', 'k', 'v');
    await c.call('RPUSH', 'l', 'a', 'b');
    await c.call('HSET', 'h', 'f', '1');
    await c.call('ZADD', 'z', '1.5', 'm');
    await c.call('SADD', 's', 'x');
    await c.call('XADD', 'st', '*', 'f', 'v');
    await c.call('XGROUP', 'CREATE', 'st', 'g', '0');
    await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'st', '>');
    await c.call('SELECT', 5);
    await c.call('SET', 'in5', 'yes');
    await c.call('SELECT', 0);
    await c.call('SET', 'ttl', 'v', 'EX', 1000);
    // The group's entries-read and lag too: a delivery's effects end with XGROUP SETID ... ENTRIESREAD.
    const before = await dump(c, [0, 5]);
    c.close();
    await first.close();

    const second = await startTidings({ config });
    const c2 = await second.connect();
    assert.deepEqual(await dump(c2, [0, 5]), before);
    c2.close();
    await second.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('a truncated last command: aof-load-truncated yes drops it (and logs), no refuses to start', async () => {
  const dir = tempDir();
  const whole = Buffer.concat([cmd('SELECT', '0'), cmd('SET', 'a', '1')]);
  const partial = cmd('SET', 'b', '2').subarray(0, 12);
  writeAofDir(dir, Buffer.concat([whole, partial]));

  const lines: string[] = [];
  await assert.rejects(
    startTidings({ config: { appendonly: 'yes', dir, 'aof-load-truncated': 'no' }, log: (l) => lines.push(l) }),
    /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/,
  );

  const srv = await startTidings({ config: { appendonly: 'yes', dir, 'aof-load-truncated': 'yes' }, log: (l) => lines.push(l) });
  try {
    const c = await srv.connect();
    assert.equal(await c.call('GET', 'a'), '1');
    assert.equal(await c.call('EXISTS', 'b'), 0);
    assert.ok(lines.some((l) => l.includes('!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!')));
    assert.ok(lines.some((l) => l.includes(`!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${whole.length} !!!`)));
    // The file was cut back to its last whole command, and appending continues after it.
    await c.call('SET', 'c', '3');
    assert.deepEqual(incrCommands(aofDir(dir)), [['SELECT', '0'], ['SET', 'a', '1'], ['SELECT', '0'], ['SET', 'c', '3']]);
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an unfinished MULTI at the end is dropped as a truncated tail, never half applied', async () => {
  const dir = tempDir();
  writeAofDir(dir, Buffer.concat([cmd('SET', 'a', '1'), cmd('MULTI'), cmd('SET', 'b', '2'), cmd('INCR', 'a')]));
  const srv = await startTidings({ config: { appendonly: 'yes', dir } });
  try {
    const c = await srv.connect();
    assert.equal(await c.call('GET', 'a'), '1');
    assert.equal(await c.call('EXISTS', 'b'), 0);
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a corrupt command in the middle stops start-up, naming the file and the offset', async () => {
  const dir = tempDir();
  const good = cmd('SET', 'a', '1');
  writeAofDir(dir, Buffer.concat([good, Buffer.from('garbage\r\n'), cmd('SET', 'b', '2')]));
  await assert.rejects(
    startTidings({ config: { appendonly: 'yes', dir } }),
    new RegExp(`Bad file format reading the append only file appendonly\\.aof\\.1\\.incr\\.aof at offset ${good.length}`),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a truncated file that is not the last one stops start-up', async () => {
  const dir = tempDir();
  writeAofDir(dir, cmd('SET', 'b', '2'));
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof'), cmd('SET', 'a', '1').subarray(0, 10));
  await assert.rejects(startTidings({ config: { appendonly: 'yes', dir } }), /truncated file is not the last file/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an old single-file AOF in dir is loaded and moved into the multi-part layout', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat([cmd('SELECT', '0'), cmd('SET', 'old', 'style'), cmd('RPUSH', 'l', 'x')]));
  const srv = await startTidings({ config: { appendonly: 'yes', dir } });
  try {
    const c = await srv.connect();
    assert.equal(await c.call('GET', 'old'), 'style');
    await c.call('SET', 'new', '1');
    c.close();
  } finally {
    await srv.close();
  }
  assert.equal(fs.existsSync(path.join(dir, 'appendonly.aof')), false);
  assert.deepEqual(readManifest(aofDir(dir)), [
    { name: 'appendonly.aof', seq: 1, type: 'b' },
    { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
  ]);
  const again = await startTidings({ config: { appendonly: 'yes', dir } });
  try {
    const c = await again.connect();
    assert.deepEqual(await c.call('MGET', 'old', 'new'), ['style', '1']);
    assert.deepEqual(await c.call('LRANGE', 'l', 0, -1), ['x']);
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('CONFIG SET appendonly yes writes a base of the current data first; no stops appending', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { dir, 'aof-use-rdb-preamble': 'no' } });
  try {
    const c = await srv.connect();
    await c.call('SET', 'before', '1');
    await c.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await c.call('SET', 'after', '2');
    // The base is written by a background rewrite, as Redis's.
    await until(async () => ((await c.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0'));
    const manifest = readManifest(aofDir(dir));
    assert.deepEqual(manifest.map((f) => f.type), ['b', 'i']);
    const base = parseAofCommands(fs.readFileSync(path.join(aofDir(dir), manifest[0]!.name)));
    // SELECT, then the keys in the image's order (as in Redis, no particular one).
    assert.deepEqual(base[0], ['SELECT', '0']);
    assert.deepEqual(base.slice(1).sort(), [['HMSET', 'h', 'a', '1', 'b', '2'], ['SET', 'before', '1']]);
    assert.deepEqual(incrCommands(aofDir(dir)), [['SELECT', '0'], ['SET', 'after', '2']]);
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    await c.call('SET', 'unlogged', '3');
    assert.deepEqual(incrCommands(aofDir(dir)), [['SELECT', '0'], ['SET', 'after', '2']]);
    assert.match((await c.call('INFO', 'persistence')) as string, /aof_enabled:0/);
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('BGREWRITEAOF while clients write keeps every acknowledged write', async () => {
  const dir = tempDir();
  const config = { appendonly: 'yes', dir };
  const srv = await startTidings({ config });
  let acked = 0;
  try {
    const writer = await srv.connect();
    const admin = await srv.connect();
    for (let i = 0; i < 500; i++) await writer.call('RPUSH', 'big', `item-${i}`);
    let stop = false;
    const load = (async () => {
      while (!stop) {
        await writer.call('INCR', 'counter');
        acked++;
      }
    })();
    await until(() => acked > 50);
    assert.equal(await admin.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    assert.deepEqual(await admin.call('BGREWRITEAOF'), { error: 'ERR Background append only file rewriting already in progress' });
    await until(async () => ((await admin.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0'));
    const seen = acked;
    await until(() => acked > seen + 50);
    stop = true;
    await load;
    writer.close();
    admin.close();
  } finally {
    await srv.close();
  }
  assert.deepEqual(readManifest(aofDir(dir)).map((f) => [f.seq, f.type]), [
    [2, 'b'],
    [2, 'i'],
  ]);
  const again = await startTidings({ config });
  try {
    const c = await again.connect();
    assert.equal(await c.call('GET', 'counter'), String(acked));
    assert.equal(await c.call('LLEN', 'big'), 500);
    c.close();
  } finally {
    await again.close();
  }
  if (hasRedisServer()) {
    const check = spawnSync('redis-check-aof', [path.join(aofDir(dir), 'appendonly.aof.manifest')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('aof-timestamp-enabled writes #TS annotations that loading skips', async () => {
  const dir = tempDir();
  const config = { appendonly: 'yes', dir, 'aof-timestamp-enabled': 'yes' };
  const srv = await startTidings({ config });
  try {
    const c = await srv.connect();
    await c.call('SET', 'k', 'v');
    c.close();
  } finally {
    await srv.close();
  }
  const raw = fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.match(raw, /^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT/);
  const again = await startTidings({ config });
  try {
    const c = await again.connect();
    assert.equal(await c.call('GET', 'k'), 'v');
    c.close();
  } finally {
    await again.close();
  }
  if (hasRedisServer()) {
    const check = spawnSync('redis-check-aof', [path.join(aofDir(dir), 'appendonly.aof.manifest')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('DEBUG LOADAOF replays the log into an emptied dataset', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', dir, 'enable-debug-command': 'yes' } });
  try {
    const c = await srv.connect();
    await c.call('SET', 'k', 'v');
    await c.call('INCR', 'n');
    await c.call('SADD', 's', 'a', 'b');
    const before = await dump(c);
    assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK');
    assert.deepEqual(await dump(c), before);
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function diskFull(): never {
  const err = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
  err.code = 'ENOSPC';
  throw err;
}

test('a failing AOF write refuses writes with MISCONF (INFO says so) until the disk works again', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', dir } });
  const aof = srv.server!.aof;
  const realWrite = aof.io.write;
  try {
    const c = await srv.connect();
    await c.call('SET', 'before', '1');
    aof.io.write = diskFull;
    // This write was applied in memory; its bytes wait for the disk (everysec).
    await c.call('SET', 'pending', '1');
    const misconf = { error: 'MISCONF Errors writing to the AOF file: No space left on device' };
    assert.deepEqual(await c.call('SET', 'refused', '1'), misconf);
    assert.deepEqual(await c.call('PING'), misconf);
    assert.equal(await c.call('GET', 'before'), '1');
    // Inside MULTI the write is refused when queued, and EXEC then aborts.
    assert.equal(await c.call('MULTI'), 'OK');
    assert.deepEqual(await c.call('SET', 'queued', '1'), misconf);
    assert.deepEqual(await c.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
    const info = (await c.call('INFO', 'persistence')) as string;
    assert.match(info, /aof_last_write_status:err/);
    aof.io.write = realWrite;
    await until(async () => ((await c.call('INFO', 'persistence')) as string).includes('aof_last_write_status:ok'));
    assert.equal(await c.call('SET', 'after', '1'), 'OK');
    assert.deepEqual(incrCommands(aofDir(dir)), [
      ['SELECT', '0'],
      ['SET', 'before', '1'],
      ['SET', 'pending', '1'],
      ['SET', 'after', '1'],
    ]);
    c.close();
  } finally {
    aof.io.write = realWrite;
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('with appendfsync always, a write that cannot be logged is never acknowledged', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', appendfsync: 'always', dir } });
  const aof = srv.server!.aof;
  const realSync = aof.io.fdatasync;
  try {
    const c = await srv.connect();
    await c.call('SET', 'before', '1');
    aof.io.fdatasync = diskFull;
    c.send('SET', 'unacknowledged', '1');
    assert.equal(await c.readFrame(), undefined, 'the connection closes instead of replying');
    aof.io.fdatasync = realSync;
    const c2 = await srv.connect();
    await until(async () => ((await c2.call('INFO', 'persistence')) as string).includes('aof_last_write_status:ok'));
    assert.equal(await c2.call('SET', 'after', '1'), 'OK');
    c2.close();
  } finally {
    aof.io.fdatasync = realSync;
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('auto-aof-rewrite-percentage and -min-size start a rewrite when the log has grown', async () => {
  const dir = tempDir();
  const srv = await startTidings({
    config: { appendonly: 'yes', dir, 'aof-use-rdb-preamble': 'no', 'auto-aof-rewrite-percentage': 100, 'auto-aof-rewrite-min-size': '4kb' },
  });
  try {
    const c = await srv.connect();
    for (let i = 0; i < 200; i++) await c.call('SET', 'same', 'x'.repeat(50));
    await until(async () => /aof_rewrites:[1-9]/.test((await c.call('INFO', 'persistence')) as string));
    await until(async () => ((await c.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0'));
    const base = readManifest(aofDir(dir)).find((f) => f.type === 'b')!;
    assert.ok(base.seq >= 2);
    assert.deepEqual(parseAofCommands(fs.readFileSync(path.join(aofDir(dir), base.name))), [
      ['SELECT', '0'],
      ['SET', 'same', 'x'.repeat(50)],
    ]);
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('BGREWRITEAOF inside MULTI/EXEC is scheduled, and runs after the transaction is logged', async () => {
  const dir = tempDir();
  const config = { appendonly: 'yes', dir };
  const srv = await startTidings({ config });
  try {
    const c = await srv.connect();
    await c.call('MULTI');
    await c.call('INCR', 'n');
    await c.call('BGREWRITEAOF');
    await c.call('INCR', 'n');
    assert.deepEqual(await c.call('EXEC'), [1, 'Background append only file rewriting scheduled', 2]);
    await until(async () => ((await c.call('INFO', 'persistence')) as string).includes('aof_rewrites:1'));
    c.close();
  } finally {
    await srv.close();
  }
  const again = await startTidings({ config });
  try {
    const c = await again.connect();
    assert.equal(await c.call('GET', 'n'), '2');
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('closing the server while BGREWRITEAOF runs leaves a log that still has everything', async () => {
  const dir = tempDir();
  const config = { appendonly: 'yes', dir };
  const srv = await startTidings({ config });
  const c = await srv.connect();
  for (let i = 0; i < 100; i++) await c.call('INCR', 'n');
  // Pipelined: the rewrite starts, and the server is closed while its base is being written.
  c.send('BGREWRITEAOF');
  c.send('INCR', 'n');
  c.send('INCR', 'n');
  await c.read();
  await c.read();
  assert.deepEqual(await c.read(), { type: 'int', value: 102n });
  c.close();
  await srv.close();
  const again = await startTidings({ config });
  try {
    const c2 = await again.connect();
    assert.equal(await c2.call('GET', 'n'), '102');
    c2.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('eviction is logged as DEL of each evicted key, so a replay has the same keys', async () => {
  const dir = tempDir();
  const config = { appendonly: 'yes', dir, 'aof-use-rdb-preamble': 'no' };
  const srv = await startTidings({ config });
  let keys: string[];
  try {
    const c = await srv.connect();
    const value = 'x'.repeat(1000);
    for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, value);
    const used = Number(/used_memory:(\d+)/.exec((await c.call('INFO', 'memory')) as string)![1]);
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await c.call('CONFIG', 'SET', 'maxmemory', String(used + 20 * 1024));
    for (let i = 100; i < 200; i++) assert.equal(await c.call('SET', `k${i}`, value), 'OK');
    const evicted = Number(/evicted_keys:(\d+)/.exec((await c.call('INFO', 'stats')) as string)![1]);
    assert.ok(evicted > 0, 'keys were evicted');
    const dels = incrCommands(aofDir(dir)).filter((argv) => argv[0] === 'DEL');
    assert.equal(dels.length, evicted);
    keys = ((await c.call('KEYS', '*')) as string[]).sort();
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
    c.close();
  } finally {
    await srv.close();
  }
  const again = await startTidings({ config });
  try {
    const c = await again.connect();
    assert.deepEqual(((await c.call('KEYS', '*')) as string[]).sort(), keys);
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('replaying the log expires nothing: a past PEXPIREAT followed by RPUSH loads as redis-server loads it', async (t) => {
  // While a log is replayed, an EXPIRE whose time has passed sets the TTL instead of deleting,
  // and later commands still see the key; once loaded, the key is expired. Both servers load the
  // same directory.
  const log = Buffer.concat([cmd('RPUSH', 'list', 'foo'), cmd('PEXPIREAT', 'list', '1000'), cmd('RPUSH', 'list', 'bar'), cmd('RPUSH', 'other', 'x')]);
  const dirs = [tempDir(), tempDir()];
  for (const dir of dirs) writeAofDir(dir, log);
  const starts: [string, () => Promise<TestServer>][] = [['tidings', () => startTidings({ config: { appendonly: 'yes', dir: dirs[0]! } })]];
  if (requireRedisServer(t)) starts.push(['redis', () => startRedis(['--appendonly', 'yes', '--dir', dirs[1]!])]);
  const seen: Record<string, unknown[]> = {};
  for (const [name, start] of starts) {
    const srv = await start();
    try {
      const c = await srv.connect();
      await until(async () => (await c.call('PING')) === 'PONG'); // redis-server answers -LOADING at first
      seen[name] = [await c.call('LLEN', 'list'), await c.call('EXISTS', 'list'), await c.call('LRANGE', 'other', '0', '-1')];
      c.close();
    } finally {
      await srv.close();
    }
  }
  assert.deepEqual(seen.tidings, [0, 0, ['x']]);
  if (seen.redis) assert.deepEqual(seen.tidings, seen.redis);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('aof-timestamp-enabled: a command base written by BGREWRITEAOF starts with #TS too', async () => {
  const dir = tempDir();
  const config = { appendonly: 'yes', dir, 'aof-timestamp-enabled': 'yes', 'aof-use-rdb-preamble': 'no' };
  const srv = await startTidings({ config });
  try {
    const c = await srv.connect();
    await c.call('SET', 'k', 'v');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await until(async () => String(await c.call('INFO', 'persistence')).includes('aof_rewrite_in_progress:0'));
    const base = readManifest(aofDir(dir)).find((f) => f.type === 'b')!;
    const raw = fs.readFileSync(path.join(aofDir(dir), base.name), 'latin1');
    assert.match(raw, /^#TS:\d+\r\n\*/);
    c.close();
  } finally {
    await srv.close();
  }
  const again = await startTidings({ config });
  try {
    const c = await again.connect();
    assert.equal(await c.call('GET', 'k'), 'v');
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('DEBUG AOF-FLUSH-SLEEP stalls log writes, and a reply still never overtakes its log entry', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', appendfsync: 'always', dir, 'enable-debug-command': 'yes' } });
  try {
    const c = await srv.connect();
    assert.deepEqual(await c.call('DEBUG', 'AOF-FLUSH-SLEEP', 'x'), { error: 'ERR value is not an integer or out of range' });
    assert.equal(await c.call('DEBUG', 'AOF-FLUSH-SLEEP', '20000'), 'OK');
    const incr = path.join(aofDir(dir), readManifest(aofDir(dir)).find((f) => f.type === 'i')!.name);
    for (let i = 1; i <= 3; i++) {
      const before = fs.statSync(incr).size;
      assert.equal(await c.call('INCR', 'n'), i);
      assert.ok(fs.statSync(incr).size > before, 'the INCR was in the log when its reply arrived');
    }
    assert.equal(await c.call('DEBUG', 'AOF-FLUSH-SLEEP', '0'), 'OK');
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an empty stream that never had an entry (XGROUP CREATE ... MKSTREAM) survives BGREWRITEAOF and DEBUG LOADAOF', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', dir, 'enable-debug-command': 'yes' } });
  try {
    const c = await srv.connect();
    assert.equal(await c.call('XGROUP', 'CREATE', 'mystream', 'group-name', '$', 'MKSTREAM'), 'OK');
    const groups = await c.call('XINFO', 'GROUPS', 'mystream');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await until(async () => ((await c.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0'));
    assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await c.call('XLEN', 'mystream'), 0);
    assert.deepEqual(await c.call('XINFO', 'GROUPS', 'mystream'), groups);
    const info = (await c.call('XINFO', 'STREAM', 'mystream')) as unknown[];
    assert.equal(info[info.indexOf('last-generated-id') + 1], '0-0');
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('with appendfsync always, every acknowledged write of concurrent clients is in the log when its reply arrives', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { appendonly: 'yes', appendfsync: 'always', dir } });
  try {
    const incr = path.join(aofDir(dir), readManifest(aofDir(dir)).find((f) => f.type === 'i')!.name);
    const logged = (key: string) => parseAofCommands(fs.readFileSync(incr)).filter((a) => a[0] === 'INCR' && a[1] === key).length;
    // Several clients at once, so one turn's group commit covers writes of many of them: each
    // reply must still find its own write (and all earlier ones on that key) in the file.
    const clients = await Promise.all(Array.from({ length: 8 }, () => srv.connect()));
    await Promise.all(
      clients.map(async (c, i) => {
        const key = `k${i}`;
        for (let n = 1; n <= 25; n++) {
          const value = (await c.call('INCR', key)) as number;
          assert.equal(value, n);
          assert.ok(logged(key) >= value, `INCR ${key} -> ${value} was acknowledged before it was in the log`);
        }
      }),
    );
    for (const c of clients) c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

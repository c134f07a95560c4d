// BGREWRITEAOF takes its RDB base in slices, as BGSAVE takes its image: clients are served while
// it runs, writes made meanwhile reach the new incremental file and not the base (copy-on-write
// keeps the base at the rewrite's start), and one background image runs at a time (BGSAVE gets
// Redis's "another child" error, or waits with SCHEDULE). An embedding app's close() during the
// initial rewrite of CONFIG SET appendonly yes keeps what was acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidings, startTidingsProcess } from '../helpers/servers.js';
import { dump, persistenceInfo, readManifest, tempDir, until } from './aof-util.js';

const aofDir = (dir: string) => path.join(dir, 'appendonlydir');

for (const preamble of ['yes', 'no']) {
test(`BGREWRITEAOF runs in slices (aof-use-rdb-preamble ${preamble}): writes during it land once, and both servers load the result`, async (t) => {
  const dir = tempDir('tidings-aof-slices-');
  const args = ['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', preamble];
  const srv = await startTidingsProcess([...args, '--enable-debug-command', 'yes']);
  try {
    const c = await srv.connect();
    assert.equal(await c.call('DEBUG', 'POPULATE', 5000, 'key', 32), 'OK');
    await c.call('RPUSH', 'list', 'a', 'b', 'c');
    await c.call('HSET', 'hash', 'f1', 'v1', 'f2', 'v2');
    await c.call('SET', 'counter', 10);
    // 100 µs a key: the base takes at least half a second, in slices of 10 keys.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    // Served while the base is being written, and each kind of change to keys the image has
    // not reached yet (or has): overwrite, delete, expire, container change, new keys.
    let seenRunning = 0;
    for (let i = 0; i < 200; i++) {
      await c.call('SET', `key:${i * 17}`, `new-${i}`);
      if (i % 3 === 0) await c.call('DEL', `key:${i * 23 + 1}`);
      if (i % 5 === 0) await c.call('PEXPIRE', `key:${i * 29 + 2}`, 600000);
      await c.call('RPUSH', 'list', `x${i}`);
      await c.call('HSET', 'hash', `f${i}`, i);
      await c.call('INCR', 'counter');
      await c.call('SET', `fresh:${i}`, i);
      if ((await persistenceInfo(c, 'aof_rewrite_in_progress')) === '1') seenRunning++;
    }
    assert.ok(seenRunning > 0, 'the rewrite was still running while the writes were served');
    await until(async () => (await persistenceInfo(c, 'aof_rewrite_in_progress')) === '0', 60000);
    assert.equal(await persistenceInfo(c, 'aof_last_bgrewrite_status'), 'ok');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await c.call('SET', 'after', 'rewrite');
    const manifest = readManifest(aofDir(dir));
    assert.deepEqual(
      manifest.map((f) => [f.name, f.type]),
      [
        [`appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`, 'b'],
        ['appendonly.aof.2.incr.aof', 'i'],
      ],
    );
    const digest = await c.call('DEBUG', 'DIGEST');
    const before = await dump(c);
    c.close();
    await srv.close();

    const again = await startTidingsProcess([...args, '--enable-debug-command', 'yes']);
    try {
      const c2 = await again.connect();
      assert.deepEqual(await dump(c2), before);
      assert.equal(await c2.call('DEBUG', 'DIGEST'), digest);
      c2.close();
    } finally {
      await again.close();
    }

    if (requireRedisServer(t)) {
      const redis = await startRedis(args);
      try {
        // (DEBUG DIGEST is Tidings' own construction: the keys are compared instead.)
        const r = await redis.connect();
        assert.deepEqual(await dump(r), before);
        r.close();
      } finally {
        await redis.close();
      }
    }
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
}

test('SAVE during a rewrite leaves the rewrite its copy-on-write: a counter incremented afterwards is counted once', async () => {
  const dir = tempDir('tidings-aof-slices-');
  const args = ['--dir', dir, '--appendonly', 'yes', '--enable-debug-command', 'yes'];
  const srv = await startTidingsProcess(args);
  try {
    const c = await srv.connect();
    // The oldest key: the image, which walks from the newest key to the oldest, reaches it last.
    await c.call('SET', 'oldest', 0);
    assert.equal(await c.call('DEBUG', 'POPULATE', 5000, 'key', 16), 'OK');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '200');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    assert.equal(await c.call('SAVE'), 'OK');
    for (let i = 0; i < 50; i++) await c.call('INCR', 'oldest');
    assert.equal(await persistenceInfo(c, 'aof_rewrite_in_progress'), '1', 'the writes came before the image reached the key');
    await until(async () => (await persistenceInfo(c, 'aof_rewrite_in_progress')) === '0', 60000);
    assert.equal(await persistenceInfo(c, 'aof_last_bgrewrite_status'), 'ok');
    c.close();
  } finally {
    await srv.close();
  }
  const again = await startTidingsProcess(args);
  try {
    const c = await again.connect();
    assert.equal(await c.call('GET', 'oldest'), '50');
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('BGSAVE while a rewrite takes its image: refused as Redis refuses it, or run afterwards with SCHEDULE', async () => {
  const dir = tempDir('tidings-aof-slices-');
  const srv = await startTidingsProcess(['--dir', dir, '--appendonly', 'yes', '--enable-debug-command', 'yes']);
  try {
    const c = await srv.connect();
    assert.equal(await c.call('DEBUG', 'POPULATE', 2000), 'OK');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '200');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    assert.deepEqual(await c.call('BGSAVE'), {
      error: "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
    });
    const lastSave = await c.call('LASTSAVE');
    assert.equal(await c.call('BGSAVE', 'SCHEDULE'), 'Background saving scheduled');
    assert.equal(await persistenceInfo(c, 'rdb_bgsave_in_progress'), '0');
    await until(async () => (await persistenceInfo(c, 'aof_rewrite_in_progress')) === '0', 60000);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    // The cron starts the scheduled save once the rewrite is over.
    await until(async () => fs.existsSync(path.join(dir, 'dump.rdb')) && (await persistenceInfo(c, 'rdb_bgsave_in_progress')) === '0', 60000);
    assert.equal(await persistenceInfo(c, 'rdb_last_bgsave_status'), 'ok');
    assert.equal(await persistenceInfo(c, 'aof_last_bgrewrite_status'), 'ok');
    assert.ok(((await c.call('LASTSAVE')) as number) >= (lastSave as number));
    c.close();
  } finally {
    await srv.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('close() of an embedded server during the initial rewrite of CONFIG SET appendonly yes keeps every acknowledged write', async () => {
  const dir = tempDir('tidings-aof-slices-');
  const srv = await startTidings({ config: { dir, appendonly: 'no' } });
  let before: Record<string, unknown>;
  try {
    const c = await srv.connect();
    await c.call('SET', 'k', 'v');
    await c.call('RPUSH', 'q', 'job1');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '30000000');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await c.call('RPUSH', 'q', 'job2');
    await c.call('INCR', 'n');
    assert.equal(await persistenceInfo(c, 'aof_rewrite_in_progress'), '1');
    before = await dump(c);
    c.close();
  } finally {
    await srv.close();
  }
  assert.deepEqual(
    readManifest(aofDir(dir)).map((f) => f.type),
    ['b', 'i'],
  );
  assert.deepEqual(fs.readdirSync(aofDir(dir)).filter((f) => f.startsWith('temp-')), []);
  const again = await startTidings({ config: { dir, appendonly: 'yes' } });
  try {
    const c = await again.connect();
    // Each write once: the INCR was not replayed on top of a base that holds it.
    assert.deepEqual(await dump(c), before);
    assert.equal(await c.call('GET', 'n'), '1');
    c.close();
  } finally {
    await again.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const preamble of ['yes', 'no']) {
test(`BGREWRITEAOF writes huge keys over several slices (aof-use-rdb-preamble ${preamble}): writes to them during it land once`, async (t) => {
  const dir = tempDir('tidings-aof-huge-');
  const config = { dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble, 'enable-debug-command': 'yes' };
  const srv = await startTidings({ config });
  const c = await srv.connect();
  const N = 20_000;
  const batch = async (cmd: (i: number) => string[]): Promise<void> => {
    for (let i = 0; i < N; i += 500) c.send(...Array.from({ length: 500 }, (_, j) => cmd(i + j)).flat());
    for (let i = 0; i < N; i += 500) await c.read(30000);
  };
  await c.call('SET', 'small', 'v');
  await batch((i) => (i % 500 === 0 ? ['ZADD', 'bigzset'] : []).concat([String(i % 997), `member:${i}`]));
  await batch((i) => (i % 500 === 0 ? ['SADD', 'bigset'] : []).concat([`member:${i}`]));
  await batch((i) => (i % 500 === 0 ? ['HSET', 'bighash'] : []).concat([`field:${i}`, `value:${i}`]));
  await batch((i) => (i % 500 === 0 ? ['RPUSH', 'biglist'] : []).concat([`element:${i}`]));
  for (let i = 0; i < N; i++) c.send('XADD', 'bigstream', `${1000 + i}-1`, 'f', `v${i}`);
  for (let i = 0; i < N; i++) await c.read(30000);
  await c.call('XGROUP', 'CREATE', 'bigstream', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '100', 'STREAMS', 'bigstream', '>');
  assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  // Writes that are not idempotent: one applied twice (in the base and again from the new
  // incremental file) or lost shows in the counts below.
  let rounds = 0;
  let seenRunning = 0;
  do {
    rounds++;
    c.send('RPUSH', 'biglist', `added:${rounds}`);
    c.send('LPOP', 'biglist');
    c.send('HINCRBY', 'bighash', 'counter', '1');
    c.send('ZINCRBY', 'bigzset', '1', 'member:7');
    c.send('SADD', 'bigset', `added:${rounds}`);
    c.send('XADD', 'bigstream', '*', 'f', `added:${rounds}`);
    c.send('XACK', 'bigstream', 'g', `${1000 + rounds}-1`);
    c.send('INCR', 'small:counter');
    for (let i = 0; i < 8; i++) await c.read(30000);
    if ((await persistenceInfo(c, 'aof_rewrite_in_progress')) === '1') seenRunning++;
  } while ((await persistenceInfo(c, 'aof_rewrite_in_progress')) === '1' && rounds < 100_000);
  assert.ok(seenRunning > 0, 'writes were served while the rewrite ran');
  assert.equal(await persistenceInfo(c, 'aof_last_bgrewrite_status'), 'ok');
  const counts = async (r: typeof c): Promise<unknown[]> => [
    await r.call('LLEN', 'biglist'),
    await r.call('LINDEX', 'biglist', '0'),
    await r.call('LINDEX', 'biglist', '-1'),
    await r.call('HGET', 'bighash', 'counter'),
    await r.call('HLEN', 'bighash'),
    await r.call('ZSCORE', 'bigzset', 'member:7'),
    await r.call('ZCARD', 'bigzset'),
    await r.call('SCARD', 'bigset'),
    await r.call('XLEN', 'bigstream'),
    await r.call('XPENDING', 'bigstream', 'g'),
    // Entry, consumer and delivery count of each pending entry (not the idle time: it moves).
    ((await r.call('XPENDING', 'bigstream', 'g', '-', '+', '1000')) as unknown[][]).map((p) => [p[0], p[1], p[3]]),
    await r.call('XINFO', 'GROUPS', 'bigstream'),
    await r.call('XRANGE', 'bigstream', '-', '+', 'COUNT', '3'),
    await r.call('XREVRANGE', 'bigstream', '+', '-', 'COUNT', '3'),
    await r.call('GET', 'small:counter'),
    // The stream's digest covers its consumers' seen-times, which a command base (XCLAIM, as
    // Redis writes it) does not keep: the other keys are compared by digest.
    await r.call('DEBUG', 'DIGEST-VALUE', 'small', 'bigzset', 'bigset', 'bighash', 'biglist'),
  ];
  const expected = await counts(c);
  assert.deepEqual(expected.slice(0, 4), [N, `element:${rounds}`, `added:${rounds}`, String(rounds)]);
  c.close();
  await srv.close();

  const again = await startTidings({ config });
  const c2 = await again.connect();
  assert.deepEqual(await counts(c2), expected);
  c2.close();
  await again.close();
  if (requireRedisServer(t)) {
    const redis = await startRedis(['--dir', dir, '--appendonly', 'yes']);
    const r = await redis.connect();
    // (DEBUG DIGEST-VALUE is Tidings' own construction.)
    assert.deepEqual((await counts(r)).slice(0, -1), expected.slice(0, -1));
    r.close();
    await redis.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
}

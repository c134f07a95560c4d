// Whole RDB files crossing between Tidings and redis-server 7.0: a file written by RdbWriter from
// a Tidings server's data loads in redis-server (and passes redis-check-rdb), and a file saved by
// redis-server reads back through readRdb into the same contents.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { DiffPair } from '../diff/harness.js';
import type { RespClient } from '../helpers/resp.js';
import { readRdb, RdbError, RdbWriter } from '../../src/persistence/rdb/index.js';
import type { Server } from '../../src/server/server.js';
import type { Entry } from '../../src/store/database.js';
import { lruClock } from '../../src/store/database.js';
import { contentCommands, datasetCommands, withoutRadixTree } from './rdb-dataset.js';

const LIBRARY = "#!lua name=rdblib\nredis.register_function('rdb_echo', function(keys, args) return args[1] end)";

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-rdb-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The dataset in db 0, a few keys in db 3, and TTLs. */
async function populate(c: RespClient): Promise<void> {
  for (const cmd of datasetCommands()) {
    const reply = await c.call(...cmd);
    assert.ok(!(reply !== null && typeof reply === 'object' && 'error' in reply), `${String(cmd[0])} failed: ${JSON.stringify(reply)}`);
  }
  await c.call('SET', 'ttl:str', 'v', 'PX', '900000000');
  await c.call('RPUSH', 'ttl:list', 'a');
  await c.call('PEXPIREAT', 'ttl:list', String(Date.now() + 800000000));
  await c.call('SELECT', '3');
  await c.call('SET', 'db3:key', 'in three');
  await c.call('HSET', 'db3:hash', 'a', '1');
  await c.call('SELECT', '0');
}

/** Compare every key of every database between two servers. */
async function compareAll(tidings: TestServer, redis: TestServer, dbs: number[]): Promise<number> {
  const pair = new DiffPair(await tidings.connect(), await redis.connect());
  let compared = 0;
  try {
    for (const db of dbs) {
      await pair.check(['SELECT', String(db)]);
      await pair.check(['DBSIZE']);
      const keys = ((await pair.redis.call('KEYS', '*')) as string[]).sort();
      for (const key of keys) {
        const type = (await pair.redis.call('TYPE', key)) as string;
        await pair.check(['TYPE', key]);
        await pair.check(['PEXPIRETIME', key]);
        for (const check of contentCommands(key, type)) {
          const isFull = check.args[0] === 'XINFO' && check.args[1] === 'STREAM';
          await pair.check(check.args, isFull ? { normalize: withoutRadixTree } : { unordered: check.unordered });
        }
        compared++;
      }
    }
  } finally {
    pair.close();
  }
  return compared;
}

function writeRdbOf(server: Server, file: string, options: { compress: boolean; checksum: boolean }): void {
  const w = new RdbWriter(options);
  const fd = fs.openSync(file, 'w');
  try {
    w.header([
      ['redis-ver', '7.0.15'],
      ['redis-bits', 64],
      ['ctime', Math.floor(Date.now() / 1000)],
      ['used-mem', 1000000],
      ['aof-base', 0],
    ]);
    w.functionLibrary(Buffer.from(LIBRARY));
    for (const db of server.dbs) {
      if (db.size === 0) continue;
      w.selectDb(db.index, db.size, db.expiresCount);
      for (const [key, entry] of db.entries()) {
        w.key(key, entry, db.getExpire(key), server.config);
        if (w.pending > 4096) fs.writeSync(fd, w.take());
      }
    }
    w.end();
    fs.writeSync(fd, w.take());
  } finally {
    fs.closeSync(fd);
  }
}

for (const options of [
  { compress: true, checksum: true },
  { compress: false, checksum: false },
]) {
  test(`RdbWriter (compress ${options.compress}, checksum ${options.checksum}): redis-server loads the file and redis-check-rdb passes it`, async (t: TestContext) => {
    if (!requireRedisServer(t)) return;
    const tidings = await startTidings();
    const c = await tidings.connect();
    const sub = fs.mkdtempSync(path.join(dir, 'w-'));
    let redis: TestServer | undefined;
    try {
      await populate(c);
      writeRdbOf(tidings.server!, path.join(sub, 'dump.rdb'), options);
      const check = spawnSync('redis-check-rdb', [path.join(sub, 'dump.rdb')], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /RDB looks OK!/);
      redis = await startRedis(['--dir', sub, '--dbfilename', 'dump.rdb']);
      const compared = await compareAll(tidings, redis, [0, 3]);
      assert.ok(compared > 30, `compared ${compared} keys`);
      const rc = await redis.connect();
      assert.equal(await rc.call('FCALL', 'rdb_echo', '0', 'hi'), 'hi', 'the function library was loaded');
      rc.close();
    } finally {
      c.close();
      await redis?.close();
      await tidings.close();
    }
  });
}

/** Load an RDB file into a Tidings server's databases. */
function loadInto(server: Server, buf: Buffer): { aux: Map<string, string>; libraries: string[] } {
  const aux = new Map<string, string>();
  const libraries: string[] = [];
  readRdb(
    buf,
    {
      aux: (name, value) => aux.set(name, value.toString('latin1')),
      functionLibrary: (code) => libraries.push(code.toString()),
      key: (dbIndex, key, type, value, expireAt) => {
        server.dbs[dbIndex]!.setEntry(key, { type, value, lru: Date.now(), seq: 0 } as Entry, expireAt);
      },
    },
    server.config,
  );
  return { aux, libraries };
}

for (const settings of [
  ['--rdbcompression', 'yes', '--rdbchecksum', 'yes', '--list-compress-depth', '1'],
  ['--rdbcompression', 'no', '--rdbchecksum', 'no'],
]) {
  test(`readRdb loads a file saved by redis-server (${settings.join(' ')})`, async (t: TestContext) => {
    if (!requireRedisServer(t)) return;
    const sub = fs.mkdtempSync(path.join(dir, 'r-'));
    const redis = await startRedis(['--dir', sub, '--dbfilename', 'saved.rdb', ...settings]);
    const tidings = await startTidings();
    try {
      const rc = await redis.connect();
      await populate(rc);
      await rc.call('FUNCTION', 'LOAD', LIBRARY);
      assert.equal(await rc.call('SAVE'), 'OK');
      rc.close();
      const buf = fs.readFileSync(path.join(sub, 'saved.rdb'));
      const { aux, libraries } = loadInto(tidings.server!, buf);
      assert.equal(aux.get('redis-ver'), '7.0.15');
      assert.deepEqual(libraries, [LIBRARY]);
      const compared = await compareAll(tidings, redis, [0, 3]);
      assert.ok(compared > 30, `compared ${compared} keys`);

      if (settings.includes('no')) {
        assert.equal(buf.readBigUInt64LE(buf.length - 8), 0n, 'rdbchecksum no writes a zero footer');
        return;
      }
      // The checksum is verified: one flipped byte in the middle is caught.
      const bad = Buffer.from(buf);
      bad[Math.floor(bad.length / 2)] ^= 0x01;
      assert.throws(
        () => readRdb(bad, { key: () => {} }, tidings.server!.config),
        (e: unknown) => e instanceof RdbError,
      );
    } finally {
      await redis.close();
      await tidings.close();
    }
  });
}

test('readRdb rejects a bad signature, a future version, truncation and module data with RdbError', async () => {
  const tidings = await startTidings();
  try {
    const config = tidings.server!.config;
    const noop = { key: () => {} };
    const w = new RdbWriter({ compress: true, checksum: true });
    w.header([['redis-ver', '7.0.15']]);
    w.selectDb(0, 1, 0);
    const entry = { type: 'string', value: Buffer.from('v'), lru: 0, seq: 0 } as Entry;
    w.key('k', entry, undefined, config);
    w.end();
    const good = w.take();
    const keys: string[] = [];
    readRdb(good, { key: (_db, key) => keys.push(key) }, config);
    assert.deepEqual(keys, ['k']);
    const fails = (buf: Buffer, re: RegExp) =>
      assert.throws(
        () => readRdb(buf, noop, config),
        (e: unknown) => e instanceof RdbError && re.test(e.message),
      );
    fails(Buffer.from('RADIS0010'), /Wrong signature/);
    fails(Buffer.from('REDIS0011\xff', 'latin1'), /Can't handle RDB format version/);
    for (let n = 9; n < good.length; n++) fails(good.subarray(0, n), /./);
    const module = Buffer.concat([good.subarray(0, 9), Buffer.from([247])]);
    fails(module, /module/);
    const moduleKey = Buffer.concat([good.subarray(0, 9), Buffer.from([7, 1, 0x6b, 0])]);
    fails(moduleKey, /module/);
  } finally {
    await tidings.close();
  }
});

test('readRdb reports EXPIRETIME in seconds, IDLE, FREQ and AUX fields; RESIZEDB is skipped', async () => {
  const tidings = await startTidings();
  try {
    const config = tidings.server!.config;
    const w = new RdbWriter({ compress: false, checksum: true });
    w.header([
      ['redis-ver', '7.0.15'],
      ['redis-bits', 64],
    ]);
    w.selectDb(2, 3, 1);
    const value = { type: 'string', value: Buffer.from('v'), lru: 0, seq: 0 } as Entry;
    // Old-style expiry: seconds, 4 bytes little-endian.
    w.u8(253);
    const secs = Buffer.alloc(4);
    secs.writeInt32LE(2000000000);
    w.raw(secs);
    w.key('expiring', value, undefined, config);
    w.u8(248);
    w.len(3600);
    w.key('idle', value, undefined, config);
    w.u8(249);
    w.u8(42);
    w.key('freq', value, undefined, config);
    w.end();
    const seen: Array<[number, string, number | undefined, number | undefined, number | undefined]> = [];
    const aux: Array<[string, string]> = [];
    readRdb(
      w.take(),
      {
        aux: (name, v) => aux.push([name, v.toString()]),
        key: (db, key, _type, _value, expireAt, idleMs, freq) => seen.push([db, key, expireAt, idleMs, freq]),
      },
      config,
    );
    assert.deepEqual(aux, [
      ['redis-ver', '7.0.15'],
      ['redis-bits', '64'],
    ]);
    assert.deepEqual(seen, [
      [2, 'expiring', 2000000000000, undefined, undefined],
      [2, 'idle', undefined, 3600000, undefined],
      [2, 'freq', undefined, undefined, 42],
    ]);
  } finally {
    await tidings.close();
  }
});

test('under an LRU policy the writer records idle times, which redis-server loads', async (t: TestContext) => {
  if (!requireRedisServer(t)) return;
  const tidings = await startTidings();
  const sub = fs.mkdtempSync(path.join(dir, 'lru-'));
  let redis: TestServer | undefined;
  try {
    const c = await tidings.connect();
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await c.call('SET', 'old', 'v');
    await c.call('SET', 'new', 'v');
    c.close();
    tidings.server!.dbs[0]!.peek('old')!.lru = lruClock() - 5000 * 1000;
    writeRdbOf(tidings.server!, path.join(sub, 'dump.rdb'), { compress: true, checksum: true });
    const idle: Array<number | undefined> = [];
    readRdb(fs.readFileSync(path.join(sub, 'dump.rdb')), { key: (_db, _key, _type, _value, _exp, idleMs) => idle.push(idleMs) }, tidings.server!.config);
    assert.ok(idle.every((v) => v !== undefined), 'every key carries IDLE');
    redis = await startRedis(['--dir', sub, '--dbfilename', 'dump.rdb', '--maxmemory-policy', 'allkeys-lru']);
    const rc = await redis.connect();
    const oldIdle = (await rc.call('OBJECT', 'IDLETIME', 'old')) as number;
    const newIdle = (await rc.call('OBJECT', 'IDLETIME', 'new')) as number;
    rc.close();
    assert.ok(oldIdle >= 5000 && oldIdle < 5100, `old idle ${oldIdle}`);
    assert.ok(newIdle < 100, `new idle ${newIdle}`);
  } finally {
    await redis?.close();
    await tidings.close();
  }
});

test('files redis-server saves under an LFU policy carry FREQ, which readRdb passes on', async (t: TestContext) => {
  if (!requireRedisServer(t)) return;
  const sub = fs.mkdtempSync(path.join(dir, 'lfu-'));
  const redis = await startRedis(['--dir', sub, '--dbfilename', 'lfu.rdb', '--maxmemory-policy', 'allkeys-lfu']);
  const tidings = await startTidings();
  try {
    const rc = await redis.connect();
    await rc.call('SET', 'k', 'v');
    assert.equal(await rc.call('SAVE'), 'OK');
    rc.close();
    const freqs: Array<number | undefined> = [];
    readRdb(fs.readFileSync(path.join(sub, 'lfu.rdb')), { key: (_db, _key, _type, _value, _exp, _idle, freq) => freqs.push(freq) }, tidings.server!.config);
    assert.equal(freqs.length, 1);
    assert.equal(typeof freqs[0], 'number');
  } finally {
    await redis.close();
    await tidings.close();
  }
});

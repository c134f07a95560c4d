// Corrupt and odd input, as redis-server 7.0 treats it: RESTORE of a quicklist node of encoded
// length 0 or an empty zipmap is refused (and the refusal logged with Redis's words), a hash
// listpack with a duplicate field is refused where Redis would find it converting; at start-up a
// dump file's empty collections are skipped with Redis's log lines, and a corrupt dump file stops
// the server with "Terminating server after rdb file reading failure.".
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { crc64 } from '../../src/persistence/rdb/index.js';
import { ROOT, freePort, requireRedisServer, startRedis, startTidings, startTidingsProcess, type TestServer } from '../helpers/servers.js';
import { tempDir, until } from './aof-util.js';

const bin = (s: string) => Buffer.from(s, 'latin1');

// The payloads: type byte, value, RDB version 10, CRC-64 (computed here, so the checksum passes
// and the value itself is what is judged).
function payload(body: string): Buffer {
  const head = Buffer.concat([bin(body), Buffer.from([0x0a, 0x00])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]);
}

/** A quicklist (RDB_TYPE_LIST_QUICKLIST_2) of one PLAIN node whose string is empty. */
const EMPTY_QUICKLIST_NODE = payload('\x12\x01\x01\x00');
/** A zipmap of no entries (zmlen 0, end marker). */
const EMPTY_ZIPMAP = payload('\x09\x02\x00\xff');
/** A hash listpack a, b, a, d: field "a" twice. */
const DUP_HASH_LISTPACK = payload('\x10\x17\x17\x00\x00\x00\x04\x00\x82a\x00\x03\x82b\x00\x03\x82a\x00\x03\x82d\x00\x03\xff');

async function restoreReplies(srv: TestServer): Promise<unknown[]> {
  const c = await srv.connect();
  const out: unknown[] = [];
  await c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
  out.push(await c.call('RESTORE', '_list', 0, EMPTY_QUICKLIST_NODE, 'REPLACE'));
  out.push(await c.call('RESTORE', '_hash', 0, EMPTY_ZIPMAP));
  out.push(await c.call('PING'));
  c.close();
  return out;
}

test('RESTORE refuses a quicklist node of encoded length 0 and an empty zipmap, as redis-server does', async (t) => {
  const lines: string[] = [];
  const tidings = await startTidings({ log: (line) => lines.push(line) });
  try {
    const ours = await restoreReplies(tidings);
    assert.deepEqual(ours, [{ error: 'ERR Bad data format' }, { error: 'ERR Bad data format' }, 'PONG']);
    assert.ok(lines.some((l) => l.includes('Zipmap integrity check failed')), lines.join('\n'));
    if (requireRedisServer(t)) {
      const redis = await startRedis();
      try {
        assert.deepEqual(await restoreReplies(redis), ours);
      } finally {
        await redis.close();
      }
    }
  } finally {
    await tidings.close();
  }
});

test('RESTORE refuses a hash listpack with a duplicate field at any size, logging "listpack with dup elements"', async () => {
  // Redis (sanitize-dump-payload no) finds the duplicate only when converting to a hash table,
  // and panics; Tidings checks every payload in full and refuses it, small or converted.
  const lines: string[] = [];
  const tidings = await startTidings({ log: (line) => lines.push(line) });
  try {
    const c = await tidings.connect();
    for (const entries of [128, 1]) {
      await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', entries);
      assert.deepEqual(await c.call('RESTORE', '_hash', 0, DUP_HASH_LISTPACK, 'REPLACE'), { error: 'ERR Bad data format' });
    }
    assert.equal(await c.call('EXISTS', '_hash'), 0);
    assert.equal(lines.filter((l) => l.includes('listpack with dup elements')).length, 2, lines.join('\n'));
    c.close();
  } finally {
    await tidings.close();
  }
});

/** An RDB v10 file: SELECTDB 0, the given records, EOF and its CRC-64. */
function rdbFile(records: string): Buffer {
  const body = Buffer.concat([bin('REDIS0010'), bin('\xfe\x00'), bin(records), bin('\xff')]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  return Buffer.concat([body, crc]);
}

const str = (s: string) => String.fromCharCode(s.length) + s;
// Empty collections older versions could write: a set of 0 members, a list of 0 nodes, a hash of
// 0 fields, a zset listpack of no entries; and one real key.
const EMPTY_KEYS_RDB = rdbFile(
  '\x02' + str('set') + '\x00' +
  '\x12' + str('list') + '\x00' +
  '\x04' + str('hash') + '\x00' +
  '\x11' + str('zset_listpack') + str('\x07\x00\x00\x00\x00\x00\xff') +
  '\x00' + str('k') + str('v'),
);

async function dbsizeOf(srv: TestServer): Promise<unknown> {
  const c = await srv.connect();
  await until(async () => /\r\nloading:0\r\n/.test((await c.call('INFO', 'persistence')) as string));
  const n = await c.call('DBSIZE');
  c.close();
  return n;
}

test('a dump file with empty keys loads without them, with Redis\'s log lines, in Tidings and redis-server', async (t: TestContext) => {
  const dir = tempDir('tidings-rdb-');
  fs.writeFileSync(path.join(dir, 'dump.rdb'), EMPTY_KEYS_RDB);
  const ours = await startTidingsProcess(['--dir', dir]);
  try {
    assert.equal(await dbsizeOf(ours), 1);
    const out = ours.output();
    for (const key of ['set', 'list', 'hash', 'zset_listpack']) assert.match(out, new RegExp(`rdbLoadObject skipping empty key: ${key}\\n`));
    assert.match(out, /Done loading RDB, keys loaded: 1, keys expired: 0, empty keys skipped: 4\./);
  } finally {
    await ours.close();
  }
  if (requireRedisServer(t)) {
    const redis = await startRedis(['--dir', dir]);
    try {
      assert.equal(await dbsizeOf(redis), 1);
    } finally {
      await redis.close();
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a corrupt dump file stops start-up with "Terminating server after rdb file reading failure.", as in redis-server', async (t: TestContext) => {
  const dir = tempDir('tidings-rdb-');
  // A hash ziplist (type 13) whose blob is 3 bytes: shorter than any ziplist header.
  fs.writeFileSync(path.join(dir, 'dump.rdb'), rdbFile('\x0d' + str('h') + str('abc')));
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000 });
  const port = String(await freePort());
  const ours = run(process.execPath, [path.join(ROOT, 'bin/tidings.js'), '--port', port, '--save', '', '--dir', dir]);
  assert.notEqual(ours.status, 0);
  const out = ours.stdout + ours.stderr;
  assert.equal(out.split('\n').filter((l) => l.includes('Terminating server after rdb file reading failure.')).length, 1, out);
  assert.match(out, /integrity check failed/);
  if (requireRedisServer(t)) {
    const redis = run('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--dir', dir]);
    assert.notEqual(redis.status, 0);
    assert.match(redis.stdout, /Terminating server after rdb file reading failure\./);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

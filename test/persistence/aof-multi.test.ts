// Persistence commands queued in MULTI, against redis-server 7.0: BGREWRITEAOF is scheduled and
// started by the cron; CONFIG SET appendonly yes is scheduled too (the transaction's earlier
// writes must not be both in the new base and in the log), with Redis's log line; INFO's
// total_forks counts each background save or rewrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { tempDir, until } from './aof-util.js';

const infoField = async (c: RespClient, section: string, name: string): Promise<string> => {
  const text = (await c.call('INFO', section)) as string;
  const m = new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(text);
  assert.ok(m, `INFO ${section} has ${name}`);
  return m[1]!.trim();
};

/**
 * No rewrite running or scheduled, read from ONE INFO reply: with two calls the cron could start
 * the scheduled rewrite between them (in progress 0, then scheduled 0), and the test would go on
 * while the initial base is still being written.
 */
const rewriteDone = async (c: RespClient) => {
  const text = (await c.call('INFO', 'persistence')) as string;
  return /^aof_rewrite_in_progress:0\r?$/m.test(text) && /^aof_rewrite_scheduled:0\r?$/m.test(text);
};

interface Target {
  name: string;
  start(dir: string, appendonly: boolean): Promise<TestServer>;
}

const targets: Target[] = [
  {
    name: 'redis-server',
    start: (dir, appendonly) =>
      startRedis(['--dir', dir, '--logfile', path.join(dir, 'log.txt'), '--appendonly', appendonly ? 'yes' : 'no']),
  },
  {
    name: 'tidings',
    start: (dir, appendonly) =>
      startTidings({ config: { dir, appendonly: appendonly ? 'yes' : 'no' }, log: (line) => fs.appendFileSync(path.join(dir, 'log.txt'), line + '\n') }),
  },
];

/** CONFIG SET appendonly yes after an INCR in the same transaction; what each server shows and keeps. */
async function enableInMulti(target: Target): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const out: Record<string, unknown> = {};
  let srv = await target.start(dir, false);
  try {
    const c = await srv.connect();
    await c.call('SET', 'n', 10);
    const forks = Number(await infoField(c, 'stats', 'total_forks'));
    await c.call('MULTI');
    await c.call('INCR', 'n');
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    await c.call('INFO', 'persistence');
    const replies = (await c.call('EXEC')) as unknown[];
    const info = String(replies[2]);
    out.exec = replies.slice(0, 2);
    out.inExec = ['aof_enabled', 'aof_rewrite_scheduled'].map((f) => new RegExp(`${f}:(\\d)`).exec(info)?.[1]);
    await until(() => rewriteDone(c));
    out.forked = Number(await infoField(c, 'stats', 'total_forks')) - forks;
    out.enabled = await infoField(c, 'persistence', 'aof_enabled');
    out.incr = await c.call('INCR', 'n');
    const log = fs.readFileSync(path.join(dir, 'log.txt'), 'utf8');
    out.logged = log.includes('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    c.close();
    await srv.close();
    // The log replays to the value the client saw: the INCR inside the transaction once.
    srv = await target.start(dir, true);
    const r = await srv.connect();
    out.afterRestart = await r.call('GET', 'n');
    r.close();
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

test('CONFIG SET appendonly yes inside MULTI: scheduled, logged and replayed as in redis-server', async (t) => {
  if (!requireRedisServer(t)) return;
  const expected = {
    exec: [11, 'OK'],
    inExec: ['1', '1'],
    forked: 1,
    enabled: '1',
    incr: 12,
    logged: true,
    afterRestart: '12',
  };
  for (const target of targets) assert.deepEqual(await enableInMulti(target), expected, target.name);
});

/** BGREWRITEAOF queued in MULTI (AOF on): scheduled, started by the cron, counted as a fork. */
async function rewriteInMulti(target: Target): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const srv = await target.start(dir, true);
  const out: Record<string, unknown> = {};
  try {
    const c = await srv.connect();
    const forks = Number(await infoField(c, 'stats', 'total_forks'));
    const rewrites = Number(await infoField(c, 'persistence', 'aof_rewrites'));
    await c.call('MULTI');
    await c.call('SET', 'foo', 'bar');
    await c.call('INCR', 'counter');
    await c.call('BGREWRITEAOF');
    out.exec = await c.call('EXEC');
    await until(async () => (await rewriteDone(c)) && Number(await infoField(c, 'persistence', 'aof_rewrites')) > rewrites);
    out.forked = Number(await infoField(c, 'stats', 'total_forks')) - forks;
    await c.call('CONFIG', 'RESETSTAT');
    out.afterReset = [await infoField(c, 'stats', 'total_forks'), await infoField(c, 'stats', 'latest_fork_usec')];
    c.close();
  } finally {
    await srv.close();
  }
  // The rewritten base and the new incremental file hold the transaction once.
  const again = await target.start(dir, true);
  try {
    const r = await again.connect();
    out.restored = [await r.call('GET', 'foo'), await r.call('GET', 'counter')];
    r.close();
  } finally {
    await again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

test('BGREWRITEAOF inside MULTI is scheduled and started by the cron, as in redis-server; total_forks counts it', async (t) => {
  if (!requireRedisServer(t)) return;
  const expected = {
    exec: ['OK', 1, 'Background append only file rewriting scheduled'],
    forked: 1,
    afterReset: ['0', '0'],
    restored: ['bar', '1'],
  };
  for (const target of targets) assert.deepEqual(await rewriteInMulti(target), expected, target.name);
});

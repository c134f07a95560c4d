// A replica loads a full sync's payload in slices across event-loop turns, as a Redis replica with
// repl-diskless-load disabled: while it loads, clients get -LOADING and INFO (which may run while
// loading) is answered between the slices, saying loading:1 with the payload's size; the
// master's writes made meanwhile are run once the load is over, and the copy matches the master.
// key-load-delay slows the load so that it can be seen (no timing is asserted).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { caughtUp, field, linkUp, until } from './wait.js';

const opened: TestServer[] = [];
after(async () => {
  for (const s of opened.reverse()) await s.close();
});

const KEYS = 3000;

async function fill(m: RespClient): Promise<void> {
  for (let i = 0; i < KEYS; i += 500) {
    const args: string[] = [];
    for (let j = i; j < i + 500; j++) args.push(`key:${j}`, `value-${j}-${'x'.repeat(j % 50)}`);
    assert.equal(await m.call('MSET', ...args), 'OK');
  }
  await m.call('RPUSH', 'list', 'a', 'b', 'c');
  await m.call('HSET', 'hash', 'f', 'v');
}

/** Every key's value, for comparing master and replica. */
async function contents(c: RespClient): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (let i = 0; i < KEYS; i++) out.set(`key:${i}`, await c.call('GET', `key:${i}`));
  out.set('list', await c.call('LRANGE', 'list', '0', '-1'));
  out.set('hash', await c.call('HGETALL', 'hash'));
  out.set('during', await c.call('GET', 'during'));
  out.set('dbsize', await c.call('DBSIZE'));
  return out;
}

async function watchLoad(master: RespClient, replica: TestServer, masterPort: number): Promise<void> {
  const r = await replica.connect();
  const ping = await replica.connect();
  assert.equal(await r.call('REPLICAOF', '127.0.0.1', String(masterPort)), 'OK');
  // Between slices: -LOADING for PING, INFO answered with the loading figures.
  let loadingInfo = '';
  await until('INFO loading:1 on the replica', async () => {
    const info = (await r.call('INFO', 'persistence')) as string;
    if (field(info, 'loading') !== '1') return false;
    loadingInfo = info;
    return true;
  }, 60_000);
  assert.ok(Number(field(loadingInfo, 'loading_total_bytes')) > 0, 'loading_total_bytes is the payload size');
  assert.deepEqual(await ping.call('PING'), { error: 'LOADING Redis is loading the dataset in memory' });
  assert.deepEqual(await ping.call('GET', 'key:1'), { error: 'LOADING Redis is loading the dataset in memory' });
  // The master writes while the replica loads: run by the replica after the load.
  assert.equal(await master.call('SET', 'during', 'the-load'), 'OK');
  const stillLoading = field((await r.call('INFO', 'persistence')) as string, 'loading');
  assert.equal(stillLoading, '1', 'the write came while the replica was still loading');
  await r.call('CONFIG', 'SET', 'key-load-delay', '0');
  await linkUp(r, 60_000);
  await caughtUp(master, r, 60_000);
  assert.equal(await ping.call('PING'), 'PONG');
  assert.deepEqual(await contents(r), await contents(master));
  r.close();
  ping.close();
}

const SLOW = { 'key-load-delay': '2000', 'loading-process-events-interval-bytes': '1024' };

/** Fill `master`, make `replica` its replica and watch it load (both closed after the file's tests). */
async function fillAndWatchLoad(master: TestServer, replica: TestServer): Promise<void> {
  opened.push(master, replica);
  const m = await master.connect();
  await fill(m);
  await watchLoad(m, replica, master.port);
  m.close();
}

test('a Tidings replica of Tidings loads the full sync in slices: -LOADING meanwhile, then the same data', async () => {
  const master = await startTidings();
  await fillAndWatchLoad(master, await startTidings({ config: SLOW }));
});

test('a Tidings replica of redis-server (diskless $EOF: payload) loads it in slices', async (t) => {
  if (!requireRedisServer(t)) return;
  const master = await startRedis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
  await fillAndWatchLoad(master, await startTidings({ config: SLOW }));
});

// DEBUG PAUSE-CRON and DEBUG REPLYBUFFER against redis-server: the same replies and error texts,
// active expiry held while the cron is paused, and the same reply buffer sizes (CLIENT LIST rbs)
// as an idle client shrinks and a busy one grows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { DiffPair } from './harness.js';

let tidings: TestServer | undefined;
let redis: TestServer | undefined;

before(async (t) => {
  if (!requireRedisServer(t as never)) return;
  [tidings, redis] = await Promise.all([
    startTidings({ config: { 'enable-debug-command': 'yes' } }),
    startRedis(['--enable-debug-command', 'yes']),
  ]);
});
after(async () => {
  await Promise.all([tidings?.close(), redis?.close()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function rbs(c: RespClient, name: string): Promise<string> {
  const list = String(await c.call('CLIENT', 'LIST'));
  const line = list.split('\n').find((l) => l.includes(` name=${name} `))!;
  return / rbs=(\d+)/.exec(line)![1]!;
}

test('DEBUG PAUSE-CRON / REPLYBUFFER / SHUTDOWN ABORT replies match redis-server', async (t) => {
  if (tidings === undefined || redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const [a, b] = await Promise.all([tidings.connect(), redis.connect()]);
  const p = new DiffPair(a, b);
  try {
    await p.checkAll([
      ['FLUSHALL'],
      ['DEBUG', 'PAUSE-CRON'],
      ['DEBUG', 'pause-cron', '1', '2'],
      ['DEBUG', 'PAUSE-CRON', '1'],
      ['SET', 'k', 'v', 'PX', '20'],
    ]);
    await sleep(250);
    // Not looked up, not actively expired: still counted on both.
    await p.checkAll([
      ['DBSIZE'],
      ['SHUTDOWN', 'ABORT'],
      ['DEBUG', 'PAUSE-CRON', '0'],
      ['DEBUG', 'REPLYBUFFER'],
      ['DEBUG', 'REPLYBUFFER', 'foo', 'bar'],
      ['DEBUG', 'REPLYBUFFER', 'peak-reset-time'],
      ['DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'abc'],
      ['DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'NEVER'],
      ['DEBUG', 'REPLYBUFFER', 'peak-reset-time', '-5'],
      ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'reset'],
      ['DEBUG', 'REPLYBUFFER', 'resizing', '0'],
      ['DEBUG', 'REPLYBUFFER', 'RESIZING', '1'],
      ['DEBUG', 'CONFIG-REWRITE-FORCE-ALL', 'extra'],
    ]);
    await waitFor(async () => (await a.call('DBSIZE')) === 0 && (await b.call('DBSIZE')) === 0, 'active expiry on both');
  } finally {
    p.close();
  }
});

test('reply buffer sizes follow redis-server as a client idles and then reads 32 KB values', async (t) => {
  if (tidings === undefined || redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const observe = async (server: TestServer): Promise<string[]> => {
    const c = await server.connect();
    await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', '100');
    const tc = await server.connect();
    try {
      await tc.call('CLIENT', 'SETNAME', 'watched');
      const seen = [await rbs(c, 'watched')];
      await waitFor(async () => (await rbs(c, 'watched')) !== seen[0], 'the idle buffer to shrink');
      seen.push(await rbs(c, 'watched'));
      await c.call('SET', 'bigval', 'x'.repeat(32768));
      await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'never');
      while (seen[seen.length - 1] !== '16384') {
        const before = seen[seen.length - 1];
        await tc.call('GET', 'bigval');
        await waitFor(async () => (await rbs(c, 'watched')) !== before, 'the busy buffer to grow');
        seen.push(await rbs(c, 'watched'));
      }
      return seen;
    } finally {
      await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'reset');
      tc.close();
      c.close();
    }
  };
  const [fromTidings, fromRedis] = await Promise.all([observe(tidings), observe(redis)]);
  assert.deepEqual(fromTidings, fromRedis);
  assert.deepEqual(fromRedis, ['16384', '1024', '2048', '4096', '8192', '16384']);
});

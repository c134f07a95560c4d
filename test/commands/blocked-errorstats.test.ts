// A blocked command that ends with an error (CLIENT UNBLOCK ... ERROR, XGROUP DESTROY under a
// blocked XREADGROUP) counts as a failed call of that command and in errorstats, as in Redis: the
// same sequence runs against Tidings and redis-server and their INFO lines must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/servers.js';
import { tidingsAndRedis } from '../helpers/fixtures.js';
import type { RespClient } from '../helpers/resp.js';

const both = tidingsAndRedis();

/** The `calls=...,failed_calls=N` tail of a cmdstat line without the timing fields. */
async function cmdstat(c: RespClient, name: string): Promise<string> {
  const info = (await c.call('INFO', 'commandstats')) as string;
  const line = info.split('\r\n').find((l) => l.startsWith(`cmdstat_${name}:`)) ?? '';
  return line.replace(/usec=\d+,usec_per_call=[\d.]+,/, '');
}

async function errorstat(c: RespClient, code: string): Promise<string | undefined> {
  const info = (await c.call('INFO', 'errorstats')) as string;
  return info.split('\r\n').find((l) => l.startsWith(`errorstat_${code}:`));
}

async function waitBlocked(c: RespClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = (await c.call('INFO', 'clients')) as string;
    if (/blocked_clients:1\r\n/.test(info)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the client did not block');
}

async function scenario(srv: TestServer): Promise<string[]> {
  const c = await srv.connect();
  const rd = await srv.connect();
  const seen: string[] = [];
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'RESETSTAT');
  const id = (await rd.call('CLIENT', 'ID')) as number;
  rd.send('BLPOP', 'list1', '0');
  await waitBlocked(c);
  seen.push(String(await c.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')));
  seen.push(JSON.stringify(await rd.read()));
  seen.push(await cmdstat(c, 'blpop'), String(await errorstat(c, 'UNBLOCKED')));
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  rd.send('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
  await waitBlocked(c);
  seen.push(String(await c.call('XGROUP', 'DESTROY', 's', 'g')));
  seen.push(JSON.stringify(await rd.read()));
  seen.push(await cmdstat(c, 'xreadgroup'), String(await errorstat(c, 'NOGROUP')));
  const info = (await c.call('INFO', 'stats')) as string;
  seen.push(/total_error_replies:\d+/.exec(info)![0]);
  c.close();
  rd.close();
  return seen;
}

test('a blocked command ended by an error is a failed call, as in Redis', async (t) => {
  const mine = await scenario(both.tidings);
  assert.match(mine[2]!, /calls=1,rejected_calls=0,failed_calls=1$/);
  if (both.redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  assert.deepEqual(mine, await scenario(both.redis));
});

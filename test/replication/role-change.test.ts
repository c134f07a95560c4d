// A master that becomes a replica: clients blocked in BLPOP, XREAD or WAIT get redis-server's
// -UNBLOCKED and are disconnected (a paused client is not blocked in a command and stays); and on a
// stale replica with replica-serve-stale-data no, a flagless EVAL gets -MASTERDOWN. Compared byte
// for byte with redis-server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDiffServers, type DiffServers } from '../diff/harness.js';
import { freePort } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { until, field } from './wait.js';

let diff: DiffServers | undefined;
after(async () => {
  await diff?.close();
});

test('REPLICAOF unblocks blocked clients with -UNBLOCKED and closes them; flagless EVAL on a stale replica gets -MASTERDOWN, as redis-server', async (t) => {
  diff = await startDiffServers(t);
  if (diff === undefined) return;
  const nowhere = await freePort();
  const results: Record<string, unknown>[] = [];
  for (const server of [diff.tidings, diff.redis]) {
    const c = await server.connect();
    await c.call('CONFIG', 'RESETSTAT');
    const waiters: RespClient[] = [];
    for (const command of [['BLPOP', 'l', '0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['WAIT', '1', '0']]) {
      const w = await server.connect();
      w.send(...command);
      waiters.push(w);
    }
    await until('three blocked clients', async () => field((await c.call('INFO', 'clients')) as string, 'blocked_clients') === '3');
    await c.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    await c.call('REPLICAOF', '127.0.0.1', String(nowhere));
    const replies = [];
    for (const w of waiters) {
      replies.push((await w.readFrame())?.raw.toString('latin1'));
      replies.push(await w.readFrame()); // then the connection closes
    }
    const result = {
      replies,
      errorstats: (await c.call('INFO', 'errorstats')) as string,
      blocked: field((await c.call('INFO', 'clients')) as string, 'blocked_clients'),
      flagless: await c.call('EVAL', "return redis.call('get', KEYS[1])", '1', 'x'),
      flagged: await c.call('EVAL', "#!lua flags=no-writes\nreturn 1", '0'),
      stale: await c.call('EVAL', "#!lua flags=no-writes,allow-stale\nreturn 1", '0'),
    };
    results.push(result);
    await c.call('REPLICAOF', 'NO', 'ONE');
    await c.call('CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
    c.close();
  }
  assert.deepEqual(results[0], results[1]);
  assert.equal((results[0]!.replies as unknown[])[0], '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n');
  assert.deepEqual(results[0]!.flagless, { error: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." });
});

// Consumer groups across a restart from the append-only file: a group's last-delivered-id,
// entries-read and lag, its PEL and consumers come back as they were, from the incremental file
// (XREADGROUP's effects end with XGROUP SETID ... ENTRIESREAD) and from a rewritten base
// (XSETID ... ENTRIESADDED ... MAXDELETEDID, XGROUP CREATE ... ENTRIESREAD), in Tidings and in
// redis-server loading Tidings' directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { tempDir, until } from './aof-util.js';

async function workload(c: RespClient, waiter: RespClient): Promise<void> {
  for (let i = 1; i <= 6; i++) await c.call('XADD', 's', `${i}-0`, 'f', `v${i}`);
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  await c.call('XGROUP', 'CREATE', 's', 'tail', '$');
  await c.call('XGROUP', 'CREATE', 's', 'given', '0', 'ENTRIESREAD', 0);
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 's', '>');
  await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', 1, 'STREAMS', 's', '>');
  await c.call('XACK', 's', 'g', '1-0');
  await c.call('XREADGROUP', 'GROUP', 'given', 'carol', 'NOACK', 'COUNT', 3, 'STREAMS', 's', '>');
  await c.call('XCLAIM', 's', 'g', 'dave', 0, '2-0');
  // A read served after blocking (the retry path records its own effects).
  waiter.send('XREADGROUP', 'GROUP', 'tail', 'erin', 'BLOCK', 0, 'STREAMS', 's', '>');
  await until(async () => ((await c.call('INFO', 'clients')) as string).includes('blocked_clients:1'));
  await c.call('XADD', 's', '7-0', 'f', 'v7');
  await waiter.read();
  await c.call('XADD', 's', '8-0', 'f', 'v8');
  await c.call('XDEL', 's', '8-0');
  await c.call('XADD', 's', '9-0', 'f', 'v9');
  // A group whose lag is known again after reading past the deleted entry.
  await c.call('XGROUP', 'CREATE', 's', 'late', '0');
  await c.call('XREADGROUP', 'GROUP', 'late', 'fay', 'STREAMS', 's', '>');
}

/** What must survive the restart: XINFO GROUPS whole, XINFO STREAM FULL without the clocks of consumers. */
async function groupState(c: RespClient): Promise<unknown> {
  const groups = await c.call('XINFO', 'GROUPS', 's');
  const full = (await c.call('XINFO', 'STREAM', 's', 'FULL')) as unknown[];
  const scrub = (v: unknown): unknown => {
    if (!Array.isArray(v)) return v;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      // A replayed consumer was seen (and active) at replay time, in Redis too.
      if ((v[i] === 'seen-time' || v[i] === 'active-time') && i + 1 < v.length) {
        i++;
        continue;
      }
      out.push(scrub(v[i]));
    }
    return out;
  };
  return { groups, full: scrub(full) };
}

async function restartedState(srv: TestServer): Promise<unknown> {
  try {
    const c = await srv.connect();
    // redis-server listens before it has loaded its files.
    await until(async () => /\r\nloading:0\r\n/.test((await c.call('INFO', 'persistence')) as string));
    const state = await groupState(c);
    c.close();
    return state;
  } finally {
    await srv.close();
  }
}

for (const preamble of ['yes', 'no']) {
  test(`consumer groups survive a restart from the AOF, its rewrite (preamble ${preamble}) and redis-server loading it`, async (t) => {
    const dir = tempDir();
    const config = { appendonly: 'yes', dir, 'aof-use-rdb-preamble': preamble };
    let before: unknown;
    const srv = await startTidings({ config });
    try {
      const c = await srv.connect();
      const waiter = await srv.connect();
      await workload(c, waiter);
      before = await groupState(c);
      // The live groups are redis-server's for the same commands (entries-read known for each).
      if (requireRedisServer(t)) {
        const ref = await startRedis();
        try {
          const rc = await ref.connect();
          const rw = await ref.connect();
          await workload(rc, rw);
          assert.deepEqual((before as { groups: unknown }).groups, await rc.call('XINFO', 'GROUPS', 's'), 'live XINFO GROUPS as redis-server');
          rc.close();
          rw.close();
        } finally {
          await ref.close();
        }
      }
      const groups = (before as { groups: unknown[][] }).groups;
      assert.ok(groups.every((g) => typeof g[g.indexOf('entries-read') + 1] === 'number'), 'every group knows its entries-read');
      c.close();
      waiter.close();
    } finally {
      await srv.close();
    }

    // 1. From the base and the incremental file that holds every command above.
    assert.deepEqual(await restartedState(await startTidings({ config })), before, 'Tidings, incremental file');
    if (requireRedisServer(t)) {
      assert.deepEqual(await restartedState(await startRedis(['--appendonly', 'yes', '--dir', dir])), before, 'redis-server on the incremental file');
    }

    // 2. From a rewritten base.
    const again = await startTidings({ config });
    try {
      const c = await again.connect();
      await c.call('BGREWRITEAOF');
      await until(async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrites:1/.test((await c.call('INFO', 'persistence')) as string));
      c.close();
    } finally {
      await again.close();
    }
    assert.deepEqual(await restartedState(await startTidings({ config })), before, 'Tidings, rewritten base');
    if (requireRedisServer(t)) {
      assert.deepEqual(await restartedState(await startRedis(['--appendonly', 'yes', '--dir', dir])), before, 'redis-server on the rewritten base');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

// used_memory_lua over TCP: Redis reports its Lua heap in use (garbage not yet collected included)
// and keeps it near the live size: a collection step every 50 scripts, a new VM on SCRIPT FLUSH.
// Tidings does the same steps (a full collection on SCRIPT FLUSH), so many scripts that make
// garbage leave the heap under the bound Redis's suite allows ("EVAL does not leak in the Lua
// stack"). INFO memory names the same scripting fields as redis-server, in its order.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/servers.js';
import { tidingsAndRedis } from '../helpers/fixtures.js';
import type { RespClient } from '../helpers/resp.js';

const both = tidingsAndRedis();

async function infoField(c: RespClient, field: string): Promise<number> {
  const info = (await c.call('INFO', 'memory')) as string;
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)![1]);
}

test('used_memory_lua stays under 100 KB after SCRIPT FLUSH and 10000 scripts', async () => {
  const c = await both.tidings.connect();
  assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
  const afterFlush = await infoField(c, 'used_memory_lua');
  assert.equal(await c.call('SET', 'x', '0'), 'OK');
  for (let i = 0; i < 10000; i++) c.send('EVAL', 'return redis.call("incr",KEYS[1])', '1', 'x');
  for (let i = 0; i < 10000; i++) await c.readFrame();
  const used = await infoField(c, 'used_memory_lua');
  assert.ok(used < 100 * 1024, `used_memory_lua ${used}`);
  assert.equal(await infoField(c, 'used_memory_vm_eval'), used);
  // SCRIPT FLUSH collects: back to the live heap of an empty cache.
  assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
  assert.ok((await infoField(c, 'used_memory_lua')) <= afterFlush + 1024);
  c.close();
});

test('INFO memory has the scripting fields of redis-server, in its order', async (t) => {
  if (both.redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const names = async (srv: TestServer): Promise<string[]> => {
    const c = await srv.connect();
    const info = (await c.call('INFO', 'memory')) as string;
    c.close();
    return [...info.matchAll(/^([a-z_]+):/gm)]
      .map((m) => m[1]!)
      .filter((n) => /lua|scripts|functions|vm_|libraries/.test(n));
  };
  assert.deepEqual(await names(both.tidings), await names(both.redis));
});

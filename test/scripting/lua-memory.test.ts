// used_memory_lua over TCP: Redis reports its Lua heap in use (garbage not yet collected included)
// and keeps it near the live size: a collection step every 50 scripts, a new VM on SCRIPT FLUSH.
// Tidings does the same steps (a full collection on SCRIPT FLUSH), so many scripts that make
// garbage leave the heap under the bound Redis's suite allows ("EVAL does not leak in the Lua
// stack"). cjson, cmsgpack, bit and struct are built on first use and dropped on SCRIPT FLUSH (a new
// VM in Redis), which keeps that heap small; scripts see the libraries as before. INFO memory names
// the same scripting fields as redis-server, in its order.
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

const useEverything = `return {cjson.encode({1, 'a'}), cjson.decode('[1]')[1], cmsgpack.pack({1, 2}),
  cmsgpack.unpack(cmsgpack.pack(7)), bit.band(7, 3), struct.pack('>i', 1), struct.size('>i')}`;

test('a fresh VM holds under 64 KB; after every library and a function were used, SCRIPT FLUSH and 10000 scripts stay under 100 KB', async () => {
  const c = await both.tidings.connect();
  assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
  const fresh = await infoField(c, 'used_memory_lua');
  assert.ok(fresh > 0 && fresh < 64 * 1024, `used_memory_lua ${fresh} after SCRIPT FLUSH`);
  await c.call('EVAL', useEverything, '0');
  await c.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=memlib\nredis.register_function('memf', function() return cjson.encode({1}) end)");
  assert.equal(await c.call('FCALL', 'memf', '0'), '[1]');
  assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
  // The function keeps working (it built its own copy of cjson again), and so do scripts.
  assert.equal(await c.call('FCALL', 'memf', '0'), '[1]');
  assert.equal(await c.call('SET', 'x', '0'), 'OK');
  for (let i = 0; i < 10000; i++) c.send('EVAL', 'return redis.call("incr",KEYS[1])', '1', 'x');
  for (let i = 0; i < 10000; i++) await c.readFrame();
  const used = await infoField(c, 'used_memory_lua');
  assert.ok(used < 100 * 1024, `used_memory_lua ${used}`);
  assert.equal(await c.call('FUNCTION', 'DELETE', 'memlib'), 'OK');
  c.close();
});

test('libraries built on first use look as Redis\'s: in pairs(_G) before use, read-only, settings reset by SCRIPT FLUSH', async (t) => {
  if (both.redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const run = async (srv: TestServer): Promise<unknown[]> => {
    const c = await srv.connect();
    const out: unknown[] = [];
    const call = async (...args: string[]): Promise<void> => {
      try {
        out.push(await c.call(...args));
      } catch (error) {
        out.push(String(error));
      }
    };
    await call('SCRIPT', 'FLUSH');
    // Before any script read them, the libraries are globals like any other.
    await call('EVAL', "local n = {} for k, v in pairs(_G) do if k == 'cjson' or k == 'cmsgpack' or k == 'bit' or k == 'struct' then n[#n + 1] = k .. ':' .. type(v) end end table.sort(n) return n", '0');
    await call('SCRIPT', 'FLUSH');
    await call('EVAL', 'cjson.encode = nil', '0');
    await call('EVAL', "bit.x = 1", '0');
    await call('EVAL', 'return cjson.encode_max_depth(5)', '0');
    await call('EVAL', 'return cjson.encode_max_depth()', '0');
    await call('EVAL', useEverything, '0');
    await call('SCRIPT', 'FLUSH');
    await call('EVAL', 'return cjson.encode_max_depth()', '0');
    await call('EVAL', 'return {type(cmsgpack), type(struct.unpack), bit.tohex(255)}', '0');
    c.close();
    return out;
  };
  assert.deepEqual(await run(both.tidings), await run(both.redis));
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

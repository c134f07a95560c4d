// Lazy freeing as INFO shows it, against redis-server: lazyfreed_objects counts what Redis hands to
// its background thread (UNLINK, FLUSH* ASYNC, the lazyfree-lazy-* deletions) when freeing the value
// costs more than 64 allocations; lazyfree_pending_objects is back to 0 once the thread is done
// (at once in Tidings, which frees synchronously). The counter is compared after every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipLoudly, type TestServer } from '../helpers/servers.js';
import { serverPair } from './harness.js';
import type { RespClient } from '../helpers/resp.js';

const pair = serverPair();

function field(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  assert.ok(m, `INFO has ${name}`);
  return Number(m[1]);
}

/** lazyfreed_objects once nothing is pending any more. */
async function lazyfreed(c: RespClient): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const info = String(await c.call('INFO', 'memory'));
    if (field(info, 'lazyfree_pending_objects') === 0) return field(info, 'lazyfreed_objects');
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('lazyfree_pending_objects stayed above 0');
}

const FILL = `local n = tonumber(ARGV[2]) for i = 1, n do redis.call(ARGV[1], KEYS[1], unpack(ARGV, 3)) end`;
// Members as the Lua loop builds them: ARGV[3] == 'int' gives integers (an intset), else strings.
const SADD = `for i = 1, tonumber(ARGV[1]) do redis.call('SADD', KEYS[1], ARGV[2] == 'int' and i or ('m' .. i)) end`;
const HSET = `for i = 1, tonumber(ARGV[1]) do redis.call('HSET', KEYS[1], 'f' .. i, i) end`;
const ZADD = `for i = 1, tonumber(ARGV[1]) do redis.call('ZADD', KEYS[1], i, 'm' .. i) end`;
const XADD = `for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'f', i) end`;

/** The same steps on one server; lazyfreed_objects after each. */
async function scenario(server: TestServer): Promise<[string, number][]> {
  const c = await server.connect();
  const seen: [string, number][] = [];
  const step = async (label: string, ...commands: (string | number)[][]) => {
    for (const cmd of commands) await c.call(...cmd);
    seen.push([label, await lazyfreed(c)]);
  };
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'RESETSTAT');
    await step('start');
    await step('UNLINK a 100-member hashtable set', ['EVAL', SADD, 1, 's', 100, 'str'], ['UNLINK', 's']);
    await step('UNLINK a 100-member intset', ['EVAL', SADD, 1, 's', 100, 'int'], ['UNLINK', 's']);
    await step('UNLINK 65 members', ['EVAL', SADD, 1, 's', 65, 'str'], ['UNLINK', 's']);
    await step('UNLINK 64 members', ['EVAL', SADD, 1, 's', 64, 'str'], ['UNLINK', 's']);
    await step('DEL', ['EVAL', SADD, 1, 's', 100, 'str'], ['DEL', 's']);
    await step('UNLINK a missing key and a string', ['SET', 'x', 'y'], ['UNLINK', 'x', 'nosuch']);
    await step('UNLINK a big hash', ['EVAL', HSET, 1, 'h', 200], ['UNLINK', 'h']);
    await step('UNLINK a small hash', ['EVAL', HSET, 1, 'h', 100], ['UNLINK', 'h'], ['EVAL', HSET, 1, 'h', 10], ['UNLINK', 'h']);
    await step('UNLINK a skiplist', ['EVAL', ZADD, 1, 'z', 200], ['UNLINK', 'z']);
    await step('UNLINK a listpack zset', ['EVAL', ZADD, 1, 'z', 100], ['UNLINK', 'z']);
    await step('UNLINK a list of many nodes', ['EVAL', FILL, 1, 'l', 'RPUSH', 1000, 'x'.repeat(1000)], ['UNLINK', 'l']);
    await step('UNLINK a list of few nodes', ['EVAL', FILL, 1, 'l', 'RPUSH', 1000, 'x'], ['UNLINK', 'l']);
    await step(
      'UNLINK a stream of many nodes, with a group',
      ['CONFIG', 'SET', 'stream-node-max-entries', 5],
      ['EVAL', XADD, 1, 'st', 1000],
      ['XGROUP', 'CREATE', 'st', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 'st', '>'],
      ['UNLINK', 'st'],
    );
    await step('UNLINK a stream with a destroyed group', ['XADD', 'st', '*', 'a', 'b'], ['XGROUP', 'CREATE', 'st', 'g', '$'], ['XGROUP', 'DESTROY', 'st', 'g'], ['UNLINK', 'st']);
    await step('UNLINK a stream of one node, many groups', ['XADD', 'st', '*', 'a', 'b'], ...Array.from({ length: 70 }, (_, i) => ['XGROUP', 'CREATE', 'st', `g${i}`, '$']), ['UNLINK', 'st']);
    await step('FLUSHDB ASYNC', ['SET', 'a', 1], ['SET', 'b', 2], ['FLUSHDB', 'ASYNC']);
    await step('FLUSHALL ASYNC', ['SET', 'a', 1], ['SELECT', 3], ['SET', 'b', 2], ['SET', 'c', 2], ['SELECT', 0], ['FLUSHALL', 'ASYNC']);
    await step('FLUSHALL SYNC', ['SET', 'a', 1], ['FLUSHALL', 'SYNC'], ['SET', 'a', 1], ['FLUSHALL']);
    await step('lazyfree-lazy-user-flush', ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes'], ['SET', 'a', 1], ['FLUSHDB'], ['SET', 'a', 1], ['FLUSHDB', 'SYNC']);
    await step('lazyfree-lazy-user-del', ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'], ['EVAL', SADD, 1, 's', 100, 'str'], ['DEL', 's']);
    await step('overwrite, lazyfree-lazy-server-del no', ['EVAL', SADD, 1, 's', 100, 'str'], ['SET', 's', 'x']);
    await step(
      'overwrite, lazyfree-lazy-server-del yes',
      ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'yes'],
      ['EVAL', SADD, 1, 's2', 100, 'str'],
      ['SET', 's2', 'x'],
      ['EVAL', SADD, 1, 't', 100, 'str'],
      ['SINTERSTORE', 't', 'nosuch'],
      ['EVAL', SADD, 1, 't', 100, 'str'],
      ['EVAL', SADD, 1, 'u', 100, 'str'],
      ['SUNIONSTORE', 't', 'u'],
      ['RENAME', 'u', 't'],
      ['EVAL', SADD, 1, 'u', 100, 'str'],
      ['COPY', 't', 'u', 'REPLACE'],
      ['MOVE', 'u', 5],
      ['ZUNIONSTORE', 't', 1, 'nosuch'],
    );
    await c.call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
    await c.call('EVAL', SADD, 1, 'e', 100, 'str');
    await c.call('PEXPIRE', 'e', 1);
    await new Promise((r) => setTimeout(r, 5));
    // Expired either by the active cycle or by this lookup: both count.
    for (let i = 0; i < 100 && (await c.call('EXISTS', 'e')) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    await step('lazyfree-lazy-expire');
    await step('CONFIG RESETSTAT', ['CONFIG', 'RESETSTAT']);
  } finally {
    await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no', 'lazyfree-lazy-user-del', 'no', 'lazyfree-lazy-server-del', 'no', 'lazyfree-lazy-expire', 'no', 'stream-node-max-entries', 100);
    c.close();
  }
  return seen;
}

test('INFO lazyfreed_objects counts what Redis frees lazily, step by step as redis-server does', async (t) => {
  const { tidings, redis } = pair;
  if (tidings === undefined || redis === undefined) return skipLoudly(t, 'redis-server is not installed');
  const theirs = await scenario(redis);
  const ours = await scenario(tidings);
  assert.deepEqual(ours, theirs);
});

test('lazyfree-lazy-eviction: an evicted big value counts as freed lazily', async (t) => {
  const { tidings } = pair;
  if (tidings === undefined) return skipLoudly(t, 'redis-server is not installed');
  const c = await tidings.connect();
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('EVAL', SADD, 1, 'big', 100, 'str');
    await c.call('CONFIG', 'SET', 'lazyfree-lazy-eviction', 'yes', 'maxmemory-policy', 'allkeys-random');
    const used = field(String(await c.call('INFO', 'memory')), 'used_memory');
    await c.call('CONFIG', 'SET', 'maxmemory', used - 1000);
    await c.call('SET', 'k', 'v');
    assert.equal(await c.call('EXISTS', 'big'), 0);
    assert.equal(await lazyfreed(c), 1);
  } finally {
    await c.call('CONFIG', 'SET', 'maxmemory', 0, 'maxmemory-policy', 'noeviction', 'lazyfree-lazy-eviction', 'no');
    c.close();
  }
});

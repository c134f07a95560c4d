// Eviction runs before every command a client sends, a read too (Redis's processCommand), so the
// invalidation message of an evicted tracked key reaches the client before the reply of the read
// that evicted it. The same bytes are compared with redis-server's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipLoudly, type TestServer } from '../helpers/servers.js';
import { serverPair } from './harness.js';

const pair = serverPair();

async function scenario(server: TestServer): Promise<string[]> {
  const c = await server.connect();
  const frames: string[] = [];
  try {
    await c.call('FLUSHALL');
    await c.call('HELLO', '3');
    await c.call('CLIENT', 'TRACKING', 'on');
    const used = Number(/^used_memory:(\d+)/m.exec(String(await c.call('INFO', 'memory')))![1]);
    await c.call('CONFIG', 'SET', 'maxmemory', used + 100 * 1024, 'maxmemory-policy', 'volatile-random');
    for (const cmd of [['SETEX', 'volatile-key', '10000', 'x'], ['GET', 'volatile-key'], ['SETBIT', 'big-key', '1600000', '0']]) {
      frames.push((await c.callFrame(...cmd)).raw.toString('latin1'));
    }
    c.send('GETBIT', 'big-key', '0');
    // The invalidation, then GETBIT's reply.
    for (let i = 0; i < 2; i++) frames.push((await c.readFrame())!.raw.toString('latin1'));
  } finally {
    await c.call('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
    c.close();
  }
  return frames;
}

test('a read evicts first: the invalidation of the evicted tracked key comes before its reply', async (t) => {
  const { tidings, redis } = pair;
  if (tidings === undefined || redis === undefined) return skipLoudly(t, 'redis-server is not installed');
  const theirs = await scenario(redis);
  assert.equal(theirs[3], '>2\r\n$10\r\ninvalidate\r\n*1\r\n$12\r\nvolatile-key\r\n');
  assert.deepEqual(await scenario(tidings), theirs);
});

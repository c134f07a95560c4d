// node-redis's client-side cache (`clientSideCache`, RESP3: CLIENT TRACKING ON and invalidation
// pushes) against Tidings and, for the same expectations, redis-server: a cached read is served
// locally until another client writes the key, then the next read fetches the fresh value.
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type RedisClientOptions } from 'redis';
import { startTidings, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';
import { waitFor } from './wait.js';

type Client = ReturnType<typeof createClient>;

async function withServer(t: TestContext, target: 'tidings' | 'redis-server', fn: (open: (options?: Record<string, unknown>) => Promise<Client>, srv: TestServer) => Promise<void>) {
  if (target === 'redis-server' && !hasRedisServer()) {
    skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
    return;
  }
  const srv = target === 'tidings' ? await startTidings() : await startRedis();
  const clients: Client[] = [];
  const open = async (options: Record<string, unknown> = {}) => {
    const c = createClient({ socket: { host: '127.0.0.1', port: srv.port }, RESP: 3, ...options } as unknown as RedisClientOptions) as Client;
    c.on('error', () => {});
    clients.push(c);
    await c.connect();
    return c;
  };
  try {
    await fn(open, srv);
  } finally {
    for (const c of clients) c.destroy();
    await srv.close();
  }
}

for (const target of ['tidings', 'redis-server'] as const) {
  describe(`node-redis clientSideCache against ${target}`, () => {
    test('a cached value is refreshed after another client writes the key', (t) =>
      withServer(t, target, async (open) => {
        const writer = await open({ RESP: 2 });
        await writer.flushAll();
        await writer.set('user:1', 'alice');
        const cached = await open({ clientSideCache: { ttl: 0, maxEntries: 0 } });
        const cache = cached.clientSideCache!;
        const invalidated: (string | null)[] = [];
        (cache as unknown as NodeJS.EventEmitter).on('invalidate', (key: Buffer | null) => invalidated.push(key === null ? null : key.toString()));

        assert.equal(await cached.get('user:1'), 'alice');
        assert.equal(await cached.get('user:1'), 'alice');
        assert.equal(cache.stats().hitCount, 1);
        assert.equal(cache.stats().missCount, 1);

        await writer.set('user:1', 'bob');
        await waitFor(() => invalidated.includes('user:1'), 'invalidation of user:1');
        assert.equal(await cached.get('user:1'), 'bob');
        assert.equal(cache.stats().missCount, 2);

        // Hashes too, and a key the cache holder writes itself.
        await writer.hSet('h', { a: '1' });
        assert.deepEqual({ ...(await cached.hGetAll('h')) }, { a: '1' });
        await cached.hSet('h', { a: '2' });
        await waitFor(() => invalidated.includes('h'), 'invalidation of h');
        assert.deepEqual({ ...(await cached.hGetAll('h')) }, { a: '2' });

        // Expiry invalidates as well.
        await writer.set('short', 'x', { PX: 30 });
        assert.equal(await cached.get('short'), 'x');
        await waitFor(() => invalidated.includes('short'), 'invalidation of an expired key');
        assert.equal(await cached.get('short'), null);

        // FLUSHALL clears the whole cache (the null invalidation).
        assert.equal(await cached.get('user:1'), 'bob');
        await writer.flushAll();
        await waitFor(() => invalidated.includes(null), 'null invalidation');
        assert.equal(cache.size(), 0);
        assert.equal(await cached.get('user:1'), null);
      }));
  });
}

// client-output-buffer-limit counts replies not yet written, as Redis does: a single reply bigger
// than the normal class's hard limit closes the connection before any byte of it is sent. The same
// sequence runs against redis-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';

/** Send one command on a fresh socket; resolve with every byte received until the server closes. */
function sendAndCollect(port: number, args: string[]): Promise<{ bytes: number; closed: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const s = net.connect(port, '127.0.0.1', () => s.write(encodeCommand(args)));
    s.on('data', (d) => (bytes += d.length));
    s.on('error', () => {});
    s.on('close', () => resolve({ bytes, closed: true }));
    setTimeout(() => {
      s.destroy();
      resolve({ bytes, closed: false });
    }, 10000).unref();
  });
}

test('a reply bigger than the hard limit closes the client before anything is sent (as redis-server)', async (t) => {
  const servers: [string, TestServer][] = [['tidings', await startTidings()]];
  if (requireRedisServer(t)) servers.push(['redis', await startRedis()]);
  const seen: Record<string, unknown> = {};
  for (const [name, srv] of servers) {
    const c = await srv.connect();
    try {
      const big = 'x'.repeat(100);
      for (let i = 0; i < 20; i++) await c.call('RPUSH', 'l', ...Array.from({ length: 100 }, () => big));
      assert.equal(await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 100000 0 0'), 'OK');
      const big1 = await sendAndCollect(srv.port, ['LRANGE', 'l', '0', '-1']);
      // A reply under the limit is still sent whole, and the server carries on.
      const small = (await c.call('LRANGE', 'l', '0', '9')) as string[];
      seen[name] = { big: big1, small: small.length };
    } finally {
      c.close();
      await srv.close();
    }
  }
  assert.deepEqual(seen.tidings, { big: { bytes: 0, closed: true }, small: 10 });
  if (seen.redis) assert.deepEqual(seen.tidings, seen.redis);
});

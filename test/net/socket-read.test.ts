// A connection's input is read into one buffer every connection shares, each read copied out at
// once (src/net/socket-read.ts). Here: the adopted socket takes over the accepted one (data, the
// listener's connection count, server.close(), pause/resume), and over real TCP many connections
// writing large and small values at the same time each get back exactly what they sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startTidings } from '../helpers/servers.js';
import { encodeCommand, RespClient, plain } from '../helpers/resp.js';
import { adoptForSharedReads } from '../../src/net/socket-read.js';

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

test('the adopted socket reads the connection, counts for the listener, pauses and resumes', async () => {
  const chunks: Buffer[] = [];
  let adopted: net.Socket | undefined;
  const listener = net.createServer({ pauseOnConnect: true }, (accepted) => {
    adopted = adoptForSharedReads(accepted, (chunk) => chunks.push(chunk));
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  while (adopted === undefined) await new Promise((r) => setImmediate(r));
  const count = () => new Promise<number>((resolve, reject) => listener.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  assert.equal(await count(), 1);

  const first = pattern(200_000, 1);
  client.write(first);
  while (Buffer.concat(chunks).length < first.length) await new Promise((r) => setTimeout(r, 5));
  // More than one read of the 64 KiB shared buffer: earlier chunks would be overwritten if kept as views.
  assert.ok(chunks.length > 1, `${chunks.length} reads`);
  assert.ok(Buffer.concat(chunks).equals(first), 'every byte, in order, though the read buffer was reused');

  // Paused, it reads nothing; resumed, it gets what was sent meanwhile.
  chunks.length = 0;
  adopted.pause();
  client.write('while paused');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(chunks.length, 0);
  adopted.resume();
  while (Buffer.concat(chunks).length < 12) await new Promise((r) => setTimeout(r, 5));
  assert.equal(Buffer.concat(chunks).toString(), 'while paused');

  // The peer's end reaches the adopted socket; the listener closes once it is gone.
  const ended = once(adopted, 'end');
  client.end();
  await ended;
  adopted.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  assert.equal(await count().catch(() => 0), 0);
});

test('sixteen connections pipelining large and small values at once each read back exactly what they sent', async () => {
  const srv = await startTidings();
  try {
    const sizes = [1, 17, 1000, 16_384, 65_535, 65_536, 65_537, 100_000, 300_000];
    const clients = await Promise.all(Array.from({ length: 16 }, () => RespClient.connect(srv.port)));
    // Every connection writes all its SETs in one go, so the server's reads interleave them.
    const replies = clients.map(async (c, ci) => {
      const parts = sizes.map((size, si) => encodeCommand(['SET', `shared-read:${ci}:${si}`, pattern(size, ci * 100 + si)]));
      c.write(Buffer.concat(parts));
      for (let i = 0; i < sizes.length; i++) assert.equal(plain(await c.read(20_000)), 'OK');
    });
    await Promise.all(replies);
    for (const [ci, c] of clients.entries()) {
      for (const [si, size] of sizes.entries()) {
        const frame = await c.callFrame('GET', `shared-read:${ci}:${si}`);
        const body = frame.raw.subarray(frame.raw.indexOf('\r\n') + 2, frame.raw.length - 2);
        assert.ok(body.equals(pattern(size, ci * 100 + si)), `connection ${ci}, value of ${size} bytes`);
      }
      c.close();
    }
  } finally {
    await srv.close();
  }
});

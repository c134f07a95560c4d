// A flush hands each client's queued output to its socket in one write (over TLS each write is a
// batch of records and a syscall, so a payload split over several writes costs a subscriber more).
// Pipelined PUBLISHes of 16 KiB (queued by reference as header, payload, CRLF) and of 64 B, to
// RESP2 and RESP3 subscribers and to a subscriber whose own PING reply shares the turn: every
// message arrives whole and in order, and no flush writes a client's output in more than one call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings } from '../helpers/servers.js';
import { encodeCommand, plain, type RespClient } from '../helpers/resp.js';
import type { Client } from '../../src/net/client.js';

test('one socket write per client per flush, large and small pub/sub frames', async () => {
  const srv = await startTidings();
  const server = srv.server!;
  const subs: RespClient[] = [];
  const pub = await srv.connect();
  try {
    for (let i = 0; i < 3; i++) {
      const c = await srv.connect();
      if (i === 1) {
        const hello = plain(await c.callRaw('HELLO', '3')) as unknown[];
        assert.equal(hello[hello.indexOf('proto') + 1], 3);
      }
      assert.deepEqual(await c.call('SUBSCRIBE', 'ch'), ['subscribe', 'ch', 1]);
      subs.push(c);
    }

    // Count writes per flushClient call, for every client: the connection's writer takes each one
    // (straight to the socket's handle, or socket.write when the stream is busy).
    const perFlush: number[] = [];
    let current = -1;
    for (const client of server.clients.values()) {
      const writer = client.writer as { write(data: Buffer): void };
      const write = writer.write.bind(writer);
      writer.write = (data: Buffer) => {
        if (current >= 0) perFlush[current]!++;
        write(data);
      };
    }
    const target = server as unknown as { flushClient(client: Client): void };
    const flushClient = target.flushClient.bind(server);
    target.flushClient = (client: Client) => {
      current = perFlush.push(0) - 1;
      try {
        flushClient(client);
      } finally {
        current = -1;
      }
    };

    const big = [0, 1, 2, 3].map((i) => Buffer.alloc(16 * 1024, 97 + i));
    const small = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Buffer.from(`small-${i}-`.padEnd(64, 'x')));
    const messages = [...big, ...small];
    // One write from the publisher (the PUBLISHes mostly run in one turn); the third subscriber's
    // PING may run in the same turn, so its output can mix a reply with shared frames.
    pub.write(Buffer.concat(messages.map((m) => encodeCommand(['PUBLISH', 'ch', m]))));
    subs[2]!.send('PING', 'mine');

    for (let k = 0; k < messages.length; k++) assert.equal(plain(await pub.read()), 3);
    for (const [i, sub] of subs.entries()) {
      const got: string[] = [];
      let pong = false;
      while (got.length < messages.length || (i === 2 && !pong)) {
        const v = plain(await sub.read());
        if (Array.isArray(v) && v[0] === 'message') {
          assert.equal(v[1], 'ch');
          got.push(v[2] as string);
        } else {
          assert.deepEqual(v, ['pong', 'mine'], `subscriber ${i}: unexpected ${JSON.stringify(v)}`);
          pong = true;
        }
      }
      assert.equal(got.length, messages.length);
      for (let k = 0; k < messages.length; k++) assert.ok(got[k] === messages[k]!.toString('latin1'), `subscriber ${i}, message ${k}`);
    }

    const writes = perFlush.reduce((a, b) => a + b, 0);
    // 4 subscriber/publisher sockets received data: at least one write each happened under a flush.
    assert.ok(writes >= 4, `writes under flush: ${writes}`);
    assert.ok(
      perFlush.every((n) => n <= 1),
      `a flush wrote one client's output in several calls: ${perFlush.filter((n) => n > 1).join(', ')}`,
    );
  } finally {
    for (const c of subs) c.close();
    pub.close();
    await srv.close();
  }
});

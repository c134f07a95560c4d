// A connection's output goes straight to the socket's handle when the stream is idle, and through
// socket.write() otherwise (src/net/socket-write.ts). Over real TCP connections: bytes the kernel
// does not take at once count as pending output (CLIENT LIST omem, output limits) until written,
// writes that follow such a write keep their order, a reader that stalls and resumes gets every
// reply whole, TLS and a peer that half-closes are served as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startTidings } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';
import { SocketWriter, directSocketWrites, setDirectSocketWrites } from '../../src/net/socket-write.js';

/** A connected pair of TCP sockets on the loopback: [server side, client side]. */
async function socketPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [serverSide] = await accepted;
  return [serverSide, client, () => listener.close()];
}

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

test('direct socket writes are available on this Node (the fallback is not silently in use)', () => {
  assert.equal(directSocketWrites(), true);
});

for (const direct of [true, false]) {
  test(`a write the kernel cannot take at once stays pending, in order with later writes (${direct ? 'direct' : 'socket.write'})`, async () => {
    setDirectSocketWrites(direct);
    const [serverSide, reader, closeListener] = await socketPair();
    try {
      reader.pause();
      let written = 0;
      const writer = new SocketWriter(serverSide, () => written++);
      // Far more than the loopback's socket buffers hold while the reader does not read.
      const first = pattern(16 * 1024 * 1024, 1);
      const second = pattern(1000, 2);
      writer.write(first);
      assert.ok(writer.unsent > 0, 'the first write is not all taken by the kernel');
      if (direct) {
        // The bytes libuv holds are not in the stream: only the writer knows them.
        assert.equal(serverSide.writableLength, 0);
        assert.equal(writer.unsent, first.length);
      } else {
        assert.equal(writer.unsent, serverSide.writableLength);
      }
      // The stream is busy: this write queues behind the first (socket.write).
      writer.write(second);
      assert.equal(writer.unsent, direct ? first.length + second.length : serverSide.writableLength);

      const chunks: Buffer[] = [];
      let received = 0;
      const total = first.length + second.length;
      const done = new Promise<void>((resolve) =>
        reader.on('data', (d: Buffer) => {
          chunks.push(d);
          received += d.length;
          if (received >= total) resolve();
        }),
      );
      reader.resume();
      await done;
      assert.ok(Buffer.concat(chunks).equals(Buffer.concat([first, second])), 'bytes arrive whole and in order');
      // Once libuv is done with the first write, the writer reports it ('drain' for the server).
      while (writer.unsent !== 0) await new Promise((r) => setImmediate(r));
      if (direct) assert.equal(written, 1);
      // Idle again: the next write goes out at once.
      writer.write(Buffer.from('end'));
      assert.equal(writer.unsent, 0);
    } finally {
      setDirectSocketWrites(true);
      serverSide.destroy();
      reader.destroy();
      closeListener();
    }
  });
}

test('a direct write to a peer that has gone closes the socket with the write error', async () => {
  const [serverSide, reader, closeListener] = await socketPair();
  try {
    reader.resetAndDestroy();
    await once(serverSide, 'end').catch(() => undefined);
    const writer = new SocketWriter(serverSide, () => undefined);
    const errors: string[] = [];
    serverSide.on('error', (e: NodeJS.ErrnoException) => errors.push(String(e.code)));
    // The reset may arrive after the first write: write until the socket gives up.
    for (let i = 0; i < 100 && !serverSide.destroyed; i++) {
      writer.write(Buffer.alloc(64 * 1024));
      await new Promise((r) => setImmediate(r));
    }
    if (!serverSide.destroyed) await once(serverSide, 'close');
    assert.ok(serverSide.destroyed);
    assert.ok(errors.length <= 1 && errors.every((c) => ['EPIPE', 'ECONNRESET', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED'].includes(c)), errors.join(','));
  } finally {
    serverSide.destroy();
    closeListener();
  }
});

test('a client that stalls gets every reply whole once it reads again; omem counts what waits', async () => {
  const srv = await startTidings();
  const control = await srv.connect();
  const value = pattern(100 * 1024, 7);
  const other = pattern(50, 9);
  assert.equal(await control.call('SET', 'big', value), 'OK');
  assert.equal(await control.call('SET', 'small', other), 'OK');
  const sock = net.connect(srv.port, '127.0.0.1');
  try {
    await once(sock, 'connect');
    sock.write(encodeCommand(['CLIENT', 'SETNAME', 'stalled']));
    const [named] = (await once(sock, 'data')) as [Buffer];
    assert.equal(named.toString(), '+OK\r\n');
    sock.pause();
    const omem = async (): Promise<number> => {
      const list = String(await control.call('CLIENT', 'LIST'));
      const line = list.split('\n').find((l) => l.includes(' name=stalled '));
      assert.ok(line !== undefined, list);
      return Number(/ omem=(\d+)/.exec(line)![1]);
    };
    // Batches of one GET each turn (100 KiB: one write per flush) until the server holds output.
    const expected: Buffer[] = [];
    let batches = 0;
    let pending = 0;
    while (pending === 0 && batches < 400) {
      const key = batches % 5 === 4 ? 'small' : 'big';
      sock.write(encodeCommand(['GET', key]));
      expected.push(key === 'big' ? value : other);
      batches++;
      assert.equal(await control.call('PING'), 'PONG');
      pending = await omem();
    }
    assert.ok(pending > 0, `output waits for the stalled reader after ${batches} replies`);
    // A few more replies behind the waiting ones.
    for (let i = 0; i < 5; i++) {
      sock.write(encodeCommand(['GET', 'small']));
      expected.push(other);
      assert.equal(await control.call('PING'), 'PONG');
    }
    const want = Buffer.concat(expected.map((v) => Buffer.concat([Buffer.from(`$${v.length}\r\n`), v, Buffer.from('\r\n')])));
    const chunks: Buffer[] = [];
    let received = 0;
    const done = new Promise<void>((resolve) =>
      sock.on('data', (d: Buffer) => {
        chunks.push(d);
        received += d.length;
        if (received >= want.length) resolve();
      }),
    );
    sock.resume();
    await done;
    assert.ok(Buffer.concat(chunks).equals(want), 'every reply whole and in order');
    while ((await omem()) !== 0) await new Promise((r) => setImmediate(r));
  } finally {
    sock.destroy();
    control.close();
    await srv.close();
  }
});

test('a peer that half-closes after its commands gets every reply', async () => {
  const srv = await startTidings();
  try {
    const sock = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
    await once(sock, 'connect');
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.write('PING\r\nSET a b\r\nGET a\r\n');
    sock.end();
    await once(sock, 'close');
    assert.equal(got, '+PONG\r\n+OK\r\n$1\r\nb\r\n');
  } finally {
    await srv.close();
  }
});

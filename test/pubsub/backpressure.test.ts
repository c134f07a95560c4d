// A pipelining publisher of 16 KiB messages is slowed to its subscribers' pace: a subscriber that
// reads, only more slowly than the publisher writes, gets every message and stays connected, where
// without the hold (and in redis-server 7.0, which has none) it is dropped at the pubsub
// output-buffer limit. A subscriber that does not read at all is still disconnected at the limit,
// and the publisher and the other subscribers carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';

const PAYLOAD = 16 * 1024;
/** Ten times the 1 MB hard limit below, all written by the publisher at once. */
const MESSAGES = 640;
const LIMITS = 'normal 0 0 0 replica 0 0 0 pubsub 1mb 512kb 60';

function payload(i: number): Buffer {
  const p = Buffer.alloc(PAYLOAD, 97 + (i % 26));
  p.write(`msg-${i}-`, 0, 'latin1');
  return p;
}

function messageFrame(channel: string, message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`*3\r\n$7\r\nmessage\r\n$${channel.length}\r\n${channel}\r\n$${message.length}\r\n`), message, Buffer.from('\r\n')]);
}

interface RawSubscriber {
  socket: net.Socket;
  /** Every byte received after the SUBSCRIBE confirmation. */
  received: Buffer[];
  bytes: number;
  closed: Promise<void>;
  isClosed: () => boolean;
  /** Resolves once `n` bytes (after the confirmation) have arrived, or the connection closed. */
  until(n: number): Promise<void>;
}

/**
 * A subscriber on a raw socket. `slow`: after each chunk it stops reading and starts again on a
 * timer, so it drains far more slowly than the server can take a pipelined publisher's input.
 * `stalled`: it never reads after the confirmation.
 */
async function subscriber(srv: TestServer, channel: string, mode: 'slow' | 'stalled'): Promise<RawSubscriber> {
  const socket = net.connect(srv.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  const confirm = Buffer.from(`*3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`);
  let confirmed = Buffer.alloc(0);
  let closedFlag = false;
  const closed = new Promise<void>((r) =>
    socket.once('close', () => {
      closedFlag = true;
      r();
    }),
  );
  const sub: RawSubscriber = {
    socket,
    received: [],
    bytes: 0,
    closed,
    isClosed: () => closedFlag,
    until(n) {
      return new Promise((resolve) => {
        const check = () => {
          if (sub.bytes >= n || closedFlag) {
            socket.off('data', check);
            resolve();
          }
        };
        socket.on('data', check);
        void closed.then(check);
        check();
      });
    },
  };
  const ready = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      if (confirmed.length < confirm.length) {
        confirmed = Buffer.concat([confirmed, chunk]);
        if (confirmed.length < confirm.length) return;
        assert.deepEqual(confirmed.subarray(0, confirm.length), confirm);
        chunk = confirmed.subarray(confirm.length);
        resolve();
        if (mode === 'stalled') socket.pause();
      }
      if (chunk.length !== 0) {
        sub.received.push(chunk);
        sub.bytes += chunk.length;
      }
      if (mode === 'slow') {
        socket.pause();
        setTimeout(() => socket.resume(), 2);
      }
    });
  });
  socket.write(encodeCommand(['SUBSCRIBE', channel]));
  await ready;
  return sub;
}

/** Write every PUBLISH in one go; resolves with the receiver counts once all replies arrived. */
function pipelinePublishes(srv: TestServer, channel: string, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(srv.port, '127.0.0.1');
    const counts: number[] = [];
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      let i;
      while ((i = text.indexOf('\r\n')) !== -1) {
        counts.push(Number(text.slice(1, i)));
        text = text.slice(i + 2);
      }
      if (counts.length === count) {
        socket.end();
        resolve(counts);
      }
    });
    socket.on('close', () => {
      if (counts.length < count) reject(new Error(`publisher closed after ${counts.length} replies`));
    });
    socket.once('connect', () => {
      const parts: Buffer[] = [];
      for (let i = 0; i < count; i++) parts.push(encodeCommand(['PUBLISH', channel, payload(i)]));
      socket.write(Buffer.concat(parts));
    });
  });
}

async function disconnections(srv: TestServer): Promise<number> {
  const c = await srv.connect();
  try {
    const info = String(await c.call('INFO', 'stats'));
    return Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(info)![1]);
  } finally {
    c.close();
  }
}

test('a subscriber that reads more slowly than a pipelining publisher gets every 16 KiB message and stays connected', async () => {
  const srv = await startTidings({ config: { 'client-output-buffer-limit': LIMITS } });
  const subs: RawSubscriber[] = [];
  try {
    for (let i = 0; i < 3; i++) subs.push(await subscriber(srv, 'feed', 'slow'));
    const expected = Buffer.concat(Array.from({ length: MESSAGES }, (_, i) => messageFrame('feed', payload(i))));

    const counts = await pipelinePublishes(srv, 'feed', MESSAGES);
    assert.deepEqual(new Set(counts), new Set([3]), 'every PUBLISH reached all three subscribers');
    for (const sub of subs) {
      await sub.until(expected.length);
      assert.equal(sub.isClosed(), false, 'the slow subscriber was not disconnected');
      assert.ok(Buffer.concat(sub.received).equals(expected), 'every message arrived whole and in order');
    }
    assert.equal(await disconnections(srv), 0);
    assert.equal(srv.server!.holds.heldPublishers, 0);

    // Still subscribed and reading.
    const after = await srv.connect();
    assert.equal(await after.call('PUBLISH', 'feed', 'after'), 3);
    after.close();
    const tail = messageFrame('feed', Buffer.from('after'));
    for (const sub of subs) {
      await sub.until(expected.length + tail.length);
      assert.ok(Buffer.concat(sub.received).subarray(expected.length).equals(tail));
    }
  } finally {
    for (const sub of subs) sub.socket.destroy();
    await srv.close();
  }
});

test('beside it, a subscriber that does not read at all is still disconnected at the limit, and the rest is delivered', async () => {
  const srv = await startTidings({ config: { 'client-output-buffer-limit': LIMITS } });
  const subs: RawSubscriber[] = [];
  try {
    const slow = await subscriber(srv, 'feed', 'slow');
    const stalled = await subscriber(srv, 'feed', 'stalled');
    subs.push(slow, stalled);
    const expected = Buffer.concat(Array.from({ length: MESSAGES }, (_, i) => messageFrame('feed', payload(i))));

    const counts = await pipelinePublishes(srv, 'feed', MESSAGES);
    // Read what the kernel holds for it, to see the server's close.
    stalled.socket.resume();
    await stalled.closed;
    // The stalled one received the first messages, then was dropped; the publisher went on.
    assert.equal(counts[0], 2);
    assert.equal(counts[MESSAGES - 1], 1);
    assert.equal(await disconnections(srv), 1);

    await slow.until(expected.length);
    assert.equal(slow.isClosed(), false);
    assert.ok(Buffer.concat(slow.received).equals(expected), 'the reading subscriber got every message in order');
    assert.equal(srv.server!.holds.heldPublishers, 0);
  } finally {
    for (const sub of subs) sub.socket.destroy();
    await srv.close();
  }
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

const readPlain = async (c: RespClient) => plain(await c.read());

test('SUBSCRIBE/UNSUBSCRIBE confirmations carry the subscription count', async () => {
  const c = await srv.connect();
  c.send('SUBSCRIBE', 'a', 'b');
  assert.deepEqual(await readPlain(c), ['subscribe', 'a', 1]);
  assert.deepEqual(await readPlain(c), ['subscribe', 'b', 2]);
  c.send('PSUBSCRIBE', 'p*');
  assert.deepEqual(await readPlain(c), ['psubscribe', 'p*', 3]);
  c.send('SUBSCRIBE', 'a');
  assert.deepEqual(await readPlain(c), ['subscribe', 'a', 3]);
  c.send('UNSUBSCRIBE');
  const got = [await readPlain(c), await readPlain(c)];
  assert.deepEqual(got, [
    ['unsubscribe', 'a', 2],
    ['unsubscribe', 'b', 1],
  ]);
  c.send('PUNSUBSCRIBE', 'p*', 'nope');
  assert.deepEqual(await readPlain(c), ['punsubscribe', 'p*', 0]);
  assert.deepEqual(await readPlain(c), ['punsubscribe', 'nope', 0]);
  // Back to normal mode: regular commands work again.
  assert.equal(await c.call('ECHO', 'x'), 'x');
  c.send('UNSUBSCRIBE');
  assert.deepEqual(await readPlain(c), ['unsubscribe', null, 0]);
  c.close();
});

test('PUBLISH returns receivers; channel and pattern matches each deliver', async () => {
  const sub = await srv.connect();
  sub.send('SUBSCRIBE', 'news.tech');
  await sub.read();
  sub.send('PSUBSCRIBE', 'news.*', 'news.[st]ech', 'other.*');
  for (let i = 0; i < 3; i++) await sub.read();
  const pub = await srv.connect();
  assert.equal(await pub.call('PUBLISH', 'news.tech', 'hello'), 3);
  const got = [await readPlain(sub), await readPlain(sub), await readPlain(sub)];
  assert.deepEqual(got, [
    ['message', 'news.tech', 'hello'],
    ['pmessage', 'news.*', 'news.tech', 'hello'],
    ['pmessage', 'news.[st]ech', 'news.tech', 'hello'],
  ]);
  assert.equal(await pub.call('PUBLISH', 'nobody', 'x'), 0);
  assert.deepEqual(await pub.call('PUBSUB', 'NUMSUB', 'news.tech', 'none'), ['news.tech', 1, 'none', 0]);
  assert.equal(await pub.call('PUBSUB', 'NUMPAT'), 3);
  assert.deepEqual(await pub.call('PUBSUB', 'CHANNELS'), ['news.tech']);
  assert.deepEqual(await pub.call('PUBSUB', 'CHANNELS', 'x*'), []);
  sub.close();
  // Disconnecting drops the subscriptions.
  for (let i = 0; i < 100 && (await pub.call('PUBSUB', 'NUMPAT')) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await pub.call('PUBSUB', 'NUMSUB', 'news.tech'), ['news.tech', 0]);
  pub.close();
});

test('RESP2 subscribed mode restricts commands; PING answers as an array', async () => {
  const c = await srv.connect();
  c.send('SUBSCRIBE', 'x');
  await c.read();
  assert.deepEqual(await c.call('DBSIZE'), {
    error: "ERR Can't execute 'dbsize': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
  });
  assert.deepEqual(await c.call('CLIENT', 'ID'), {
    error: "ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
  });
  assert.deepEqual(await c.call('PING'), ['pong', '']);
  assert.deepEqual(await c.call('PING', ''), ['pong', '']);
  assert.deepEqual(await c.call('PING', 'hi'), ['pong', 'hi']);
  assert.equal(await c.call('RESET'), 'RESET');
  assert.equal(await c.call('PING'), 'PONG');
  c.close();
});

test('RESP3: push frames, and normal commands on the same connection', async () => {
  const c = await srv.connect();
  await c.call('HELLO', '3');
  c.send('SUBSCRIBE', 'r3');
  const confirm = await c.read();
  assert.equal(confirm.type, 'push');
  assert.deepEqual(plain(confirm), ['subscribe', 'r3', 1]);
  assert.equal(await c.call('PING'), 'PONG');
  assert.equal(await c.call('ECHO', 'ok'), 'ok');
  const pub = await srv.connect();
  assert.equal(await pub.call('PUBLISH', 'r3', 'm'), 1);
  const msg = await c.read();
  assert.equal(msg.type, 'push');
  assert.deepEqual(plain(msg), ['message', 'r3', 'm']);
  c.close();
  pub.close();
});

test('shard channels: SSUBSCRIBE, SPUBLISH, SUNSUBSCRIBE, PUBSUB SHARD*', async () => {
  const c = await srv.connect();
  c.send('SSUBSCRIBE', 's1', 's2');
  assert.deepEqual(await readPlain(c), ['ssubscribe', 's1', 1]);
  assert.deepEqual(await readPlain(c), ['ssubscribe', 's2', 2]);
  const pub = await srv.connect();
  assert.equal(await pub.call('SPUBLISH', 's1', 'hi'), 1);
  assert.deepEqual(await readPlain(c), ['smessage', 's1', 'hi']);
  assert.equal(await pub.call('PUBLISH', 's1', 'not shard'), 0);
  assert.deepEqual(await pub.call('PUBSUB', 'SHARDCHANNELS'), ['s1', 's2']);
  assert.deepEqual(await pub.call('PUBSUB', 'SHARDNUMSUB', 's1', 'zz'), ['s1', 1, 'zz', 0]);
  c.send('SUNSUBSCRIBE');
  assert.deepEqual(await readPlain(c), ['sunsubscribe', 's1', 1]);
  assert.deepEqual(await readPlain(c), ['sunsubscribe', 's2', 0]);
  c.close();
  pub.close();
});

test('binary-safe channels and payloads, including 1 MiB messages', async () => {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const sub = await srv.connect();
  sub.send('SUBSCRIBE', all);
  await sub.read();
  const pub = await srv.connect();
  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
  assert.equal(await pub.call('PUBLISH', all, all), 1);
  assert.equal(await pub.call('PUBLISH', all, big), 1);
  for (const expected of [all, big]) {
    const m = await sub.read();
    assert.equal(m.type, 'array');
    if (m.type !== 'array') return;
    const [, ch, payload] = m.value;
    assert.ok(ch?.type === 'bulk' && ch.value.equals(all));
    assert.ok(payload?.type === 'bulk' && payload.value.equals(expected));
  }
  sub.close();
  pub.close();
});

test('a stalled subscriber is disconnected at the pubsub output limit; others keep receiving', async () => {
  const admin = await srv.connect();
  assert.equal(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 256kb 60'), 'OK');
  const stalled = await srv.connect();
  stalled.send('SUBSCRIBE', 'flood');
  await stalled.read();
  stalled.socket.pause(); // stop reading: the kernel buffers fill, then the server's queue grows
  const healthy = await srv.connect();
  healthy.send('SUBSCRIBE', 'flood');
  await healthy.read();
  const payload = Buffer.alloc(16 * 1024, 'x');
  const before = Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(String(await admin.call('INFO', 'stats')))![1]);
  let received = 0;
  let sent = 0;
  // Publish in bounded rounds until the stalled client is dropped (PUBLISH then counts 1 receiver).
  for (let round = 0; round < 400; round++) {
    const receivers = (await admin.call('PUBLISH', 'flood', payload)) as number;
    sent++;
    while (received < sent) {
      await healthy.read();
      received++;
    }
    if (receivers === 1) break;
  }
  assert.equal(await admin.call('PUBLISH', 'flood', 'after'), 1, 'stalled subscriber should have been dropped');
  assert.deepEqual(plain(await healthy.read()), ['message', 'flood', 'after']);
  const info = String(await admin.call('INFO', 'stats'));
  const after = Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(info)![1]);
  assert.equal(after, before + 1);
  // Bounded: at most ~ the hard limit plus socket buffers was ever queued for the stalled client.
  assert.ok(sent < 400);
  assert.equal(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60'), 'OK');
  stalled.close();
  healthy.close();
  admin.close();
});

test('PUBLISH arity and QUIT while subscribed', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('PUBLISH', 'x'), { error: "ERR wrong number of arguments for 'publish' command" });
  c.send('SUBSCRIBE', 'q');
  await c.read();
  assert.equal(await c.call('QUIT'), 'OK');
  await c.waitClosed();
});

test('pmessage frames carry binary patterns byte for byte', async () => {
  const high = Buffer.alloc(128);
  for (let i = 0; i < 128; i++) high[i] = 128 + i;
  const pattern = Buffer.concat([high, Buffer.from('*')]);
  const sub = await srv.connect();
  sub.send('PSUBSCRIBE', pattern);
  await sub.read();
  const pub = await srv.connect();
  const channel = Buffer.concat([high, Buffer.from('tail')]);
  assert.equal(await pub.call('PUBLISH', channel, 'x'), 1);
  const m = await sub.read();
  assert.ok(m.type === 'array');
  if (m.type !== 'array') return;
  const [kind, p, ch] = m.value;
  assert.ok(kind?.type === 'bulk' && kind.value.toString() === 'pmessage');
  assert.ok(p?.type === 'bulk' && p.value.equals(pattern));
  assert.ok(ch?.type === 'bulk' && ch.value.equals(channel));
  sub.close();
  pub.close();
});

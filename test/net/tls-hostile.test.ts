// Hostile clients on the TLS port, each scenario against Tidings and then redis-server with the same
// certificates: a slowloris (TLS clients that drip a command a byte per record, raw sockets that
// drip a handshake, garbage that is no handshake at all) while a normal TLS client works, with the
// per-connection query buffers staying small; and a client that streams an endless bulk over TLS
// is closed at client-query-buffer-limit without hurting others.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { makeCerts, removeCerts, hasOpenssl, type TestCerts } from './certs.js';
import { CLOSED, TlsResp, startRedisTls, startTidingsTls, type TlsTarget } from './tls-helpers.js';
import { requireRedisServer, skipLoudly } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp.js';

let certs: TestCerts | undefined;
before(() => {
  if (hasOpenssl()) certs = makeCerts();
});
after(() => {
  if (certs) removeCerts(certs);
});

async function onBoth(t: TestContext, extra: Record<string, string>, fn: (target: TlsTarget, c: TestCerts) => Promise<void>): Promise<void> {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const tidings = await startTidingsTls(certs, extra);
  try {
    await fn(tidings, certs);
  } finally {
    await tidings.close();
  }
  if (!requireRedisServer(t)) return;
  const redis = await startRedisTls(certs, extra);
  try {
    await fn(redis, certs);
  } finally {
    await redis.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** qbuf of every client in CLIENT LIST except the asking one. */
async function queryBuffers(admin: RespClient): Promise<number[]> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  const me = Number(await admin.call('CLIENT', 'ID'));
  return list
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith(`id=${me} `))
    .map((l) => Number(/ qbuf=(\d+)/.exec(l)![1]));
}

test('slowloris on the TLS port: dripped commands, dripped handshakes and garbage do not hold up a TLS client', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const good = await TlsResp.connect(target.tlsPort, c.ca);
    const admin = await RespClient.connect(target.port);
    // 30 TLS clients that send SET sl<i> v one byte per write (one TLS record each).
    const drippers = await Promise.all(Array.from({ length: 30 }, () => TlsResp.connect(target.tlsPort, c.ca)));
    // 30 raw sockets that drip the start of a ClientHello, and 20 that send garbage.
    const handshakes = Array.from({ length: 30 }, () => {
      const s = net.connect({ port: target.tlsPort, host: '127.0.0.1' });
      s.on('error', () => {});
      return s;
    });
    const garbage = Array.from({ length: 20 }, (_, i) => {
      const s = net.connect({ port: target.tlsPort, host: '127.0.0.1' });
      s.on('error', () => {});
      s.on('connect', () => s.write(i % 2 ? Buffer.alloc(8192, 0xa7) : '*1\r\n$4\r\nPING\r\n'));
      return s;
    });
    const hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
    const commands = drippers.map((_, i) => Buffer.from(`*3\r\n$3\r\nSET\r\n$4\r\nsl${String(i).padStart(2, '0')}\r\n$1\r\nv\r\n`));
    const longest = Math.max(...commands.map((b) => b.length), hello.length);
    // Every dripper sends all but the last byte of its command, one record every 20 ms.
    const drip = (async () => {
      for (let pos = 0; pos < longest; pos++) {
        for (let i = 0; i < drippers.length; i++) if (pos < commands[i]!.length - 1) drippers[i]!.socket.write(commands[i]!.subarray(pos, pos + 1));
        for (const s of handshakes) if (pos < hello.length && !s.destroyed) s.write(Buffer.from([hello[pos]!]));
        await sleep(20);
      }
    })();
    // Meanwhile the normal client is served: 200 round trips, every reply right.
    for (let i = 0; i < 100; i++) {
      assert.equal(await good.call('SET', `good${i}`, String(i)), 'OK', target.name);
      assert.equal(await good.call('GET', `good${i}`), String(i));
    }
    // A new TLS client still gets in.
    const late = await TlsResp.connect(target.tlsPort, c.ca);
    assert.equal(await late.call('PING'), 'PONG', target.name);
    late.close();
    await drip;
    // The drippers' partial commands hold only what they sent (under 64 bytes each).
    await sleep(100);
    const qbufs = await queryBuffers(admin);
    assert.ok(qbufs.length >= drippers.length, `${target.name}: ${qbufs.length} clients listed`);
    assert.ok(Math.max(...qbufs) < 64, `${target.name}: query buffers ${qbufs.join(',')}`);
    // Each dripper sends its last byte: the command, assembled from ~30 records, runs.
    for (let i = 0; i < drippers.length; i++) drippers[i]!.socket.write(commands[i]!.subarray(-1));
    for (const d of drippers) assert.equal(await d.read(), 'OK', target.name);
    assert.equal(await good.call('GET', 'sl29'), 'v');
    // Garbage got no reply and was dropped by the server.
    for (const s of garbage) if (!s.destroyed) await new Promise((r) => s.once('close', r));
    for (const s of [...handshakes, ...garbage]) s.destroy();
    for (const d of drippers) d.close();
    good.close();
    admin.close();
  });
});

test('an endless bulk over TLS is closed at client-query-buffer-limit; others are unaffected', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no', 'client-query-buffer-limit': '1mb' }, async (target, c) => {
    const probe = await TlsResp.connect(target.tlsPort, c.ca);
    const hog = await TlsResp.connect(target.tlsPort, c.ca);
    hog.socket.write('*2\r\n$4\r\nECHO\r\n$100000000\r\n');
    const chunk = Buffer.alloc(64 * 1024, 'y');
    // 4 MiB at most: the server must close well before (1 MiB limit).
    for (let i = 0; i < 64 && !hog.closed; i++) {
      hog.socket.write(chunk);
      await sleep(5);
    }
    assert.equal(await hog.read(), CLOSED, `${target.name}: the hog was not closed`);
    assert.equal(await probe.call('PING'), 'PONG', target.name);
    const admin = await RespClient.connect(target.port);
    // The hog is gone from the server: only the probe and this connection are left.
    assert.match(String(await admin.call('INFO', 'clients')), /connected_clients:2\r\n/, target.name);
    admin.close();
    probe.close();
  });
});

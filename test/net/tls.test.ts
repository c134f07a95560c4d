// TLS over real sockets, each scenario against Tidings and then redis-server with the same
// certificates (a loud skip when redis-server is missing). Certificates are made by openssl into a
// temporary directory for this file.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { makeCerts, removeCerts, hasOpenssl, type TestCerts } from './certs.js';
import { CLOSED, TlsResp, startRedisTls, startTidingsTls, tlsConfig, tryPing, type TlsTarget } from './tls-helpers.js';
import { Server } from '../../src/server/server.js';
import { SocketNetwork } from '../../src/net/network.js';
import { requireRedisServer, skipLoudly, startTidings, freePort } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp.js';

let certs: TestCerts | undefined;
before(() => {
  if (hasOpenssl()) certs = makeCerts();
});
after(() => {
  if (certs) removeCerts(certs);
});

/** Run `fn` against Tidings, then redis-server, with the same tls-* settings. */
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

const client = (c: TestCerts) => ({ cert: c.clientCert, key: c.clientKey });
const rogue = (c: TestCerts) => ({ cert: c.rogueCert, key: c.rogueKey });

test('commands, big values and pipelining over TLS', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const r = await TlsResp.connect(target.tlsPort, c.ca);
    assert.equal(await r.call('PING'), 'PONG', target.name);
    const big = 'v'.repeat(3 * 1024 * 1024 + 7);
    assert.equal(await r.call('SET', 'big', big), 'OK');
    assert.equal(await r.call('GET', 'big'), big);
    for (let i = 0; i < 2000; i++) r.send('INCR', 'n');
    let last: unknown;
    for (let i = 0; i < 2000; i++) last = await r.read();
    assert.equal(last, 2000);
    assert.equal(await r.call('DEL', 'big', 'n'), 2);
    r.close();
  });
});

test('tls-auth-clients yes, optional and no; CONFIG SET changes it for new connections', async (t) => {
  await onBoth(t, {}, async (target, c) => {
    const at = `${target.name}`;
    // yes (the default): a client certificate from our CA is required.
    assert.equal(await tryPing(target.tlsPort, c.ca), CLOSED, `${at} yes, no cert`);
    assert.equal(await tryPing(target.tlsPort, c.ca, rogue(c)), CLOSED, `${at} yes, rogue cert`);
    const admin = await TlsResp.connect(target.tlsPort, c.ca, client(c));
    assert.equal(await admin.call('PING'), 'PONG', `${at} yes, good cert`);
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'optional'), 'OK');
    assert.equal(await tryPing(target.tlsPort, c.ca), 'PONG', `${at} optional, no cert`);
    assert.equal(await tryPing(target.tlsPort, c.ca, client(c)), 'PONG', `${at} optional, good cert`);
    assert.equal(await tryPing(target.tlsPort, c.ca, rogue(c)), CLOSED, `${at} optional, rogue cert`);
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'no'), 'OK');
    assert.equal(await tryPing(target.tlsPort, c.ca), 'PONG', `${at} no, no cert`);
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'yes'), 'OK');
    assert.equal(await tryPing(target.tlsPort, c.ca), CLOSED, `${at} yes again, no cert`);
    assert.deepEqual(await admin.call('CONFIG', 'GET', 'tls-auth-clients'), ['tls-auth-clients', 'yes']);
    // The established connection was never affected.
    assert.equal(await admin.call('PING'), 'PONG');
    admin.close();
  });
});

test('pub/sub fan-out and BLPOP over TLS', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const subs = await Promise.all([0, 1, 2].map(() => TlsResp.connect(target.tlsPort, c.ca)));
    for (const s of subs) assert.deepEqual(await s.call('SUBSCRIBE', 'news'), ['subscribe', 'news', 1]);
    const pub = await TlsResp.connect(target.tlsPort, c.ca);
    const payload = 'x'.repeat(100_000);
    assert.equal(await pub.call('PUBLISH', 'news', payload), 3, target.name);
    for (const s of subs) assert.deepEqual(await s.read(), ['message', 'news', payload]);
    const waiter = await TlsResp.connect(target.tlsPort, c.ca);
    waiter.send('BLPOP', 'jobs', '0');
    assert.equal(await pub.call('RPUSH', 'jobs', 'j1'), 1);
    assert.deepEqual(await waiter.read(), ['jobs', 'j1']);
    for (const s of [...subs, pub, waiter]) s.close();
  });
});

test('CONFIG SET tls-cert-file/tls-key-file: new connections get the new certificate, old ones stay', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const old = await TlsResp.connect(target.tlsPort, c.ca);
    assert.equal(old.socket.getPeerCertificate().subject.CN, 'server');
    assert.equal(await old.call('CONFIG', 'SET', 'tls-cert-file', c.server2Cert, 'tls-key-file', c.server2Key), 'OK', target.name);
    const fresh = await TlsResp.connect(target.tlsPort, c.ca);
    assert.equal(fresh.socket.getPeerCertificate().subject.CN, 'reloaded', target.name);
    assert.equal(await fresh.call('PING'), 'PONG');
    assert.equal(await old.call('PING'), 'PONG');
    assert.deepEqual(await old.call('CONFIG', 'GET', 'tls-cert-file'), ['tls-cert-file', c.server2Cert]);
    old.close();
    fresh.close();
  });
});

test('a bad tls-* value is refused with Redis text and the old context keeps serving', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const r = await TlsResp.connect(target.tlsPort, c.ca);
    assert.deepEqual(await r.call('CONFIG', 'SET', 'tls-protocols', 'TLSv9'), {
      error: "ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.",
    });
    assert.deepEqual(await r.call('CONFIG', 'SET', 'tls-ca-cert-file', '/nonexistent/ca.crt'), {
      error: "ERR CONFIG SET failed (possibly related to argument 'tls-ca-cert-file') - Unable to update TLS configuration. Check server logs.",
    });
    assert.deepEqual(await r.call('CONFIG', 'SET', 'tls-cert-file', '/nonexistent/server.crt'), {
      error: "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
    });
    assert.deepEqual(await r.call('CONFIG', 'GET', 'tls-cert-file'), ['tls-cert-file', c.serverCert]);
    assert.deepEqual(await r.call('CONFIG', 'GET', 'tls-protocols'), ['tls-protocols', '']);
    assert.deepEqual(await r.call('CONFIG', 'GET', 'tls-ca-cert-file'), ['tls-ca-cert-file', c.ca]);
    assert.equal(await tryPing(target.tlsPort, c.ca), 'PONG', target.name);
    r.close();
  });
});

test('a plain-text client, a garbage handshake and a half-open handshake do not hurt a TLS client', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const good = await TlsResp.connect(target.tlsPort, c.ca);
    // A half-open handshake: the first bytes of a ClientHello, then nothing.
    const halfOpen = net.connect({ port: target.tlsPort, host: '127.0.0.1' });
    halfOpen.on('error', () => {});
    halfOpen.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    // Plain RESP on the TLS port, and random garbage: each is dropped without a reply.
    for (const bytes of [Buffer.from('*1\r\n$4\r\nPING\r\n'), Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.alloc(4096, 0xa7)]) {
      const received = await new Promise<string>((resolve) => {
        const s = net.connect({ port: target.tlsPort, host: '127.0.0.1' });
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('error', () => {});
        s.on('connect', () => s.write(bytes));
        s.on('close', () => resolve(got));
      });
      assert.ok(!received.includes('PONG'), `${target.name}: answered plain text on the TLS port`);
      assert.equal(await good.call('PING'), 'PONG', target.name);
    }
    // While the half-open handshake still hangs, new TLS clients connect and work.
    assert.equal(await tryPing(target.tlsPort, c.ca), 'PONG', target.name);
    assert.equal(await good.call('ECHO', 'still here'), 'still here');
    halfOpen.destroy();
    good.close();
  });
});

test('CLIENT LIST shows addr and laddr of a TLS client', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const r = await TlsResp.connect(target.tlsPort, c.ca);
    const line = String(await r.call('CLIENT', 'LIST'));
    assert.match(line, new RegExp(`addr=127\\.0\\.0\\.1:${r.socket.localPort} laddr=127\\.0\\.0\\.1:${target.tlsPort} `), target.name);
    r.close();
  });
});

test('tls-protocols and tls-ciphers restrict what a client may negotiate', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no', 'tls-protocols': 'TLSv1.2' }, async (target, c) => {
    assert.equal(await tryPing(target.tlsPort, c.ca, { minVersion: 'TLSv1.3' }), CLOSED, target.name);
    const r = await TlsResp.connect(target.tlsPort, c.ca, { maxVersion: 'TLSv1.2' });
    assert.equal(r.socket.getProtocol(), 'TLSv1.2');
    assert.equal(await r.call('CONFIG', 'SET', 'tls-ciphers', 'DEFAULT:-ECDHE-RSA-AES128-GCM-SHA256'), 'OK');
    assert.equal(await tryPing(target.tlsPort, c.ca, { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), CLOSED, target.name);
    assert.equal(await tryPing(target.tlsPort, c.ca, { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }), 'PONG', target.name);
    assert.equal(await r.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.2 TLSv1.3'), 'OK');
    const t13 = await TlsResp.connect(target.tlsPort, c.ca, { minVersion: 'TLSv1.3' });
    assert.equal(t13.socket.getProtocol(), 'TLSv1.3', target.name);
    t13.close();
    r.close();
  });
});

test('a passphrase-protected key and a CA directory', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const extra = {
    'tls-key-file': certs.serverKeyEncrypted,
    'tls-key-file-pass': certs.keyPass,
    'tls-ca-cert-file': '',
    'tls-ca-cert-dir': certs.caDir,
  };
  await onBoth(t, extra, async (target, c) => {
    assert.equal(await tryPing(target.tlsPort, c.ca, client(c)), 'PONG', target.name);
    assert.equal(await tryPing(target.tlsPort, c.ca, rogue(c)), CLOSED, target.name);
  });
});

test('port 0 beside tls-port: TLS only', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const tlsPort = await freePort();
  const srv = await startTidings({
    port: 0,
    config: { 'tls-port': tlsPort, 'tls-cert-file': certs.serverCert, 'tls-key-file': certs.serverKey, 'tls-auth-clients': 'no' },
  });
  try {
    assert.equal(srv.server!.port, 0);
    assert.equal(srv.server!.tlsPort, tlsPort);
    assert.equal(await tryPing(tlsPort, certs.ca), 'PONG');
  } finally {
    await srv.close();
  }
});

test('TLS start-up errors: a missing certificate, a CA missing while client certificates are required', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const tlsPort = await freePort();
  await assert.rejects(startTidings({ config: { 'tls-port': tlsPort, 'tls-cert-file': certs.serverCert } }), /No tls-cert-file or tls-key-file/);
  await assert.rejects(
    startTidings({ config: { 'tls-port': tlsPort, 'tls-cert-file': certs.serverCert, 'tls-key-file': certs.serverKey } }),
    /tls-ca-cert-file or tls-ca-cert-dir/,
  );
  await assert.rejects(
    startTidings({ config: { 'tls-port': tlsPort, 'tls-cert-file': certs.serverCert, 'tls-key-file': certs.server2Key, 'tls-auth-clients': 'no' } }),
    /key values mismatch/,
  );
  assert.ok(fs.existsSync(certs.serverCert));
});

test('TLS sessions are resumed when caching is on, and not when it is off', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const target = await startTidingsTls(certs, { 'tls-auth-clients': 'no', 'tls-protocols': 'TLSv1.2' });
  const ca = fs.readFileSync(certs.ca);
  const connectWith = (session?: Buffer) =>
    new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
      const s = tls.connect({ port: target.tlsPort, host: '127.0.0.1', ca, session, maxVersion: 'TLSv1.2' });
      s.once('secureConnect', () => {
        const out = { reused: s.isSessionReused(), session: s.getSession() };
        s.end();
        resolve(out);
      });
      s.once('error', reject);
    });
  try {
    const first = await connectWith();
    assert.equal(first.reused, false);
    assert.equal((await connectWith(first.session)).reused, true);
    const admin = await TlsResp.connect(target.tlsPort, certs.ca);
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-session-caching', 'no'), 'OK');
    const fresh = await connectWith();
    assert.equal((await connectWith(fresh.session)).reused, false);
    admin.close();
  } finally {
    await target.close();
  }
});

test('a certificate set without its key is refused; the old pair keeps serving and the parameters are put back', async (t) => {
  // As Redis: the pair is judged once every parameter of the CONFIG SET is in place.
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const target = await startTidingsTls(certs, { 'tls-auth-clients': 'no' });
  try {
    const r = await TlsResp.connect(target.tlsPort, certs.ca);
    assert.deepEqual(await r.call('CONFIG', 'SET', 'tls-cert-file', certs.server2Cert), {
      error: "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
    });
    assert.deepEqual(await r.call('CONFIG', 'GET', 'tls-cert-file'), ['tls-cert-file', certs.serverCert]);
    // An encrypted key without its passphrase is refused the same way; with it, accepted.
    assert.deepEqual(await r.call('CONFIG', 'SET', 'tls-key-file', certs.serverKeyEncrypted), {
      error: "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. Check server logs.",
    });
    assert.equal(await r.call('CONFIG', 'SET', 'tls-key-file-pass', certs.keyPass, 'tls-key-file', certs.serverKeyEncrypted), 'OK');
    const fresh = await TlsResp.connect(target.tlsPort, certs.ca);
    assert.equal(fresh.socket.getPeerCertificate().subject.CN, 'server');
    fresh.close();
    r.close();
  } finally {
    await target.close();
  }
});

test('a half-open handshake is dropped at the handshake timeout; tls-replication is accepted', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const lines: string[] = [];
  const tlsPort = await freePort();
  let network!: SocketNetwork;
  const server = new Server(
    {
      config: { port: 0, 'tls-port': tlsPort, ...tlsConfig(certs, { 'tls-auth-clients': 'no', 'tls-replication': 'yes' }) },
      log: (line) => lines.push(line),
    },
    (host) => (network = new SocketNetwork(host)),
  );
  // Long enough for a real handshake on a busy machine (200 ms was not), short for a test.
  network.tls.handshakeTimeoutMs = 1500;
  await server.listen();
  try {
    const halfOpen = net.connect({ port: tlsPort, host: '127.0.0.1' });
    halfOpen.on('error', () => {});
    halfOpen.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await new Promise((resolve) => halfOpen.on('close', resolve));
    assert.equal(await tryPing(tlsPort, certs.ca), 'PONG');
    // Accepted and kept (the command line logs it as ignored at start-up: test/config.test.ts).
    assert.deepEqual(server.config.matching('tls-replication'), [['tls-replication', 'yes']]);
  } finally {
    await server.close();
  }
});

test('over TLS too: a protocol error closes the connection, and protected mode refuses 127.0.0.2', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no', bind: '127.0.0.1 127.0.0.2' }, async (target, c) => {
    const r = await TlsResp.connect(target.tlsPort, c.ca);
    r.socket.write('*1\r\n$4\r\nPING\r\n*abc\r\n');
    assert.equal(await r.read(), 'PONG', target.name);
    assert.deepEqual(await r.read(), { error: 'ERR Protocol error: invalid multibulk length' });
    assert.equal(await r.read(), CLOSED);
    const remote = await TlsResp.connect(target.tlsPort, c.ca, { host: '127.0.0.2', localAddress: '127.0.0.2' });
    const denied = await remote.call('PING');
    assert.match((denied as { error: string }).error, /^DENIED Redis is running in protected mode/, target.name);
    assert.equal(await remote.read(), CLOSED);
  });
});

test('session-ID resumption is bounded by tls-session-cache-size', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const target = await startTidingsTls(certs, { 'tls-auth-clients': 'no', 'tls-session-cache-size': '1' });
  const ca = fs.readFileSync(certs.ca);
  // Without tickets the client can only resume by session ID, from the server's cache.
  const connectWith = (session?: Buffer) =>
    new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
      const s = tls.connect({
        port: target.tlsPort,
        host: '127.0.0.1',
        ca,
        session,
        maxVersion: 'TLSv1.2',
        secureOptions: crypto.constants.SSL_OP_NO_TICKET,
      });
      s.once('secureConnect', () => {
        const out = { reused: s.isSessionReused(), session: s.getSession() };
        s.end();
        resolve(out);
      });
      s.once('error', reject);
    });
  try {
    const a = await connectWith();
    const b = await connectWith();
    // (A failed resumption makes a new session, which would evict b: try b first.)
    assert.equal((await connectWith(b.session)).reused, true);
    assert.equal((await connectWith(a.session)).reused, false, 'evicted by the second session');
  } finally {
    await target.close();
  }
});

test('close() does not wait for a handshake that never finishes', { timeout: 60_000 }, async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const tlsPort = await freePort();
  let network!: SocketNetwork;
  const server = new Server({ config: { port: 0, 'tls-port': tlsPort, ...tlsConfig(certs, { 'tls-auth-clients': 'no' }) }, log: false }, (host) => (network = new SocketNetwork(host)));
  // Far beyond the test's timeout: only the server's own close can end the connection in time.
  network.tls.handshakeTimeoutMs = 3_600_000;
  await server.listen();
  const halfOpen = net.connect({ port: tlsPort, host: '127.0.0.1' });
  halfOpen.on('error', () => {});
  await new Promise((resolve) => halfOpen.on('connect', resolve));
  halfOpen.write(Buffer.from([0x16, 0x03, 0x01]));
  const closed = new Promise((resolve) => halfOpen.on('close', resolve));
  await server.close();
  await closed;
});

test('CONFIG SET tls-port and port move a port between plain TCP and TLS, as Redis', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no' }, async (target, c) => {
    const shared = target.tlsPort;
    const r = await TlsResp.connect(shared, c.ca);
    // TLS off, plain TCP on the same port number.
    assert.equal(await r.call('CONFIG', 'SET', 'tls-port', '0'), 'OK', target.name);
    assert.equal(await r.call('CONFIG', 'SET', 'port', String(shared)), 'OK', target.name);
    r.close();
    const plain = await RespClient.connect(shared);
    assert.equal(await plain.call('PING'), 'PONG', target.name);
    assert.deepEqual(await plain.call('CONFIG', 'GET', 'tls-port'), ['tls-port', '0']);
    // And back: plain TCP off, TLS on it again.
    assert.equal(await plain.call('CONFIG', 'SET', 'port', '0'), 'OK', target.name);
    assert.equal(await plain.call('CONFIG', 'SET', 'tls-port', String(shared)), 'OK', target.name);
    plain.close();
    assert.equal(await tryPing(shared, c.ca), 'PONG', target.name);
    const again = await TlsResp.connect(shared, c.ca);
    assert.deepEqual(await again.call('CONFIG', 'GET', 'tls-port'), ['tls-port', String(shared)]);
    again.close();
  });
});

test('maxclients over TLS: the refused connection is closed without a reply, as Redis', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'no', maxclients: '1' }, async (target, c) => {
    // The start-up probe of the port may not be gone yet, and it counts as a client: retry.
    let first: TlsResp | undefined;
    for (let i = 0; i < 100 && first === undefined; i++) {
      const c1 = await TlsResp.connect(target.tlsPort, c.ca).catch(() => undefined);
      if (c1 !== undefined && (await c1.call('PING')) === 'PONG') first = c1;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(first, target.name);
    assert.equal(await tryPing(target.tlsPort, c.ca), CLOSED, target.name);
    assert.equal(await first.call('PING'), 'PONG', target.name);
    first.close();
  });
});

test('tls-prefer-server-ciphers picks the server order (TLS 1.2); tls-ciphersuites restricts TLS 1.3', async (t) => {
  const server12 = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384';
  const client12 = 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256';
  await onBoth(t, { 'tls-auth-clients': 'no', 'tls-ciphers': server12 }, async (target, c) => {
    const cipherOf = async (options: Parameters<typeof TlsResp.connect>[2]) => {
      const r = await TlsResp.connect(target.tlsPort, c.ca, options);
      const name = r.socket.getCipher().standardName;
      assert.equal(await r.call('PING'), 'PONG', target.name);
      r.close();
      return name;
    };
    const admin = await TlsResp.connect(target.tlsPort, c.ca);
    // Without the preference the client's first choice wins; with it, the server's.
    assert.equal(await cipherOf({ maxVersion: 'TLSv1.2', ciphers: client12 }), 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', target.name);
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-prefer-server-ciphers', 'yes'), 'OK');
    assert.equal(await cipherOf({ maxVersion: 'TLSv1.2', ciphers: client12 }), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', target.name);
    // TLS 1.3 suites are tls-ciphersuites' business, not tls-ciphers'.
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-ciphersuites', 'TLS_AES_256_GCM_SHA384'), 'OK');
    assert.equal(await cipherOf({ minVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' }), 'TLS_AES_256_GCM_SHA384', target.name);
    assert.equal(await tryPing(target.tlsPort, c.ca, { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }), CLOSED, target.name);
    admin.close();
  });
});

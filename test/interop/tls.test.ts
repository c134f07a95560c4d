// Real clients over TLS, unchanged, against Tidings and then redis-server with the same
// certificates: redis-cli --tls, ioredis and node-redis `tls` options, redis-py rediss:// (without
// verification, and with a CA and a client certificate). The server asks for client certificates
// optionally, so both kinds of client are let in; a required certificate is checked too.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { makeCerts, removeCerts, hasOpenssl, type TestCerts } from '../net/certs.js';
import { startRedisTls, startTidingsTls, type TlsTarget } from '../net/tls-helpers.js';
import { requirePython, requireRedisServer, runPython, skipLoudly } from '../helpers/servers.js';

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

/** Run redis-cli without blocking the event loop (Tidings runs in this process). */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', args);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.trim() });
    });
  });
}

test('redis-cli --tls --cacert (and --cert/--key when a client certificate is required)', async (t) => {
  if (spawnSync('redis-cli', ['--version']).status !== 0) return skipLoudly(t, 'redis-cli is not installed');
  await onBoth(t, {}, async (target, c) => {
    const base = ['--tls', '--cacert', c.ca, '-h', '127.0.0.1', '-p', String(target.tlsPort)];
    const withCert = [...base, '--cert', c.clientCert, '--key', c.clientKey];
    assert.deepEqual(await cli([...withCert, 'SET', 'cli', 'over tls']), { code: 0, out: 'OK' }, target.name);
    assert.deepEqual(await cli([...withCert, 'GET', 'cli']), { code: 0, out: 'over tls' });
    // No certificate while one is required: the connection is refused, nothing is answered.
    const refused = await cli([...base, 'PING']);
    assert.ok(!refused.out.includes('PONG'), `${target.name}: ${refused.out}`);
    assert.deepEqual(await cli([...withCert, 'CONFIG', 'SET', 'tls-auth-clients', 'optional']), { code: 0, out: 'OK' });
    assert.deepEqual(await cli([...base, 'PING']), { code: 0, out: 'PONG' }, target.name);
    // Plain redis-cli on the TLS port gets no reply.
    const plain = await cli(['-h', '127.0.0.1', '-p', String(target.tlsPort), 'PING']);
    assert.ok(!plain.out.includes('PONG'), `${target.name}: ${plain.out}`);
  });
});

test('ioredis with tls options: commands, pub/sub, client certificate', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'optional' }, async (target, c) => {
    const opts = { host: '127.0.0.1', port: target.tlsPort, maxRetriesPerRequest: 1, tls: { ca: fs.readFileSync(c.ca) } };
    const cmd = new Redis({ ...opts, tls: { ...opts.tls, cert: fs.readFileSync(c.clientCert), key: fs.readFileSync(c.clientKey) } });
    const sub = new Redis(opts);
    try {
      assert.equal(await cmd.set('io', 'redis'), 'OK', target.name);
      assert.equal(await cmd.get('io'), 'redis');
      const got = new Promise<[string, string]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
      await sub.subscribe('tls-news');
      assert.equal(await cmd.publish('tls-news', 'hello'), 1);
      assert.deepEqual(await got, ['tls-news', 'hello']);
      const popped = cmd.duplicate();
      const waiting = popped.blpop('tls-jobs', 0);
      await new Promise((r) => setTimeout(r, 50));
      await cmd.rpush('tls-jobs', 'j');
      assert.deepEqual(await waiting, ['tls-jobs', 'j']);
      popped.disconnect();
    } finally {
      cmd.disconnect();
      sub.disconnect();
    }
  });
});

test('node-redis with socket.tls: commands and pub/sub', async (t) => {
  await onBoth(t, { 'tls-auth-clients': 'optional' }, async (target, c) => {
    const make = () =>
      createClient({
        socket: { host: '127.0.0.1', port: target.tlsPort, tls: true, ca: fs.readFileSync(c.ca), reconnectStrategy: false },
      });
    const cmd = make();
    const sub = make();
    cmd.on('error', () => {});
    sub.on('error', () => {});
    await cmd.connect();
    await sub.connect();
    try {
      assert.equal(await cmd.set('nr', 'tls'), 'OK', target.name);
      assert.equal(await cmd.get('nr'), 'tls');
      const got = new Promise<string>((resolve) => void sub.subscribe('nr-news', (msg) => resolve(msg)));
      // subscribe() resolves once the server confirmed; publish until the subscriber counts.
      for (let i = 0; i < 100 && (await cmd.publish('nr-news', 'hi')) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await got, 'hi');
    } finally {
      await cmd.quit();
      await sub.quit();
    }
  });
});

const PY_SCRIPT = `
import sys, redis
port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
r = redis.from_url('rediss://127.0.0.1:%d' % port, ssl_cert_reqs='none')
print(r.ping())
v = redis.Redis(host='127.0.0.1', port=port, ssl=True, ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=key)
v.set('py', 'tls')
print(v.get('py').decode())
p = v.pubsub(ignore_subscribe_messages=True)
p.subscribe('py-news')
r.publish('py-news', 'hello over tls')
m = None
for _ in range(100):
    m = p.get_message(timeout=0.1)
    if m:
        break
print(m['data'].decode())
r.rpush('py-jobs', 'j1')
print(v.blpop('py-jobs', 1))
`;

test('redis-py rediss:// with ssl_cert_reqs none, and with a CA and a client certificate', async (t) => {
  if (!requirePython(t, ['redis'])) return;
  await onBoth(t, { 'tls-auth-clients': 'optional' }, async (target, c) => {
    const script = path.join(c.dir, 'tls_check.py');
    fs.writeFileSync(script, PY_SCRIPT);
    const r = await runPython(script, [String(target.tlsPort), c.ca, c.clientCert, c.clientKey]);
    assert.equal(r.code, 0, `${target.name}: ${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split('\n'), ['True', 'tls', 'hello over tls', "(b'py-jobs', b'j1')"], target.name);
  });
});

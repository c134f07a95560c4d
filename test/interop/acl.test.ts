// Real clients as a restricted ACL user, unchanged, against Tidings and then redis-server: ioredis
// and redis-py log in with a username, run what the user may run, and get NOPERM as their own
// error types for commands, keys and channels it may not touch; ioredis does the same over TLS.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { makeCerts, removeCerts, hasOpenssl, type TestCerts } from '../net/certs.js';
import { startRedisTls, startTidingsTls } from '../net/tls-helpers.js';
import { requirePython, requireRedisServer, runPython, skipLoudly, startRedis, startTidings, type TestServer } from '../helpers/servers.js';

const RULES = ['on', '>worker-pw', '~jobs:*', 'resetchannels', '&events:*', '-@all', '+@list', '+@connection', '+info', '+publish', '+subscribe', '+get'];
const NOPERM_CMD = "NOPERM this user has no permissions to run the 'set' command";
const NOPERM_KEY = 'NOPERM this user has no permissions to access one of the keys used as arguments';
const NOPERM_CHANNEL = 'NOPERM this user has no permissions to access one of the channels used as arguments';

let certs: TestCerts | undefined;
before(() => {
  if (hasOpenssl()) certs = makeCerts();
});
after(() => {
  if (certs) removeCerts(certs);
});

/** Run `fn` against Tidings, then against redis-server when installed. */
async function onBoth(t: TestContext, fn: (name: string, srv: TestServer) => Promise<void>): Promise<void> {
  const tidings = await startTidings();
  try {
    await fn('tidings', tidings);
  } finally {
    await tidings.close();
  }
  if (!requireRedisServer(t)) return;
  const redis = await startRedis();
  try {
    await fn('redis', redis);
  } finally {
    await redis.close();
  }
}

async function addWorker(port: number, tlsCa?: string): Promise<void> {
  const admin = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, ...(tlsCa ? { tls: { ca: fs.readFileSync(tlsCa) } } : {}) });
  try {
    assert.equal(await admin.call('ACL', 'SETUSER', 'worker', ...RULES), 'OK');
  } finally {
    admin.disconnect();
  }
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

/** What the worker may and may not do, through ioredis. */
async function exerciseWorker(name: string, options: RedisOptions): Promise<void> {
  const worker = new Redis({ ...options, username: 'worker', password: 'worker-pw', maxRetriesPerRequest: 1 });
  worker.on('error', () => {});
  const sub = worker.duplicate();
  try {
    assert.equal(await worker.call('ACL', 'WHOAMI').catch((e: Error) => e.message), "NOPERM this user has no permissions to run the 'acl|whoami' command", name);
    assert.equal(await worker.rpush('jobs:1', 'a', 'b'), 2, name);
    assert.deepEqual(await worker.lrange('jobs:1', 0, -1), ['a', 'b']);
    assert.equal(await errorOf(worker.set('jobs:1', 'x')), NOPERM_CMD, name);
    assert.equal(await errorOf(worker.lpush('other', 'x')), NOPERM_KEY, name);
    assert.equal(await errorOf(worker.publish('news', 'x')), NOPERM_CHANNEL, name);
    const got = new Promise<[string, string]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
    await sub.subscribe('events:a');
    assert.equal(await worker.publish('events:a', 'hello'), 1, name);
    assert.deepEqual(await got, ['events:a', 'hello'], name);
    assert.equal(await errorOf(sub.subscribe('news')), NOPERM_CHANNEL, name);
  } finally {
    worker.disconnect();
    sub.disconnect();
  }
}

test('ioredis as a restricted ACL user: allowed commands, NOPERM for commands, keys and channels', async (t) => {
  await onBoth(t, async (name, srv) => {
    await addWorker(srv.port);
    await exerciseWorker(name, { host: '127.0.0.1', port: srv.port });
  });
});

test('ioredis as a restricted ACL user over TLS', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const c = certs;
  const targets = [() => startTidingsTls(c, { 'tls-auth-clients': 'no' })];
  if (requireRedisServer(t)) targets.push(() => startRedisTls(c, { 'tls-auth-clients': 'no' }));
  for (const start of targets) {
    const target = await start();
    try {
      await addWorker(target.tlsPort, c.ca);
      await exerciseWorker(target.name, { host: '127.0.0.1', port: target.tlsPort, tls: { ca: fs.readFileSync(c.ca) } });
    } finally {
      await target.close();
    }
  }
});

const PY_SCRIPT = `
import sys, redis
port = int(sys.argv[1])
r = redis.Redis(port=port, username='worker', password='worker-pw')
print(r.rpush('jobs:py', 'a'))
print(r.lpop('jobs:py'))
for call in (lambda: r.set('jobs:py', 'x'), lambda: r.lpush('other', 'x'), lambda: r.publish('news', 'x')):
    try:
        call()
        print('no error')
    except redis.exceptions.NoPermissionError as e:
        print(type(e).__name__, e)
try:
    redis.Redis(port=port, username='worker', password='nope').ping()
except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as e:
    print(e)
`;

test('redis-py as a restricted ACL user: NoPermissionError and WRONGPASS with Redis texts', async (t) => {
  if (!requirePython(t, ['redis'])) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-acl-py-'));
  const script = path.join(dir, 'acl_check.py');
  fs.writeFileSync(script, PY_SCRIPT);
  try {
    await onBoth(t, async (name, srv) => {
      await addWorker(srv.port);
      const r = await runPython(script, [String(srv.port)]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.deepEqual(
        r.stdout.trim().split('\n'),
        [
          '1',
          "b'a'",
          `NoPermissionError ${NOPERM_CMD.replace(/^NOPERM /, '')}`,
          `NoPermissionError ${NOPERM_KEY.replace(/^NOPERM /, '')}`,
          `NoPermissionError ${NOPERM_CHANNEL.replace(/^NOPERM /, '')}`,
          'WRONGPASS invalid username-password pair or user is disabled.',
        ],
        name,
      );
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

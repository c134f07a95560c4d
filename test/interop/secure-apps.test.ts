// Real clients, unchanged, as restricted ACL users over TLS — the way apps meet a hosted broker —
// against Tidings and then redis-server with the same certificates and the same users:
// redis-cli --tls --user --pass, node-redis with socket.tls and username/password, BullMQ (ioredis
// with tls) under a user limited to its key prefix, redis-py rediss:// without verification and with
// a CA, a Celery worker with rediss:// broker and result backend, and both Channels layers.
// The server does not ask for client certificates (tls-auth-clients no), as hosted platforms.
import { test, describe, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { makeCerts, removeCerts, hasOpenssl, type TestCerts } from '../net/certs.js';
import { startRedisTls, startTidingsTls, type TlsTarget } from '../net/tls-helpers.js';
import { RespClient } from '../helpers/resp.js';
import { hasRedisServer, requirePython, requireRedisServer, runPython, skipLoudly } from '../helpers/servers.js';
import { waitFor } from './wait.js';

const PY = path.join(import.meta.dirname, 'python');
const NOPERM_KEY = 'NOPERM this user has no permissions to access one of the keys used as arguments';

/** The users every target gets, set up on its plain port by the default user. */
const USERS: Record<string, string[]> = {
  // An app confined to its own keys and channels, with no admin or dangerous command.
  app: ['on', '>app-pw', '~app:*', 'resetchannels', '&app:*', '+@all', '-@admin', '-@dangerous'],
  // BullMQ: keys under bull:* only, no channels; it reads INFO for the server version.
  bull: ['on', '>bull-pw', '~bull:*', 'resetchannels', '+@all', '-@admin', '-@dangerous', '+info'],
  // Celery: kombu's queues, bindings and pidbox fan-out channels, the result backend's keys.
  celery: ['on', '>celery-pw', 'allkeys', 'allchannels', '+@all', '-@admin', '-@dangerous'],
  // Channels: keys and channels under the layer's prefix "asgi"; flush() runs KEYS in a script.
  channels: ['on', '>channels-pw', '~asgi*', 'resetchannels', '&asgi*', '+@all', '-@admin', '-@dangerous', '+keys'],
};

let certs: TestCerts | undefined;
before(() => {
  if (hasOpenssl()) certs = makeCerts();
});
after(() => {
  if (certs) removeCerts(certs);
});

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

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

for (const which of ['tidings', 'redis'] as const) {
  describe(`ACL users over TLS against ${which === 'tidings' ? 'Tidings' : 'redis-server'}`, () => {
    let target: TlsTarget | undefined;

    before(async () => {
      if (!certs || (which === 'redis' && !hasRedisServer())) return;
      target = which === 'tidings' ? await startTidingsTls(certs, { 'tls-auth-clients': 'no' }) : await startRedisTls(certs, { 'tls-auth-clients': 'no' });
      const admin = await RespClient.connect(target.port);
      try {
        for (const [name, rules] of Object.entries(USERS)) assert.equal(await admin.call('ACL', 'SETUSER', name, ...rules), 'OK');
      } finally {
        admin.close();
      }
    });
    after(async () => {
      await target?.close();
    });

    function ready(t: TestContext): TlsTarget | undefined {
      if (!certs) {
        skipLoudly(t, 'openssl is not installed');
        return undefined;
      }
      if (which === 'redis' && !requireRedisServer(t)) return undefined;
      return target;
    }

    /** A Python check (secure_checks.py MODE) as USER over TLS; CA '' means no verification. */
    async function pythonCheck(tgt: TlsTarget, mode: string, user: string, ca: string): Promise<void> {
      const r = await runPython(path.join(PY, 'secure_checks.py'), [mode], {
        cwd: PY,
        timeoutMs: 240000,
        env: { SECURE_PORT: String(tgt.tlsPort), SECURE_USER: user, SECURE_PASS: `${user}-pw`, SECURE_CA: ca },
      });
      const report = `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr.slice(-6000)}`;
      assert.equal(r.code, 0, `${which}: secure_checks.py ${mode} failed:\n${report}`);
      assert.ok(r.stdout.includes(`PASS ${mode}`), `${which}: no PASS ${mode}:\n${report}`);
    }

    test('redis-cli --tls --cacert --user --pass: own keys, NOPERM elsewhere, WRONGPASS', async (t) => {
      const tgt = ready(t);
      if (!tgt) return;
      if (spawnSync('redis-cli', ['--version']).status !== 0) return skipLoudly(t, 'redis-cli is not installed');
      const base = ['--tls', '--cacert', certs!.ca, '-h', '127.0.0.1', '-p', String(tgt.tlsPort), '--no-auth-warning'];
      const app = [...base, '--user', 'app', '--pass', 'app-pw'];
      assert.deepEqual(await cli([...app, 'SET', 'app:cli', 'over tls']), { code: 0, out: 'OK' }, which);
      assert.deepEqual(await cli([...app, 'GET', 'app:cli']), { code: 0, out: 'over tls' });
      assert.deepEqual(await cli([...app, 'ACL', 'WHOAMI']), { code: 0, out: 'app' });
      assert.equal((await cli([...app, 'GET', 'other'])).out, NOPERM_KEY);
      assert.equal((await cli([...app, 'CONFIG', 'GET', 'port'])).out, "NOPERM this user has no permissions to run the 'config|get' command");
      const wrong = await cli([...base, '--user', 'app', '--pass', 'nope', 'PING']);
      assert.match(wrong.out, /WRONGPASS invalid username-password pair or user is disabled\./, which);
    });

    test('node-redis with socket.tls and username/password: commands, pub/sub, NOPERM', async (t) => {
      const tgt = ready(t);
      if (!tgt) return;
      const make = () =>
        createClient({
          username: 'app',
          password: 'app-pw',
          socket: { host: '127.0.0.1', port: tgt.tlsPort, tls: true, ca: fs.readFileSync(certs!.ca), reconnectStrategy: false },
        });
      const cmd = make();
      const sub = make();
      cmd.on('error', () => {});
      sub.on('error', () => {});
      await cmd.connect();
      await sub.connect();
      try {
        assert.equal(await cmd.set('app:nr', 'tls'), 'OK', which);
        assert.equal(await cmd.get('app:nr'), 'tls');
        assert.equal(await errorOf(cmd.get('jobs:nr')), NOPERM_KEY, which);
        assert.equal(await errorOf(cmd.flushAll()), "NOPERM this user has no permissions to run the 'flushall' command", which);
        assert.equal(
          await errorOf(cmd.publish('ops', 'x')),
          'NOPERM this user has no permissions to access one of the channels used as arguments',
          which,
        );
        const got = new Promise<string>((resolve) => void sub.subscribe('app:news', (msg) => resolve(msg)));
        for (let i = 0; i < 100 && (await cmd.publish('app:news', 'hi')) === 0; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(await got, 'hi');
      } finally {
        await cmd.quit();
        await sub.quit();
      }
      // A wrong password fails the connect with Redis's text.
      const bad = createClient({ username: 'app', password: 'nope', socket: { host: '127.0.0.1', port: tgt.tlsPort, tls: true, ca: fs.readFileSync(certs!.ca), reconnectStrategy: false } });
      bad.on('error', () => {});
      assert.equal(await errorOf(bad.connect()), 'WRONGPASS invalid username-password pair or user is disabled.', which);
      await bad.destroy?.();
    });

    test('BullMQ over TLS under a user limited to bull:* and without admin commands', async (t) => {
      const tgt = ready(t);
      if (!tgt) return;
      const connection = {
        host: '127.0.0.1',
        port: tgt.tlsPort,
        username: 'bull',
        password: 'bull-pw',
        tls: { ca: fs.readFileSync(certs!.ca) },
        maxRetriesPerRequest: null,
      };
      const queue = new Queue('secure', { connection });
      // From the stream's start: QueueEvents reads from '$' once its loop runs, which can be after
      // the job completed (a missed event, seen once against redis-server in CI).
      const events = new QueueEvents('secure', { connection, lastEventId: '0-0' });
      const failures: string[] = [];
      const worker = new Worker(
        'secure',
        async (job) => {
          if ((job.data as { x: number }).x < 0) throw new Error('negative');
          return (job.data as { x: number }).x * 2;
        },
        { connection },
      );
      worker.on('error', (e) => failures.push(e.message));
      try {
        await queue.waitUntilReady();
        await events.waitUntilReady();
        const completed: string[] = [];
        events.on('completed', ({ jobId }) => completed.push(jobId));
        const ok = await queue.add('double', { x: 21 });
        const bad = await queue.add('double', { x: -1 }, { attempts: 2 });
        await waitFor(async () => (await queue.getJob(ok.id!))?.finishedOn, 'job to finish');
        assert.equal((await queue.getJob(ok.id!))!.returnvalue, 42, which);
        await waitFor(async () => (await queue.getJob(bad.id!))?.finishedOn, 'failing job to give up');
        const failed = (await queue.getJob(bad.id!))!;
        assert.equal(failed.failedReason, 'negative');
        assert.equal(failed.attemptsMade, 2);
        await waitFor(() => completed.includes(ok.id!), 'completed event');
        assert.deepEqual(failures, [], which);
        // The same connection settings cannot reach outside the prefix or wipe the server.
        const raw = new Redis({ ...connection, maxRetriesPerRequest: 1 });
        try {
          assert.equal(await errorOf(raw.get('other:key')), NOPERM_KEY, which);
          assert.equal(await errorOf(raw.flushall()), "NOPERM this user has no permissions to run the 'flushall' command");
        } finally {
          raw.disconnect();
        }
      } finally {
        await worker.close();
        await events.close();
        await queue.close();
      }
    });

    test('redis-py rediss:// as an ACL user, with ssl_cert_reqs=none and with a CA', async (t) => {
      const tgt = ready(t);
      if (!tgt || !requirePython(t, ['redis'])) return;
      await pythonCheck(tgt, 'redispy', 'app', '');
      await pythonCheck(tgt, 'redispy', 'app', certs!.ca);
    });

    test('Channels layers (RedisChannelLayer and RedisPubSubChannelLayer) over rediss:// as a user limited to asgi*', async (t) => {
      const tgt = ready(t);
      if (!tgt || !requirePython(t, ['channels', 'channels_redis', 'redis', 'msgpack'])) return;
      await pythonCheck(tgt, 'channels', 'channels', certs!.ca);
    });

    test('Celery worker with rediss:// broker and result backend as an ACL user (CA verified)', async (t) => {
      const tgt = ready(t);
      if (!tgt || !requirePython(t, ['celery', 'kombu', 'redis'])) return;
      const env = { SECURE_PORT: String(tgt.tlsPort), SECURE_USER: 'celery', SECURE_PASS: 'celery-pw', SECURE_CA: certs!.ca };
      const worker = spawn('/usr/bin/python3', ['-m', 'celery', '-A', 'celery_secure_app', 'worker', '--pool=solo', '--loglevel=INFO', '--hostname', `secure-${tgt.tlsPort}@%h`], {
        cwd: PY,
        env: { ...process.env, ...env, PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      worker.stdout.on('data', (d) => (log += d));
      worker.stderr.on('data', (d) => (log += d));
      const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
      try {
        await pythonCheck(tgt, 'celery', 'celery', certs!.ca);
      } catch (err) {
        (err as Error).message += `\n--- celery worker log ---\n${log.slice(-6000)}`;
        throw err;
      } finally {
        if (worker.exitCode === null && worker.signalCode === null) {
          worker.kill('SIGTERM');
          const timer = setTimeout(() => worker.kill('SIGKILL'), 30000);
          await exited;
          clearTimeout(timer);
        }
      }
      assert.equal(await exited, 0, `celery worker exit code\n${log.slice(-4000)}`);
      assert.match(log, /Connected to rediss:\/\/celery:\*\*@127\.0\.0\.1/, 'the worker connected over TLS as celery');
    });
  });
}

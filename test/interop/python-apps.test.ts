// Python job queues, caches and channel layers (Debian's packages, unchanged) on Tidings:
// a Celery worker (solo pool) with broker and result backend on Tidings, an RQ burst worker,
// django-redis as Django's cache, and both Channels layers (RedisChannelLayer, which needs Lua,
// sorted sets and BZPOPMIN, and RedisPubSubChannelLayer). Each also runs against a real
// redis-server, so the checks' expectations are Redis's own.
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  startTidings,
  startRedis,
  requirePython,
  requireRedisServer,
  runPython,
  type TestServer,
} from '../helpers/servers.js';
import { waitFor } from './wait.js';

const PY = path.join(import.meta.dirname, 'python');
type Target = 'tidings' | 'redis-server';

async function withTarget(t: TestContext, target: Target, modules: string[], fn: (srv: TestServer) => Promise<void>) {
  if (!requirePython(t, modules)) return;
  if (target === 'redis-server' && !requireRedisServer(t)) return;
  const srv = target === 'tidings' ? await startTidings() : await startRedis();
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

async function runChecks(srv: TestServer, script: string, args: string[], pass: string) {
  const result = await runPython(path.join(PY, script), args, {
    env: { TIDINGS_HOST: '127.0.0.1', TIDINGS_PORT: String(srv.port) },
    cwd: PY,
    timeoutMs: 240000,
  });
  const report = `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
  assert.equal(result.code, 0, `${script} ${args.join(' ')} failed:\n${report}`);
  assert.ok(result.stdout.includes(`PASS ${pass}`), `${script} did not report PASS ${pass}:\n${report}`);
}

/** A Celery worker process for celery_app.py, stopped (warm shutdown) when done. */
async function withCeleryWorker(srv: TestServer, fn: () => Promise<void>) {
  const worker = spawn(
    '/usr/bin/python3',
    ['-m', 'celery', '-A', 'celery_app', 'worker', '--pool=solo', '--loglevel=INFO', '--hostname', `interop-${srv.port}@%h`],
    {
      cwd: PY,
      env: { ...process.env, TIDINGS_HOST: '127.0.0.1', TIDINGS_PORT: String(srv.port), PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  worker.stdout.on('data', (d) => (log += d));
  worker.stderr.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
  try {
    await fn();
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
  // Warm shutdown on SIGTERM finishes cleanly (it acknowledges and closes its broker connections).
  assert.equal(await exited, 0, `celery worker exit code\n${log.slice(-4000)}`);
  assert.match(log, /ready\./, 'worker reported ready');
  assert.match(log, /celery_app.fail\[[0-9a-f-]+\] raised unexpected/, 'worker logged the failing task');
  assert.match(log, /ValueError: boom from a task/, 'with its traceback');
}

const CELERY = ['celery', 'kombu', 'redis'];
const DJANGO_REDIS = ['django', 'django_redis', 'redis'];
const CHANNELS = ['channels', 'channels_redis', 'redis', 'msgpack'];
const RQ = ['rq', 'redis'];

for (const target of ['tidings', 'redis-server'] as Target[]) {
  describe(`Python apps against ${target}`, () => {
    test('Celery: worker (solo pool), results, a failing task, retries, group/chain/chord', (t) =>
      withTarget(t, target, CELERY, (srv) =>
        withCeleryWorker(srv, () => runChecks(srv, 'celery_checks.py', [], 'celery')),
      ));

    test('RQ: burst worker runs jobs, stores results and failures, dependencies', (t) =>
      withTarget(t, target, RQ, (srv) => runChecks(srv, 'rq_checks.py', [], 'rq')));

    test('django-redis: get/set/incr/ttl/expire/persist/delete_pattern/locks as the Django cache', (t) =>
      withTarget(t, target, DJANGO_REDIS, (srv) => runChecks(srv, 'django_redis_checks.py', [], 'django_redis')));

    test('Channels RedisChannelLayer: send/receive, specific channels, group_send, capacity', (t) =>
      withTarget(t, target, CHANNELS, (srv) => runChecks(srv, 'channels_checks.py', ['core'], 'channels_core')));

    test('Channels RedisPubSubChannelLayer: send/receive and groups across two layers', (t) =>
      withTarget(t, target, CHANNELS, async (srv) => {
        await runChecks(srv, 'channels_checks.py', ['pubsub'], 'channels_pubsub');
        // Flushing the layers closed their subscriptions: no channel is left behind.
        const c = await srv.connect();
        try {
          await waitFor(async () => ((await c.call('PUBSUB', 'CHANNELS')) as unknown[]).length === 0, 'no channels left');
        } finally {
          c.close();
        }
      }));
  });
}

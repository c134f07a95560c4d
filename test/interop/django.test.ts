// The Django example (examples/django) tested with Django's own test runner against a live broker:
// notifications (redis-py pub/sub + a listener thread), Celery background tasks (a worker thread on
// the broker), Channels chat rooms (RedisChannelLayer: Lua, sorted sets, BZPOPMIN) and a second
// channel layer standing in for another server. The same suite runs against Tidings and against a
// real redis-server, with no change to the app: only REDIS_URL differs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ROOT,
  startTidings,
  startRedis,
  requirePython,
  requireRedisServer,
  runPython,
  type TestServer,
} from '../helpers/servers.js';

const DJANGO_DIR = path.join(ROOT, 'examples', 'django');
/** The Debian packages the example needs, as Python module names. */
const DJANGO_MODULES = ['django', 'channels', 'channels_redis', 'daphne', 'celery', 'redis', 'django_redis'];

/** Outcome of each test in examples/django/demo/tests.py, from Django's verbose output (log lines
 * may come between a test's name and its outcome). */
function outcomes(stderr: string): Map<string, string> {
  const found = new Map<string, string>();
  const headers = [...stderr.matchAll(/^(test_\w+) \(demo\.tests\.(\w+)\.test_\w+\) \.\.\. /gm)];
  headers.forEach((h, i) => {
    const start = h.index! + h[0].length;
    const end = i + 1 < headers.length ? headers[i + 1]!.index! : stderr.length;
    const chunk = ' ' + stderr.slice(start, end);
    const outcome = /[\s.](ok|ERROR|FAIL|skipped .*)$/m.exec(chunk);
    found.set(`${h[2]}.${h[1]}`, outcome ? outcome[1]! : 'no outcome');
  });
  return found;
}

async function runDjangoSuite(srv: TestServer): Promise<void> {
  const result = await runPython(path.join(DJANGO_DIR, 'manage.py'), ['test', 'demo', '-v', '2', '--no-input'], {
    cwd: DJANGO_DIR,
    env: { REDIS_URL: `redis://127.0.0.1:${srv.port}/0`, SERVER_NAME: 'test-server', DEMO_LOG_LEVEL: 'WARNING' },
    timeoutMs: 150000,
  });
  const report = `exit ${result.code}\n--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`;
  assert.equal(result.code, 0, `Django test suite failed:\n${report}`);
  const ran = /^Ran (\d+) tests? in/m.exec(result.stderr);
  assert.ok(ran, `no "Ran N tests" line:\n${report}`);
  assert.match(result.stderr, /^OK$/m, report);
  const results = outcomes(result.stderr);
  // Every use case's tests ran and passed (nothing skipped).
  for (const group of ['NotificationTests', 'BackgroundTaskTests', 'ChatTests', 'PageAndCacheTests']) {
    const mine = [...results].filter(([name]) => name.startsWith(`${group}.`));
    assert.ok(mine.length >= 2, `expected ${group} tests in the output:\n${report}`);
    for (const [name, outcome] of mine) assert.equal(outcome, 'ok', `${name}: ${outcome}\n${report}`);
  }
  assert.ok(results.has('ChatTests.test_across_servers'), report);
  assert.equal(results.size, Number(ran[1]), `parsed ${results.size} outcomes for ${ran[1]} tests:\n${report}`);
}

describe('Django example: Django test runner and Channels communicators', () => {
  test('all four use cases pass against Tidings', async (t) => {
    if (!requirePython(t, DJANGO_MODULES)) return;
    const srv = await startTidings();
    try {
      await runDjangoSuite(srv);
    } finally {
      await srv.close();
    }
  });

  test('the same app passes unchanged against redis-server', async (t) => {
    if (!requireRedisServer(t) || !requirePython(t, DJANGO_MODULES)) return;
    const srv = await startRedis();
    try {
      await runDjangoSuite(srv);
    } finally {
      await srv.close();
    }
  });
});

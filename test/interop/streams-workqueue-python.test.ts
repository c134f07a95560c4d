// The stream work queue with redis-py (Debian's python3-redis): a crashed consumer's jobs are
// reclaimed with XAUTOCLAIM, and concurrent producer/consumer threads lose nothing. The same
// script runs against a real redis-server, so its expectations are Redis's own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  requirePython,
  requireRedisServer,
  runPython,
  startRedis,
  startTidings,
  type TestServer,
} from '../helpers/servers.js';

const SCRIPT = path.join(import.meta.dirname, 'python', 'streams_workqueue.py');

for (const [name, start, needsRedis] of [
  ['Tidings', () => startTidings(), false],
  ['redis-server', () => startRedis(), true],
] as const) {
  describe(`stream work queue with redis-py against ${name}`, () => {
    for (const scenario of ['reclaim', 'concurrent']) {
      test(scenario, async (t) => {
        if (!requirePython(t, ['redis'])) return;
        if (needsRedis && !requireRedisServer(t)) return;
        const srv: TestServer = await start();
        try {
          const result = await runPython(SCRIPT, [scenario], {
            env: { TIDINGS_HOST: '127.0.0.1', TIDINGS_PORT: String(srv.port) },
            timeoutMs: 90000,
          });
          assert.equal(result.code, 0, `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
          assert.equal(result.stdout.trim(), `PASS ${scenario}`);
        } finally {
          await srv.close();
        }
      });
    }
  });
}

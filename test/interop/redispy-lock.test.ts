// redis-py's Lock (Lua scripts for release/extend/reacquire) against Tidings and redis-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTidings, startRedis, requirePython, requireRedisServer, runPython, type TestServer } from '../helpers/servers.js';

const SCRIPT = path.join(import.meta.dirname, 'python', 'lock_checks.py');

async function runAgainst(server: TestServer): Promise<void> {
  const result = await runPython(SCRIPT, [], {
    env: { TIDINGS_HOST: server.host, TIDINGS_PORT: String(server.port) },
    timeoutMs: 60000,
  });
  assert.equal(result.code, 0, `lock_checks.py exited with ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  assert.match(result.stdout, /PASS lock/);
}

test('redis-py Lock acquire/extend/reacquire/release against Tidings', async (t) => {
  if (!requirePython(t, ['redis'])) return;
  const server = await startTidings();
  try {
    await runAgainst(server);
  } finally {
    await server.close();
  }
});

test('redis-py Lock against redis-server (same program)', async (t) => {
  if (!requirePython(t, ['redis']) || !requireRedisServer(t)) return;
  const server = await startRedis();
  try {
    await runAgainst(server);
  } finally {
    await server.close();
  }
});

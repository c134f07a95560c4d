// The Node example (examples/node) runs as documented and prints what its README promises.
// It imports the package by name, so it runs against the build `npm test` makes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/servers.js';

function runNode(script: string, timeoutMs = 60000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, PORT: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('examples/node/pubsub-and-queue.mjs', async () => {
  const r = await runNode(path.join(ROOT, 'examples/node/pubsub-and-queue.mjs'));
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^Tidings listening on redis:\/\/127\.0\.0\.1:\d+$/);
  for (const n of [1, 2, 3]) {
    assert.ok(lines.includes(`Sent: Notification ${n} (to 1 subscriber)`), r.stdout);
    assert.ok(lines.includes(`Received on notifications: Notification ${n}`), r.stdout);
  }
  // One worker takes the jobs in the order they were queued (LPUSH + BRPOP is FIFO).
  assert.deepEqual(lines.filter((l) => l.startsWith('Worker')), [
    'Worker handled job 1: resize avatar',
    'Worker handled job 2: send welcome email',
    'Worker handled job 3: rebuild search index',
  ]);
  assert.equal(lines.at(-1), 'Jobs left in the queue: 0');
  assert.equal(r.stderr, '');
});

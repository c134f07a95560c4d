// oom-score-adj writes the process's /proc/<pid>/oom_score_adj as redis-server does: relative to the
// score found when enabled (yes/relative) or absolute, restored when disabled, never touched while
// disabled. The same steps run against both servers (each its own process) and the scores read
// after each step are compared, with the replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { skipLoudly, startTidingsProcess, type TestServer } from '../helpers/servers.js';
import { serverPair } from './harness.js';

const pair = serverPair(() => startTidingsProcess(), () => process.platform === 'linux');

async function scenario(server: TestServer): Promise<unknown[]> {
  const c = await server.connect();
  const pid = Number(/^process_id:(\d+)/m.exec(String(await c.call('INFO', 'server')))![1]);
  const file = `/proc/${pid}/oom_score_adj`;
  const score = () => Number(fs.readFileSync(file, 'latin1').trim());
  const seen: unknown[] = [];
  const step = async (...args: string[]) => seen.push([args.join(' '), await c.call('CONFIG', 'SET', ...args), score()]);
  try {
    fs.writeFileSync(file, '3\n');
    await step('oom-score-adj-values', '10 20 30');
    await step('oom-score-adj', 'yes');
    await step('oom-score-adj-values', '15 20 30');
    await step('oom-score-adj', 'no');
    fs.writeFileSync(file, '22\n');
    await step('oom-score-adj-values', '9 9 9', 'oom-score-adj', 'yes');
    await step('oom-score-adj', 'no');
    await step('oom-score-adj', 'relative');
    await step('oom-score-adj', 'absolute');
    await step('oom-score-adj', 'no');
    // Disabled: the file is left alone.
    fs.writeFileSync(file, '5\n');
    await step('oom-score-adj-values', '6 6 6');
    await step('oom-score-adj-values', '-2001 0 0');
    await step('oom-score-adj-values', '2000 2000 2000', 'oom-score-adj', 'relative');
    await step('oom-score-adj', 'no');
    seen.push(await c.call('CONFIG', 'GET', 'oom-score-adj'), await c.call('CONFIG', 'GET', 'oom-score-adj-values'));
  } finally {
    c.close();
  }
  return seen;
}

test('CONFIG SET oom-score-adj changes /proc/<pid>/oom_score_adj as redis-server does', async (t) => {
  const { tidings, redis } = pair;
  if (tidings === undefined || redis === undefined) return skipLoudly(t, 'Linux and redis-server are needed');
  const theirs = await scenario(redis);
  assert.deepEqual(await scenario(tidings), theirs);
});

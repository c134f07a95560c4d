// examples/testing: the README's test-suite setups, run as their tools run them — the node:test file
// with `node --test`, Jest's globalSetup/globalTeardown modules called as Jest calls them (CommonJS,
// require('tidings')), and Vitest's globalSetup (ESM, returning its teardown). Each resolves the
// package by its name, as a project that installed it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/servers.js';

const DIR = path.join(ROOT, 'examples', 'testing');

function node(args: string[]): { status: number | null; out: string } {
  // Without NODE_TEST_CONTEXT, a child `node --test` reports on its own instead of to this runner.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, args, { cwd: DIR, encoding: 'utf8', timeout: 120_000, env });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// What each setup leaves behind is checked by talking to the broker it started over TCP.
const probe = `
  const net = require('node:net');
  const ping = (url) => new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const s = net.connect(Number(port), hostname, () => s.write('PING\\r\\n'));
    s.once('data', (d) => { resolve(d.toString()); s.destroy(); });
    s.once('error', reject);
  });
`;

test('node:test example passes under `node --test`', () => {
  const r = node(['--test', 'node-test.test.mjs']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /# pass 2/);
  assert.match(r.out, /# fail 0/);
});

test('Jest globalSetup/globalTeardown (CommonJS): a broker on REDIS_URL, closed by the teardown', () => {
  const r = node([
    '-e',
    `${probe}
    (async () => {
      await require('./jest.global-setup.cjs')();
      const url = process.env.REDIS_URL;
      const before = await ping(url);
      await require('./jest.global-teardown.cjs')();
      const after = await ping(url).then(() => 'still up', (e) => e.code);
      console.log(JSON.stringify({ url, before, after }));
    })().catch((e) => { console.error(e); process.exit(1); });`,
  ]);
  assert.equal(r.status, 0, r.out);
  const got = JSON.parse(r.out.trim().split('\n').pop()!) as { url: string; before: string; after: string };
  assert.match(got.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(got.before, '+PONG\r\n');
  assert.equal(got.after, 'ECONNREFUSED');
});

test('Vitest globalSetup (ESM): provides the URL and returns a teardown that closes the broker', () => {
  const r = node([
    '--input-type=module',
    '-e',
    `import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    ${probe}
    const provided = {};
    const setup = (await import('./vitest.global-setup.mjs')).default;
    const teardown = await setup({ provide: (k, v) => (provided[k] = v) });
    const before = await ping(provided.redisUrl);
    await teardown();
    const after = await ping(provided.redisUrl).then(() => 'still up', (e) => e.code);
    console.log(JSON.stringify({ provided, env: process.env.REDIS_URL, before, after }));`,
  ]);
  assert.equal(r.status, 0, r.out);
  const got = JSON.parse(r.out.trim().split('\n').pop()!) as { provided: { redisUrl: string }; env: string; before: string; after: string };
  assert.equal(got.provided.redisUrl, got.env);
  assert.equal(got.before, '+PONG\r\n');
  assert.equal(got.after, 'ECONNREFUSED');
});

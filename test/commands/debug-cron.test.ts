// DEBUG PAUSE-CRON, DEBUG REPLYBUFFER and DEBUG CONFIG-REWRITE-FORCE-ALL over TCP, and the
// CONFIG GET answers Redis's test suite relies on (an absolute dir; no Tidings-only immutable
// parameters in CONFIG GET *). test/diff/debug-cron.test.ts compares the same with redis-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTidings, startTidingsProcess, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings({ config: { 'enable-debug-command': 'yes' } });
});
after(() => srv.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` is true (the cron runs at hz 10), failing after `ms`. */
async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function clientField(c: RespClient, name: string, field: string): Promise<string> {
  const list = String(await c.call('CLIENT', 'LIST'));
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  assert.ok(line, `no client named ${name}`);
  return new RegExp(` ${field}=(\\S*)`).exec(line)![1]!;
}

test('DEBUG PAUSE-CRON stops active expiry until resumed; its argument errors are Redis\'s', async () => {
  const c = await srv.connect();
  try {
    assert.deepEqual(await c.call('DEBUG', 'PAUSE-CRON'), { error: "ERR unknown subcommand or wrong number of arguments for 'PAUSE-CRON'. Try DEBUG HELP." });
    assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '1'), 'OK');
    await c.call('SET', 'soon', 'v', 'PX', '30');
    await sleep(300);
    // Nothing looked the key up and the cron is paused: it is still counted.
    assert.equal(await c.call('DBSIZE'), 1);
    // Read as atoi: "x" is 0, so this resumes the cron.
    assert.equal(await c.call('DEBUG', 'PAUSE-CRON', 'x'), 'OK');
    await waitFor(async () => (await c.call('DBSIZE')) === 0, 'active expiry after PAUSE-CRON 0');
  } finally {
    await c.call('DEBUG', 'PAUSE-CRON', '0');
    c.close();
  }
});

test('DEBUG PAUSE-CRON holds a lowered tracking-table-max-keys until the next command', async () => {
  const c = await srv.connect();
  const t = await srv.connect();
  try {
    await c.call('FLUSHALL');
    await t.call('HELLO', '3');
    await t.call('CLIENT', 'TRACKING', 'on');
    assert.deepEqual(await t.call('MGET', 'a', 'b'), [null, null]);
    assert.equal(await t.call('MULTI'), 'OK');
    assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '1'), 'OK');
    assert.equal(await c.call('CONFIG', 'SET', 'tracking-table-max-keys', '1'), 'OK');
    // No cron: nothing is invalidated yet.
    assert.equal(await t.silentFor(300), true);
    // The next command trims the table first: the invalidation comes before QUEUED.
    t.send('PING');
    const first = (await t.readFrame())!;
    assert.equal(first.value.type, 'push');
    assert.deepEqual(await t.read(), { type: 'simple', value: 'QUEUED' });
    assert.deepEqual(await t.call('EXEC'), ['PONG']);
  } finally {
    await c.call('DEBUG', 'PAUSE-CRON', '0');
    await c.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    t.close();
    c.close();
  }
});

test('DEBUG REPLYBUFFER: an idle client\'s reply buffer shrinks, a busy one grows to 16 KB', async () => {
  const c = await srv.connect();
  const tc = await srv.connect();
  try {
    assert.deepEqual(await c.call('DEBUG', 'REPLYBUFFER', 'x', 'y'), { error: "ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP." });
    assert.deepEqual(await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time'), { error: "ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP." });
    assert.deepEqual(await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'abc'), { error: 'ERR value is not an integer or out of range' });
    await tc.call('CLIENT', 'SETNAME', 'tc');
    // A new connection's reply buffer is 16 KB, its peak counted as full.
    assert.equal(await clientField(c, 'tc', 'rbs'), '16384');
    assert.equal(await clientField(c, 'tc', 'rbp'), '16384');
    assert.equal(await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', '100'), 'OK');
    await waitFor(async () => (await clientField(c, 'tc', 'rbs')) === '1024', 'the idle buffer to shrink');
    await c.call('SET', 'bigval', 'x'.repeat(32768));
    assert.equal(await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'never'), 'OK');
    const sizes: string[] = [];
    while (sizes.length < 4) {
      const before = await clientField(c, 'tc', 'rbs');
      await tc.call('GET', 'bigval');
      await waitFor(async () => (await clientField(c, 'tc', 'rbs')) !== before, 'the busy buffer to grow');
      sizes.push(await clientField(c, 'tc', 'rbs'));
    }
    assert.deepEqual(sizes, ['2048', '4096', '8192', '16384']);
    // RESIZING 0 leaves the size alone however idle the client is.
    assert.equal(await c.call('DEBUG', 'REPLYBUFFER', 'resizing', '0'), 'OK');
    assert.equal(await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', '100'), 'OK');
    await sleep(400);
    assert.equal(await clientField(c, 'tc', 'rbs'), '16384');
  } finally {
    await c.call('DEBUG', 'REPLYBUFFER', 'resizing', '1');
    await c.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'reset');
    tc.close();
    c.close();
  }
});

test('DEBUG CONFIG-REWRITE-FORCE-ALL writes every parameter to the config file', async () => {
  const c = await srv.connect();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-rewrite-'));
  const file = path.join(dir, 'tidings.conf');
  const config = srv.server!.config;
  const before = config.file;
  try {
    // No config file: Redis reports its rewrite's errno.
    config.file = undefined;
    assert.deepEqual(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), { error: 'ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address' });
    assert.deepEqual(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL', 'x'), {
      error: "ERR unknown subcommand or wrong number of arguments for 'CONFIG-REWRITE-FORCE-ALL'. Try DEBUG HELP.",
    });
    fs.writeFileSync(file, 'port 0\n');
    config.file = file;
    assert.equal(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), 'OK');
    const text = fs.readFileSync(file, 'utf8');
    // Defaults too, which a plain CONFIG REWRITE leaves out.
    assert.match(text, /^hz 10$/m);
    assert.match(text, /^maxmemory-policy noeviction$/m);
    assert.match(text, new RegExp(`^dir "${process.cwd().replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&')}"$`, 'm'));
  } finally {
    config.file = before;
    fs.rmSync(dir, { recursive: true, force: true });
    c.close();
  }
});

test('CONFIG GET dir answers an absolute path; CONFIG GET * leaves out Tidings\' immutable parameters', async () => {
  const s = await startTidings({ config: { dir: '.' } });
  const c = await s.connect();
  try {
    assert.deepEqual(await c.call('CONFIG', 'GET', 'dir'), ['dir', process.cwd()]);
    const all = (await c.call('CONFIG', 'GET', '*')) as string[];
    const names = all.filter((_, i) => i % 2 === 0);
    assert.ok(names.includes('dir'));
    for (const hidden of ['metrics-port', 'metrics-bind', 'dashboard']) assert.ok(!names.includes(hidden), hidden);
    // Still readable by exact name.
    assert.deepEqual(await c.call('CONFIG', 'GET', 'metrics-port'), ['metrics-port', '0']);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'dashboard'), ['dashboard', 'no']);
    // Every listed parameter can be set back to the value listed (Redis's "CONFIG sanity").
    const skip = new Set(['dir', 'daemonize', 'databases', 'logfile', 'pidfile', 'unixsocket', 'unixsocketperm', 'aclfile', 'dbfilename', 'appendfilename', 'appenddirname', 'supervised', 'requirepass', 'enable-debug-command', 'enable-protected-configs', 'enable-module-command']);
    for (let i = 0; i < all.length; i += 2) {
      if (skip.has(all[i]!) || all[i]!.startsWith('tls-') || all[i]!.startsWith('syslog') || all[i]!.includes('cpulist')) continue;
      const r = await c.call('CONFIG', 'SET', all[i]!, all[i + 1]!);
      if (r !== 'OK') {
        // Redis's immutable parameters refuse as they do on redis-server; none of Tidings' own.
        assert.match(String((r as { error: string }).error), /can't set immutable config/, `${all[i]}`);
        assert.ok(!['metrics-port', 'metrics-bind', 'dashboard', 'log-format'].includes(all[i]!));
      }
    }
  } finally {
    c.close();
    await s.close();
  }
});

test('SIGTERM waits for a paused cron, and SHUTDOWN ABORT cancels it', async () => {
  const s = await startTidingsProcess(['--enable-debug-command', 'yes']);
  try {
    const c = await s.connect();
    assert.deepEqual(await c.call('SHUTDOWN', 'ABORT'), { error: 'ERR No shutdown in progress.' });
    assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '1'), 'OK');
    s.child.kill('SIGTERM');
    await waitFor(async () => s.output().includes('Received SIGTERM scheduling shutdown'), 'the signal to be logged');
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('SHUTDOWN', 'ABORT'), 'OK');
    await waitFor(async () => s.output().includes('Shutdown manually aborted.'), 'the abort to be logged');
    assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '0'), 'OK');
    await sleep(300);
    assert.equal(await c.call('PING'), 'PONG');
    assert.deepEqual(await c.call('SHUTDOWN', 'ABORT'), { error: 'ERR No shutdown in progress.' });
    // Without a pause a signal stops the server.
    const exited = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGTERM');
    await exited;
    assert.equal(s.child.exitCode, 0);
    c.close();
  } finally {
    await s.close();
  }
});

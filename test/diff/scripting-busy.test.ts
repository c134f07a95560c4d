// Differential tests for scripts that run past busy-reply-threshold: the same scenario is played
// against Tidings and redis-server, and every reply other connections get while the script is busy
// (-BUSY texts, the allow_busy commands, SCRIPT KILL / FUNCTION KILL / FUNCTION STATS, SHUTDOWN
// NOSAVE) is compared byte for byte. Nothing waits on the clock: a scenario polls with PING until
// the script is busy, and every script either loops until it is killed or ends on a count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RespClient, type Frame } from '../helpers/resp.js';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';

type Step = [label: string, reply: string];

/** What a frame looked like on the wire, or how the connection ended. */
function raw(frame: Frame | undefined): string {
  if (frame === undefined) return '(connection closed)';
  // FUNCTION STATS reports how long the script has run: the one field that may differ.
  return frame.raw.toString('latin1').replace(/duration_ms\r\n:\d+\r\n/, 'duration_ms\r\n:<ms>\r\n');
}

class Recorder {
  readonly steps: Step[] = [];

  async call(c: RespClient, ...args: string[]): Promise<string> {
    c.send(...args);
    const reply = raw(await c.readFrame(10_000));
    this.steps.push([args.join(' '), reply]);
    return reply;
  }

  async reply(label: string, c: RespClient): Promise<string> {
    const reply = raw(await c.readFrame(30_000));
    this.steps.push([label, reply]);
    return reply;
  }
}

/** PING on `c` until the script on another connection makes it fail; returns that error. */
async function untilBusy(c: RespClient): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    c.send('PING');
    const reply = raw(await c.readFrame(30_000));
    if (reply.startsWith('-')) return reply;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the script never became busy');
}

/** Run one scenario on a fresh Tidings and a fresh redis-server at once; compare the replies. */
async function compare(scenario: (server: TestServer, rec: Recorder) => Promise<void>): Promise<void> {
  const [tidings, redis] = await Promise.all([startTidings(), startRedis()]);
  try {
    const [t, r] = [new Recorder(), new Recorder()];
    await Promise.all([scenario(tidings, t), scenario(redis, r)]);
    assert.ok(r.steps.length > 0);
    assert.deepEqual(t.steps, r.steps);
  } finally {
    // A server stopped by SHUTDOWN NOSAVE is already gone; close() on it is harmless.
    await Promise.all([tidings.close(), redis.close()]);
  }
}

const LOOP = 'local n = 0 while true do n = n + 1 end';

test('a busy EVAL: -BUSY for others, the allow_busy commands, SCRIPT KILL', async (t) => {
  if (!requireRedisServer(t)) return;
  await compare(async (server, rec) => {
    const [admin, runner, other] = await Promise.all([server.connect(), server.connect(), server.connect()]);
    await rec.call(admin, 'CONFIG', 'SET', 'busy-reply-threshold', '100');
    await rec.call(admin, 'SCRIPT', 'KILL');
    runner.send('EVAL', LOOP, '0');
    rec.steps.push(['first refusal', await untilBusy(other)]);
    for (const command of [
      ['PING'],
      ['GET', 'x'],
      ['SET', 'x', '1'],
      ['CLIENT', 'LIST'],
      ['INFO'],
      ['CONFIG', 'GET', 'busy-reply-threshold'],
      ['EVAL', 'return 1', '0'],
      ['NOSUCHCOMMAND', 'a'],
      ['GET'],
      ['FUNCTION', 'STATS'],
      ['FUNCTION', 'KILL'],
      ['SHUTDOWN'],
      ['SHUTDOWN', 'SAVE'],
      ['SHUTDOWN', 'ABORT'],
      ['SHUTDOWN', 'NOSAVE', 'ABORT'],
      ['AUTH', 'nopass-configured'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['EXEC'],
      ['MULTI'],
      ['WATCH', 'x'],
      ['DISCARD'],
      ['WATCH', 'x'],
      ['UNWATCH'],
      ['RESET'],
    ]) {
      await rec.call(other, ...command);
    }
    await rec.call(admin, 'SCRIPT', 'KILL');
    await rec.reply('the script caller', runner);
    await rec.call(other, 'PING');
    await rec.call(runner, 'PING');
    await rec.call(admin, 'SCRIPT', 'KILL');
    for (const c of [admin, runner, other]) c.close();
  });
});

const LIBRARY = [
  '#!lua name=busylib',
  "redis.register_function('spin', function(keys, args)",
  '  local n = 0 while true do n = n + 1 end',
  'end)',
  "redis.register_function{function_name='spin_ro', flags={'no-writes'}, callback=function(keys, args)",
  '  local n = 0 while true do n = n + 1 end',
  'end}',
].join('\n');

test('a busy FCALL: the function -BUSY text, FUNCTION STATS, FUNCTION KILL (RESP2 and RESP3)', async (t) => {
  if (!requireRedisServer(t)) return;
  await compare(async (server, rec) => {
    const [admin, runner, other, resp3] = await Promise.all([server.connect(), server.connect(), server.connect(), server.connect()]);
    await rec.call(admin, 'CONFIG', 'SET', 'busy-reply-threshold', '100');
    await rec.call(admin, 'FUNCTION', 'LOAD', LIBRARY);
    await rec.call(admin, 'FUNCTION', 'STATS');
    resp3.send('HELLO', '3');
    await resp3.readFrame(10_000); // carries the client id: not compared
    for (const [fn, keys] of [
      ['spin', ['1', 'some-key', 'an-arg']],
      ['spin_ro', ['0']],
    ] as const) {
      runner.send('FCALL', fn, ...keys);
      rec.steps.push([`first refusal (${fn})`, await untilBusy(other)]);
      await rec.call(other, 'GET', 'x');
      await rec.call(other, 'SCRIPT', 'KILL');
      await rec.call(other, 'FUNCTION', 'STATS');
      await rec.call(resp3, 'FUNCTION', 'STATS');
      await rec.call(resp3, 'PING');
      await rec.call(other, 'FUNCTION', 'KILL');
      await rec.reply(`the caller of ${fn}`, runner);
      await rec.call(other, 'FUNCTION', 'STATS');
    }
    await rec.call(admin, 'FUNCTION', 'KILL');
    for (const c of [admin, runner, other, resp3]) c.close();
  });
});

test('a busy script that wrote is UNKILLABLE; SHUTDOWN NOSAVE stops the server anyway', async (t) => {
  if (!requireRedisServer(t)) return;
  await compare(async (server, rec) => {
    const [admin, runner, other] = await Promise.all([server.connect(), server.connect(), server.connect()]);
    await rec.call(admin, 'CONFIG', 'SET', 'busy-reply-threshold', '100');
    // Even a write that changes nothing makes the script unkillable, as in Redis.
    runner.send('EVAL', `redis.call('del', KEYS[1]) ${LOOP}`, '1', 'no-such-key');
    rec.steps.push(['first refusal', await untilBusy(other)]);
    await rec.call(other, 'SCRIPT', 'KILL');
    await rec.call(other, 'FUNCTION', 'KILL');
    await rec.call(other, 'PING');
    await rec.call(other, 'SHUTDOWN');
    await rec.call(other, 'SHUTDOWN', 'NOSAVE');
    await rec.reply('the script caller', runner);
    await rec.reply('an idle connection', admin);
    const refused = await RespClient.connect(server.port).then(
      (c) => {
        c.close();
        return 'connected';
      },
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );
    rec.steps.push(['a new connection', refused]);
  });
});

test('a busy script that ends by itself: its caller, its pipeline and blocked clients see it whole', async (t) => {
  if (!requireRedisServer(t)) return;
  await compare(async (server, rec) => {
    const [admin, runner, other, waiter] = await Promise.all([server.connect(), server.connect(), server.connect(), server.connect()]);
    await rec.call(admin, 'CONFIG', 'SET', 'busy-reply-threshold', '50');
    waiter.send('BLPOP', 'list', '0');
    // Wait until the BLPOP is registered on the server.
    for (;;) {
      admin.send('CLIENT', 'LIST');
      const list = raw(await admin.readFrame(10_000));
      if (list.includes('cmd=blpop')) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // Pushes before and after the busy part: a BLPOP served between slices would get 'first'.
    const script = [
      "redis.call('rpush', KEYS[1], 'first')",
      'local n = 0',
      'for i = 1, tonumber(ARGV[1]) do n = n + 1 end',
      "redis.call('lpush', KEYS[1], 'last')",
      "return {n, redis.call('lrange', KEYS[1], 0, -1)}",
    ].join('\n');
    runner.send('EVAL', script, '1', 'list', '100000000');
    runner.send('LLEN', 'list');
    rec.steps.push(['first refusal', await untilBusy(other)]);
    await rec.call(other, 'LLEN', 'list');
    await rec.reply('the script caller', runner);
    await rec.reply('the pipelined LLEN', runner);
    await rec.reply('the blocked BLPOP', waiter);
    await rec.call(other, 'LRANGE', 'list', '0', '-1');
    await rec.call(admin, 'SCRIPT', 'KILL');
    for (const c of [admin, runner, other, waiter]) c.close();
  });
});

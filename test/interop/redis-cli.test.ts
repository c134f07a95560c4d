// redis-cli (Debian's redis-tools, unchanged) against Tidings, compared output for output with the
// same steps against a real redis-server: plain and --no-raw/--raw/--csv/-3 formatting, errors,
// databases, -x and stdin scripts, MULTI, --eval, --scan, --bigkeys, --pipe mass insertion,
// SUBSCRIBE streaming output, and -a passwords.
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTidings, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';
import { waitFor } from './wait.js';

interface Step {
  args: string[];
  stdin?: string | Buffer;
  /** SCAN order is unspecified: compare sorted lines. */
  sortLines?: boolean;
  /** Compare only the output from the first line matching this on. */
  from?: RegExp;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version']).status === 0;
}

function cli(port: number, args: string[], stdin?: string | Buffer, timeoutMs = 60000): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) {
      child.stdin!.on('error', () => {}); // redis-cli may exit before reading it all; its output says why
      child.stdin!.end(stdin);
    }
  });
}

async function runSteps(srv: TestServer, steps: Step[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const step of steps) {
    const r = await cli(srv.port, step.args, step.stdin);
    if (step.from) {
      const at = r.stdout.search(step.from);
      assert.ok(at >= 0, `no ${step.from} in redis-cli ${step.args.join(' ')} output:\n${r.stdout}`);
      r.stdout = r.stdout.slice(at);
    }
    if (step.sortLines) r.stdout = r.stdout.split('\n').sort().join('\n');
    out.push(r);
  }
  return out;
}

/** Run the steps on Tidings and on redis-server (each fresh) and compare every output exactly. */
async function sameAsRedis(
  t: TestContext,
  steps: Step[],
  options: { tidings?: Parameters<typeof startTidings>[0]; redisArgs?: string[] } = {},
): Promise<Outcome[] | undefined> {
  if (!hasRedisCli()) {
    skipLoudly(t, 'redis-cli is not installed (apt-get install redis-tools)');
    return undefined;
  }
  if (!hasRedisServer()) {
    skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
    return undefined;
  }
  const tidings = await startTidings(options.tidings);
  let ours: Outcome[];
  try {
    ours = await runSteps(tidings, steps);
  } finally {
    await tidings.close();
  }
  const redis = await startRedis(options.redisArgs);
  let theirs: Outcome[];
  try {
    theirs = await runSteps(redis, steps);
  } finally {
    await redis.close();
  }
  steps.forEach((step, i) => {
    assert.deepEqual(ours[i], theirs[i], `redis-cli ${step.args.join(' ')}: Tidings (actual) vs redis-server (expected)`);
  });
  return ours;
}

describe('redis-cli output matches redis-server', () => {
  test('basic commands in the default (non-tty) format, --no-raw, --raw, --csv and -3', async (t) => {
    const out = await sameAsRedis(t, [
      { args: ['PING'] },
      { args: ['SET', 'greeting', 'hello world'] },
      { args: ['GET', 'greeting'] },
      { args: ['--no-raw', 'GET', 'greeting'] },
      { args: ['--no-raw', 'GET', 'missing'] },
      { args: ['RPUSH', 'list', 'a', 'b c', 'd"e'] },
      { args: ['--no-raw', 'LRANGE', 'list', '0', '-1'] },
      { args: ['--raw', 'LRANGE', 'list', '0', '-1'] },
      { args: ['--csv', 'LRANGE', 'list', '0', '-1'] },
      { args: ['HSET', 'h', 'f1', 'v1', 'f2', '2'] },
      { args: ['--no-raw', '-3', 'HGETALL', 'h'] },
      { args: ['--no-raw', 'HGETALL', 'h'] },
      { args: ['--no-raw', '-3', 'ZADD', 'z', '1.5', 'm'] },
      { args: ['--no-raw', '-3', 'ZSCORE', 'z', 'm'] },
      { args: ['--no-raw', '-3', 'SMEMBERS', 'nothing'] },
      { args: ['--no-raw', 'INCR', 'greeting'] },
      { args: ['INCR', 'greeting'] },
      { args: ['--no-raw', 'NOSUCHCOMMAND', 'x'] },
      { args: ['-r', '3', 'INCR', 'counter'] },
      { args: ['-n', '2', 'SET', 'in-db-2', 'yes'] },
      { args: ['-n', '2', 'DBSIZE'] },
      { args: ['DBSIZE'] },
      { args: ['--no-raw', 'TYPE', 'h'] },
      { args: ['--no-raw', 'OBJECT', 'ENCODING', 'list'] },
    ]);
    if (out) assert.equal(out[0]!.stdout, 'PONG\n');
  });

  test('-x reads the last argument from stdin (binary-safe); commands from a stdin script, MULTI/EXEC', async (t) => {
    const blob = Buffer.from([0, 1, 2, 13, 10, 0x7f, 0x80, 0xfe, 0xff, 0x22, 0x5c]);
    await sameAsRedis(t, [
      { args: ['-x', 'SET', 'blob'], stdin: blob },
      { args: ['--no-raw', 'GET', 'blob'] },
      { args: ['STRLEN', 'blob'] },
      { args: [], stdin: 'SET a 1\nINCRBY a 41\nGET a\n"SET" "quoted key" "x y"\nGET "quoted key"\n' },
      { args: ['--no-raw'], stdin: 'MULTI\nINCR c\nINCR c\nLPUSH c x\nEXEC\n' },
      { args: ['--no-raw'], stdin: 'MULTI\nINCR c\nNOSUCH\nEXEC\n' },
    ]);
  });

  test('--eval runs a Lua script file with keys and arguments', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-cli-'));
    try {
      const script = path.join(dir, 'cap.lua');
      fs.writeFileSync(
        script,
        "local v = redis.call('INCRBY', KEYS[1], ARGV[1])\nif v > tonumber(ARGV[2]) then return redis.error_reply('over the cap') end\nreturn {v, KEYS[1], ARGV[2]}\n",
      );
      await sameAsRedis(t, [
        { args: ['--no-raw', '--eval', script, 'budget', ',', '5', '12'] },
        { args: ['--no-raw', '--eval', script, 'budget', ',', '5', '12'] },
        { args: ['--no-raw', '--eval', script, 'budget', ',', '5', '12'] },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--scan and --bigkeys walk the keyspace', async (t) => {
    const setup = Array.from({ length: 60 }, (_, i) => `SET user:${i} ${'x'.repeat(i)}`).join('\n');
    await sameAsRedis(t, [
      { args: [], stdin: `${setup}\nRPUSH queue a b c\nHSET cfg a 1\nSADD s 1 2\nZADD z 1 a\nXADD st 1-1 f v\n` },
      { args: ['--scan', '--pattern', 'user:1*'], sortLines: true },
      { args: ['--scan'], sortLines: true },
      // Progress lines ("biggest so far") follow SCAN order, which is unspecified: compare the summary.
      { args: ['--bigkeys'], from: /^-------- summary -------$/m },
    ]);
  });

  test('--pipe mass insertion', async (t) => {
    const parts: string[] = [];
    const cmd = (...args: string[]) =>
      parts.push(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    for (let i = 0; i < 5000; i++) cmd('SET', `key:${i}`, `value ${i}`);
    for (let i = 0; i < 500; i++) cmd('RPUSH', 'mass-list', String(i));
    cmd('INCR', 'key:1'); // one error reply
    const out = await sameAsRedis(t, [
      { args: ['--pipe'], stdin: parts.join('') },
      { args: ['DBSIZE'] },
      { args: ['LLEN', 'mass-list'] },
      { args: ['GET', 'key:4999'] },
    ]);
    if (out) assert.match(out[0]!.stdout, /errors: 1, replies: 5501/);
  });

  test('-a password and NOAUTH', async (t) => {
    await sameAsRedis(
      t,
      [
        { args: ['--no-raw', 'PING'] },
        { args: ['-a', 'open sesame', 'PING'] },
        { args: ['--no-auth-warning', '-a', 'open sesame', 'SET', 'k', 'v'] },
        { args: ['--no-auth-warning', '-a', 'wrong', 'PING'] },
        { args: ['--user', 'default', '--pass', 'open sesame', '--no-auth-warning', 'GET', 'k'] },
      ],
      { tidings: { password: 'open sesame' }, redisArgs: ['--requirepass', 'open sesame'] },
    );
  });
});

describe('redis-cli SUBSCRIBE streams messages as they arrive', () => {
  async function subscribeSession(srv: TestServer): Promise<string> {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(srv.port), 'SUBSCRIBE', 'news', 'alerts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const c = await srv.connect();
      await waitFor(async () => {
        const reply = (await c.call('PUBSUB', 'NUMSUB', 'news', 'alerts')) as unknown[];
        return Number(reply[1]) === 1 && Number(reply[3]) === 1;
      }, 'redis-cli to subscribe');
      await c.call('PUBLISH', 'news', 'first');
      await c.call('PUBLISH', 'alerts', 'line one\nline two');
      await c.call('PUBLISH', 'news', '');
      // The last message has an empty payload: an empty line.
      await waitFor(() => out.endsWith('line two\nmessage\nnews\n\n'), 'all messages printed');
      c.close();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    return out;
  }

  test('same output as with redis-server', async (t) => {
    if (!hasRedisCli()) return skipLoudly(t, 'redis-cli is not installed (apt-get install redis-tools)');
    if (!hasRedisServer()) return skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
    const tidings = await startTidings();
    let ours: string;
    try {
      ours = await subscribeSession(tidings);
    } finally {
      await tidings.close();
    }
    const redis = await startRedis();
    let theirs: string;
    try {
      theirs = await subscribeSession(redis);
    } finally {
      await redis.close();
    }
    assert.equal(ours, theirs);
    assert.ok(ours.startsWith('subscribe\nnews\n1\nsubscribe\nalerts\n2\nmessage\nnews\nfirst\n'), ours);
  });
});

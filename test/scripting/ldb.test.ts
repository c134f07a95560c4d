// SCRIPT DEBUG SYNC, the Lua debugger, over TCP. Sessions are driven with the same raw commands
// against Tidings and redis-server and every reply is compared byte for byte (function addresses
// aside), down to the connection closing after the script's reply; then what only Tidings can
// show (other clients' commands wait, SCRIPT KILL, a client leaving mid-session, SCRIPT DEBUG YES), and
// redis-cli --ldb-sync-mode run against both.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipLoudly, type TestServer } from '../helpers/servers.js';
import { tidingsAndRedis } from '../helpers/fixtures.js';
import { plain, type RespClient } from '../helpers/resp.js';

const both = tidingsAndRedis();

/** Every reply frame of a session as text; the connection's end shows as `<closed>`. */
async function session(srv: TestServer, steps: string[][]): Promise<string[]> {
  const c = await srv.connect();
  const out: string[] = [];
  for (const step of steps) {
    if (c.closed) {
      out.push('<closed>');
      break;
    }
    c.send(...step);
    const frame = await c.readFrame();
    out.push(frame === undefined ? '<closed>' : frame.raw.toString('latin1'));
    // The script's reply follows `<endsession>` as a second reply.
    if (frame !== undefined && frame.raw.toString('latin1').includes('+<endsession>\r\n')) {
      const reply = await c.readFrame();
      out.push(reply === undefined ? '<closed>' : reply.raw.toString('latin1'));
      out.push((await c.readFrame()) === undefined ? '<closed>' : 'still open');
      break;
    }
  }
  c.close();
  // Lua objects print as "function@0x<address>": the addresses differ.
  return out.map((s) => s.replace(/@0x[0-9a-f]+/g, '@0xADDR'));
}

async function compare(t: TestContext, steps: string[][]): Promise<string[]> {
  const mine = await session(both.tidings, steps);
  if (both.redis === undefined) {
    skipLoudly(t, 'redis-server is not installed: the debugger session is not compared');
    return mine;
  }
  const theirs = await session(both.redis, steps);
  assert.deepEqual(mine, theirs);
  return mine;
}

const MAIN = [
  'local a = 1',
  "local t = {1,2,'x',{y=3}}",
  "redis.debug('hi', a, t)",
  'redis.breakpoint()',
  "local b = redis.call('get', KEYS[1])",
  "local s = 'str'",
  'return {a,b}',
].join('\n');

describe('SCRIPT DEBUG SYNC: sessions compared with redis-server', () => {
  test('print, list, whole, break, trace, eval, redis, maxlen, help, continue to the end', async (t) => {
    const out = await compare(t, [
      ['DEL', 'ldb:x', 'ldb:y'],
      ['SCRIPT', 'DEBUG', 'SYNC'],
      ['EVAL', MAIN, '1', 'ldb:x', 'argone'],
      ['p'],
      ['p', 'KEYS'],
      ['print', 'ARGV'],
      ['p', 'nosuch'],
      ['l'],
      ['list', '3', '1'],
      ['l', '0'],
      ['w'],
      ['b'],
      ['b', '6'],
      ['break', '7'],
      ['b', '7'],
      ['b', '100'],
      ['b', 'x'],
      ['b'],
      ['t'],
      ['e', 'return', '1+1'],
      ['eval', "return {1,'a',{x=1}}"],
      ['e', 'return {1,2,nil,4}'],
      ['e', 'return 10/3'],
      ['e', "return 'a\"b\\n\\0'"],
      ['e', "error('boom')"],
      ['e', "redis.debug('x', true, nil)"],
      ['r', 'ping'],
      ['redis', 'set', 'ldb:x', '1'],
      ['r', 'nosuch'],
      ['r', 'hgetall', 'ldb:x'],
      ['r', 'get', 'ldb:x', 'extra'],
      ['r', 'lrange', 'ldb:nolist', '0', '-1'],
      ['r', 'get', 'ldb:none'],
      ['m'],
      ['m', '5'],
      ['maxlen', '0'],
      ['h'],
      ['c'],
      ['p'],
      ['c'],
      ['b', '-7'],
      ['b', '-7'],
      ['b', '0'],
      ['c'],
    ]);
    assert.match(out[2]!, /^\*2\r\n\+\* Stopped at 1, stop reason = step over\r\n\+-> 1   local a = 1\r\n$/);
    assert.ok(out.some((s) => s.includes('+* Stopped at 5, stop reason = redis.breakpoint() called')));
    assert.ok(out.some((s) => s.includes('+<debug> line 3: "hi", 1, {1; 2; "x"; {["y"]=3}}')));
    assert.equal(out.at(-2), '*2\r\n:1\r\n$1\r\n1\r\n');
    assert.equal(out.at(-1), '<closed>');
  });

  test('stepping into a function: trace, its locals, redis.call logged while stepping, trimmed values', async (t) => {
    const script = [
      'local function f(x)',
      '  local y = x * 2',
      "  redis.call('set', KEYS[1], y)",
      '  return y',
      'end',
      'local r = f(3)',
      "local big = string.rep('a', 300)",
      "redis.call('echo', big)",
      "return redis.call('get', KEYS[1])",
    ].join('\n');
    const out = await compare(t, [
      ['SCRIPT', 'DEBUG', 'SYNC'],
      ['EVAL', script, '1', 'ldb:f'],
      ['s'],
      ['s'],
      ['t'],
      ['p'],
      ['p', 'x'],
      ['n'],
      ['step'],
      ['s'],
      ['s'],
      ['p', 'big'],
      ['m', '70'],
      ['p', 'big'],
      ['p'],
      ['s'],
      ['s'],
      ['s'],
    ]);
    assert.ok(out.some((s) => s.includes('+In f:\r\n+-> 2     local y = x * 2\r\n+From top level:\r\n+   6   local r = f(3)\r\n')));
    assert.ok(out.some((s) => s.includes('+<redis> set ldb:f 6\r\n+<reply> "+OK"\r\n')));
    assert.ok(out.some((s) => s.includes("+<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.")));
    assert.equal(out.at(-1), '<closed>');
  });

  test('bad debugger commands, eval as a debugger command, a long redis command, abort', async (t) => {
    const out = await compare(t, [
      ['SCRIPT', 'DEBUG', 'SYNC'],
      ['EVAL', "return 'hello'", '0'],
      ['EVAL', "return 'hello'", '0'],
      ['hello\0world'],
      ['\0hello\0'],
      ['r'],
      ['redis', ...Array<string>(100).fill('test')],
      ['r', 'echo', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'],
      ['a'],
      ['PING'],
    ]);
    assert.ok(out.includes('*1\r\n+<error> Unknown Redis Lua debugger command or wrong number of arguments.\r\n'));
    assert.ok(out.some((s) => s.includes('+<error> Unknown Redis command called from script')));
    assert.match(out.at(-2)!, /^-ERR script aborted for user request script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(out.at(-1), '<closed>');
  });

  test('a script error ends the session with the error', async (t) => {
    const out = await compare(t, [
      ['SCRIPT', 'DEBUG', 'SYNC'],
      ['EVAL', "local a = 1\nredis.call('incr', KEYS[1])\nreturn 1", '1', 'ldb:str'],
      ['r', 'set', 'ldb:str', 'x'],
      ['s'],
      ['s'],
    ]);
    assert.match(out.at(-2)!, /^-ERR value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:2\.\r\n$/);
  });

  test('SCRIPT DEBUG arguments, EVALSHA refused, SCRIPT DEBUG NO', async (t) => {
    await compare(t, [
      ['SCRIPT', 'DEBUG', 'maybe'],
      ['SCRIPT', 'DEBUG', 'SYNC'],
      ['EVALSHA', 'a42059b356c875f0717db19a51f6aaca9ae659ea', '0'],
      ['SCRIPT', 'DEBUG', 'NO'],
      ['EVAL', 'return 7', '0'],
    ]);
  });
});

describe('SCRIPT DEBUG SYNC: the rest of the server meanwhile', () => {
  async function startSession(script: string, keys: string[] = []): Promise<RespClient> {
    const c = await both.tidings.connect();
    assert.equal(await c.call('SCRIPT', 'DEBUG', 'SYNC'), 'OK');
    const stop = await c.call('EVAL', script, String(keys.length), ...keys);
    assert.ok(Array.isArray(stop) && String(stop[0]).startsWith('* Stopped at 1'), String(stop));
    return c;
  }

  test("other clients' commands wait for the session to end (as Redis's stopped server makes them); allow_busy ones answer", async () => {
    const other = await both.tidings.connect();
    const c = await startSession("redis.call('set', KEYS[1], 'v')\nreturn 1", ['ldb:held']);
    // Sent during the session; answered only after it (the script's SET runs at `c`).
    const held = other.call('GET', 'ldb:held');
    const late = await both.tidings.connect();
    const selected = late.call('SELECT', '9');
    // The debugger's own `redis` command sees both clients waiting (INFO's blocked_clients).
    let blocked = '';
    for (let i = 0; i < 200 && blocked !== '2'; i++) {
      const log = (await c.call('r', 'info', 'clients')) as string[];
      blocked = /blocked_clients:(\d+)/.exec(log.join('\n'))?.[1] ?? '';
    }
    assert.equal(blocked, '2');
    // An allow_busy command from a third client is answered at once.
    const third = await both.tidings.connect();
    assert.equal(await third.call('MULTI'), 'OK');
    assert.equal(await third.call('DISCARD'), 'OK');
    assert.deepEqual(await c.call('c'), ['<endsession>']);
    assert.equal(plain(await c.read()), 1);
    assert.equal(await c.readFrame(), undefined);
    assert.equal(await held, 'v');
    assert.equal(await selected, 'OK');
    assert.equal(await late.call('PING'), 'PONG');
    for (const x of [other, late, third]) x.close();
  });

  test('SCRIPT KILL from another client ends the session', async () => {
    const other = await both.tidings.connect();
    const c = await startSession("redis.call('set', KEYS[1], 'v')\nreturn 1", ['ldb:kill']);
    assert.equal(await other.call('SCRIPT', 'KILL'), 'OK');
    assert.deepEqual(plain(await c.read()), ['<endsession>']);
    const frame = await c.readFrame();
    assert.match(frame!.raw.toString(), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(await c.readFrame(), undefined);
    assert.equal(await other.call('GET', 'ldb:kill'), null);
    assert.equal(await other.call('PING'), 'PONG');
    other.close();
  });

  test('a client that leaves mid-session lets the script run to its end', async () => {
    const c = await startSession("redis.call('set', KEYS[1], 'a')\nredis.breakpoint()\nredis.call('set', KEYS[1], 'b')\nreturn 1", [
      'ldb:left',
    ]);
    c.close();
    const other = await both.tidings.connect();
    for (let i = 0; i < 100 && (await other.callFrame('PING')).raw.toString().startsWith('-BUSY'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await other.call('GET', 'ldb:left'), 'b');
    assert.equal(await other.call('EVAL', 'return 5', '0'), 5);
    other.close();
  });

  test('SCRIPT DEBUG YES is refused with the reason; the next EVAL runs undebugged', async () => {
    const c = await both.tidings.connect();
    const frame = await c.callFrame('SCRIPT', 'DEBUG', 'YES');
    assert.match(frame.raw.toString(), /^-ERR SCRIPT DEBUG YES .* not supported by Tidings: use SCRIPT DEBUG SYNC/);
    assert.equal(await c.call('EVAL', 'return 3', '0'), 3);
    c.close();
  });

  test('SCRIPT DEBUG inside MULTI fails at EXEC; EVAL in a transaction is not debugged', async () => {
    const c = await both.tidings.connect();
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SCRIPT', 'DEBUG', 'SYNC'), 'QUEUED');
    assert.equal(await c.call('EVAL', 'return 4', '0'), 'QUEUED');
    const exec = (await c.call('EXEC')) as unknown[];
    assert.deepEqual(exec[0], { error: 'ERR SCRIPT DEBUG must be called outside a pipeline' });
    assert.equal(exec[1], 4);
    c.close();
  });
});

function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version']).status === 0;
}

function runCli(port: number, args: string[], stdin: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(stdin);
  });
}

test('redis-cli --ldb-sync-mode --eval: the same session as against redis-server', async (t) => {
  if (!hasRedisCli()) return skipLoudly(t, 'redis-cli is not installed: --ldb-sync-mode is not checked');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-ldb-'));
  const file = path.join(dir, 'script.lua');
  fs.writeFileSync(file, "local a = 1\nredis.call('set', KEYS[1], ARGV[1])\nreturn redis.call('get', KEYS[1])\n");
  const args = ['--ldb-sync-mode', '--eval', file, 'ldb:cli', ',', 'hello'];
  const input = 's\np\ns\nr get ldb:cli\nc\n';
  try {
    const mine = await runCli(both.tidings.port, args, input);
    assert.match(mine, /<value> a = 1/);
    assert.match(mine, /<redis> set ldb:cli hello/);
    assert.match(mine, /"hello"\n\n\(Lua debugging session ended\)/);
    if (both.redis === undefined) return skipLoudly(t, 'redis-server is not installed: redis-cli output not compared');
    assert.equal(mine, await runCli(both.redis.port, args, input));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

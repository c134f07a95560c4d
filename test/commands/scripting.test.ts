// Scripting commands over TCP: EVAL family, SCRIPT, FUNCTION/FCALL, including error paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import { scriptingStats } from '../../src/commands/scripting.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

const SHA_RETURN_1 = 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db';

async function fresh(): Promise<RespClient> {
  const c = await srv.connect();
  await c.call('FLUSHALL');
  await c.call('SCRIPT', 'FLUSH');
  await c.call('FUNCTION', 'FLUSH');
  return c;
}

function scriptError(text: string, sha: string, line = 1) {
  return { error: `${text} script: ${sha}, on @user_script:${line}.` };
}

test('EVAL returns converted values and reads KEYS/ARGV', async () => {
  const c = await fresh();
  assert.equal(await c.call('EVAL', 'return 3.7', '0'), 3);
  assert.deepEqual(await c.call('EVAL', 'return {1,2,3,nil,4}', '0'), [1, 2, 3]);
  assert.equal(await c.call('EVAL', "return {ok='fine'}", '0'), 'fine');
  assert.deepEqual(await c.call('EVAL', "return {err='MY bad'}", '0'), { error: 'MY bad' });
  assert.equal(await c.call('EVAL', 'return true', '0'), 1);
  assert.equal(await c.call('EVAL', 'return false', '0'), null);
  assert.deepEqual(await c.call('EVAL', 'return {KEYS[1], KEYS[2], ARGV[1]}', '2', 'k1', 'k2', 'a1'), ['k1', 'k2', 'a1']);
  assert.deepEqual(await c.call('EVAL', 'return {#KEYS, #ARGV}', '0'), [0, 0]);
  c.close();
});

test('EVAL: numkeys and arity errors', async () => {
  const c = await fresh();
  assert.deepEqual(await c.call('EVAL', 'return 1', '-1'), { error: "ERR Number of keys can't be negative" });
  assert.deepEqual(await c.call('EVAL', 'return 1', '2', 'a'), {
    error: "ERR Number of keys can't be greater than number of args",
  });
  assert.deepEqual(await c.call('EVAL', 'return 1', 'x'), { error: 'ERR value is not an integer or out of range' });
  assert.deepEqual(await c.call('EVAL', 'return 1'), { error: "ERR wrong number of arguments for 'eval' command" });
  assert.deepEqual(await c.call('EVALSHA', SHA_RETURN_1), { error: "ERR wrong number of arguments for 'evalsha' command" });
  assert.deepEqual(await c.call('EVAL', 'return 1 +', '0'), {
    error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
  });
  c.close();
});

test('EVALSHA, SCRIPT LOAD/EXISTS/FLUSH and NOSCRIPT', async () => {
  const c = await fresh();
  assert.deepEqual(await c.call('EVALSHA', SHA_RETURN_1, '0'), { error: 'NOSCRIPT No matching script. Please use EVAL.' });
  assert.deepEqual(await c.call('EVALSHA', 'abc', '0'), { error: 'NOSCRIPT No matching script. Please use EVAL.' });
  assert.equal(await c.call('SCRIPT', 'LOAD', 'return 1'), SHA_RETURN_1);
  assert.equal(await c.call('EVALSHA', SHA_RETURN_1, '0'), 1);
  assert.equal(await c.call('EVALSHA', SHA_RETURN_1.toUpperCase(), '0'), 1);
  assert.equal(await c.call('EVALSHA_RO', SHA_RETURN_1, '0'), 1);
  assert.deepEqual(await c.call('SCRIPT', 'EXISTS', SHA_RETURN_1, 'ffffffffffffffffffffffffffffffffffffffff'), [1, 0]);
  assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
  assert.equal(await c.call('SCRIPT', 'FLUSH', 'ASYNC'), 'OK');
  assert.deepEqual(await c.call('SCRIPT', 'FLUSH', 'bogus'), { error: 'ERR SCRIPT FLUSH only support SYNC|ASYNC option' });
  assert.deepEqual(await c.call('SCRIPT', 'EXISTS', SHA_RETURN_1), [0]);
  // EVAL caches the script too
  await c.call('EVAL', 'return 1', '0');
  assert.deepEqual(await c.call('SCRIPT', 'EXISTS', SHA_RETURN_1), [1]);
  assert.deepEqual(await c.call('SCRIPT', 'KILL'), { error: 'NOTBUSY No scripts in execution right now.' });
  assert.deepEqual(await c.call('SCRIPT', 'EXISTS'), { error: "ERR wrong number of arguments for 'script|exists' command" });
  assert.deepEqual(await c.call('SCRIPT', 'bogus'), { error: "ERR unknown subcommand 'bogus'. Try SCRIPT HELP." });
  assert.deepEqual(await c.call('SCRIPT', 'LOAD', 'return 1 +'), {
    error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
  });
  const help = (await c.call('SCRIPT', 'HELP')) as string[];
  assert.ok(help[0]!.startsWith('SCRIPT <subcommand>'));
  c.close();
});

test('redis.call runs commands through the dispatcher; errors are raised or returned', async () => {
  const c = await fresh();
  assert.equal(await c.call('EVAL', "return redis.call('ping')", '0'), 'PONG');
  assert.equal(await c.call('EVAL', "return redis.call('zadd', KEYS[1], 1.5, 'm')", '1', 'z'), 1);
  assert.equal(await c.call('EVAL', "return redis.call('zscore', KEYS[1], 'm')", '1', 'z'), '1.5');
  assert.equal(await c.call('ZSCORE', 'z', 'm'), '1.5');
  const unknown = "return redis.call('nosuch')";
  const sha = (await c.call('SCRIPT', 'LOAD', unknown)) as string;
  assert.deepEqual(await c.call('EVAL', unknown, '0'), scriptError('ERR Unknown Redis command called from script', sha));
  assert.deepEqual(await c.call('EVAL', "return redis.pcall('nosuch')", '0'), { error: 'ERR Unknown Redis command called from script' });
  const arity = "return redis.call('zcard')";
  const aritySha = (await c.call('SCRIPT', 'LOAD', arity)) as string;
  assert.deepEqual(await c.call('EVAL', arity, '0'), scriptError('ERR Wrong number of args calling Redis command from script', aritySha));
  const wrongType = "redis.call('zadd', 'z', 'notafloat', 'm')";
  assert.deepEqual(await c.call('EVAL', "return redis.pcall('zadd', 'z', 'x', 'm')", '0'), { error: 'ERR value is not a valid float' });
  const wt = (await c.call('EVAL', `local a = 1\n${wrongType}`, '0')) as { error: string };
  assert.match(wt.error, /^ERR value is not a valid float script: [0-9a-f]{40}, on @user_script:2\.$/);
  const noscript = "return redis.call('eval', 'return 1', '0')";
  const nsSha = (await c.call('SCRIPT', 'LOAD', noscript)) as string;
  assert.deepEqual(await c.call('EVAL', noscript, '0'), scriptError('ERR This Redis command is not allowed from script', nsSha));
  const subscribe = (await c.call('EVAL', "return redis.call('subscribe', 'ch')", '0')) as { error: string };
  assert.match(subscribe.error, /^ERR This Redis command is not allowed from script script: /);
  c.close();
});

test('script errors: runtime errors, globals, error tables', async () => {
  const c = await fresh();
  const cases: [string, RegExp][] = [
    ["error('oops')", /^ERR user_script:1: oops script: [0-9a-f]{40}, on @user_script:1\.$/],
    ["local a = 1\n\nerror('deep')", /^ERR user_script:3: deep script: [0-9a-f]{40}, on @user_script:3\.$/],
    ["error({err='X oops'})", /^X oops script: [0-9a-f]{40}, on @user_script:1\.$/],
    ['x = 1', /^ERR user_script:1: Attempt to modify a readonly table script: /],
    ['return undefined_global', /^ERR user_script:1: Script attempted to access nonexistent global variable 'undefined_global' script: /],
    ['return os.time()', /nonexistent global variable 'os'/],
    ["return loadstring('x = 1')()", /Attempt to modify a readonly table/],
    ["return redis.call({})", /^ERR Lua redis lib command arguments must be strings or integers script: /],
  ];
  for (const [src, pattern] of cases) {
    const reply = (await c.call('EVAL', src, '0')) as { error: string };
    assert.ok(reply && typeof reply.error === 'string', `expected an error for ${src}`);
    assert.match(reply.error, pattern, src);
  }
  c.close();
});

test('EVAL_RO and no-writes scripts refuse writes', async () => {
  const c = await fresh();
  const src = "return redis.call('zadd', 'z', 1, 'm')";
  const sha = (await c.call('SCRIPT', 'LOAD', src)) as string;
  assert.deepEqual(await c.call('EVAL_RO', src, '0'), scriptError('ERR Write commands are not allowed from read-only scripts.', sha));
  assert.deepEqual(await c.call('EVALSHA_RO', sha, '0'), scriptError('ERR Write commands are not allowed from read-only scripts.', sha));
  assert.equal(await c.call('EVAL_RO', "return redis.call('zcard', 'z')", '0'), 0);
  const shebang = `#!lua flags=no-writes\n${src}`;
  const r = (await c.call('EVAL', shebang, '0')) as { error: string };
  assert.match(r.error, /^ERR Write commands are not allowed from read-only scripts\. script: [0-9a-f]{40}, on @user_script:2\.$/);
  assert.equal(await c.call('EVAL', '#!lua\nreturn 1', '0'), 1);
  assert.deepEqual(await c.call('EVAL', '#!lua foo=bar\nreturn 1', '0'), { error: 'ERR Unknown lua shebang option: foo=bar' });
  assert.deepEqual(await c.call('EVAL', '#!lua flags=bogus\nreturn 1', '0'), { error: 'ERR Unexpected flag in script shebang: bogus' });
  assert.deepEqual(await c.call('EVAL', '#!luax\nreturn 1', '0'), { error: 'ERR Unexpected engine in script shebang: #!luax' });
  assert.equal(await c.call('ZCARD', 'z'), 0);
  c.close();
});

test('SELECT inside a script does not change the caller database', async () => {
  const c = await fresh();
  assert.equal(await c.call('EVAL', "redis.call('select', '1') redis.call('zadd', 'in1', 1, 'a') return redis.call('dbsize')", '0'), 1);
  assert.equal(await c.call('DBSIZE'), 0);
  assert.equal(await c.call('SELECT', '1'), 'OK');
  assert.equal(await c.call('DBSIZE'), 1);
  assert.equal(await c.call('EVAL', "return redis.call('dbsize')", '0'), 1);
  c.close();
});

test('PUBLISH from a script reaches subscribers; RESP3 client gets RESP3 types', async () => {
  const c = await fresh();
  const sub = await srv.connect();
  await sub.call('SUBSCRIBE', 'news');
  assert.equal(await c.call('EVAL', "return redis.call('publish', 'news', ARGV[1])", '0', 'hello'), 1);
  assert.deepEqual(plain(await sub.read()), ['message', 'news', 'hello']);
  sub.close();
  await c.call('HELLO', '3');
  assert.equal((await c.callRaw('EVAL', 'return true', '0')).type, 'int');
  assert.equal((await c.callRaw('EVAL', 'redis.setresp(3) return true', '0')).type, 'bool');
  assert.deepEqual(await c.callRaw('EVAL', "return {map={a=1}}", '0'), {
    type: 'map',
    value: [
      { type: 'bulk', value: Buffer.from('a') },
      { type: 'int', value: 1n },
    ],
  });
  assert.deepEqual(await c.callRaw('EVAL', 'return {double=2.5}', '0'), { type: 'double', value: '2.5' });
  c.close();
});

test('scripts are atomic: blocked clients are served only after the script, from its final state', async () => {
  const c = await fresh();
  const waiter = await srv.connect();
  waiter.send('BLPOP', 'jobs', '0');
  // Wait until the server has the client blocked, so the scripts below run while it waits.
  for (let i = 0; i < 500 && srv.server!.blocking.count === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(srv.server!.blocking.count, 1);
  // Push and take back inside one script: the waiter must not see the transient element.
  assert.equal(await c.call('EVAL', "redis.call('lpush', KEYS[1], 'transient') return redis.call('rpop', KEYS[1])", '1', 'jobs'), 'transient');
  assert.equal(await waiter.silentFor(100), true);
  // Two pushes: the waiter gets one element after the script, the other stays.
  assert.equal(await c.call('EVAL', "redis.call('rpush', KEYS[1], 'a') return redis.call('rpush', KEYS[1], 'b')", '1', 'jobs'), 2);
  assert.deepEqual(plain(await waiter.read()), ['jobs', 'a']);
  assert.deepEqual(await c.call('LRANGE', 'jobs', '0', '-1'), ['b']);
  // Blocking commands called by a script do not block.
  const blpop = await c.call('EVAL', "return redis.pcall('blpop', 'empty', '0')", '0');
  assert.ok(blpop === null || (typeof blpop === 'object' && blpop !== null && 'error' in blpop));
  waiter.close();
  c.close();
});

test('a script write invalidates WATCH; EVAL inside MULTI runs at EXEC', async () => {
  const c = await fresh();
  const other = await srv.connect();
  await c.call('SET', 'w', '1');
  assert.equal(await c.call('WATCH', 'w'), 'OK');
  assert.equal(await other.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'w'), 2);
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'w'), 'QUEUED');
  assert.equal(await c.call('EXEC'), null);
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'w'), 'QUEUED');
  assert.deepEqual(await c.call('EXEC'), [3]);
  other.close();
  c.close();
});

test('binary safety: every byte value round-trips through KEYS and ARGV', async () => {
  const c = await fresh();
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const reply = await c.callRaw('EVAL', 'return {KEYS[1], ARGV[1]}', '1', all, all);
  assert.equal(reply.type, 'array');
  if (reply.type === 'array') {
    assert.deepEqual(reply.value[0], { type: 'bulk', value: all });
    assert.deepEqual(reply.value[1], { type: 'bulk', value: all });
  }
  c.close();
});

/** Send PING on `c` until it is refused with -BUSY (a script on another connection is busy). */
async function untilBusy(c: RespClient): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const reply = await c.call('PING');
    if (typeof reply === 'object' && reply !== null && 'error' in reply) return (reply as { error: string }).error;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the script never became busy');
}

test('a runaway script becomes busy: others get -BUSY, SCRIPT KILL stops it, the server keeps serving', async () => {
  const c = await fresh();
  const other = await srv.connect();
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '50'), 'OK');
  c.send('EVAL', 'local n = 0 while true do n = n + 1 end', '0');
  assert.equal(await untilBusy(other), 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
  assert.deepEqual(await other.call('FUNCTION', 'KILL'), { error: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.' });
  assert.equal(await other.call('SCRIPT', 'KILL'), 'OK');
  const reply = (await c.read(10_000)) as { type: string; value: string };
  assert.equal(reply.type, 'error');
  assert.match(reply.value, /^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/);
  assert.equal(await other.call('PING'), 'PONG');
  assert.equal(await c.call('PING'), 'PONG');
  assert.deepEqual(await other.call('SCRIPT', 'KILL'), { error: 'NOTBUSY No scripts in execution right now.' });
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '5000'), 'OK');
  c.close();
  other.close();
});

test('a busy script that finishes answers its caller, and its pipelined commands follow', async () => {
  const c = await fresh();
  const other = await srv.connect();
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '20'), 'OK');
  // Long enough to pass the threshold on a loaded machine too; it ends by itself.
  const script = [
    "redis.call('set', KEYS[1], 'v')",
    "local function now() local t = redis.call('time') return tonumber(t[1]) * 1000000 + tonumber(t[2]) end",
    'local start = now()',
    // Lua work between the clock reads: the hook that suspends the script counts Lua instructions.
    'while now() - start < 1000000 do for i = 1, 1000 do end end',
    "return redis.call('get', KEYS[1])",
  ].join('\n');
  c.send('EVAL', script, '1', 'k');
  c.send('INCR', 'counter');
  assert.match(await untilBusy(other), /^BUSY /);
  assert.deepEqual(await other.call('SCRIPT', 'KILL'), {
    error:
      'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
  });
  assert.deepEqual(plain(await c.read(10_000)), 'v');
  assert.equal(plain(await c.read()), 1);
  assert.equal(await other.call('GET', 'k'), 'v');
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '5000'), 'OK');
  c.close();
  other.close();
});

test('inside EXEC a script cannot be suspended and is still stopped at the time limit', async () => {
  const c = await fresh();
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '100'), 'OK');
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('EVAL', 'while true do end', '0'), 'QUEUED');
  const [reply] = (await c.call('EXEC')) as { error: string }[];
  assert.match(reply!.error, /^ERR Script killed by Tidings: it ran longer than busy-reply-threshold/);
  assert.equal(await c.call('PING'), 'PONG');
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '5000'), 'OK');
  c.close();
});

// A script with no loop of its own runs without the count hook (the engine's mayRunLong); one that
// builds code (loadstring, or found through _G) or a coroutine to loop in is still stopped.
test('a script that loops only in code it loads or in a coroutine is still stopped at the time limit', async () => {
  const c = await fresh();
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '100'), 'OK');
  const scripts = [
    "return loadstring('while true do end')()",
    "local f = _G['load' .. 'string'] return f('while true do end')()",
    "return coroutine.wrap(loadstring('while true do end'))()",
  ];
  for (const script of scripts) {
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('EVAL', script, '0'), 'QUEUED');
    const [reply] = (await c.call('EXEC')) as { error: string }[];
    // (coroutine.wrap passes the error on with its position in front)
    assert.match(reply!.error, /ERR Script killed by Tidings: it ran longer than busy-reply-threshold/, script);
  }
  // The same scripts without a loop run to their end.
  assert.equal(await c.call('EVAL', "return loadstring('return 7')()", '0'), 7);
  assert.equal(await c.call('EVAL', "return redis.call('INCR', KEYS[1]) + redis.call('INCR', KEYS[1])", '1', 'hookless'), 3);
  assert.equal(await c.call('CONFIG', 'SET', 'lua-time-limit', '5000'), 'OK');
  c.close();
});

test('FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS and FCALL', async () => {
  const c = await fresh();
  const lib1 = '#!lua name=lib1\nredis.register_function("f1", function(keys, args) return {keys[1], args[1]} end)';
  const lib2 =
    '#!lua name=lib2\nredis.register_function{function_name="ro", callback=function(keys, args) return redis.call("zcard", keys[1]) end, flags={"no-writes"}, description="d"}';
  assert.equal(await c.call('FUNCTION', 'LOAD', lib1), 'lib1');
  assert.equal(await c.call('FUNCTION', 'LOAD', lib2), 'lib2');
  assert.deepEqual(await c.call('FCALL', 'f1', '1', 'k', 'a'), ['k', 'a']);
  assert.equal(await c.call('FCALL_RO', 'ro', '1', 'z'), 0);
  assert.deepEqual(await c.call('FCALL_RO', 'f1', '0'), { error: 'ERR Can not execute a script with write flag using *_ro command.' });
  assert.deepEqual(await c.call('FCALL', 'nofn', '0'), { error: 'ERR Function not found' });
  assert.deepEqual(await c.call('FCALL', 'f1', '-1'), { error: "ERR Number of keys can't be negative" });
  assert.deepEqual(await c.call('FCALL', 'f1', '5'), { error: "ERR Number of keys can't be greater than number of args" });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', lib1), { error: "ERR Library 'lib1' already exists" });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', lib1.replace('lib1', 'lib3')), { error: 'ERR Function f1 already exists' });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', 'return 1'), { error: 'ERR Missing library metadata' });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', '#!lua\nreturn 1'), { error: 'ERR Library name was not given' });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', '#!lua name=lib5 x=y\nreturn 1'), { error: 'ERR Invalid metadata value given: x=y' });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', '#!lua name=lib5\nlocal x = 1'), { error: 'ERR No functions registered' });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', '#!lua name=lib5\nredis.call("ping")'), {
    error: "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
  });
  assert.deepEqual(await c.call('FUNCTION', 'LOAD', '#!lua name=lib5\nredis.register_function("f5")'), {
    error:
      'ERR Error registering functions: ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).',
  });
  assert.equal(await c.call('FUNCTION', 'LOAD', 'REPLACE', lib1.replace('args[1]}', "'v2'}")), 'lib1');
  assert.deepEqual(await c.call('FCALL', 'f1', '1', 'k', 'a'), ['k', 'v2']);
  const list = (await c.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'lib2', 'WITHCODE')) as unknown[];
  assert.deepEqual(list, [
    ['library_name', 'lib2', 'engine', 'LUA', 'functions', [['name', 'ro', 'description', 'd', 'flags', ['no-writes']]], 'library_code', lib2],
  ]);
  assert.deepEqual(await c.call('FUNCTION', 'STATS'), ['running_script', null, 'engines', ['LUA', ['libraries_count', 2, 'functions_count', 2]]]);
  const dump = await c.callRaw('FUNCTION', 'DUMP');
  assert.equal(dump.type, 'bulk');
  assert.equal(await c.call('FUNCTION', 'FLUSH'), 'OK');
  assert.deepEqual(await c.call('FCALL', 'f1', '0'), { error: 'ERR Function not found' });
  if (dump.type === 'bulk') {
    assert.equal(await c.call('FUNCTION', 'RESTORE', dump.value), 'OK');
    const again = (await c.call('FUNCTION', 'RESTORE', dump.value)) as { error: string };
    assert.match(again.error, /^ERR Library lib[12] already exists$/);
    assert.deepEqual(await c.call('FUNCTION', 'RESTORE', dump.value, 'bogus'), {
      error: 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
    });
    assert.equal(await c.call('FUNCTION', 'RESTORE', dump.value, 'REPLACE'), 'OK');
  }
  assert.deepEqual(await c.call('FUNCTION', 'RESTORE', 'garbage'), { error: 'ERR DUMP payload version or checksum are wrong' });
  assert.deepEqual(await c.call('FCALL', 'f1', '1', 'k', 'a'), ['k', 'v2']);
  assert.equal(await c.call('FUNCTION', 'DELETE', 'lib1'), 'OK');
  assert.deepEqual(await c.call('FUNCTION', 'DELETE', 'lib1'), { error: 'ERR Library not found' });
  assert.deepEqual(await c.call('FUNCTION', 'KILL'), { error: 'NOTBUSY No scripts in execution right now.' });
  assert.deepEqual(await c.call('FUNCTION', 'FLUSH', 'x'), { error: 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option' });
  const fnErr = '#!lua name=lib9\nredis.register_function("f9", function() error("boom") end)';
  assert.equal(await c.call('FUNCTION', 'LOAD', fnErr), 'lib9');
  assert.deepEqual(await c.call('FCALL', 'f9', '0'), { error: 'ERR user_function:2: boom script: f9, on @user_function:2.' });
  c.close();
});

test('scriptingStats reports the Lua heap, cached scripts and libraries (for INFO)', async () => {
  const c = await fresh();
  await c.call('SCRIPT', 'LOAD', 'return 1');
  await c.call('FUNCTION', 'LOAD', "#!lua name=statlib\nredis.register_function('sf', function() return 1 end)");
  const stats = scriptingStats(srv.server!);
  assert.equal(stats.cachedScripts, 1);
  assert.equal(stats.cachedScriptBytes, 'return 1'.length);
  assert.equal(stats.libraries, 1);
  assert.equal(stats.functions, 1);
  assert.ok(stats.luaHeapBytes > 0);
  assert.ok(stats.libraryCodeBytes > 0);
  c.close();
});

test('servers do not share scripts', async () => {
  const other = await startTidings();
  try {
    const a = await fresh();
    const b = await other.connect();
    await a.call('SCRIPT', 'LOAD', 'return 1');
    assert.deepEqual(await b.call('SCRIPT', 'EXISTS', SHA_RETURN_1), [0]);
    a.close();
    b.close();
  } finally {
    await other.close();
  }
});

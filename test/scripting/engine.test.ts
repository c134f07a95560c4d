// Unit tests for the Lua engine alone (no server): conversions, sandbox, libraries, limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptEngine, SUSPENDED, type RunResult, type ScriptHost } from '../../src/scripting/engine.js';
import { encodeReply } from '../../src/protocol/writer.js';
import { Double, MapReply, ReplyError, SetReply, Status, type Reply } from '../../src/protocol/reply.js';
import { loadLua } from '../../src/scripting/lua.js';

await loadLua();

function fakeHost(replies: Record<string, Reply> = {}, calls: Buffer[][] = [], logs: [number, string][] = []): ScriptHost {
  return {
    call(argv) {
      calls.push(argv);
      const name = argv[0]!.toString().toLowerCase();
      if (name in replies) return replies[name]!;
      if (name === 'echo') return argv[1]!;
      return new ReplyError('ERR Unknown Redis command called from script');
    },
    log(level, message) {
      logs.push([level, message]);
    },
  };
}

const engine = new ScriptEngine();

function evalRaw(src: string, keys: string[] = [], args: (string | Buffer)[] = [], host = fakeHost(), protocol: 2 | 3 = 2): string {
  const sha = engine.load(Buffer.from(src));
  const reply = engine.run(
    sha,
    keys.map((k) => Buffer.from(k)),
    args.map((a) => (Buffer.isBuffer(a) ? a : Buffer.from(a))),
    host,
    { protocol },
  );
  assert.ok(reply !== SUSPENDED, 'the script ran to completion');
  return encodeReply(reply, protocol).toString('latin1');
}

test('Lua values convert to Redis replies like Redis', () => {
  assert.equal(evalRaw('return 3.7'), ':3\r\n');
  assert.equal(evalRaw('return -2.9'), ':-2\r\n');
  assert.equal(evalRaw("return 'x'"), '$1\r\nx\r\n');
  assert.equal(evalRaw('return {1,2,3,nil,4}'), '*3\r\n:1\r\n:2\r\n:3\r\n');
  assert.equal(evalRaw("return {ok='fine'}"), '+fine\r\n');
  assert.equal(evalRaw("return {err='MYERR bad'}"), '-MYERR bad\r\n');
  assert.equal(evalRaw('return true'), ':1\r\n');
  assert.equal(evalRaw('return false'), '$-1\r\n');
  assert.equal(evalRaw('return nil'), '$-1\r\n');
  assert.equal(evalRaw("return {1.5, 'x', {ok='in'}, {err='in err'}, true, false}"), '*6\r\n:1\r\n$1\r\nx\r\n+in\r\n-in err\r\n:1\r\n$-1\r\n');
  assert.equal(evalRaw('return 9007199254740993'), ':9007199254740993\r\n');
});

test('RESP3 values: booleans, map, set, double', () => {
  assert.equal(evalRaw('return true', [], [], fakeHost(), 3), ':1\r\n');
  assert.equal(evalRaw('return false', [], [], fakeHost(), 3), '_\r\n');
  assert.equal(evalRaw('redis.setresp(3) return true', [], [], fakeHost(), 3), '#t\r\n');
  assert.equal(evalRaw('redis.setresp(3) return false', [], [], fakeHost(), 3), '#f\r\n');
  assert.equal(evalRaw("return {map={a=1}}", [], [], fakeHost(), 3), '%1\r\n$1\r\na\r\n:1\r\n');
  assert.equal(evalRaw("return {set={a=true}}", [], [], fakeHost(), 3), '~1\r\n$1\r\na\r\n');
  assert.equal(evalRaw('return {double=1.5}', [], [], fakeHost(), 3), ',1.5\r\n');
  assert.equal(evalRaw('return {double=1.5}'), '$3\r\n1.5\r\n');
});

test('Redis replies convert to Lua values (RESP2 and redis.setresp(3))', () => {
  const host = fakeHost({
    int: 7,
    bulk: Buffer.from('b'),
    nil: null,
    status: new Status('OK'),
    err: new ReplyError('ERR nope'),
    arr: [1, Buffer.from('x'), null],
    dbl: new Double(1.5),
    map: new MapReply([Buffer.from('f'), Buffer.from('v')]),
    set: new SetReply([Buffer.from('m')]),
  });
  assert.equal(
    evalRaw(
      "return {type(redis.call('int')), redis.call('bulk'), tostring(redis.call('nil')), redis.call('status').ok, redis.pcall('err').err, #redis.call('arr'), tostring(redis.call('arr')[3]), redis.call('dbl'), redis.call('map')[2]}",
      [],
      [],
      host,
    ),
    '*9\r\n$6\r\nnumber\r\n$1\r\nb\r\n$5\r\nfalse\r\n$2\r\nOK\r\n$8\r\nERR nope\r\n:3\r\n$5\r\nfalse\r\n$3\r\n1.5\r\n$1\r\nv\r\n',
  );
  assert.equal(
    evalRaw(
      "redis.setresp(3) return {tostring(redis.call('nil')), redis.call('dbl').double * 2, redis.call('map').map.f, tostring(redis.call('set').set.m)}",
      [],
      [],
      host,
    ),
    '*4\r\n$3\r\nnil\r\n:3\r\n$1\r\nv\r\n$4\r\ntrue\r\n',
  );
  // integers stay Lua integers (no "1.0" when concatenated)
  assert.equal(evalRaw("return 'id:' .. redis.call('int')", [], [], host), '$4\r\nid:7\r\n');
});

test('redis.call arguments: numbers are formatted, other types refused', () => {
  const calls: Buffer[][] = [];
  evalRaw("redis.pcall('echo', 3, 3.0, 0.1, 1e20, 'x')", [], [], fakeHost({}, calls));
  assert.deepEqual(calls[0]!.map(String), ['echo', '3', '3', '0.10000000000000001', '1e+20', 'x']);
  assert.match(evalRaw("return redis.call('echo', {})"), /^-ERR Lua redis lib command arguments must be strings or integers script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
  assert.equal(evalRaw("return redis.pcall('echo', true)"), '-ERR Lua redis lib command arguments must be strings or integers\r\n');
  assert.match(evalRaw('return redis.call()'), /^-ERR Please specify at least one argument for this redis lib call script: /);
});

test('errors carry Redis format with the script line', () => {
  const src = "local a = 1\nlocal b = 2\nreturn redis.call('nosuch')";
  const sha = engine.load(Buffer.from(src));
  assert.equal(evalRaw(src), `-ERR Unknown Redis command called from script script: ${sha}, on @user_script:3.\r\n`);
  assert.match(evalRaw('local function f()\n error("in f")\nend\n\nf()'), /^-ERR user_script:2: in f script: [0-9a-f]{40}, on @user_script:2\.\r\n$/);
  assert.match(evalRaw('error("x", 0)'), /^-ERR x script: /);
  assert.match(evalRaw("error({err='X oops'})"), /^-X oops script: /);
  assert.match(evalRaw('error(42)'), /^-ERR user_script:1: 42 script: /);
  assert.equal(evalRaw("local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e}"), '*2\r\n$5\r\nfalse\r\n$44\r\nERR Unknown Redis command called from script\r\n');
  assert.throws(() => engine.load(Buffer.from('return 1 +')), {
    message: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
  });
});

test('sandbox: no globals created or read, readonly libraries, no io/os/loadstring', () => {
  assert.match(evalRaw('x = 1'), /^-ERR user_script:1: Attempt to modify a readonly table script: /);
  assert.match(evalRaw('return x'), /^-ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: /);
  assert.match(evalRaw('redis.call = nil'), /^-ERR user_script:1: Attempt to modify a readonly table script: /);
  assert.match(evalRaw('rawset(_G, "y", 1)'), /^-ERR Attempt to modify a readonly table script: /);
  assert.equal(evalRaw("return loadstring('return 1 + 1')()"), ':2\r\n');
  assert.equal(evalRaw("return loadstring(string.char(27) .. 'Lua')"), '$-1\r\n');
  assert.match(evalRaw("return load('return 1')"), /bad argument #1 to 'load' \(function expected, got string\)/);
  for (const name of ['io', 'os', 'require', 'dofile', 'loadfile', 'print', 'debug', 'rawlen', 'utf8']) {
    assert.match(evalRaw(`return ${name}`), new RegExp(`nonexistent global variable '${name}'`));
  }
  assert.equal(evalRaw('return {unpack({1,2})}'), '*2\r\n:1\r\n:2\r\n');
  assert.equal(evalRaw('return table.getn({1,2,3})'), ':3\r\n');
  assert.equal(evalRaw('return tostring(10/2)'), '$1\r\n5\r\n');
  assert.equal(evalRaw('local n = 0 for k in pairs(string) do n = n + 1 end return n > 5'), ':1\r\n');
});

test('KEYS and ARGV carry arbitrary bytes', () => {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const sha = engine.load(Buffer.from('return {KEYS[1], ARGV[1], #ARGV[1]}'));
  const reply = engine.run(sha, [Buffer.from([0xff, 0x00, 0x80])], [all], fakeHost()) as Reply[];
  assert.deepEqual(reply[0], Buffer.from([0xff, 0x00, 0x80]));
  assert.deepEqual(reply[1], all);
  assert.equal(reply[2], 256);
});

test('libraries: cjson, cmsgpack, bit, struct, sha1hex, log', () => {
  assert.equal(evalRaw("return cjson.encode({})"), '$2\r\n{}\r\n');
  assert.equal(evalRaw("return cjson.encode({1,2,'a/b',true,{x=1.5}})"), '$27\r\n[1,2,"a\\/b",true,{"x":1.5}]\r\n');
  assert.equal(evalRaw("return cjson.decode('[1,\"\\\\u00e9\",{\"a\":null}]')[2]"), '$2\r\n\xc3\xa9\r\n');
  assert.equal(evalRaw("return cjson.decode('{\"a\":null}').a == cjson.null"), ':1\r\n');
  assert.match(evalRaw("return cjson.decode('[1,')"), /^-ERR user_script:1: Expected value but found T_END at character 4 script: [0-9a-f]{40}, on @user_script:1\./);
  assert.equal(evalRaw("return cmsgpack.pack({1,2,3})"), '$4\r\n\x93\x01\x02\x03\r\n');
  assert.equal(evalRaw("return cmsgpack.pack({a=1})"), '$4\r\n\x81\xa1a\x01\r\n');
  assert.equal(evalRaw("return cmsgpack.pack(-1, 300, 1.5, 'hi', false)"), '$13\r\n\xff\xcd\x01\x2c\xca\x3f\xc0\x00\x00\xa2hi\xc2\r\n');
  assert.equal(evalRaw("local a, b = cmsgpack.unpack(cmsgpack.pack({x={1,2}}, 'y')) return {a.x[2], b}"), '*2\r\n:2\r\n$1\r\ny\r\n');
  assert.equal(evalRaw('return {bit.band(0xff, 0x0f), bit.bnot(0), bit.lshift(1, 31), bit.tohex(255, 4)}'), '*4\r\n:15\r\n:-1\r\n:-2147483648\r\n$4\r\n00ff\r\n');
  assert.equal(evalRaw("return struct.unpack('>I2', struct.pack('>I2', 513))"), ':513\r\n');
  assert.equal(evalRaw("return redis.sha1hex('')"), '$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n');
  const logs: [number, string][] = [];
  evalRaw("redis.log(redis.LOG_WARNING, 'hello', 5)", [], [], fakeHost({}, [], logs));
  assert.deepEqual(logs, [[3, 'hello 5']]);
  assert.match(evalRaw('redis.log(99, "x")'), /Invalid debug level\./);
  assert.match(evalRaw('redis.setresp(4)'), /RESP version must be 2 or 3\./);
});

test('status_reply and error_reply', () => {
  assert.equal(evalRaw("return redis.status_reply('FOO')"), '+FOO\r\n');
  assert.equal(evalRaw("return redis.error_reply('FOO bar')"), '-FOO bar\r\n');
  assert.equal(evalRaw("return redis.error_reply('bar')"), '-ERR bar\r\n');
  assert.equal(evalRaw("return redis.error_reply('-x y')"), '-x y\r\n');
});

test('time limit aborts a runaway script and the VM stays usable', () => {
  const sha = engine.load(Buffer.from('while true do end'));
  const reply = engine.run(sha, [], [], fakeHost(), { timeLimitMs: 50 });
  assert.ok(reply instanceof ReplyError);
  assert.match(reply.message, /^ERR Script killed by Tidings: it ran longer than busy-reply-threshold/);
  assert.equal(evalRaw('return 1'), ':1\r\n');
});

test('a script cannot catch the time-limit error with pcall and keep running', () => {
  const src = 'while true do pcall(function() while true do end end) end';
  const reply = engine.run(engine.load(Buffer.from(src)), [], [], fakeHost(), { timeLimitMs: 50 });
  assert.ok(reply instanceof ReplyError);
  assert.match(reply.message, /Script killed by Tidings/);
  const co = 'while true do coroutine.resume(coroutine.create(function() while true do end end)) end';
  const reply2 = engine.run(engine.load(Buffer.from(co)), [], [], fakeHost(), { timeLimitMs: 50 });
  assert.ok(reply2 instanceof ReplyError);
  assert.equal(evalRaw("return {pcall(error, 'x')}"), '*2\r\n$-1\r\n$1\r\nx\r\n');
});

/** Resume a suspended run until it ends; returns the reply and how many slices it took. */
function drain(first: RunResult, onSlice: (n: number) => void = () => {}): { reply: Reply; slices: number } {
  let result = first;
  let slices = 1;
  while (result === SUSPENDED) {
    onSlice(slices);
    result = engine.resume();
    slices++;
  }
  return { reply: result, slices };
}

test('a suspendable run yields at the hook past its threshold and finishes on resume', () => {
  const src = 'local n = 0 for i = 1, tonumber(ARGV[1]) do n = n + 1 end return {n, KEYS[1]}';
  const first = engine.run(engine.load(Buffer.from(src)), [Buffer.from('k')], [Buffer.from('3000000')], fakeHost(), { yieldAfterMs: 0 });
  assert.equal(first, SUSPENDED);
  assert.equal(engine.busy, true);
  const { reply, slices } = drain(first);
  assert.ok(slices > 2);
  assert.equal(engine.busy, false);
  assert.equal(encodeReply(reply, 2).toString('latin1'), '*2\r\n:3000000\r\n$1\r\nk\r\n');
  // Below the threshold nothing is suspended.
  assert.equal(engine.run(engine.load(Buffer.from('return 7')), [], [], fakeHost(), { yieldAfterMs: 60_000 }), 7);
  assert.equal(evalRaw('return 1'), ':1\r\n');
});

test('a suspended script keeps its state across slices: pcall, coroutines, redis.call, errors', () => {
  const calls: Buffer[][] = [];
  const src = [
    'local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)',
    'local sum = 0',
    'for round = 1, 3 do',
    '  local ok = pcall(function() for i = 1, 500000 do sum = sum + 1 end end)',
    "  sum = sum + co() + #redis.call('echo', 'abc')",
    'end',
    "if ARGV[1] == 'fail' then error('late failure') end",
    'return sum',
  ].join('\n');
  const sha = engine.load(Buffer.from(src));
  const ok = drain(engine.run(sha, [], [Buffer.from('ok')], fakeHost({}, calls), { yieldAfterMs: 0 }));
  assert.ok(ok.slices > 1);
  assert.equal(ok.reply, 1500000 + 6 + 9);
  assert.equal(calls.length, 3);
  const failed = drain(engine.run(sha, [], [Buffer.from('fail')], fakeHost(), { yieldAfterMs: 0 }));
  assert.ok(failed.reply instanceof ReplyError);
  assert.equal(failed.reply.message, `ERR user_script:7: late failure script: ${sha}, on @user_script:7.`);
  assert.equal(evalRaw('return 2'), ':2\r\n');
});

test('kill() stops a suspended script with the SCRIPT KILL error, even through pcall', () => {
  const src = 'while true do pcall(function() local n = 0 while true do n = n + 1 end end) end';
  const sha = engine.load(Buffer.from(src));
  const { reply } = drain(engine.run(sha, [], [], fakeHost(), { yieldAfterMs: 0 }), (n) => {
    if (n === 3) engine.kill();
  });
  assert.ok(reply instanceof ReplyError);
  assert.equal(reply.message, `ERR Script killed by user with SCRIPT KILL... script: ${sha}, on @user_script:1.`);
  assert.equal(evalRaw('return 3'), ':3\r\n');
});

test('a script cannot yield out of its own top level (as in Redis)', () => {
  const sha = engine.load(Buffer.from('coroutine.yield(1) return 2'));
  const reply = engine.run(sha, [], [], fakeHost(), { yieldAfterMs: 60_000 });
  assert.ok(reply instanceof ReplyError);
  assert.equal(reply.message, `ERR attempt to yield across metamethod/C-call boundary script: ${sha}, on @user_script:1.`);
  assert.equal(evalRaw('return coroutine.running()'), '$-1\r\n');
  assert.equal(evalRaw("local co = coroutine.create(function() return coroutine.running() ~= nil end) return {coroutine.resume(co)}"), '*2\r\n:1\r\n:1\r\n');
});

test('a JS exception in a host function becomes a script error and the VM stays usable', () => {
  const host: ScriptHost = {
    call() {
      throw new Error('host exploded');
    },
    log() {
      throw new Error('log exploded');
    },
  };
  const r1 = engine.run(engine.load(Buffer.from("return redis.pcall('ping')")), [], [], host);
  assert.ok(r1 instanceof ReplyError);
  assert.equal(r1.message, 'ERR Error: host exploded');
  const r2 = engine.run(engine.load(Buffer.from("redis.log(redis.LOG_WARNING, 'x')")), [], [], host);
  assert.ok(r2 instanceof ReplyError);
  assert.match(r2.message, /^ERR internal error in a Tidings scripting host function script: /);
  assert.equal(evalRaw('return 7'), ':7\r\n');
});

test('memory limit turns a runaway allocation into an error', () => {
  const small = new ScriptEngine({ memoryLimit: 16 * 1024 * 1024 });
  try {
    const sha = small.load(Buffer.from('local t = {} for i = 1, 1e9 do t[i] = i end'));
    const reply = small.run(sha, [], [], fakeHost());
    assert.ok(reply instanceof ReplyError);
    assert.match(reply.message, /not enough memory/);
    const ok = small.run(small.load(Buffer.from("return 'still alive'")), [], [], fakeHost());
    assert.deepEqual(ok, Buffer.from('still alive'));
  } finally {
    small.close();
  }
});

test('engines are independent and scripts are cached by sha', () => {
  const a = new ScriptEngine();
  const b = new ScriptEngine();
  try {
    const sha = a.load(Buffer.from('return 1'));
    assert.equal(sha, 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
    assert.equal(a.has(sha), true);
    assert.equal(b.has(sha), false);
    assert.throws(() => b.run(sha, [], [], fakeHost()), { message: 'NOSCRIPT No matching script. Please use EVAL.' });
    a.flush();
    assert.equal(a.has(sha), false);
  } finally {
    a.close();
    b.close();
  }
});

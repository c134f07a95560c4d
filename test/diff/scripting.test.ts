// Differential tests: the same EVAL scripts sent to Tidings and to redis-server, replies compared
// byte for byte (error texts include the script sha, which is the same on both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startDiffServers, type DiffServers, type DiffPair, type Arg, type CheckOptions } from './harness.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

const evals = (scripts: string[]): Arg[][] => scripts.map((s) => ['EVAL', s, '0']);

/** Like checkAll, but runs every command and reports all differences together. */
async function checkEach(p: DiffPair, commands: Arg[][], options: CheckOptions = {}): Promise<void> {
  const failures: string[] = [];
  for (const args of commands) {
    try {
      await p.check(args, options);
    } catch (error) {
      failures.push((error as Error).message.split('\n').slice(0, 12).join('\n'));
    }
  }
  assert.equal(failures.length, 0, failures.join('\n\n'));
}

test('math.random sequence from a fresh server', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await p.check(['EVAL', 'return {math.random(100), math.random(1000), math.random(5, 10), tostring(math.random())}', '0']);
  await p.check(['EVAL', 'math.randomseed(42) return {math.random(100), math.random(100)}', '0']);
  p.close();
});

test('Lua → Redis conversions (RESP2)', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, 
    evals([
      'return 3.7',
      'return -3.7',
      'return 0',
      'return -0.5',
      'return 2^40',
      'return "x"',
      'return ""',
      'return {1,2,3,nil,4}',
      'return {}',
      "return {ok='fine'}",
      "return {err='MY bad'}",
      "return {err='bar'}",
      'return true',
      'return false',
      'return nil',
      "return {1.5, 'x', {ok='in'}, {err='in err'}, true, false, {1, {2, {3}}}}",
      "return {ok='a', err='b'}",
      "return {ok=1}",
      "return {double=1.5}",
      "return {map={a=1}}",
      "return {set={a=true}}",
      "return redis.status_reply('FOO')",
      "return redis.error_reply('FOO bar')",
      "return redis.error_reply('bar')",
      "return redis.error_reply('-x y')",
      "return redis.error_reply('')",
      'return tostring(10/2)',
      'return tostring(1/3)',
      'return tostring(1e15)',
      'return tostring(1e100)',
      "return 'n' .. 7",
      'return 10/3',
      'return #KEYS + #ARGV',
      'return type(KEYS)',
      'return unpack({1, 2, 3})',
      'return {unpack({1, 2, 3})}',
      'return table.getn({1, 2, 3})',
      "return string.format('%5.2f|%d|%s|%q', 3.14159, 42, 'x', 'a\"b')",
      "return string.format('%d|%5.1f|%s|%x|%i|%c|%o|%u|%%|%g', 3.7, 2, 3.0, 255.0, -2.5, 65, 8, 7, 0.1)",
      "return string.format('%s %s', 1e15, 2^53)",
      "return string.format('%d', '12')",
      "return string.format('%5s|%-5d|%05.2f', 'ab', 3, 1.5)",
      "return string.format('%q', 1/3)",
      "return string.format('%%')",
      "return string.format('no specs', 1)",
      "return table.concat({1.5, 2.0, 3, 'x', 10/2}, ',')",
      "return table.concat({1, 2, 3}, '-', 2, 3)",
      "return table.concat({})",
      "return table.concat({1, {}}, ',')",
      "return {string.byte('ABC', 1, 3)}",
      "return string.rep('ab', 3, ',')",
      "return {string.find('hello world', 'o w')}",
      "return (string.gsub('hello', 'l', 'L'))",
      'return math.floor(3.7)',
      'return math.huge > 0',
      'return math.max(1, 5, 3)',
      'return select("#", 1, 2, 3)',
      'return tonumber("0x10")',
      'return tonumber("  12  ")',
      'return tonumber("1e2")',
      "return tostring(tonumber('abc'))",
      'return {pcall(error)}',
      "return type(coroutine.create(function() end))",
    ]),
  );
  p.close();
});

test('Redis → Lua conversions', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, [
    ['ZADD', 'z', '1.5', 'a', '2', 'b'],
    ['EVAL', "return redis.call('zscore', KEYS[1], 'a')", '1', 'z'],
    ['EVAL', "return type(redis.call('zscore', KEYS[1], 'nope'))", '1', 'z'],
    ['EVAL', "return tostring(redis.call('zscore', KEYS[1], 'nope'))", '1', 'z'],
    ['EVAL', "return redis.call('zrange', KEYS[1], 0, -1, 'withscores')", '1', 'z'],
    ['EVAL', "return type(redis.call('zcard', KEYS[1]))", '1', 'z'],
    ['EVAL', "return redis.call('zcard', KEYS[1]) + 1", '1', 'z'],
    ['EVAL', "local r = redis.call('ping') return {type(r), r.ok}", '0'],
    ['EVAL', "local r = redis.pcall('zadd', 'z', 'x', 'm') return {type(r), r.err}", '0'],
    ['EVAL', "return redis.pcall('zadd', 'z', 'x', 'm')", '0'],
    ['EVAL', "local ok, e = pcall(redis.call, 'zadd', 'z', 'x', 'm') return {tostring(ok), type(e), e}", '0'],
    ['EVAL', "return redis.call('echo', 3)", '0'],
    ['EVAL', "return redis.call('echo', 3.5)", '0'],
    ['EVAL', "return redis.call('echo', 0.1)", '0'],
    ['EVAL', "return redis.call('echo', -7)", '0'],
    ['EVAL', "return redis.pcall('echo', true)", '0'],
    ['EVAL', "return redis.pcall('echo', nil)", '0'],
    ['EVAL', 'return redis.call()', '0'],
    ['EVAL', "return redis.call('nosuch')", '0'],
    ['EVAL', "return redis.pcall('nosuch')", '0'],
    ['EVAL', "return redis.call('zcard')", '0'],
    ['EVAL', "return redis.call('client', 'bogus')", '0'],
    ['EVAL', "return redis.pcall('object', 'bogus', 'x')", '0'],
    ['EVAL', "return redis.pcall('object', 'encoding')", '0'],
    ['EVAL', "return redis.pcall('OBJECT', 'Encoding', 'a', 'b')", '0'],
    ['EVAL', "return redis.pcall('object')", '0'],
    ['EVAL', "return redis.pcall('xinfo', 'stream')", '0'],
    ['EVAL', "return redis.call('eval', 'return 1', '0')", '0'],
    ['EVAL', "return redis.call('zadd', 'z', 'x', 'm')", '0'],
    ['EVAL', "local a = 1\nlocal b = 2\nreturn redis.call('zadd', 'z', 'x', 'm')", '0'],
    ['EVAL_RO', "return redis.call('zadd', 'z', 1, 'm')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('zadd', 'z', 1, 'm')", '0'],
    ['EVAL', "redis.call('select', '1') return redis.call('dbsize')", '0'],
    ['DBSIZE'],
    ['EVAL', "return redis.call('set', 'k', 'v')", '0'],
    ['EVAL', "return redis.call('get', 'k')", '0'],
    ['EVAL', "return redis.call('get', 'missing')", '0'],
    ['EVAL', "return redis.call('incrby', 'n', 5) * 2", '0'],
    ['EVAL', "return redis.call('incrbyfloat', 'f', '1.5')", '0'],
    ['EVAL', "return redis.call('incr', 'k')", '0'],
    ['EVAL', "redis.call('hset', 'h', 'a', '1', 'b', '2') return redis.call('hgetall', 'h')", '0'],
    ['EVAL', "redis.setresp(3) local m = redis.call('hgetall', 'h').map return {m.a, m.b}", '0'],
    ['EVAL', "redis.call('rpush', 'l', 'x', 'y') return redis.call('lrange', 'l', 0, -1)", '0'],
    ['EVAL', "return redis.call('lpop', 'nolist')", '0'],
    ['EVAL', "return redis.call('lpop', 'nolist', 2)", '0'],
    ['EVAL', "return redis.pcall('blpop', 'nolist', 0)", '0'],
    ['EVAL', "return redis.call('sadd', 's', 'a')", '0'],
    ['EVAL', "redis.setresp(3) return redis.call('smembers', 's')", '0'],
    ['EVAL', "return redis.call('type', 'h')", '0'],
    ['EVAL', "return redis.call('type', 'h').ok", '0'],
    ['EVAL', "return redis.call('exists', 'h', 'k', 'nope')", '0'],
    ['EVAL', "return redis.call('del', 'h')", '0'],
    ['EVAL', "return redis.pcall('get', 'l')", '0'],
    ['EVAL', "return redis.call('get', 'l')", '0'],
  ]);
  p.close();
});

test('commands refused inside scripts (noscript flags and special cases)', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const calls = [
    ['multi'], ['watch', 'x'], ['exec'], ['discard'], ['unwatch'], ['subscribe', 'x'], ['psubscribe', 'x*'],
    ['client', 'setname', 'x'], ['client', 'id'], ['auth', 'x'], ['hello'], ['select', '99'], ['blpop', 'x', '0'],
    ['brpop', 'x', '0'], ['blmove', 'a', 'b', 'left', 'left', '0'], ['bzpopmin', 'z', '0'],
    ['xread', 'block', '0', 'streams', 's', '$'], ['monitor'], ['quit'], ['shutdown'], ['config', 'get', 'maxmemory'],
    ['eval', 'return 1', '0'], ['evalsha', 'x', '0'], ['script', 'load', 'return 1'], ['function', 'list'],
    ['fcall', 'f', '0'], ['reset'], ['ping'], ['echo', 'x'],
  ];
  await checkEach(
    p,
    calls.map((c) => ['EVAL', `return redis.pcall(${c.map((a) => `'${a}'`).join(', ')})`, '0']),
  );
  p.close();
});

test('RESP3: redis.setresp(3) and RESP3 returns', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  for (const proto of [2, 3] as const) {
    const p = await servers.pair(proto);
    await checkEach(p, [
      ['ZADD', 'z', '1.5', 'a'],
      ['EVAL', "redis.setresp(3) return redis.call('zscore', 'z', 'a')", '0'],
      ['EVAL', "redis.setresp(3) return redis.call('zscore', 'z', 'a').double", '0'],
      ['EVAL', "redis.setresp(3) return tostring(redis.call('zscore', 'z', 'nope'))", '0'],
      ['EVAL', "redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')", '0'],
      ['EVAL', 'return true', '0'],
      ['EVAL', 'return false', '0'],
      ['EVAL', 'return nil', '0'],
      ['EVAL', "return {map={a=1}}", '0'],
      ['EVAL', "return {set={a=true}}", '0'],
      ['EVAL', 'return {double=2.5}', '0'],
      ['EVAL', 'return {1, true, false}', '0'],
      ['EVAL', 'redis.setresp(3) return true', '0'],
      ['EVAL', 'redis.setresp(3) return false', '0'],
      ['EVAL', 'redis.setresp(3) return {true, false, nil}', '0'],
      ['EVAL', 'redis.setresp(3) return nil', '0'],
      ['EVAL', "return {map={a=true}}", '0'],
      ['EVAL', 'redis.setresp(4)', '0'],
    ]);
    p.close();
  }
});

test('script error texts', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, 
    evals([
      "error('oops')",
      "error('FOO bar')",
      "error('x', 0)",
      "error({err='X oops'})",
      "error({err='-bar'})",
      'error(42)',
      "local a = 1\n\nerror('deep')",
      "local function f()\n error('in f')\nend\n\nf()",
      'local x = nil; return x.y',
      "local function f()\n local t = nil\n return t.x\nend\nreturn f()",
      'x = 1',
      'return x',
      'return _G.foo',
      "rawset(_G, 'x', 1)",
      'redis.call = nil',
      "string.rep = nil",
      'return os',
      'return io',
      'return loadstring',
      'return dofile',
      'return require',
      'return print',
      'return 1 +',
      'return 1 1',
      "return redis.log(99, 'x')",
      "return redis.log(redis.LOG_WARNING)",
      'return redis.setresp(4)',
      'return redis.sha1hex()',
      "return math.random(0)",
    ]),
  );
  await checkEach(p, [
    ['EVAL', 'return 1', '-1'],
    ['EVAL', 'return 1', '2', 'a'],
    ['EVAL', 'return 1', 'x'],
    ['EVAL', 'return 1'],
    ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
    ['EVALSHA', 'fff', '0'],
    ['EVAL', '#!lua foo=bar\nreturn 1', '0'],
    ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
    ['EVAL', '#!luax\nreturn 1', '0'],
    ['SCRIPT', 'FLUSH', 'bogus'],
    ['SCRIPT', 'KILL'],
    ['SCRIPT', 'EXISTS'],
    ['SCRIPT', 'bogus'],
    ['SCRIPT', 'LOAD', 'return 1'],
    ['SCRIPT', 'HELP'],
    ['FUNCTION', 'HELP'],
    ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
    ['EVALSHA_RO', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
    ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB', 'x'],
  ]);
  p.close();
});

test('the global environment matches Redis', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const names = ['assert', 'collectgarbage', 'coroutine', 'error', 'gcinfo', 'getmetatable', 'ipairs', 'load', 'loadstring',
    'math', 'newproxy', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset', 'rawlen', 'select', 'setmetatable', 'string',
    'table', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall', '_G', 'bit', 'cjson', 'cmsgpack', 'struct', 'redis', 'os',
    'io', 'debug', 'print', 'require', 'module', 'setfenv', 'getfenv', 'dofile', 'loadfile', 'utf8', 'package'];
  await checkEach(p, evals(names.map((n) => `return type(${n})`)));
  await checkEach(
    p,
    evals([
      "return loadstring('return 1')()",
      "return {loadstring('\\27Lua')}",
      "return load('return 2')",
      "local f = load(function() return nil end) return type(f)",
      "return collectgarbage('count') > 0",
      'return gcinfo() > 0',
      "local f = loadstring('return KEYS') return type(f())",
      "return {loadstring('return +')}",
      // Read-only tables: _G shows a read-only metatable, the others none.
      'local g = getmetatable(_G) return {type(g), type(getmetatable(redis)), type(getmetatable(KEYS)), type(getmetatable(string))}',
      'local g = getmetatable(_G) local r = {} for k in pairs(g) do r[#r + 1] = tostring(k) end return r',
      'local g = getmetatable(_G)\ng.__index = {}',
      'setmetatable(_G, {})',
      'setmetatable(redis, {})',
    ]),
  );
  p.close();
});

test('redis.* helpers and constants', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, 
    evals([
      "return redis.sha1hex('')",
      "return redis.sha1hex('hello')",
      'return redis.sha1hex(42)',
      'return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}',
      'return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}',
      'return redis.replicate_commands()',
      'return redis.set_repl(redis.REPL_ALL)',
      'return redis.set_repl(99)',
      "return redis.log(redis.LOG_DEBUG, 'hello', 'world')",
      'return redis.REDIS_VERSION',
      'return redis.REDIS_VERSION_NUM',
      'return type(redis.breakpoint)',
      "return redis.status_reply('a b').ok",
      "return redis.error_reply('FOO bar').err",
      "return redis.error_reply('bar').err",
    ]),
  );
  p.close();
});

test('cjson round trips and error texts', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, 
    evals([
      'return cjson.encode({})',
      'return cjson.encode({1, 2, 3})',
      "return cjson.encode({1, 'two', true, false, 1.5, -0.25})",
      "return cjson.encode({a={b={c={}}}})",
      "return cjson.encode('a/b\"c\\\\d\\n\\t\\r\\b\\f')",
      "return cjson.encode('\\1\\2\\31\\127')",
      "return cjson.encode('caf\\195\\169')",
      'return cjson.encode(0.1)',
      'return cjson.encode(1e20)',
      'return cjson.encode(123456789012)',
      'return cjson.encode(3.14159265358979)',
      'return cjson.encode(-0.000001)',
      'return cjson.encode(cjson.null)',
      'return cjson.encode({1, 2, [100]=3})',
      'return cjson.encode({[1]=1, [2]=2, [4]=4})',
      'return cjson.encode({[1.5]=1})',
      'return cjson.encode(1/0)',
      'return cjson.encode(function() end)',
      "return cjson.encode({[true]=1})",
      "return cjson.decode('[1,2,3]')",
      "return cjson.decode('{\"a\":[1,{\"b\":\"c\"}]}').a[2].b",
      "return cjson.decode('\"\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\"')",
      "return cjson.decode('\"a\\\\/b\\\\n\"')",
      "return cjson.decode('  [ true , false , null ] ')[1]",
      "return tostring(cjson.decode('[null]')[1] == cjson.null)",
      "return cjson.decode('1.5e3')",
      "return cjson.decode('-12')",
      "return tostring(cjson.decode('0.5'))",
      "return cjson.decode('[1,')",
      "return cjson.decode('nul')",
      "return cjson.decode('{1:2}')",
      "return cjson.decode('[1 2]')",
      "return cjson.decode('{\"a\" 1}')",
      "return cjson.decode('')",
      "return cjson.decode('[1] x')",
      "return cjson.encode(cjson.decode('{\"k\":[1,2,{\"x\":null}]}'))",
    ]),
  );
  p.close();
});

// cjson's settings last for the VM's life in Redis too: each case restores the defaults.
test('cjson settings: max depths and invalid numbers', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const restore = 'cjson.encode_max_depth(1000) cjson.decode_max_depth(1000) cjson.encode_invalid_numbers(false) ';
  await checkEach(
    p,
    evals([
      'return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_invalid_numbers()}',
      `cjson.encode_max_depth(1) local r = {pcall(cjson.encode, {a={1}})} ${restore} return r[2]`,
      `cjson.encode_max_depth(2) local r = cjson.encode({a={1}}) ${restore} return r`,
      `cjson.decode_max_depth(1) local r = {pcall(cjson.decode, '{"obj": {"array": [1,2,3,4]}}')} ${restore} return r[2]`,
      `cjson.decode_max_depth(1) local r = cjson.decode('{"a": 1}') ${restore} return r.a`,
      'return {pcall(cjson.encode, {num1=0/0})}',
      `cjson.encode_invalid_numbers(true) local r = cjson.encode({1/0, -1/0}) ${restore} return r`,
      `cjson.encode_invalid_numbers('null') local r = cjson.encode({1/0}) ${restore} return r`,
      'return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_invalid_numbers()}',
    ]),
  );
  p.close();
});

test('cmsgpack pack/unpack byte for byte', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, 
    evals([
      'return cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296)',
      'return cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)',
      'return cmsgpack.pack(1.5, 0.1, -2.25, 1e300)',
      "return cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('y', 32))",
      "return cmsgpack.pack(string.rep('z', 255), string.rep('w', 256))",
      "return #cmsgpack.pack(string.rep('v', 65536))",
      'return cmsgpack.pack(true, false, nil)',
      'return cmsgpack.pack({})',
      'return cmsgpack.pack({1, 2, 3})',
      'return cmsgpack.pack({a=1})',
      "return cmsgpack.pack({1, 2, nil, 4})",
      'return #cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16})',
      "return cmsgpack.pack({{{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}}})",
      "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, -5))}",
      "return cmsgpack.unpack(cmsgpack.pack({k='v'})).k",
      "return tostring(cmsgpack.unpack(cmsgpack.pack(1.5)))",
      "return {cmsgpack.unpack('\\147\\1\\2\\3')}",
      "return cmsgpack.unpack('\\129\\161a\\1').a",
      "return cmsgpack.unpack('\\205\\1\\44')",
      "return cmsgpack.unpack('\\208\\255')",
      "return cmsgpack.unpack('\\211\\255\\255\\255\\255\\255\\255\\255\\254')",
      "return cmsgpack.unpack('\\217\\3abc')",
      'return cmsgpack.pack()',
      "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}",
      "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}",
      "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}",
    ]),
  );
  p.close();
});

// Lua 5.4 seeds its string hash per state, 5.1 does not: Tidings clears the seed, so tables with
// string keys are walked in Redis's order, the same on every run (Redis's suite packs a circular
// table {x=..., y=5} and compares the bytes). Only while no rehash has moved the keys: 5.4 re-inserts
// them in another order than 5.1 when a table grows, so a table filled key by key may still differ.
test("tables with string keys are packed and encoded in Redis's key order", async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(
    p,
    evals([
      "local a = {x=nil, y=5} local b = {x=a} a.x = b return cmsgpack.pack(a)",
      "return cmsgpack.pack({alpha=1, beta=2, gamma=3, delta=4, epsilon=5, zeta=6, eta=7, theta=8})",
      "return cjson.encode({alpha=1, beta=2, gamma=3, delta=4, epsilon=5, zeta=6, eta=7, theta=8, iota=9})",
      "local t, out = {name='n', id='i', type='t', value='v'}, {} for k in pairs(t) do out[#out + 1] = k end return out",
    ]),
  );
  p.close();
});

test('bit and struct', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await checkEach(p, 
    evals([
      'return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(0xff, 0x0f), bit.bnot(0)}',
      'return {bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4)}',
      'return {bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}',
      "return {bit.tohex(255), bit.tohex(255, 4), bit.tohex(-1, -8), bit.tohex(0x1234, 2)}",
      'return {bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(-1)}',
      "return struct.pack('>I2', 513)",
      "return struct.pack('<i4', -2)",
      "return struct.pack('>d', 1.5)",
      "return {struct.unpack('>I2', '\\2\\1')}",
      "return {struct.unpack('<i4i4', struct.pack('<i4i4', 7, -7))}",
      "return struct.size('>I2i4')",
      "return struct.pack('>l', 1)",
      "return {struct.unpack('>BBB', 'abc')}",
    ]),
  );
  p.close();
});

test('FUNCTION and FCALL', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const lib1 = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys[1], args[1], redis.call('ping')} end)";
  await checkEach(p, [
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LOAD', lib1],
    ['FCALL', 'f1', '1', 'k', 'a'],
    ['FCALL', 'F1', '1', 'k', 'a'],
    ['FCALL_RO', 'f1', '0'],
    ['FCALL', 'nope', '0'],
    ['FCALL', 'f1', '-1'],
    ['FCALL', 'f1', '3', 'a'],
    ['FCALL', 'f1', 'bad_arg'],
    ['FCALL_RO', 'f1', '1.5'],
    ['FCALL', 'nope', 'bad_arg'],
    ['EVAL', 'return 1', 'bad_arg'],
    ['FUNCTION', 'LOAD', lib1],
    ['FUNCTION', 'LOAD', lib1.replace('lib1', 'lib2')],
    ['FUNCTION', 'LOAD', 'return 1'],
    ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=lib3 x=y\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=lib3\nlocal x = 1'],
    ['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.call('ping')"],
    ['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function('f3')"],
    ['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function('f3', function() end, 1)"],
    ['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function{function_name='f3', callback=function() end, flags={'bogus'}}"],
    ['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function('f-3', function() end)"],
    ['FUNCTION', 'LOAD', "#!lua name=lib4\nredis.register_function{function_name='f4', callback=function(k, a) return a[1] end, flags={'no-writes'}, description='desc'}"],
    ['FCALL_RO', 'f4', '0', 'x'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'lib4'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'LOAD', "#!lua name=lib5\nredis.register_function('f5', function() x = 1 end)"],
    ['FCALL', 'f5', '0'],
    [
      'FUNCTION',
      'LOAD',
      "#!lua name=libg\nredis.register_function('g1', function() return {type(_G), type(getmetatable(_G)), type(_G.redis)} end)\n" +
        "redis.register_function('g2', function() setmetatable(_G, {}) end)\n" +
        "redis.register_function('g3', function() local g = getmetatable(_G) g.__index = {} end)\n" +
        "redis.register_function('g4', function() _G.x = 1 end)",
    ],
    [
      'FUNCTION',
      'LOAD',
      "#!lua name=libm\nlocal lib = redis\nlib.register_function('m1', function() lib.register_function('m2', function() return 1 end) end)\n" +
        "lib.register_function('m3', function() lib.register_function{function_name='m2', callback=function() return 1 end} end)",
    ],
    ['FCALL', 'm1', '0'],
    ['FCALL', 'm3', '0'],
    ['FUNCTION', 'DELETE', 'libm'],
    ['FCALL', 'g1', '0'],
    ['FCALL', 'g2', '0'],
    ['FCALL', 'g3', '0'],
    ['FCALL', 'g4', '0'],
    ['FUNCTION', 'DELETE', 'libg'],
    ['FUNCTION', 'LOAD', "#!lua name=lib6\nredis.register_function('f6', function() error('boom') end)"],
    ['FCALL', 'f6', '0'],
    ['FUNCTION', 'DELETE', 'lib6'],
    ['FUNCTION', 'DELETE', 'lib6'],
    ['FUNCTION', 'KILL'],
    ['FUNCTION', 'FLUSH', 'x'],
    ['FUNCTION', 'RESTORE', 'garbage'],
    ['FUNCTION', 'FLUSH'],
  ], { unordered: true });
  p.close();
});

// redis.acl_check_cmd: the script's user may run the command with these arguments (no ACL LOG
// entry); an unknown command is an error.
test('redis.acl_check_cmd', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  try {
    await checkEach(p, [
      ['ACL', 'SETUSER', 'acl-check-bob', 'on', '>123', '+@scripting', '+set', '~x*'],
      ['EVAL', "return redis.acl_check_cmd('hset', 'yy', 'f', 1)", '0'],
      ['AUTH', 'acl-check-bob', '123'],
      ['EVAL', "return redis.acl_check_cmd('set', 'xx', 1)", '1', 'xx'],
      ['EVAL', "return redis.acl_check_cmd('set', 'xx', 1.5)", '1', 'xx'],
      ['EVAL', "return redis.acl_check_cmd('hset', 'xx', 'f', 1)", '1', 'xx'],
      ['EVAL', "return redis.acl_check_cmd('set', 'yy', 1)", '0'],
      ['EVAL', "return redis.acl_check_cmd('invalid-cmd', 'arg')", '0'],
      ['EVAL', 'return redis.acl_check_cmd()', '0'],
      ['EVAL', "return redis.acl_check_cmd('set', {})", '0'],
      ['AUTH', 'default', 'x'],
    ]);
  } finally {
    await p.tidings.call('ACL', 'DELUSER', 'acl-check-bob');
    await p.redis.call('ACL', 'DELUSER', 'acl-check-bob');
  }
  p.close();
});

// Redis counts a script's error once, where it happened: a redis.call command that failed or was
// refused counts (errorstats, the command's failed or rejected calls), and the script's reply does
// not count again; a redis.pcall error table says so (ignore_error_stats_update).
test('error statistics of script errors match Redis', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const stats = async (c: typeof p.tidings): Promise<string[]> => {
    const errors = String(await c.call('INFO', 'errorstats'))
      .split('\r\n')
      .filter((l) => l.startsWith('errorstat_'));
    const commands = String(await c.call('INFO', 'commandstats'))
      .split('\r\n')
      .filter((l) => /^cmdstat_(set|select|eval|eval_ro|geoadd):/.test(l))
      .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''));
    const total = String(await c.call('INFO', 'stats'))
      .split('\r\n')
      .filter((l) => l.startsWith('total_error_replies:'));
    return [...errors, ...commands.sort(), ...total];
  };
  const cases: { setup?: Arg[][]; run: Arg[] }[] = [
    { setup: [['CONFIG', 'SET', 'maxmemory', '1']], run: ['EVAL', "return redis.call('set','x','y')", '1', 'x'] },
    { run: ['EVAL', "local t = redis.pcall('set','x','y') return t['err']", '1', 'x'] },
    { run: ['EVAL', "return redis.pcall('set','x','y')", '1', 'x'] },
    { setup: [['CONFIG', 'SET', 'maxmemory', '0']], run: ['EVAL', "return redis.call('select',99)", '0'] },
    { run: ['EVAL', "local t = redis.pcall('select',99) local n = 0 for k in pairs(t) do n = n + 1 end return n", '0'] },
    { run: ['EVAL_RO', "return redis.call('set','x','y')", '1', 'x'] },
    { run: ['EVAL_RO', "local t = redis.pcall('set','x','y') return t['err']", '1', 'x'] },
    { setup: [['SET', 'Sicily', '1']], run: ['EVAL', "return redis.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo')", '1', 'x'] },
    { run: ['EVAL', "return redis.error_reply('MY_ERR_CODE custom msg')", '0'] },
    { run: ['EVAL', "return redis.call('nosuchcommand')", '0'] },
  ];
  try {
    for (const c of cases) {
      for (const setup of c.setup ?? []) await p.check(setup);
      await p.tidings.call('CONFIG', 'RESETSTAT');
      await p.redis.call('CONFIG', 'RESETSTAT');
      await p.check(c.run);
      assert.deepEqual(await stats(p.tidings), await stats(p.redis), c.run.join(' '));
    }
  } finally {
    await p.tidings.call('CONFIG', 'SET', 'maxmemory', '0');
    await p.redis.call('CONFIG', 'SET', 'maxmemory', '0');
  }
  p.close();
});

// As Redis: a script sees time stand still, so a key does not expire in the middle of it.
test('keys do not expire while a script runs', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const script = [
    "redis.call('set', KEYS[1], 'value', 'PX', 1)",
    "local s = redis.call('time')",
    'repeat',
    "  local n = redis.call('time')",
    'until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 5000',
    'return redis.call(ARGV[1], KEYS[1])',
  ].join('\n');
  await checkEach(p, [
    ['EVAL', script, '1', 'frozen:key', 'exists'],
    ['EVAL', script, '1', 'frozen:key', 'get'],
    ['EXISTS', 'frozen:key'],
  ]);
  p.close();
});

// Redis's allow-oom rules: a script that declares flags (a shebang, or a function) is refused over
// maxmemory unless it says allow-oom or no-writes; one without flags is checked per command.
test('scripts with flags over maxmemory: allow-oom and no-writes', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const lib =
    "#!lua name=oomlib\nredis.register_function('noflags', function() return 1 end)\n" +
    "redis.register_function{function_name='ro', callback=function() return 2 end, flags={'no-writes'}}\n" +
    "redis.register_function{function_name='ao', callback=function(k) redis.call('set', k[1], 'y') return 3 end, flags={'allow-oom'}}";
  try {
    await checkEach(p, [
      ['FUNCTION', 'LOAD', 'REPLACE', lib],
      ['SET', 'oom:x', '1'],
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['EVAL', "redis.call('set', KEYS[1], 1)\nreturn 1", '1', 'oom:x'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 'oom:x'],
      ['EVAL', '#!lua flags=\nreturn 1', '0'],
      ['EVAL', "#!lua flags=allow-oom\nredis.call('set', KEYS[1], 2)\nreturn 1", '1', 'oom:x'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'oom:x'],
      ['FCALL', 'noflags', '0'],
      ['FCALL', 'ro', '0'],
      ['FCALL', 'ao', '1', 'oom:x'],
    ]);
  } finally {
    await p.tidings.call('CONFIG', 'SET', 'maxmemory', '0');
    await p.redis.call('CONFIG', 'SET', 'maxmemory', '0');
    await p.tidings.call('FUNCTION', 'DELETE', 'oomlib');
    await p.redis.call('FUNCTION', 'DELETE', 'oomlib');
  }
  p.close();
});

test('FUNCTION LOAD: metadata line, registration errors, what the load run sees', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  const reg = (body: string, name = 'libx') => ['FUNCTION', 'LOAD', 'REPLACE', `#!lua name=${name}\n${body}`];
  const ok = "redis.register_function('fx', function() return 1 end)";
  await checkEach(p, [
    ['FUNCTION', 'FLUSH'],
    // The metadata line: engine name in any case, quotes, repeated or unknown fields.
    ['FUNCTION', 'LOAD', `#!LUA name=upper\n${ok}`],
    ['FUNCTION', 'LOAD', 'REPLACE', `#!lua name="quoted"\n${ok.replace('fx', 'fq')}`],
    ['FUNCTION', 'LOAD', `#! name=test\n${ok}`],
    ['FUNCTION', 'LOAD', `#!lua name=a name=b\n${ok}`],
    ['FUNCTION', 'LOAD', `#!lua name="open\n${ok}`],
    ['FUNCTION', 'LOAD', `#!lua name=a other=b\n${ok}`],
    // redis.register_function's argument checks.
    reg("redis.register_function('f1', function() return 1 end)\nredis.register_function('f2', 'not a function')"),
    reg('redis.register_function(nil, function() return 1 end)'),
    reg('redis.register_function(7, function() return 1 end)'),
    reg('redis.register_function{function_name=function() end, callback=function() end}'),
    reg('redis.register_function{callback=function() end}'),
    reg("redis.register_function{function_name='fy'}"),
    reg("redis.register_function{function_name='fy', callback=function() end, description=5}"),
    reg("redis.register_function{function_name='fy', callback=function() end, bogus=1}"),
    // Only the registration API exists while the library loads.
    reg('return math.random()'),
    reg('return redis.setresp(3)'),
    reg("return redis.call('ping')"),
    reg('local mt = getmetatable(_G)'),
    reg('local g = _G'),
    reg("redis.log(redis.LOG_NOTICE, 'loading') redis.register_function('fz', function() return redis.REDIS_VERSION_NUM > 0 end)"),
    ['FCALL', 'fz', '0'],
    reg('local a = 1 while true do a = a + 1 end'),
    ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
    ['FUNCTION', 'restore', 'a', 'b', 'c'],
    ['FUNCTION', 'Flush', 'a', 'b'],
    ['FUNCTION', 'FLUSH'],
  ], { unordered: true });
  p.close();
});

test('FUNCTION LIST / STATS in RESP3', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair(3);
  await checkEach(p, [
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LOAD', "#!lua name=r3\nredis.register_function{function_name='g', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}}"],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'STATS'],
    ['FCALL_RO', 'g', '0'],
    ['FUNCTION', 'FLUSH'],
  ], { unordered: true });
  p.close();
});

/** Lua source for a random value: integers, floats, strings (any bytes), booleans, nested arrays. */
const luaValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
    fc.integer({ min: -1000000, max: 1000000 }).map((n) => `${n / 8}`),
    fc.uint8Array({ maxLength: 12 }).map((bytes) => `'${[...bytes].map((b) => `\\${b}`).join('')}'`),
    fc.boolean().map(String),
    fc.array(tie('value'), { maxLength: 5 }).map((items) => `{${items.join(', ')}}`),
  ),
})).value;

test('property: random values convert, and round-trip through cjson and cmsgpack, as in Redis', async (t) => {
  if (!servers) return t.skip('redis-server missing (reported loudly above)');
  const p = await servers.pair();
  await fc.assert(
    fc.asyncProperty(luaValue, async (value) => {
      await p.check(['EVAL', `return ${value}`, '0']);
      await p.check(['EVAL', `return cmsgpack.pack(${value})`, '0']);
      await p.check(['EVAL', `return {cmsgpack.unpack(cmsgpack.pack(${value}))}`, '0']);
      await p.check(['EVAL', `return cjson.encode({${value}})`, '0']);
      await p.check(['EVAL', `return cjson.encode(cjson.decode(cjson.encode({${value}})))`, '0']);
    }),
    { numRuns: 150, seed: 20261127 },
  );
  p.close();
});

test('error and status texts keep their bytes (non-ASCII, UTF-8, NUL) as in Redis', async (t) => {
  const servers = await startDiffServers(t);
  if (!servers) return;
  try {
    const pair = await servers.pair();
    const cases: (string | Buffer)[][] = [
      ['EVAL', "return redis.error_reply('caf\\195\\169 \\254')", '0'],
      ['EVAL', "return redis.status_reply('caf\\195\\169 \\254')", '0'],
      ['EVAL', "error('caf\\195\\169')", '0'],
      ['EVAL', "return redis.pcall('EXPIRE', 'k', '10', '\\254')", '0'],
      ['EVAL', "return redis.error_reply('a\\0b')", '0'],
      ['EXPIRE', 'k', '10', Buffer.from([0xfe])],
      ['EXPIRE', 'k', '10', Buffer.from('a\0b', 'latin1')],
    ];
    for (const c of cases) await pair.check(c);
    pair.close();
  } finally {
    await servers.close();
  }
});

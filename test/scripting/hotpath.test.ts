// The shortcuts redis.call and EVAL/EVALSHA take on their hot path (command-name Buffers shared
// by string address, specs cached per name, recently run SHA1s and bodies remembered, integer
// arguments converted by Lua) must not change what scripts see. Over TCP, as clients use it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

const sha1 = (body: string) => createHash('sha1').update(body).digest('hex');

async function fresh(): Promise<RespClient> {
  const c = await srv.connect();
  await c.call('FLUSHALL');
  await c.call('SCRIPT', 'FLUSH');
  return c;
}

test('command names built at run time, with garbage collection in between, reach the right command', async () => {
  const c = await fresh();
  // Names of equal length made fresh each iteration: once collected, a new string may take the
  // old one's address, and must not be taken for the command cached at that address.
  const body = `
    local out = {}
    for i = 1, 300 do
      local name = (i % 2 == 0) and ('S' .. 'ET') or ('G' .. 'ET')
      name = string.lower(name) .. string.rep(' ', 0)
      if i % 3 == 0 then name = string.upper(name) end
      if name:lower() == 'set' then redis.call(name, KEYS[1], i) else out[#out + 1] = redis.call(name, KEYS[1]) end
      if i % 50 == 0 then collectgarbage() end
    end
    redis.call('INCR', KEYS[2]) redis.call('HSET', KEYS[3], 'f', 'v') redis.call('INCR', KEYS[2])
    out[#out + 1] = redis.call('GET', KEYS[2])
    return out`;
  const reply = (await c.call('EVAL', body, '3', 'k', 'n', 'h')) as unknown[];
  assert.equal(reply.length, 151);
  assert.equal(reply[0], null); // GET of a missing key: false in Lua, a null reply
  assert.equal(reply[1], '2');
  assert.equal(reply[149], '298');
  assert.equal(reply[150], '2');
  assert.deepEqual(
    await c.call('EVAL', "return redis.pcall('HSET')", '0'),
    { error: 'ERR Wrong number of args calling Redis command from script' },
  );
  assert.deepEqual(
    await c.call('EVAL', "local n = 'nosuch' return redis.pcall(n .. 'cmd')", '0'),
    { error: 'ERR Unknown Redis command called from script' },
  );
  assert.deepEqual(
    await c.call('EVAL', "return redis.pcall('config', 'get', 'maxmemory')", '0'),
    { error: 'ERR This Redis command is not allowed from script' },
  );
});

test('integer arguments are written as plain decimals, floats the Lua 5.1 way', async () => {
  const c = await fresh();
  const body = `
    redis.call('SET', 'a', 9007199254740993)
    redis.call('SET', 'b', math.mininteger)
    redis.call('SET', 'c', -7)
    redis.call('SET', 'd', 3.5)
    redis.call('SET', 'e', 2^53)
    redis.call('SET', 'f', 0.1)
    return redis.call('MGET', 'a', 'b', 'c', 'd', 'e', 'f')`;
  assert.deepEqual(await c.call('EVAL', body, '0'), [
    '9007199254740993',
    '-9223372036854775808',
    '-7',
    '3.5',
    '9007199254740992',
    '0.10000000000000001',
  ]);
});

test('remembered SHA1s and bodies follow SCRIPT FLUSH and the read-only variants', async () => {
  const c = await fresh();
  const write = "return redis.call('SET', KEYS[1], 'v')";
  const sha = sha1(write);
  assert.equal(await c.call('EVAL', write, '1', 'k'), 'OK');
  assert.equal(await c.call('EVALSHA', sha, '1', 'k'), 'OK');
  assert.equal(await c.call('EVALSHA', sha.toUpperCase(), '1', 'k'), 'OK');
  const ro = (await c.call('EVALSHA_RO', sha, '1', 'k')) as { error: string };
  assert.match(ro.error, /^ERR Write commands are not allowed from read-only scripts\./);
  assert.equal(await c.call('EVALSHA', sha, '1', 'k'), 'OK');
  assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
  assert.deepEqual(await c.call('EVALSHA', sha, '1', 'k'), { error: 'NOSCRIPT No matching script. Please use EVAL.' });
  assert.deepEqual(await c.call('EVALSHA', sha.toUpperCase(), '1', 'k'), { error: 'NOSCRIPT No matching script. Please use EVAL.' });
  // EVAL of a body run before the flush compiles and caches it again.
  assert.equal(await c.call('EVAL', write, '1', 'k'), 'OK');
  assert.deepEqual(await c.call('SCRIPT', 'EXISTS', sha), [1]);
  assert.equal(await c.call('EVALSHA', sha, '1', 'k'), 'OK');

  const noWrites = "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'v')";
  const shaNoWrites = sha1(noWrites);
  assert.equal(await c.call('SCRIPT', 'LOAD', noWrites), shaNoWrites);
  for (let i = 0; i < 2; i++) {
    const r = (await c.call('EVALSHA', shaNoWrites, '1', 'k')) as { error: string };
    assert.match(r.error, /^ERR Write commands are not allowed from read-only scripts\./);
  }
  // numkeys: one digit, several digits, and errors.
  assert.equal(await c.call('EVAL', 'return #KEYS', '10', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'), 10);
  assert.deepEqual(await c.call('EVAL', 'return #KEYS', 'x'), { error: 'ERR value is not an integer or out of range' });
  assert.deepEqual(await c.call('EVAL', 'return #KEYS', '2', 'a'), { error: "ERR Number of keys can't be greater than number of args" });
});

test('commands run from scripts still count in INFO commandstats and the slow log', async () => {
  const c = await fresh();
  await c.call('CONFIG', 'RESETSTAT');
  await c.call('SLOWLOG', 'RESET');
  await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
  try {
    await c.call('EVAL', "redis.call('INCR', 'x') redis.call('INCR', 'x') return redis.pcall('INCR', 'h', 'extra')", '0');
    const stats = (await c.call('INFO', 'commandstats')) as string;
    assert.match(stats, /cmdstat_incr:calls=2,/);
    const log = (await c.call('SLOWLOG', 'GET', '10')) as unknown[][];
    const commands = log.map((entry) => (entry[3] as string[])[0]);
    assert.ok(commands.includes('INCR') || commands.includes('incr'), JSON.stringify(commands));
  } finally {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  }
});

test('redis.call given KEYS and ARGV strings, or strings made after they were dropped and collected, uses the right bytes', async () => {
  const c = await fresh();
  // KEYS[1] and ARGV[1] passed straight on (the caller's bytes are reused), then dropped: once
  // collected, a new string of the same length may take the old one's address.
  const body = `
    redis.call('SET', KEYS[1], ARGV[1])
    redis.call('SET', KEYS[2], ARGV[2])
    local out = { redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) }
    KEYS[1] = nil ARGV[1] = nil KEYS[2] = nil ARGV[2] = nil
    for i = 1, 200 do
      collectgarbage()
      local k = 'k' .. string.char(65 + i % 26) .. 'xy'
      local v = string.rep(string.char(97 + i % 26), 70)
      redis.call('SET', k, v)
      if i % 50 == 0 then out[#out + 1] = redis.call('GET', k) end
    end
    return out`;
  const long = 'L'.repeat(70);
  const reply = (await c.call('EVAL', body, '2', 'kAxy', 'kBxy', 'value', long)) as string[];
  assert.deepEqual(reply, ['value', long, 'y'.repeat(70), 'w'.repeat(70), 'u'.repeat(70), 's'.repeat(70)]);
  assert.equal(await c.call('GET', 'kAxy'), 'a'.repeat(70));
  assert.equal(await c.call('GET', 'kBxy'), 'b'.repeat(70));
  // Binary bytes come back unchanged whichever way they travel.
  const binary = "return {redis.call('SET', KEYS[1], ARGV[1]), redis.call('GET', KEYS[1]), redis.call('STRLEN', KEYS[1])}";
  assert.deepEqual(await c.call('EVAL', binary, '1', 'bin', '\u00ff\u0000\u0080x'), ['OK', '\u00ff\u0000\u0080x', 6]);
});

// Differences from redis-server found by the command fuzzer (test/fuzz/commands.test.ts) and
// fixed: mostly which check comes first when several arguments are wrong, and exact error texts.
// Each case runs on both servers and the replies must be byte-identical.
import { after, before, test } from 'node:test';
import { startDiffServers, type Arg, type DiffServers } from '../diff/harness.js';

let servers: DiffServers | undefined;

before(async (t) => {
  servers = await startDiffServers(t as never);
});

after(async () => {
  await servers?.close();
});

async function same(commands: Arg[][]): Promise<void> {
  if (servers === undefined) return;
  const pair = await servers.pair();
  try {
    await pair.checkAll(commands);
  } finally {
    pair.close();
  }
}

const STREAM_SETUP: Arg[][] = [
  ['XADD', 's', '1-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['SET', 'str', 'v'],
];

test('COMMAND GETKEYS: commands whose keys follow numkeys or STREAMS, subcommands, scripts without keys', async () => {
  await same([
    ['COMMAND', 'GETKEYS', 'EVAL', 'return 1', '2', 'a', 'b', 'c'],
    ['COMMAND', 'GETKEYS', 'EVAL', 'return 1', '0'],
    ['COMMAND', 'GETKEYS', 'EVALSHA', 'abc', '5', 'a'],
    ['COMMAND', 'GETKEYS', 'FCALL', 'f', '1', 'k'],
    ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
    ['COMMAND', 'GETKEYS', 'ZDIFFSTORE', 'd', '1', 'a'],
    ['COMMAND', 'GETKEYS', 'ZUNION', '2', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'ZUNION', 'x', 'a'],
    ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '0', 'a'],
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
    ['COMMAND', 'GETKEYS', 'LMPOP', '1', 'a', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'BZMPOP', '0', '3', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
    ['COMMAND', 'GETKEYS', 'XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
    ['COMMAND', 'GETKEYS', 'XREAD', 'COUNT', '1', 'a'],
    ['COMMAND', 'GETKEYS', 'XINFO', 'STREAM', 's'],
    ['COMMAND', 'GETKEYS', 'XINFO', 'nope', 's'],
    ['COMMAND', 'GETKEYS', 'CONFIG', 'GET', 'x'],
    ['COMMAND', 'GETKEYS', 'KEYS', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'GET', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'XINFO', 'STREAM'],
  ]);
});

test('CLIENT UNBLOCK / CLIENT LIST / SWAPDB / SELECT / MOVE / COPY argument checks', async () => {
  await same([
    ['CLIENT', 'UNBLOCK', 'x', 'TIMEOUT', 'extra'],
    ['CLIENT', 'UNBLOCK', 'x', 'BAD'],
    ['CLIENT', 'UNBLOCK', 'x'],
    ['CLIENT', 'LIST', 'TYPE', 'x', 'y'],
    ['CLIENT', 'LIST', 'TYPE', 'x'],
    ['SWAPDB', '9223372036854775807', 'x'],
    ['SWAPDB', '0', '4294967296'],
    ['SELECT', '4294967296'],
    ['SELECT', '-2147483649'],
    ['SET', 'k', 'v'],
    ['MOVE', 'k', '2147483648'],
    ['MOVE', 'k', '99'],
    ['COPY', 'k', 'k2', 'DB', '4294967296'],
  ]);
});

test('WAIT / SLOWLOG GET / LATENCY GRAPH error texts', async () => {
  await same([
    ['WAIT', '0', 'x'],
    ['WAIT', '0', '-1'],
    ['WAIT', 'x', '0'],
    ['SLOWLOG', 'GET', '1', 'extra'],
    ['SLOWLOG', 'GET', 'x'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', '3.5'],
    ['LATENCY', 'GRAPH', 'my-event'],
  ]);
});

test('SETRANGE checks the offset before the type; LCS checks the types before the options', async () => {
  await same([
    ['RPUSH', 'list', 'a'],
    ['SETRANGE', 'list', '-1', 'x'],
    ['SETRANGE', 'list', 'x', 'x'],
    ['SETRANGE', 'list', '0', 'x'],
    ['LCS', 'list', 'missing', 'BAD'],
    ['SET', 'a', 'abc'],
    ['LCS', 'a', 'a', 'BAD'],
  ]);
});

test('LPOS: a COUNT or MAXLEN that is not an integer gets the option error', async () => {
  await same([
    ['RPUSH', 'l', 'a', 'b', 'a'],
    ['LPOS', 'l', 'a', 'COUNT', 'x'],
    ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
    ['LPOS', 'l', 'a', 'COUNT', '99999999999999999999'],
    ['LPOS', 'l', 'a', 'RANK', 'x'],
    ['LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '2'],
  ]);
});

test('BLMPOP / BZMPOP: numkeys, keys and options are checked before the timeout', async () => {
  await same([
    ['BLMPOP', 'x', '0', 'a', 'LEFT'],
    ['BLMPOP', 'x', '1', 'a', 'UP'],
    ['BLMPOP', 'x', '1', 'a', 'LEFT', 'COUNT', '0'],
    ['BLMPOP', 'x', '1', 'a', 'LEFT'],
    ['BLMPOP', '-1', '1', 'a', 'LEFT'],
    ['BZMPOP', 'x', '1', 'a', 'MIN', 'COUNT', '-1'],
    ['BZMPOP', 'x', '0', 'a', 'MIN'],
    ['BZMPOP', 'x', '1', 'a', 'MIN'],
  ]);
});

test('SCAN / SSCAN / HSCAN / ZSCAN: a cursor with leading whitespace is invalid, an empty one is 0, bytes after a NUL are ignored, also for a missing key', async () => {
  await same([
    ['SADD', 's', 'a'],
    ['SSCAN', 's', ' 1'],
    ['SSCAN', 's', '\t0'],
    ['HSCAN', 'nokey', ' 0'],
    ['HSCAN', 'nokey', '0', 'x'],
    ['ZSCAN', 'nokey', '\n0'],
    ['SSCAN', 's', ''],
    ['SSCAN', 'nokey', ''],
    ['HSCAN', 'nokey', '', 'COUNT', '5'],
    ['ZSCAN', 'nokey', ''],
    ['SCAN', '', 'COUNT', '5'],
    ['SCAN', '', 'bad'],
    ['SCAN', '+'],
    ['SSCAN', 's', '-'],
    // Redis reads the cursor as a C string, up to the first NUL byte.
    ['SSCAN', 's', Buffer.from([0, 0xe8, 0x28])],
    ['ZSCAN', 'nokey', Buffer.from([0, 0x41])],
    ['HSCAN', 'nokey', Buffer.from([0x31, 0x32, 0, 0x41])],
    ['SCAN', Buffer.from([0x30, 0, 0x78])],
    ['SCAN', Buffer.from([0x78, 0, 0x30])],
  ]);
});

test('streams: XAUTOCLAIM, XINFO STREAM, XPENDING and XGROUP check their arguments in Redis order', async () => {
  await same([
    ...STREAM_SETUP,
    ['XAUTOCLAIM', 'str', 'g', 'c', 'x', '0'],
    ['XAUTOCLAIM', 'str', 'g', 'c', '0', 'x'],
    ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0', 'COUNT', '0'],
    ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'],
    ['XINFO', 'STREAM', 'nokey', 'x'],
    ['XINFO', 'STREAM', 'str', 'x'],
    ['XINFO', 'STREAM', 's', 'x'],
    ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+'],
    ['XPENDING', 's', 'g', 'IDLE', '5', '-', '+'],
    ['XPENDING', 's', 'g', 'IDLE', '5', '-', '+', '5', 'c', 'x'],
    ['XPENDING', 's', 'g', '-', '+', 'x', 'c', 'd', 'e', 'f'],
    ['XGROUP', 'CREATE', 's', 'g2', '$', 'MKSTREAM', 'ENTRIESREAD', 'x', 'y'],
    ['XGROUP', 'CREATE', 's', 'g2', '$', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'],
    ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', 'x', 'y'],
    ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '1', 'y'],
  ]);
});

test('scripting: EVALSHA with a malformed SHA1, SCRIPT FLUSH / FUNCTION FLUSH / FUNCTION RESTORE extra arguments', async () => {
  await same([
    ['EVALSHA', 'abc', 'x'],
    ['EVALSHA', 'abc', '-1'],
    ['EVALSHA_RO', 'abc', 'x'],
    ['EVALSHA', '0123456789012345678901234567890123456789', 'x'],
    ['SCRIPT', 'FLUSH', 'SYNC', 'ASYNC'],
    ['SCRIPT', 'FLUSH', 'x'],
    ['FUNCTION', 'FLUSH', 'a', 'b'],
    ['FUNCTION', 'FLUSH', 'x'],
    ['FUNCTION', 'RESTORE', 'x', 'y', 'z'],
    ['FUNCTION', 'RESTORE', 'x', 'FLUSH'],
  ]);
});

test('COMMAND INFO container|sub; HELP subcommands callable from scripts; admin CLIENT subcommands', async () => {
  await same([
    ['COMMAND', 'INFO', 'client|help', 'client|no-evict', 'client|pause', 'client|unpause', 'slowlog|help', 'config|help', 'pubsub|help', 'latency|help', 'get|x', 'nope|x', 'echo'],
    ['EVAL', "return redis.call('client', 'help')[1]", '0'],
    ['EVAL', "return redis.call('config', 'help')[1]", '0'],
    ['EVAL', "return redis.call('pubsub', 'help')[1]", '0'],
    ['EVAL', "return type(redis.call('latency', 'help'))", '0'],
    ['EVAL', "return redis.pcall('client', 'list')", '0'],
  ]);
});

test('HRANDFIELD WITHVALUES: a count whose doubled reply cannot be counted is out of range, even for a missing key', async () => {
  await same([
    ['HRANDFIELD', 'nokey', '9223372036854775807', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '4611686018427387903', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '-4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '-4611686018427387903', 'WITHVALUES'],
    ['HSET', 'h', 'a', '1'],
    ['HRANDFIELD', 'h', '9223372036854775807', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '9223372036854775807'],
  ]);
});

test('XREAD / XREADGROUP BLOCK from a script: the error names the command as the script spelled it', async () => {
  await same([
    ['EVAL', "return redis.pcall('xread', 'block', '0', 'streams', 's', '$')", '0'],
    ['EVAL', "return redis.pcall('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$')", '0'],
    ['EVAL', "return redis.pcall('XReadGroup', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>')", '0'],
  ]);
});

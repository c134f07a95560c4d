// Generators shared by the fuzz tests: random argument lists for every command in the table,
// drawn from a pool of key names (one key of every type, created by SETUP), numbers near the
// edges, option keywords and random bytes. A case runs on a freshly set-up keyspace and ends
// with RESET, so one case cannot leave the connection in a state that confuses the next.
import fc from 'fast-check';
import type { CommandSpec } from '../../src/commands/types.js';
import { allSpecs } from '../../src/server/table.js';
import { encodeCommand, type Frame, type RespClient } from '../helpers/resp.js';

export type Args = (string | Buffer)[];

/** Recreated before every case: one key of each type (and a consumer group with a pending entry). */
export const SETUP: Args[] = [
  ['FLUSHALL'],
  ['FUNCTION', 'FLUSH'],
  ['SET', 'str', 'hello'],
  ['SET', 'num', '42'],
  ['SET', 'flt', '3.5'],
  ['RPUSH', 'list', 'a', 'b', 'c', '1', '2', 'a'],
  ['HSET', 'hash', 'f1', 'v1', 'f2', '2', 'a', '1.5'],
  ['SADD', 'set', 'a', 'b', 'c', '1'],
  ['SADD', 'iset', '1', '2', '3', '-5'],
  ['ZADD', 'zset', '1', 'a', '2', 'b', '3', 'c', '3', 'd', '-inf', 'm', 'inf', 'p'],
  ['ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
  ['XADD', 'stream', '1-1', 'f', 'v'],
  ['XADD', 'stream', '2-1', 'f', 'w', 'g', 'x'],
  ['XADD', 'stream', '3-0', 'a', 'b'],
  ['XGROUP', 'CREATE', 'stream', 'grp', '0'],
  ['XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '2', 'STREAMS', 'stream', '>'],
  ['PEXPIRE', 'num', '100000'],
];

const many = (k: number, f: (i: number) => string[]) => Array.from({ length: k }, (_, i) => f(i)).flat();

/** SETUP with collections past the listpack/intset limits (skiplist, hashtable, quicklist encodings). */
export const BIG_SETUP: Args[] = [
  ...SETUP,
  ['ZADD', 'zset', ...many(200, (i) => [String(i % 7), `m${i}`])],
  ['HSET', 'hash', ...many(600, (i) => [`f${i}`, String(i)])],
  ['RPUSH', 'list', ...many(300, (i) => [i % 3 ? 'a' : String(i)])],
  ['SADD', 'iset', ...many(600, (i) => [String(i * 3)])],
  ['SADD', 'set', ...many(200, (i) => [`s${i}`])],
  ['ZADD', 'lex', ...many(200, (i) => ['0', `l${String(i).padStart(3, '0')}`])],
  ['SET', 'str', 'x'.repeat(100)],
  ...Array.from({ length: 30 }, (_, i): Args => ['XADD', 'stream', `${10 + i}-0`, 'k', String(i)]),
];

export const KEYS = ['str', 'num', 'flt', 'list', 'hash', 'set', 'iset', 'zset', 'lex', 'stream', 'missing', 'missing2'];

const NUMBERS = [
  '0', '1', '-1', '2', '3', '5', '10', '100', '-100', '-2', '1000000',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '18446744073709551615', '4294967296', '2147483648', '-2147483649', '2147483647', '-2147483648', '-4194305',
  '-100000000', '4611686018427387904', '-4611686018427387904', '4611686018427387903', '3000000', '1e10', '-0', '0.001',
  '1.5', '-1.5', '0.5', '1e308', '1e309', '-1e400', '1e-320', '3.0', '.5', '5.', '1e', '0x10', '010', ' 1', '1 ', '+1',
  'inf', '-inf', '+inf', 'INF', 'infinity', 'nan', 'NaN', '-nan', '', '(1', '(-inf', '(inf', '[a', '(a', '[', '(', '+', '-',
];

const KEYWORDS = [
  'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'GET', 'PERSIST', 'COUNT', 'MATCH', 'TYPE',
  'LIMIT', 'BYSCORE', 'BYLEX', 'REV', 'WITHSCORES', 'WITHSCORE', 'BLOCK', 'STREAMS', 'GROUP', 'NOACK', 'IDLE', 'TIME',
  'RETRYCOUNT', 'FORCE', 'JUSTID', 'LASTID', 'MAXLEN', 'MINID', 'NOMKSTREAM', 'ENTRIESREAD', 'MKSTREAM', 'FULL', '~', '=',
  '*', '$', '>', '-', '+', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'RANK', 'WEIGHTS', 'AGGREGATE', 'SUM', 'MIN', 'MAX', 'LEN',
  'IDX', 'MINMATCHLEN', 'WITHMATCHLEN', 'STORE', 'ASYNC', 'SYNC', 'REPLACE', 'DB', 'ABSENT', 'AUTH', 'SETNAME', 'ID',
  'USER', 'ADDR', 'LADDR', 'SKIPME', 'ON', 'OFF', 'YES', 'NO', 'SAMPLES', 'KEYS', 'ARGS', 'LIBRARYNAME', 'WITHCODE',
  'APPEND', 'FLUSH', 'RESTORE', 'LIB-NAME', 'LIB-VER', 'PATTERN', 'TIMEOUT', 'ERROR', 'WITHVALUES', 'BIT', 'BYTE',
];

const FIELDS = ['a', 'b', 'c', 'd', 'f1', 'f2', 'f', 'g', 'grp', 'alice', 'bob', 'newgrp', 'ch', 'h*', '*', 'm', 'p', 'zz'];

const IDS = ['0', '0-0', '0-1', '1-1', '2-1', '2', '3-0', '3-1', '1-*', '*', '$', '>', '-', '+', '(1-1', '(2-1', '5-5',
  '18446744073709551615-18446744073709551615', '18446744073709551615', '1-18446744073709551616', '-1', 'a-b', '1-'];

const SCRIPTS = [
  'return 1',
  "return redis.call('get', KEYS[1])",
  'return redis.call(ARGV[1], KEYS[1])',
  'return redis.call(ARGV[1], KEYS[1], ARGV[2])',
  'return redis.pcall(ARGV[1], KEYS[1], ARGV[2], ARGV[3])',
  'return {1, 2, {3, "x"}, false, true}',
  'return redis.error_reply("ERR my")',
  'return redis.status_reply("FINE")',
  'return 3.99',
  'return nil',
  "return redis.call('incr', KEYS[1])",
  'error("boom")',
  'return #KEYS + #ARGV',
  '#!lua name=lib\nredis.register_function("f1", function(keys, args) return keys[1] end)',
  '#!lua name=lib2\nredis.register_function{function_name="ro", callback=function() return 1 end, flags={"no-writes"}}',
  '#!lua\nreturn 1',
  'syntax error here (',
];

/** Words that mean something to some command family (the subcommand names included). */
const SUBCOMMAND_WORDS = new Set<string>();
for (const spec of allSpecs()) for (const sub of spec.subcommands ?? []) SUBCOMMAND_WORDS.add(sub.name.split('|')[1]!.toUpperCase());

export const anyArg: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 5, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 5, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 3, arbitrary: fc.constantFrom(...FIELDS) },
  { weight: 3, arbitrary: fc.constantFrom(...IDS) },
  { weight: 1, arbitrary: fc.constantFrom(...SCRIPTS) },
  { weight: 1, arbitrary: fc.constantFrom(...SUBCOMMAND_WORDS) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: -20, max: 20 }).map(String) },
);

/** Commands never generated: they end the connection/server, stall it, or change what it replies. */
export const EXCLUDED = new Set([
  'shutdown', 'quit', 'monitor', 'debug', 'client|kill', 'client|pause', 'client|reply', 'client|tracking', 'client|caching',
  'subscribe', 'psubscribe', 'ssubscribe', 'save', 'bgsave', 'bgrewriteaof', 'script|debug', 'config|set', 'config|rewrite',
  'acl|save', 'acl|load', 'sync', 'psync',
  // Never make the fuzzed server a replica of a random port, nor feed it replica-only messages.
  'replicaof', 'slaveof', 'replconf',
]);

/** A command spec together with the words that select it (['CLIENT', 'LIST'] for client|list). */
export interface Target {
  name: string;
  words: string[];
  spec: CommandSpec;
}

export const TARGETS: Target[] = [];
for (const spec of allSpecs()) {
  if (spec.subcommands === undefined) {
    if (!EXCLUDED.has(spec.name)) TARGETS.push({ name: spec.name, words: [spec.name.toUpperCase()], spec });
    continue;
  }
  for (const sub of spec.subcommands) {
    if (EXCLUDED.has(sub.name)) continue;
    TARGETS.push({ name: sub.name, words: sub.name.toUpperCase().split('|'), spec: sub });
  }
}
// Config set limited to harmless parameters (a random requirepass or maxmemory would end the run).
// (Not the slowlog: logging every command with a long log makes SLOWLOG GET replies huge.)
const SAFE_PARAMS = ['hz', 'notify-keyspace-events', 'maxmemory-policy', 'lua-time-limit', 'list-max-listpack-size', 'zset-max-listpack-entries'];

function argCount(spec: CommandSpec, words: number): fc.Arbitrary<number> {
  const a = spec.arity;
  if (a > 0) {
    const exact = a - words;
    return fc.oneof({ weight: 8, arbitrary: fc.constant(exact) }, { weight: 1, arbitrary: fc.integer({ min: Math.max(0, exact - 1), max: exact + 2 }) });
  }
  const min = Math.max(0, -a - words);
  return fc.oneof({ weight: 1, arbitrary: fc.integer({ min: Math.max(0, min - 1), max: min }) }, { weight: 8, arbitrary: fc.integer({ min, max: min + 7 }) });
}

const targetArb: fc.Arbitrary<Target> = fc.constantFrom(...TARGETS);

function caseFor(target: Target): fc.Arbitrary<Args> {
  return argCount(target.spec, target.words.length).chain((n) => fc.array(anyArg, { minLength: n, maxLength: n }).map((rest) => sanitize(target, [...target.words, ...rest])));
}

/** One fuzzed command: any command in the table (plus CONFIG SET on harmless parameters). */
export const commandArb: fc.Arbitrary<Args> = fc.oneof(
  { weight: 40, arbitrary: targetArb.chain((t) => argsFor(t)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...SAFE_PARAMS), anyArg).map(([p, v]) => ['CONFIG', 'SET', p, v] as Args),
  },
);

/**
 * Valid-looking commands to mutate, so that fuzzing reaches past argument parsing into the
 * data paths. Words are separated by spaces; |bars| keep a word with spaces together.
 */
const TEMPLATE_TEXT = String.raw`
SET str v NX GET EX 100
SET k v PX 100 KEEPTTL
SET str v XX PXAT 99999999999999
SETEX k 10 v
PSETEX k 100 v
GETEX str PERSIST
GETEX num EX 5
GETEX str PXAT 1
GETRANGE str 0 -1
SUBSTR str 1 3
SETRANGE str 2 xyz
SETRANGE missing 5 x
INCRBY num 5
DECRBY num 3
INCRBYFLOAT flt 1.5
LCS str str LEN
LCS str str IDX MINMATCHLEN 1 WITHMATCHLEN
MSET a 1 b 2
MSETNX a 1 b 2
EXPIRE str 100 NX
PEXPIRE str 100 XX
EXPIREAT str 9999999999 GT
PEXPIREAT str 1 LT
COPY str dst REPLACE DB 1
MOVE str 1
RENAME str newname
RENAMENX list hash
SCAN 0 MATCH * COUNT 10 TYPE list
SCAN 0 TYPE string
OBJECT ENCODING list
MEMORY USAGE hash SAMPLES 0
SWAPDB 0 1
SELECT 1
FLUSHDB ASYNC
LPOP list 2
RPOP list 0
LRANGE list 0 -1
LRANGE list -100 100
LINDEX list -1
LSET list 1 x
LSET list -1 x
LINSERT list BEFORE b x
LINSERT list AFTER a x
LREM list -1 a
LREM list 0 a
LTRIM list 1 -2
LPOS list a RANK -1 COUNT 0 MAXLEN 10
LPOS list a RANK 2
LMOVE list list2 LEFT RIGHT
LMPOP 2 missing list LEFT COUNT 2
LMPOP 1 list RIGHT
BLPOP missing list 0.01
BLMOVE list dst RIGHT LEFT 0.01
BLMPOP 0.01 2 missing list RIGHT COUNT 5
BRPOPLPUSH list list 0.01
HSET hash f3 v3
HINCRBY hash f2 5
HINCRBYFLOAT hash a 0.5
HRANDFIELD hash -5 WITHVALUES
HRANDFIELD hash 2
HSCAN hash 0 MATCH f* COUNT 1
HMGET hash f1 nope
HSTRLEN hash f1
SPOP set 2
SRANDMEMBER set -10
SRANDMEMBER iset 3
SMOVE set iset a
SINTERCARD 2 set iset LIMIT 1
SINTERSTORE dst set iset
SUNIONSTORE dst set iset
SDIFFSTORE dst set iset
SSCAN iset 0 COUNT 100
SMISMEMBER set a z
ZADD zset NX CH 5 e
ZADD zset XX GT CH 10 a
ZADD zset INCR 1 a
ZADD zset LT 1 b 2 c
ZINCRBY zset 2.5 a
ZCOUNT zset (1 +inf
ZLEXCOUNT lex [a (c
ZRANGE zset 0 -1 WITHSCORES
ZRANGE zset (1 5 BYSCORE LIMIT 0 2 WITHSCORES
ZRANGE zset +inf -inf BYSCORE REV LIMIT 1 -1
ZRANGE lex [a (z BYLEX LIMIT 0 10
ZRANGE lex + - BYLEX REV
ZRANGESTORE dst zset 0 -1
ZRANGESTORE dst lex [b + BYLEX
ZREVRANGE zset 0 1 WITHSCORES
ZRANGEBYSCORE zset -inf +inf WITHSCORES LIMIT 0 1
ZREVRANGEBYSCORE zset +inf (1 LIMIT 1 1
ZRANGEBYLEX lex - + LIMIT 1 2
ZREVRANGEBYLEX lex + [b
ZREMRANGEBYSCORE zset (1 3
ZREMRANGEBYRANK zset 0 1
ZREMRANGEBYLEX lex [a [b
ZPOPMIN zset 2
ZPOPMAX zset 10
ZMPOP 2 missing zset MIN COUNT 2
BZMPOP 0.01 1 zset MAX COUNT 10
BZPOPMIN missing zset 0.01
ZUNIONSTORE dst 2 zset lex WEIGHTS 2 3 AGGREGATE MAX
ZINTERSTORE dst 2 zset set AGGREGATE MIN
ZDIFFSTORE dst 2 zset lex
ZUNION 2 zset set WITHSCORES
ZINTER 2 zset lex WEIGHTS 1 inf WITHSCORES
ZDIFF 2 zset lex WITHSCORES
ZINTERCARD 2 zset lex LIMIT 1
ZRANDMEMBER zset -5 WITHSCORES
ZRANDMEMBER zset 3
ZSCAN zset 0 MATCH * COUNT 2
ZRANK zset a
ZMSCORE zset a zz
XADD stream * f v
XADD stream MAXLEN ~ 2 * f v
XADD stream NOMKSTREAM MINID = 2 5-1 f v
XADD newstream 1-* a b
XRANGE stream - + COUNT 2
XRANGE stream (1-1 +
XREVRANGE stream + - COUNT 1
XDEL stream 1-1 9-9
XTRIM stream MAXLEN = 1
XTRIM stream MINID ~ 2-1 LIMIT 10
XREAD COUNT 1 STREAMS stream 0
XREAD COUNT 2 BLOCK 10 STREAMS stream missing 0 $
XREADGROUP GROUP grp bob COUNT 1 NOACK STREAMS stream >
XREADGROUP GROUP grp alice STREAMS stream 0
XREADGROUP GROUP grp alice BLOCK 10 STREAMS stream >
XSETID stream 5-0 ENTRIESADDED 10 MAXDELETEDID 4-0
XACK stream grp 1-1 2-1
XPENDING stream grp
XPENDING stream grp - + 10 alice
XPENDING stream grp IDLE 0 - + 10
XCLAIM stream grp bob 0 1-1 IDLE 5 RETRYCOUNT 2 FORCE JUSTID
XCLAIM stream grp bob 0 1-1 2-1 TIME 1 LASTID 3-0
XAUTOCLAIM stream grp bob 0 0-0 COUNT 1 JUSTID
XAUTOCLAIM stream grp bob 0 - COUNT 10
XGROUP CREATE stream g2 $ MKSTREAM ENTRIESREAD 1
XGROUP CREATE newstream g2 0 MKSTREAM
XGROUP CREATECONSUMER stream grp carol
XGROUP DELCONSUMER stream grp alice
XGROUP DESTROY stream grp
XGROUP SETID stream grp 0 ENTRIESREAD 5
XINFO STREAM stream FULL COUNT 1
XINFO STREAM stream
XINFO GROUPS stream
XINFO CONSUMERS stream grp
EVAL |return redis.call('lpush',KEYS[1],ARGV[1])| 1 list x
EVAL |return redis.call(ARGV[1],KEYS[1],ARGV[2])| 1 zset zadd 1
EVAL |return redis.pcall(ARGV[1],KEYS[1],ARGV[2],ARGV[3])| 1 stream xadd * f
EVAL |return redis.call(ARGV[1],KEYS[1])| 1 hash hgetall
EVAL_RO |return redis.call('get',KEYS[1])| 1 str
FUNCTION LOAD REPLACE |#!lua name=lib\nredis.register_function('f1', function(k, a) return redis.call(a[1], k[1]) end)|
FCALL f1 1 list llen
FUNCTION LIST WITHCODE LIBRARYNAME l*
FUNCTION RESTORE bad FLUSH
FUNCTION DELETE lib
SCRIPT EXISTS abc def
CLIENT LIST TYPE normal
CLIENT LIST ID 1 2 3
CLIENT NO-EVICT ON
CLIENT UNBLOCK 1 ERROR
CLIENT SETNAME my-name
CONFIG GET *max*
COMMAND GETKEYS SET a b
COMMAND GETKEYS ZUNIONSTORE dst 2 a b
COMMAND GETKEYS XREAD STREAMS a b 0 0
COMMAND GETKEYS EVAL s 2 a b c
COMMAND INFO get set nope
COMMAND DOCS get
COMMAND LIST FILTERBY ACLCAT list
COMMAND LIST FILTERBY PATTERN x*
COMMAND LIST FILTERBY MODULE m
LATENCY HISTOGRAM set get
LATENCY HISTORY command
LATENCY RESET command
SLOWLOG GET -1
PUBSUB CHANNELS c*
PUBSUB NUMSUB a b
HELLO 3 SETNAME x
HELLO 2 AUTH default pw
WAIT 0 10
OBJECT FREQ str
MEMORY USAGE stream
INFO everything
INFO keyspace commandstats
`;

const TEMPLATES = new Map<string, Args[]>();
for (const line of TEMPLATE_TEXT.split('\n')) {
  if (line.trim() === '') continue;
  const words = (line.match(/\|[^|]*\||\S+/g) ?? []).map((w) => (w.startsWith('|') ? w.slice(1, -1).replace(/\\n/g, '\n') : w));
  const target = TARGETS.find((t) => t.words.every((w, i) => words[i]?.toUpperCase() === w));
  if (target === undefined) throw new Error(`template for an unknown command: ${line}`);
  const list = TEMPLATES.get(target.name) ?? [];
  list.push(words);
  TEMPLATES.set(target.name, list);
}

/** A template with some words replaced, one maybe dropped, and maybe random words appended. */
function mutated(target: Target, template: Args): fc.Arbitrary<Args> {
  const fixed = target.words.length;
  const rest = template.slice(fixed);
  return fc
    .record({
      replace: fc.array(fc.option(anyArg, { freq: 4, nil: undefined }), { minLength: rest.length, maxLength: rest.length }),
      drop: fc.option(fc.nat(rest.length), { freq: 4, nil: undefined }),
      extra: fc.array(anyArg, { maxLength: 3 }),
      extraOften: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ replace, drop, extra, extraOften }) => {
      const args = rest.map((a, i) => replace[i] ?? a);
      if (drop !== undefined && drop < args.length) args.splice(drop, 1);
      if (extraOften === 0) args.push(...extra);
      return sanitize(target, [...template.slice(0, fixed), ...args]);
    });
}

/**
 * Ways to run a fuzzed command: plainly, from a Lua script (redis.call and redis.pcall, RESP2 and
 * RESP3 conversions), queued in MULTI/EXEC, and over RESP3.
 */
export const VARIANTS: { name: string; wrap: (argv: Args) => Args[] }[] = [
  { name: 'plain', wrap: (a) => [a] },
  { name: 'lua-call', wrap: (a) => [['EVAL', 'return redis.call(unpack(ARGV))', '0', ...a]] },
  { name: 'lua-pcall-resp3', wrap: (a) => [['EVAL', 'redis.setresp(3); return redis.pcall(unpack(ARGV))', '0', ...a]] },
  { name: 'multi', wrap: (a) => [['MULTI'], a, a, ['EXEC']] },
  { name: 'resp3', wrap: (a) => [['HELLO', '3'], a] },
];

/** Argument lists for one command (for a per-command pass over the whole table). */
export function argsFor(target: Target): fc.Arbitrary<Args> {
  const templates = TEMPLATES.get(target.name);
  if (templates === undefined) return caseFor(target);
  return fc.oneof(
    { weight: 1, arbitrary: caseFor(target) },
    { weight: 2, arbitrary: fc.constantFrom(...templates).chain((t) => mutated(target, t)) },
  );
}

const isNonNegativeNumber = (b: string | Buffer) => {
  const n = Number(Buffer.isBuffer(b) ? b.toString('latin1') : b);
  const s = (Buffer.isBuffer(b) ? b.toString('latin1') : b).toLowerCase();
  return (!Number.isNaN(n) && n >= 0 && s.trim() !== '' ) || /^\+?inf/.test(s);
};

/**
 * Blocking commands must not wait long: a timeout the generator chose that a server could accept
 * becomes 10 ms (invalid ones stay, to fuzz their error path).
 */
function sanitize(target: Target, argv: Args): Args {
  const out = [...argv];
  const fix = (i: number, value: string) => {
    if (i < out.length && isNonNegativeNumber(out[i]!)) out[i] = value;
  };
  switch (target.name) {
    case 'blpop':
    case 'brpop':
    case 'bzpopmin':
    case 'bzpopmax':
    case 'brpoplpush':
    case 'blmove':
      fix(out.length - 1, '0.01');
      break;
    case 'blmpop':
    case 'bzmpop':
      fix(1, '0.01');
      break;
    case 'wait':
      fix(2, '10');
      break;
    case 'xread':
    case 'xreadgroup':
      for (let i = 1; i < out.length - 1; i++) if (String(out[i]).toUpperCase() === 'BLOCK') fix(i + 1, '10');
      break;
    default:
  }
  return out;
}

/**
 * Send one case — the setup, the commands, RESET, and an ECHO marker — pipelined, and return the
 * reply frames of the commands (everything between the setup's replies and RESET's).
 */
export async function runCase(client: RespClient, commands: Args | Args[], marker: string, setup: Args[] = SETUP): Promise<Frame[]> {
  const list = (Array.isArray(commands[0]) ? commands : [commands]) as Args[];
  const parts = setup.map((c) => encodeCommand(c));
  for (const c of list) parts.push(encodeCommand(c));
  parts.push(encodeCommand(['RESET']), encodeCommand(['ECHO', marker]));
  client.write(Buffer.concat(parts));
  const frames: Frame[] = [];
  for (;;) {
    const f = await client.readFrame(10000).catch((err: Error) => {
      throw new Error(`${err.message} after ${list.map(describe).join('; ')}`);
    });
    if (f === undefined) throw new Error(`connection closed after ${list.map(describe).join('; ')}`);
    if (f.value.type === 'bulk' && f.value.value.toString('latin1') === marker) break;
    frames.push(f);
  }
  const reply = frames.slice(setup.length);
  let resetAt = reply.length - 1;
  while (resetAt >= 0 && !(reply[resetAt]!.value.type === 'simple' && (reply[resetAt]!.value as { value: string }).value === 'RESET')) resetAt--;
  return resetAt === -1 ? reply : reply.slice(0, resetAt);
}

export function describe(argv: Args): string {
  return argv.map((a) => (Buffer.isBuffer(a) ? `<hex:${a.toString('hex')}>` : JSON.stringify(a))).join(' ');
}

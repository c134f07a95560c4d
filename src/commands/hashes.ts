// Hash commands: HSET and friends, counters (HINCRBY, HINCRBYFLOAT), HRANDFIELD and HSCAN.
//
// The value and its encoding (listpack or hashtable, and when it converts) live in types/hash.ts;
// the encoding decides HSCAN (a listpack is returned whole) and HRANDFIELD's order here.
import type { Config } from '../config/config.js';
import { Errors, ZsetErrors } from '../protocol/errors.js';
import { addLongDouble, formatLongDouble, parseLongDouble, tryParseBigInt } from '../protocol/numbers.js';
import { Latin1, MapReply, OK, ReplyError, type Reply } from '../protocol/reply.js';
import { globMatch } from '../pubsub/glob.js';
import { Hash, type HashLimits } from '../types/hash.js';
import { distinctSample, indexOf } from '../types/member-index.js';
import { checkRandomReplySize, parseCursor, parseRandCount, parseScanOptions } from './sets.js';
import type { CommandContext, CommandSpec } from './types.js';
import { latin1String } from '../protocol/latin1.js';

const err = (text: string) => () => new ReplyError(text);
const HashErrors = {
  notInteger: err('ERR hash value is not an integer'),
  notFloat: err('ERR hash value is not a float'),
  nanOrInfinity: err('ERR value is NaN or Infinity'),
};

// ---------------------------------------------------------------- helpers

const limitsByConfig = new WeakMap<Config, HashLimits>();

/** The listpack limits, read once per configuration and refreshed when it changes (HSET's path). */
function limitsOf(config: Config): HashLimits {
  let limits = limitsByConfig.get(config);
  if (limits === undefined) {
    const l: HashLimits = { entries: 0, value: 0 };
    const refresh = () => {
      l.entries = config.number('hash-max-listpack-entries');
      l.value = config.number('hash-max-listpack-value');
    };
    refresh();
    config.onChange(refresh);
    limitsByConfig.set(config, l);
    limits = l;
  }
  return limits;
}

const keyOf = latin1String;
const fieldOf = latin1String;
const fieldReply = (field: string): Reply => new Latin1(field);
const valueReply = (value: string | undefined): Reply => (value === undefined ? null : new Latin1(value));

/** Store field = value; converts the encoding as Redis does. True if new. */
function setField(hash: Hash, field: string, value: Buffer | string, limits: HashLimits): boolean {
  return hash.setField(field, typeof value === 'string' ? value : latin1String(value), limits);
}

/** The hash at `key` for writing, created (not yet stored) when missing. */
function hashForWrite(ctx: CommandContext, key: string): { hash: Hash; created: boolean } {
  const existing = ctx.db.getWrite(key, 'hash');
  if (existing !== undefined) return { hash: existing, created: false };
  return { hash: new Hash('listpack'), created: true };
}

function commit(ctx: CommandContext, key: string, hash: Hash, created: boolean, event: string): void {
  if (created) ctx.db.set(key, 'hash', hash);
  else ctx.db.modified(key);
  ctx.notify('h', event, key);
}

// ---------------------------------------------------------------- commands

function hset(ctx: CommandContext, argv: Buffer[], name: string): Reply {
  if (argv.length % 2 !== 0) throw Errors.wrongArity(name);
  const key = keyOf(argv[1]!);
  const limits = limitsOf(ctx.server.config);
  const { hash, created } = hashForWrite(ctx, key);
  let added: number;
  if (argv.length === 4) {
    // One field (the common HSET): no flat array of pairs to build.
    added = hash.setField(latin1String(argv[2]!), latin1String(argv[3]!), limits) ? 1 : 0;
  } else {
    const pairs: string[] = [];
    for (let i = 2; i < argv.length; i++) pairs.push(latin1String(argv[i]!));
    added = hash.setFields(pairs, limits);
  }
  commit(ctx, key, hash, created, 'hset');
  return name === 'hmset' ? OK : added;
}

function hsetnx(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv[1]!);
  const field = fieldOf(argv[2]!);
  const { hash, created } = hashForWrite(ctx, key);
  if (hash.has(field)) return 0;
  setField(hash, field, argv[3]!, limitsOf(ctx.server.config));
  commit(ctx, key, hash, created, 'hset');
  return 1;
}

function hdel(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv[1]!);
  const hash = ctx.db.getWrite(key, 'hash');
  if (hash === undefined) return 0;
  let removed = 0;
  for (let i = 2; i < argv.length; i++) {
    const field = fieldOf(argv[i]!);
    if (hash.deleteField(field)) {
      removed++;
      if (hash.size === 0) break;
    }
  }
  if (removed > 0) {
    ctx.notify('h', 'hdel', key);
    if (hash.size === 0) {
      ctx.db.delete(key);
      ctx.notify('g', 'del', key);
    } else {
      ctx.db.modified(key);
    }
  }
  return removed;
}

function hincrby(ctx: CommandContext, argv: Buffer[]): Reply {
  const increment = tryParseBigInt(argv[3]!);
  if (increment === undefined) throw Errors.notInteger();
  const key = keyOf(argv[1]!);
  const field = fieldOf(argv[2]!);
  const { hash, created } = hashForWrite(ctx, key);
  const current = hash.get(field);
  let value = 0n;
  if (current !== undefined) {
    const parsed = tryParseBigInt(current);
    if (parsed === undefined) throw HashErrors.notInteger();
    value = parsed;
  }
  const result = value + increment;
  if (result > 2n ** 63n - 1n || result < -(2n ** 63n)) throw Errors.overflow();
  setField(hash, field, result.toString(), limitsOf(ctx.server.config));
  commit(ctx, key, hash, created, 'hincrby');
  return result;
}

function hincrbyfloat(ctx: CommandContext, argv: Buffer[]): Reply {
  const increment = parseLongDouble(argv[3]!);
  if (increment === undefined) throw Errors.notFloat();
  if ('inf' in increment) throw HashErrors.nanOrInfinity();
  const key = keyOf(argv[1]!);
  const field = fieldOf(argv[2]!);
  const { hash, created } = hashForWrite(ctx, key);
  const current = hash.get(field);
  let value = parseLongDouble('0')!;
  if (current !== undefined) {
    const parsed = parseLongDouble(current);
    if (parsed === undefined) throw HashErrors.notFloat();
    value = parsed;
  }
  const sum = addLongDouble(value, increment);
  if (sum === undefined || 'inf' in sum) throw Errors.incrNaN();
  const text = Buffer.from(formatLongDouble(sum));
  setField(hash, field, text, limitsOf(ctx.server.config));
  commit(ctx, key, hash, created, 'hincrbyfloat');
  // As Redis: recorded as HSET of the result, so a replay cannot drift with float formatting.
  if (ctx.propagating) ctx.propagateAs([Buffer.from('HSET'), argv[1]!, argv[2]!, text]);
  return text;
}

function hgetall(ctx: CommandContext, argv: Buffer[]): Reply {
  const hash = ctx.db.getRead(keyOf(argv[1]!), 'hash');
  const entries: Reply[] = [];
  if (hash !== undefined) {
    const flat = hash.flat();
    for (let i = 0; i < flat.length; i += 2) entries.push(fieldReply(flat[i]!), new Latin1(flat[i + 1]!));
  }
  return new MapReply(entries);
}

/** Fields with values: flat in RESP2, [field, value] pairs in RESP3 (HRANDFIELD WITHVALUES). */
function pairs(ctx: CommandContext, hash: Hash, fields: string[], withValues: boolean): Reply {
  if (!withValues) return fields.map(fieldReply);
  if (ctx.client.proto === 3) return fields.map((f) => [fieldReply(f), valueReply(hash.get(f))]);
  const out: Reply[] = [];
  for (const f of fields) out.push(fieldReply(f), valueReply(hash.get(f)));
  return out;
}

const HALF_LONG_MAX = (2n ** 63n - 1n) / 2n;

function hrandfield(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv[1]!);
  if (argv.length === 2) {
    const hash = ctx.db.getRead(key, 'hash');
    if (hash === undefined) return null;
    return fieldReply(indexOf(hash).random());
  }
  const count = parseRandCount(argv[2]!);
  let withValues = false;
  if (argv.length === 4) {
    if (argv[3]!.toString('latin1').toLowerCase() !== 'withvalues') throw Errors.syntax();
    withValues = true;
  } else if (argv.length > 4) {
    throw Errors.syntax();
  }
  // As Redis: with values the reply has 2*|count| entries, which must fit in a 64-bit count.
  const big = BigInt(argv[2]!.toString('latin1'));
  if (withValues && (big > HALF_LONG_MAX || big < -HALF_LONG_MAX)) throw ZsetErrors.outOfRange();
  const hash = ctx.db.getRead(key, 'hash');
  if (hash === undefined || count === 0) return [];
  if (count < 0) {
    checkRandomReplySize(withValues ? -count * 2 : -count);
    const index = indexOf(hash);
    const picks: string[] = [];
    for (let i = 0; i < -count; i++) picks.push(index.random());
    return pairs(ctx, hash, picks, withValues);
  }
  if (count >= hash.size) return pairs(ctx, hash, [...hash.keys()], withValues);
  let picks = distinctSample(hash, count);
  if (hash.encoding(limitsOf(ctx.server.config)) === 'listpack') {
    // A listpack sample comes back in the hash's own order.
    const chosen = new Set(picks);
    picks = [...hash.keys()].filter((f) => chosen.has(f));
  }
  return pairs(ctx, hash, picks, withValues);
}

function hscan(ctx: CommandContext, argv: Buffer[]): Reply {
  const cursor = parseCursor(argv[2]!);
  const hash = ctx.db.getRead(keyOf(argv[1]!), 'hash');
  if (hash === undefined) return ['0', []];
  const options = parseScanOptions(argv, 3);
  // Fields with their values, flat.
  let flat: (string | undefined)[];
  let next = 0;
  if (hash.encoding(limitsOf(ctx.server.config)) === 'listpack') {
    // Like Redis, a compact hash is returned whole in one call.
    flat = hash.flat();
  } else {
    const step = indexOf(hash).scan(cursor, options.count);
    flat = step.members.flatMap((f) => [f, hash.get(f)]);
    next = step.next;
  }
  const pattern = options.pattern;
  const out: Reply[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const f = flat[i]!;
    const value = flat[i + 1];
    if (pattern !== undefined && pattern !== '*' && !globMatch(pattern, f)) continue;
    if (value !== undefined) out.push(fieldReply(f), new Latin1(value));
  }
  return [String(next), out];
}

// ---------------------------------------------------------------- specs

const WRITE_FAST = ['@write', '@hash', '@fast'];
const READ_FAST = ['@read', '@hash', '@fast'];
const READ_SLOW = ['@read', '@hash', '@slow'];

const read = (ctx: CommandContext, argv: Buffer[]): Hash | undefined => ctx.db.getRead(keyOf(argv[1]!), 'hash');

export const specs: CommandSpec[] = [
  {
    name: 'hset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => hset(ctx, argv, 'hset'),
  },
  { name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: hsetnx },
  {
    name: 'hget',
    arity: 3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => valueReply(read(ctx, argv)?.get(fieldOf(argv[2]!))),
  },
  {
    name: 'hmget',
    arity: -3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => {
      const hash = read(ctx, argv);
      return argv.slice(2).map((f) => valueReply(hash?.get(fieldOf(f))));
    },
  },
  {
    name: 'hmset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => hset(ctx, argv, 'hmset'),
  },
  { name: 'hgetall', arity: 2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: hgetall },
  { name: 'hdel', arity: -3, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: hdel },
  {
    name: 'hexists',
    arity: 3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => (read(ctx, argv)?.has(fieldOf(argv[2]!)) ? 1 : 0),
  },
  {
    name: 'hlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => read(ctx, argv)?.size ?? 0,
  },
  {
    name: 'hkeys',
    arity: 2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => [...(read(ctx, argv)?.keys() ?? [])].map(fieldReply),
  },
  {
    name: 'hvals',
    arity: 2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => [...(read(ctx, argv)?.values() ?? [])].map(valueReply),
  },
  { name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: hincrby },
  {
    name: 'hincrbyfloat',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: hincrbyfloat,
  },
  {
    name: 'hstrlen',
    arity: 3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => read(ctx, argv)?.get(fieldOf(argv[2]!))?.length ?? 0,
  },
  { name: 'hrandfield', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: hrandfield },
  { name: 'hscan', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: hscan },
];

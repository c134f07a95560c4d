// Set commands: SADD and friends, random pops and samples, set algebra (SINTER/SUNION/SDIFF and
// their STORE forms, SINTERCARD) and SSCAN.
//
// The value and its encoding (intset or hashtable, and when it converts) live in types/set.ts; the
// encoding decides the order replies list members in (an intset iterates in numeric order) and
// SSCAN (an intset is returned whole). Also here: the SCAN and random-count argument parsers that
// hashes and sorted sets share.
import { Errors, KeyErrors } from '../protocol/errors.js';
import { tryParseBigInt, tryParseInteger } from '../protocol/numbers.js';
import { ReplyError, SetReply, type Reply } from '../protocol/reply.js';
import { globMatch } from '../pubsub/glob.js';
import { maxIntsetEntries, MemberSet } from '../types/set.js';
import { distinctSample, indexOf } from '../types/member-index.js';
import type { CommandContext, CommandSpec } from './types.js';
import { latin1String } from '../protocol/latin1.js';

const err = (text: string) => () => new ReplyError(text);
const SetErrors = {
  mustBePositive: err('ERR value is out of range, must be positive'),
  numkeys: err('ERR numkeys should be greater than 0'),
  tooManyKeys: err("ERR Number of keys can't be greater than number of args"),
  limitNegative: err("ERR LIMIT can't be negative"),
  randCountRange: err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'),
  invalidCursor: err('ERR invalid cursor'),
};

// ---------------------------------------------------------------- argument parsers (shared with hashes, zsets)

/** SCAN cursors are unsigned 64-bit decimals as strtoul reads them ("-1" wraps around). */
export function parseCursor(buf: Buffer): number {
  // Redis rejects a cursor starting with whitespace (which strtoul alone would skip), and reads
  // an empty one as 0.
  // strtoul sees the C string: up to the first NUL byte.
  const nul = buf.indexOf(0);
  const text = buf.toString('latin1', 0, nul === -1 ? buf.length : nul);
  if (text === '') return 0;
  const m = /^([+-]?)(\d+)$/.exec(text);
  if (m === null) throw SetErrors.invalidCursor();
  let value = BigInt(m[2]!);
  if (value > 0xffffffffffffffffn) throw SetErrors.invalidCursor();
  if (m[1] === '-' && value !== 0n) value = 2n ** 64n - value;
  return Number(value);
}

export interface ScanOptions {
  pattern: string | undefined;
  count: number;
}

/** [MATCH pattern] [COUNT n] from argv[at] on. */
export function parseScanOptions(argv: Buffer[], at: number): ScanOptions {
  let pattern: string | undefined;
  let count = 10;
  for (let i = at; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw Errors.syntax();
    const option = argv[i]!.toString('latin1').toLowerCase();
    if (option === 'count') {
      const value = tryParseInteger(argv[i + 1]!);
      if (value === undefined) throw Errors.notInteger();
      if (value < 1) throw Errors.syntax();
      count = value;
    } else if (option === 'match') {
      pattern = argv[i + 1]!.toString('latin1');
    } else {
      throw Errors.syntax();
    }
  }
  return { pattern, count };
}

/** Range check for SRANDMEMBER/HRANDFIELD counts (LLONG_MIN cannot be negated). */
/**
 * SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with a negative count repeat elements, so the reply's size
 * does not depend on the data. Tidings builds a reply in memory before writing it (Redis streams
 * it), and a count in the billions would exhaust the heap and take the whole server down — so a
 * reply of more than this many elements (fields and values counted apart) is refused.
 */
export const MAX_RANDOM_REPLY = 4194304;

export function checkRandomReplySize(elements: number): void {
  if (elements > MAX_RANDOM_REPLY) throw KeyErrors.randomReplyTooLarge();
}

export function parseRandCount(buf: Buffer): number {
  const value = tryParseBigInt(buf);
  if (value === undefined) throw Errors.notInteger();
  if (value === -(2n ** 63n)) throw SetErrors.randCountRange();
  return Number(value);
}

const maxIntsetOf = (ctx: CommandContext): number => maxIntsetEntries(ctx.server.config);
/** A new, empty set: an intset until a member says otherwise (Redis creates it from its first member). */
const newSet = (): MemberSet => new MemberSet('intset');

// ---------------------------------------------------------------- helpers

const keyOf = latin1String;
const memberOf = latin1String;
const memberReply = (member: string): Buffer => Buffer.from(member, 'latin1');

/** Delete the key (with a `del` event) if the set became empty, else mark it modified. */
function afterRemoval(ctx: CommandContext, key: string, set: MemberSet): void {
  if (set.size === 0) {
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
  } else {
    ctx.db.modified(key);
  }
}

function sadd(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv[1]!);
  let set = ctx.db.getWrite(key, 'set');
  const max = maxIntsetOf(ctx);
  let created = false;
  if (set === undefined) {
    set = newSet();
    created = true;
  }
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.addMember(memberOf(argv[i]!), max)) added++;
  if (created) ctx.db.set(key, 'set', set);
  else if (added > 0) ctx.db.modified(key);
  if (added > 0) ctx.notify('s', 'sadd', key);
  return added;
}

function srem(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv[1]!);
  const set = ctx.db.getWrite(key, 'set');
  if (set === undefined) return 0;
  let removed = 0;
  for (let i = 2; i < argv.length && set.size > 0; i++) if (set.removeMember(memberOf(argv[i]!))) removed++;
  if (removed > 0) {
    ctx.notify('s', 'srem', key);
    afterRemoval(ctx, key, set);
  }
  return removed;
}

function smembers(ctx: CommandContext, argv: Buffer[]): Reply {
  const set = ctx.db.getRead(keyOf(argv[1]!), 'set');
  if (set === undefined) return new SetReply([]);
  return new SetReply(set.ordered(maxIntsetOf(ctx)).map(memberReply));
}

// Effects: a random pop is recorded as the removal of the members it chose.
const SREM = Buffer.from('SREM');
const DEL = Buffer.from('DEL');

function spop(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length > 3) throw Errors.syntax();
  const key = keyOf(argv[1]!);
  if (argv.length === 2) {
    const set = ctx.db.getWrite(key, 'set');
    if (set === undefined) return null;
    const member = indexOf(set).random();
    set.removeMember(member);
    ctx.notify('s', 'spop', key);
    afterRemoval(ctx, key, set);
    if (ctx.propagating) ctx.propagateAs([SREM, argv[1]!, Buffer.from(member, 'latin1')]);
    return memberReply(member);
  }
  const count = tryParseInteger(argv[2]!);
  if (count === undefined || count < 0) throw SetErrors.mustBePositive();
  const set = ctx.db.getWrite(key, 'set');
  if (set === undefined || count === 0) return new SetReply([]);
  let popped: string[];
  if (count >= set.size) {
    popped = set.ordered(maxIntsetOf(ctx));
    set.removeAll();
  } else {
    popped = distinctSample(set, count);
    for (const m of popped) set.removeMember(m);
  }
  ctx.notify('s', 'spop', key);
  afterRemoval(ctx, key, set);
  if (ctx.propagating) {
    // As Redis 7.0: popping the whole set is a DEL, otherwise one SREM per member (one MULTI block).
    if (count >= popped.length && set.size === 0) ctx.propagateAs([DEL, argv[1]!]);
    else ctx.propagateAs(...popped.map((m) => [SREM, argv[1]!, Buffer.from(m, 'latin1')]));
  }
  return new SetReply(popped.map(memberReply));
}

function srandmember(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length > 3) throw Errors.syntax();
  const key = keyOf(argv[1]!);
  if (argv.length === 2) {
    const set = ctx.db.getRead(key, 'set');
    if (set === undefined) return null;
    return memberReply(indexOf(set).random());
  }
  const count = parseRandCount(argv[2]!);
  const set = ctx.db.getRead(key, 'set');
  if (set === undefined || count === 0) return [];
  if (count < 0) {
    checkRandomReplySize(-count);
    const index = indexOf(set);
    const out: Buffer[] = [];
    for (let i = 0; i < -count; i++) out.push(memberReply(index.random()));
    return out;
  }
  if (count >= set.size) return set.ordered(maxIntsetOf(ctx)).map(memberReply);
  return distinctSample(set, count).map(memberReply);
}

function smove(ctx: CommandContext, argv: Buffer[]): Reply {
  const source = keyOf(argv[1]!);
  const destination = keyOf(argv[2]!);
  const member = memberOf(argv[3]!);
  const src = ctx.db.getWrite(source, 'set');
  if (src === undefined) return 0;
  const dst = ctx.db.getWrite(destination, 'set');
  if (source === destination) return src.has(member) ? 1 : 0;
  if (!src.removeMember(member)) return 0;
  ctx.notify('s', 'srem', source);
  afterRemoval(ctx, source, src);
  const max = maxIntsetOf(ctx);
  if (dst === undefined) {
    const set = newSet();
    set.addMember(member, max);
    ctx.db.set(destination, 'set', set);
    ctx.notify('s', 'sadd', destination);
  } else if (dst.addMember(member, max)) {
    ctx.db.modified(destination);
    ctx.notify('s', 'sadd', destination);
  }
  return 1;
}

// ---------------------------------------------------------------- set algebra

type Algebra = 'inter' | 'union' | 'diff';

/** Look up every key (a type error on any of them wins); missing keys are undefined. */
function sources(ctx: CommandContext, keys: Buffer[], write: boolean): (MemberSet | undefined)[] {
  return keys.map((k) => (write ? ctx.db.getWrite(keyOf(k), 'set') : ctx.db.getRead(keyOf(k), 'set')));
}

function intersect(sets: (MemberSet | undefined)[], maxIntset: number, limit = Infinity): string[] {
  if (sets.some((s) => s === undefined || s.size === 0)) return [];
  const all = sets as MemberSet[];
  // Walk the smallest set (in its Redis order) and probe the others.
  const smallest = all.reduce((a, b) => (b.size < a.size ? b : a));
  const out: string[] = [];
  for (const m of smallest.ordered(maxIntset)) {
    if (all.every((s) => s === smallest || s.has(m))) {
      out.push(m);
      if (out.length >= limit) break;
    }
  }
  return out;
}

function combine(op: Algebra, sets: (MemberSet | undefined)[], maxIntset: number): MemberSet {
  const result = newSet();
  if (op === 'inter') {
    for (const m of intersect(sets, maxIntset)) result.addMember(m, maxIntset);
    return result;
  }
  if (op === 'union') {
    for (const s of sets) if (s !== undefined) for (const m of s) result.addMember(m, maxIntset);
    return result;
  }
  const [first, ...rest] = sets;
  if (first === undefined) return result;
  for (const m of first) {
    if (!rest.some((s) => s !== undefined && s.has(m))) result.addMember(m, maxIntset);
  }
  return result;
}

function algebra(ctx: CommandContext, argv: Buffer[], op: Algebra): Reply {
  const max = maxIntsetOf(ctx);
  const sets = sources(ctx, argv.slice(1), false);
  if (op === 'inter') return new SetReply(intersect(sets, max).map(memberReply));
  return new SetReply(combine(op, sets, max).ordered(max).map(memberReply));
}

function algebraStore(ctx: CommandContext, argv: Buffer[], op: Algebra): Reply {
  const destination = keyOf(argv[1]!);
  const max = maxIntsetOf(ctx);
  const sets = sources(ctx, argv.slice(2), true);
  const result = combine(op, sets, max);
  if (result.size === 0) {
    if (ctx.db.delete(destination)) ctx.notify('g', 'del', destination);
    return 0;
  }
  ctx.db.set(destination, 'set', result);
  ctx.notify('s', `s${op}store`, destination);
  return result.size;
}

function sintercard(ctx: CommandContext, argv: Buffer[]): Reply {
  const numkeys = tryParseInteger(argv[1]!);
  if (numkeys === undefined || numkeys <= 0) throw SetErrors.numkeys();
  if (numkeys > argv.length - 2) throw SetErrors.tooManyKeys();
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (argv[i]!.toString('latin1').toLowerCase() === 'limit' && i + 1 < argv.length) {
      const value = tryParseInteger(argv[++i]!);
      if (value === undefined || value < 0) throw SetErrors.limitNegative();
      limit = value;
    } else {
      throw Errors.syntax();
    }
  }
  const sets = sources(ctx, argv.slice(2, 2 + numkeys), false);
  return intersect(sets, maxIntsetOf(ctx), limit === 0 ? Infinity : limit).length;
}

function sscan(ctx: CommandContext, argv: Buffer[]): Reply {
  const cursor = parseCursor(argv[2]!);
  const set = ctx.db.getRead(keyOf(argv[1]!), 'set');
  if (set === undefined) return ['0', []];
  const options = parseScanOptions(argv, 3);
  const max = maxIntsetOf(ctx);
  let members: string[];
  let next = 0;
  if (set.encoding(max) === 'intset') {
    // Like Redis, a compact set is returned whole in one call.
    members = set.ordered(max);
  } else {
    const step = indexOf(set).scan(cursor, options.count);
    members = step.members;
    next = step.next;
  }
  const pattern = options.pattern;
  if (pattern !== undefined && pattern !== '*') members = members.filter((m) => globMatch(pattern, m));
  return [String(next), members.map(memberReply)];
}

// ---------------------------------------------------------------- specs

const WRITE_FAST = ['@write', '@set', '@fast'];
const WRITE_SLOW = ['@write', '@set', '@slow'];
const READ_FAST = ['@read', '@set', '@fast'];
const READ_SLOW = ['@read', '@set', '@slow'];

export const specs: CommandSpec[] = [
  { name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: sadd },
  { name: 'srem', arity: -3, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: srem },
  { name: 'smembers', arity: 2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: smembers },
  {
    name: 'sismember',
    arity: 3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => (ctx.db.getRead(keyOf(argv[1]!), 'set')?.has(memberOf(argv[2]!)) ? 1 : 0),
  },
  {
    name: 'smismember',
    arity: -3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => {
      const set = ctx.db.getRead(keyOf(argv[1]!), 'set');
      return argv.slice(2).map((m) => (set?.has(memberOf(m)) ? 1 : 0));
    },
  },
  {
    name: 'scard',
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => ctx.db.getRead(keyOf(argv[1]!), 'set')?.size ?? 0,
  },
  { name: 'spop', arity: -2, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: spop },
  { name: 'srandmember', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: srandmember },
  { name: 'smove', arity: 4, flags: ['write', 'fast'], firstKey: 1, lastKey: 2, step: 1, categories: WRITE_FAST, handler: smove },
  {
    name: 'sinter',
    arity: -2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => algebra(ctx, argv, 'inter'),
  },
  {
    name: 'sunion',
    arity: -2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => algebra(ctx, argv, 'union'),
  },
  {
    name: 'sdiff',
    arity: -2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => algebra(ctx, argv, 'diff'),
  },
  {
    name: 'sinterstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => algebraStore(ctx, argv, 'inter'),
  },
  {
    name: 'sunionstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => algebraStore(ctx, argv, 'union'),
  },
  {
    name: 'sdiffstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => algebraStore(ctx, argv, 'diff'),
  },
  { name: 'sintercard', arity: -3, flags: ['readonly', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, categories: READ_SLOW, handler: sintercard },
  { name: 'sscan', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: sscan },
];

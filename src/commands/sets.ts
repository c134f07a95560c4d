// Set commands: SADD and friends, random pops and samples, set algebra (SINTER/SUNION/SDIFF and
// their STORE forms, SINTERCARD) and SSCAN.
//
// A set is a Set of latin1 member strings. Redis 7.0 encodes a set of integers as a sorted
// "intset" until it grows past set-max-intset-entries or gains a non-integer member; the
// conversion to a hash table is one-way. We track that encoding beside the value so OBJECT
// ENCODING, and the order Redis replies in (intsets iterate in numeric order), match Redis.
import type { Config } from '../config/config.js';
import { Errors, KeyErrors } from '../protocol/errors.js';
import { tryParseBigInt, tryParseInteger } from '../protocol/numbers.js';
import { ReplyError, SetReply, type Reply } from '../protocol/reply.js';
import { globMatch } from '../pubsub/glob.js';
import type { CommandContext, CommandSpec } from './types.js';

const err = (text: string) => () => new ReplyError(text);
const SetErrors = {
  mustBePositive: err('ERR value is out of range, must be positive'),
  numkeys: err('ERR numkeys should be greater than 0'),
  tooManyKeys: err("ERR Number of keys can't be greater than number of args"),
  limitNegative: err("ERR LIMIT can't be negative"),
  randCountRange: err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'),
  invalidCursor: err('ERR invalid cursor'),
};

// ---------------------------------------------------------------- member index (shared with hashes)

/**
 * Members of a Set or Map in slots with increasing sequence numbers, built on first use by a
 * random pick or a SCAN over a large container, then kept up to date by every add/remove here.
 * It gives O(1) random sampling and sound SCAN cursors: a cursor is a sequence number, and a
 * member keeps its number for as long as it stays, so a full scan returns every member that was
 * present throughout (new members may or may not be returned, as in Redis).
 */
export class MemberIndex {
  private names: (string | undefined)[] = [];
  private seqs: number[] = [];
  private slotOf = new Map<string, number>();
  private nextSeq = 1;
  private dead = 0;

  constructor(members: Iterable<string>) {
    for (const m of members) this.add(m);
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(member: string): void {
    if (this.slotOf.has(member)) return;
    this.slotOf.set(member, this.names.length);
    this.names.push(member);
    this.seqs.push(this.nextSeq++);
  }

  remove(member: string): void {
    const slot = this.slotOf.get(member);
    if (slot === undefined) return;
    this.slotOf.delete(member);
    this.names[slot] = undefined;
    this.dead++;
    if (this.dead > 64 && this.dead * 2 > this.names.length) this.compact();
  }

  /** A uniformly random member (the index must not be empty). */
  random(): string {
    // Stored containers are never empty (an emptied key is deleted); guard against spinning.
    if (this.slotOf.size === 0) throw new Error('random member of an empty container');
    for (;;) {
      const name = this.names[Math.floor(Math.random() * this.names.length)];
      if (name !== undefined) return name;
    }
  }

  /** Members from cursor `cursor` on, about `count` slots; `next` is 0 at the end. */
  scan(cursor: number, count: number): { members: string[]; next: number } {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! < cursor) lo = mid + 1;
      else hi = mid;
    }
    const members: string[] = [];
    let i = lo;
    for (let visited = 0; i < this.names.length && visited < count; i++, visited++) {
      const name = this.names[i];
      if (name !== undefined) members.push(name);
    }
    return { members, next: i < this.names.length ? this.seqs[i]! : 0 };
  }

  private compact(): void {
    const names: string[] = [];
    const seqs: number[] = [];
    this.slotOf.clear();
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i];
      if (name === undefined) continue;
      this.slotOf.set(name, names.length);
      names.push(name);
      seqs.push(this.seqs[i]!);
    }
    this.names = names;
    this.seqs = seqs;
    this.dead = 0;
  }
}

const indexes = new WeakMap<object, MemberIndex>();

/** The index of a container, built now if it has none (or lost track of it). */
export function indexOf(container: Set<string> | Map<string, unknown>): MemberIndex {
  let index = indexes.get(container);
  if (index === undefined || index.size !== container.size) {
    index = new MemberIndex(container.keys());
    indexes.set(container, index);
  }
  return index;
}

/** Record an added member in the container's index, if it has one. */
export function indexAdd(container: object, member: string): void {
  indexes.get(container)?.add(member);
}

export function indexRemove(container: object, member: string): void {
  indexes.get(container)?.remove(member);
}

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

/** Shared by SSCAN and HSCAN: random picks distinct members (count ≥ 0) for SRANDMEMBER/HRANDFIELD. */
export function distinctSample(container: Set<string> | Map<string, unknown>, count: number): string[] {
  const size = container.size;
  if (count * 3 > size) {
    // Close to the whole container: shuffle a copy and take a prefix.
    const all = [...container.keys()];
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, count);
  }
  const index = indexOf(container);
  const picked = new Set<string>();
  while (picked.size < count) picked.add(index.random());
  return [...picked];
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

// ---------------------------------------------------------------- encoding

type SetEncoding = 'intset' | 'hashtable';
const encodings = new WeakMap<Set<string>, SetEncoding>();

const isIntMember = (member: string): boolean => tryParseBigInt(member) !== undefined;

/** OBJECT ENCODING of a set by Redis 7.0's rules: "intset" or "hashtable". */
export function encodingOf(value: Set<string>, config: Config): string {
  return setEncoding(value, config.number('set-max-intset-entries'));
}

function setEncoding(set: Set<string>, maxIntset: number): SetEncoding {
  let encoding = encodings.get(set);
  if (encoding === undefined) {
    // A set built elsewhere (COPY, RESTORE): judge by its contents, as loading it would.
    encoding = set.size <= maxIntset && [...set].every(isIntMember) ? 'intset' : 'hashtable';
    encodings.set(set, encoding);
  }
  return encoding;
}

function maxIntsetOf(ctx: CommandContext): number {
  return ctx.server.config.number('set-max-intset-entries');
}

/** A new, empty set whose encoding starts as intset (Redis creates it from its first member). */
function newSet(): Set<string> {
  const set = new Set<string>();
  encodings.set(set, 'intset');
  return set;
}

/** Add a member, converting the encoding as Redis does. Returns true if it was new. */
function addMember(set: Set<string>, member: string, maxIntset: number): boolean {
  if (set.has(member)) return false;
  set.add(member);
  indexAdd(set, member);
  if (encodings.get(set) !== 'hashtable' && (!isIntMember(member) || set.size > maxIntset)) encodings.set(set, 'hashtable');
  return true;
}

function removeMember(set: Set<string>, member: string): boolean {
  if (!set.delete(member)) return false;
  indexRemove(set, member);
  return true;
}

/** Members in the order Redis iterates them: numeric order for an intset, else insertion order. */
export function ordered(set: Set<string>, maxIntset: number): string[] {
  const members = [...set];
  if (setEncoding(set, maxIntset) === 'intset') {
    members.sort((a, b) => {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  return members;
}

// ---------------------------------------------------------------- helpers

const keyOf = (buf: Buffer): string => buf.toString('latin1');
const memberOf = (buf: Buffer): string => buf.toString('latin1');
const memberReply = (member: string): Buffer => Buffer.from(member, 'latin1');

/** Delete the key (with a `del` event) if the set became empty, else mark it modified. */
function afterRemoval(ctx: CommandContext, key: string, set: Set<string>): void {
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
  for (let i = 2; i < argv.length; i++) if (addMember(set, memberOf(argv[i]!), max)) added++;
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
  for (let i = 2; i < argv.length && set.size > 0; i++) if (removeMember(set, memberOf(argv[i]!))) removed++;
  if (removed > 0) {
    ctx.notify('s', 'srem', key);
    afterRemoval(ctx, key, set);
  }
  return removed;
}

function smembers(ctx: CommandContext, argv: Buffer[]): Reply {
  const set = ctx.db.getRead(keyOf(argv[1]!), 'set');
  if (set === undefined) return new SetReply([]);
  return new SetReply(ordered(set, maxIntsetOf(ctx)).map(memberReply));
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
    removeMember(set, member);
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
    popped = ordered(set, maxIntsetOf(ctx));
    set.clear();
    indexes.delete(set);
  } else {
    popped = distinctSample(set, count);
    for (const m of popped) removeMember(set, m);
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
  if (count >= set.size) return ordered(set, maxIntsetOf(ctx)).map(memberReply);
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
  if (!removeMember(src, member)) return 0;
  ctx.notify('s', 'srem', source);
  afterRemoval(ctx, source, src);
  const max = maxIntsetOf(ctx);
  if (dst === undefined) {
    const set = newSet();
    addMember(set, member, max);
    ctx.db.set(destination, 'set', set);
    ctx.notify('s', 'sadd', destination);
  } else if (addMember(dst, member, max)) {
    ctx.db.modified(destination);
    ctx.notify('s', 'sadd', destination);
  }
  return 1;
}

// ---------------------------------------------------------------- set algebra

type Algebra = 'inter' | 'union' | 'diff';

/** Look up every key (a type error on any of them wins); missing keys are undefined. */
function sources(ctx: CommandContext, keys: Buffer[], write: boolean): (Set<string> | undefined)[] {
  return keys.map((k) => (write ? ctx.db.getWrite(keyOf(k), 'set') : ctx.db.getRead(keyOf(k), 'set')));
}

function intersect(sets: (Set<string> | undefined)[], maxIntset: number, limit = Infinity): string[] {
  if (sets.some((s) => s === undefined || s.size === 0)) return [];
  const all = sets as Set<string>[];
  // Walk the smallest set (in its Redis order) and probe the others.
  const smallest = all.reduce((a, b) => (b.size < a.size ? b : a));
  const out: string[] = [];
  for (const m of ordered(smallest, maxIntset)) {
    if (all.every((s) => s === smallest || s.has(m))) {
      out.push(m);
      if (out.length >= limit) break;
    }
  }
  return out;
}

function combine(op: Algebra, sets: (Set<string> | undefined)[], maxIntset: number): Set<string> {
  const result = newSet();
  if (op === 'inter') {
    for (const m of intersect(sets, maxIntset)) addMember(result, m, maxIntset);
    return result;
  }
  if (op === 'union') {
    for (const s of sets) if (s !== undefined) for (const m of s) addMember(result, m, maxIntset);
    return result;
  }
  const [first, ...rest] = sets;
  if (first === undefined) return result;
  for (const m of first) {
    if (!rest.some((s) => s !== undefined && s.has(m))) addMember(result, m, maxIntset);
  }
  return result;
}

function algebra(ctx: CommandContext, argv: Buffer[], op: Algebra): Reply {
  const max = maxIntsetOf(ctx);
  const sets = sources(ctx, argv.slice(1), false);
  if (op === 'inter') return new SetReply(intersect(sets, max).map(memberReply));
  return new SetReply(ordered(combine(op, sets, max), max).map(memberReply));
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
  if (setEncoding(set, max) === 'intset') {
    // Like Redis, a compact set is returned whole in one call.
    members = ordered(set, max);
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

// List commands: pushes and pops at both ends, index/range access, LINSERT/LREM/LTRIM/LPOS,
// LMOVE and LMPOP, and their blocking forms (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP).
//
// Blocking: a command that finds nothing to pop calls ctx.block(); after any write that adds
// elements the server retries the waiters of that key in arrival order. A retry checks the keys
// in argument order (Redis 7.0 serves from whichever key was signalled; both pick the first
// non-empty key when only one key received data).
import type { Config } from '../config/config.js';
import { Errors } from '../protocol/errors.js';
import { parseTimeout, tryParseInteger } from '../protocol/numbers.js';
import { Latin1, NULL_ARRAY, OK, RawReply, ReplyError, type HandlerResult, type Reply } from '../protocol/reply.js';
import { List } from '../types/list.js';
import type { CommandContext, CommandSpec } from './types.js';
import { latin1String } from '../protocol/latin1.js';

const err = (text: string) => () => new ReplyError(text);
const ListErrors = {
  mustBePositive: err('ERR value is out of range, must be positive'),
  rankZero: err(
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  ),
  countNegative: err("ERR COUNT can't be negative"),
  maxlenNegative: err("ERR MAXLEN can't be negative"),
  numkeys: err('ERR numkeys should be greater than 0'),
  count: err('ERR count should be greater than 0'),
};

/** OBJECT ENCODING of a list: Redis 7.0 stores every list as a quicklist. */
export function encodingOf(_value: List, _config: Config): string {
  return 'quicklist';
}

type End = 'left' | 'right';

const keyOf = latin1String;
const keyReply = (key: string): Buffer => Buffer.from(key, 'latin1');

function upper(buf: Buffer): string {
  return buf.length > 16 ? '' : latin1String(buf).toUpperCase();
}

function parseEnd(buf: Buffer): End {
  const word = upper(buf);
  if (word === 'LEFT') return 'left';
  if (word === 'RIGHT') return 'right';
  throw Errors.syntax();
}

/** Count argument that must be ≥ 0 ("value is out of range, must be positive" otherwise). */
function parsePositive(buf: Buffer): number {
  const value = tryParseInteger(buf);
  if (value === undefined || value < 0) throw ListErrors.mustBePositive();
  return value;
}

function parseIndex(buf: Buffer): number {
  const value = tryParseInteger(buf);
  if (value === undefined) throw Errors.notInteger();
  return value;
}

function pop(list: List, end: End): Buffer {
  return (end === 'left' ? list.popFront() : list.popBack())!;
}

/** Pop for the reply itself: a short element comes as a latin1 string (no Buffer made). */
function popOut(list: List, end: End): Buffer | Latin1 {
  const value = (end === 'left' ? list.popFrontOut() : list.popBackOut())!;
  return typeof value === 'string' ? new Latin1(value) : value;
}

/** After removing elements: notify, and delete the key (with a `del` event) once it is empty. */
function afterRemoval(ctx: CommandContext, key: string, list: List, event: string): void {
  ctx.notify('l', event, key);
  if (list.length === 0) {
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
  } else {
    ctx.db.modified(key);
  }
}

/** Push values onto `key` (creating the list), signal waiters, notify. Returns the new length. */
function pushValues(ctx: CommandContext, key: string, values: Buffer[], end: End, existing?: List): number {
  let list = existing;
  if (list === undefined) {
    list = new List();
    for (const v of values) end === 'left' ? list.pushFront(v) : list.pushBack(v);
    ctx.db.set(key, 'list', list);
  } else {
    for (const v of values) end === 'left' ? list.pushFront(v) : list.pushBack(v);
    ctx.db.modified(key);
  }
  ctx.db.signalReady(key);
  ctx.notify('l', end === 'left' ? 'lpush' : 'rpush', key);
  return list.length;
}

function pushGeneric(ctx: CommandContext, argv: Buffer[], end: End, onlyExisting: boolean): Reply {
  const key = keyOf(argv[1]!);
  const list = ctx.db.getWrite(key, 'list');
  if (list === undefined && onlyExisting) return 0;
  return pushValues(ctx, key, argv.slice(2), end, list);
}

function popGeneric(ctx: CommandContext, argv: Buffer[], end: End): Reply {
  if (argv.length > 3) throw Errors.wrongArity(end === 'left' ? 'lpop' : 'rpop');
  const hasCount = argv.length === 3;
  const count = hasCount ? parsePositive(argv[2]!) : 1;
  const key = keyOf(argv[1]!);
  const list = ctx.db.getWrite(key, 'list');
  if (list === undefined) return hasCount ? NULL_ARRAY : null;
  if (!hasCount) {
    const value = popOut(list, end);
    afterRemoval(ctx, key, list, end === 'left' ? 'lpop' : 'rpop');
    return value;
  }
  if (count === 0) return [];
  const out: Reply[] = [];
  const n = Math.min(count, list.length);
  for (let i = 0; i < n; i++) out.push(popOut(list, end));
  afterRemoval(ctx, key, list, end === 'left' ? 'lpop' : 'rpop');
  return out;
}

/** Normalise a [start, end] index pair (negative from the tail) for a list of `len`. */
function clampRange(start: number, stop: number, len: number): [number, number] {
  if (start < 0) start = len + start;
  if (stop < 0) stop = len + stop;
  if (start < 0) start = 0;
  if (stop >= len) stop = len - 1;
  return [start, stop];
}

function lrange(ctx: CommandContext, argv: Buffer[]): Reply {
  const start = parseIndex(argv[2]!);
  const stop = parseIndex(argv[3]!);
  const list = ctx.db.getRead(keyOf(argv[1]!), 'list');
  if (list === undefined) return [];
  const [from, to] = clampRange(start, stop, list.length);
  if (from > to || from >= list.length) return [];
  const raw = list.rangeReply(from, to);
  return raw === undefined ? list.range(from, to) : new RawReply(raw);
}

function lindex(ctx: CommandContext, argv: Buffer[]): Reply {
  const list = ctx.db.getRead(keyOf(argv[1]!), 'list');
  if (list === undefined) return null;
  let index = parseIndex(argv[2]!);
  if (index < 0) index += list.length;
  return list.get(index) ?? null;
}

function lset(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv[1]!);
  const list = ctx.db.getWrite(key, 'list');
  if (list === undefined) throw Errors.noSuchKey();
  let index = parseIndex(argv[2]!);
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) throw Errors.indexOutOfRange();
  list.set(index, Buffer.from(argv[3]!));
  ctx.db.modified(key);
  ctx.notify('l', 'lset', key);
  return OK;
}

function linsert(ctx: CommandContext, argv: Buffer[]): Reply {
  const where = upper(argv[2]!);
  if (where !== 'BEFORE' && where !== 'AFTER') throw Errors.syntax();
  const key = keyOf(argv[1]!);
  const list = ctx.db.getWrite(key, 'list');
  if (list === undefined) return 0;
  const pivot = argv[3]!;
  let at = -1;
  list.scan(false, Infinity, (element, index) => {
    if (!element.equals(pivot)) return true;
    at = index;
    return false;
  });
  if (at === -1) return -1;
  list.insertAt(where === 'BEFORE' ? at : at + 1, Buffer.from(argv[4]!));
  ctx.db.modified(key);
  ctx.notify('l', 'linsert', key);
  return list.length;
}

function lrem(ctx: CommandContext, argv: Buffer[]): Reply {
  const count = parseIndex(argv[2]!);
  const key = keyOf(argv[1]!);
  const list = ctx.db.getWrite(key, 'list');
  if (list === undefined) return 0;
  const removed = list.removeValue(argv[3]!, count);
  if (removed > 0) afterRemoval(ctx, key, list, 'lrem');
  return removed;
}

function ltrim(ctx: CommandContext, argv: Buffer[]): Reply {
  const start = parseIndex(argv[2]!);
  const stop = parseIndex(argv[3]!);
  const key = keyOf(argv[1]!);
  const list = ctx.db.getWrite(key, 'list');
  if (list === undefined) return OK;
  const [from, to] = clampRange(start, stop, list.length);
  list.trim(from, to);
  afterRemoval(ctx, key, list, 'ltrim');
  return OK;
}

function lpos(ctx: CommandContext, argv: Buffer[]): Reply {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let i = 3; i < argv.length; i++) {
    const option = upper(argv[i]!);
    const last = i === argv.length - 1;
    if (option === 'RANK' && !last) {
      const value = parseIndex(argv[++i]!);
      if (value === 0) throw ListErrors.rankZero();
      // Redis negates the rank in 64 bits; LLONG_MIN stays negative and then acts like -1.
      rank = value === -(2 ** 63) ? -1 : value;
    } else if (option === 'COUNT' && !last) {
      // As Redis: a COUNT (or MAXLEN) that is not an integer gets the same error as a negative one.
      const value = tryParseInteger(argv[++i]!);
      if (value === undefined || value < 0) throw ListErrors.countNegative();
      count = value;
    } else if (option === 'MAXLEN' && !last) {
      const value = tryParseInteger(argv[++i]!);
      if (value === undefined || value < 0) throw ListErrors.maxlenNegative();
      maxlen = value;
    } else {
      throw Errors.syntax();
    }
  }
  const list = ctx.db.getRead(keyOf(argv[1]!), 'list');
  if (list === undefined) return count === -1 ? null : [];
  const element = argv[2]!;
  const wanted = count === 0 ? Infinity : count === -1 ? 1 : count;
  const len = list.length;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  // A rank of -N means "the N-th match scanning from the tail"; skip |rank|-1 matches first.
  let skip = Math.abs(rank) - 1;
  const found: number[] = [];
  list.scan(rank < 0, limit, (item, index) => {
    if (!item.equals(element)) return true;
    if (skip > 0) {
      skip--;
      return true;
    }
    found.push(index);
    return found.length < wanted;
  });
  if (count === -1) return found.length === 0 ? null : found[0]!;
  return found;
}

// ---------------------------------------------------------------- LMOVE and friends

/**
 * Move one element from the `from` end of `source` to the `to` end of `destination`. The source
 * must hold a non-empty list; throws WRONGTYPE when the destination is not a list.
 */
function moveElement(ctx: CommandContext, source: string, list: List, destination: string, from: End, to: End): Buffer {
  const target = ctx.db.getWrite(destination, 'list');
  const value = pop(list, from);
  // Same key: the element goes back onto the same list (a rotation), which still exists.
  const dest = destination === source ? list : target;
  pushValues(ctx, destination, [value], to, dest);
  afterRemoval(ctx, source, list, from === 'left' ? 'lpop' : 'rpop');
  return value;
}

function lmoveGeneric(ctx: CommandContext, source: string, destination: string, from: End, to: End): Reply {
  const list = ctx.db.getWrite(source, 'list');
  if (list === undefined) return null;
  return moveElement(ctx, source, list, destination, from, to);
}

// Effects: a blocking pop is recorded as its non-blocking form (what it did, not how it waited).
const LPOP = Buffer.from('LPOP');
const RPOP = Buffer.from('RPOP');
const LMOVE = Buffer.from('LMOVE');
const RPOPLPUSH = Buffer.from('RPOPLPUSH');
const kb = (key: string) => Buffer.from(key, 'latin1');

function propagatePop(ctx: CommandContext, key: string, end: End, count?: number): void {
  if (!ctx.propagating) return;
  const command = [end === 'left' ? LPOP : RPOP, kb(key)];
  if (count !== undefined) command.push(Buffer.from(String(count)));
  ctx.propagateAs(command);
}

/** `ends`: BLMOVE's wherefrom/whereto arguments as sent (Redis records them unchanged). */
function blockingMove(ctx: CommandContext, source: string, list: List, destination: string, from: End, to: End, ends: Buffer[] | undefined): Buffer {
  const value = moveElement(ctx, source, list, destination, from, to);
  if (ctx.propagating) {
    ctx.propagateAs(ends === undefined ? [RPOPLPUSH, kb(source), kb(destination)] : [LMOVE, kb(source), kb(destination), ...ends]);
  }
  return value;
}

function blmoveGeneric(
  ctx: CommandContext,
  source: string,
  destination: string,
  from: End,
  to: End,
  timeoutMs: number,
  ends: Buffer[] | undefined,
): HandlerResult {
  const list = ctx.db.getWrite(source, 'list');
  if (list !== undefined) return blockingMove(ctx, source, list, destination, from, to, ends);
  // Redis answers a timeout with a null array but, inside MULTI or a script, a null bulk string.
  if (ctx.noBlock) return null;
  return ctx.block({
    keys: [source],
    timeoutMs,
    timeoutReply: NULL_ARRAY,
    retry: (c) => {
      const entry = c.db.lookupWrite(source);
      if (entry === undefined || entry.type !== 'list' || entry.value.length === 0) return undefined;
      // A destination of another type fails the wait with WRONGTYPE; the source stays as it was.
      const target = c.db.lookupWrite(destination);
      if (target !== undefined && target.type !== 'list') return Errors.wrongType();
      // Served after waiting, Redis records the ends in lower case whatever was sent.
      return blockingMove(c, source, entry.value, destination, from, to, ends && [Buffer.from(from), Buffer.from(to)]);
    },
  });
}

// ---------------------------------------------------------------- BLPOP / LMPOP

/** The first key (argument order) holding a list; WRONGTYPE if one before it is not a list. */
function firstList(ctx: CommandContext, keys: string[]): { key: string; list: List } | undefined {
  for (const key of keys) {
    const list = ctx.db.getWrite(key, 'list');
    if (list !== undefined) return { key, list };
  }
  return undefined;
}

/** For a blocked client being served: keys of another type are skipped, never an error. */
function firstListForRetry(ctx: CommandContext, keys: string[]): { key: string; list: List } | undefined {
  for (const key of keys) {
    const entry = ctx.db.lookupWrite(key);
    if (entry !== undefined && entry.type === 'list' && entry.value.length !== 0) return { key, list: entry.value };
  }
  return undefined;
}

function bpopGeneric(ctx: CommandContext, argv: Buffer[], end: End): HandlerResult {
  const timeoutMs = parseTimeout(argv[argv.length - 1]!);
  const keys = argv.slice(1, -1).map(keyOf);
  const serve = (c: CommandContext, found: { key: string; list: List }): Reply => {
    const value = pop(found.list, end);
    afterRemoval(c, found.key, found.list, end === 'left' ? 'lpop' : 'rpop');
    propagatePop(c, found.key, end);
    return [keyReply(found.key), value];
  };
  const ready = firstList(ctx, keys);
  if (ready !== undefined) return serve(ctx, ready);
  return ctx.block({
    keys,
    timeoutMs,
    timeoutReply: NULL_ARRAY,
    retry: (c) => {
      const found = firstListForRetry(c, keys);
      return found === undefined ? undefined : serve(c, found);
    },
  });
}

interface MpopArgs {
  keys: string[];
  end: End;
  count: number;
}

/** numkeys key... LEFT|RIGHT [COUNT n], starting at argv[at]. */
function parseMpop(argv: Buffer[], at: number): MpopArgs {
  const numkeys = tryParseInteger(argv[at]!);
  if (numkeys === undefined || numkeys <= 0) throw ListErrors.numkeys();
  const whereAt = at + numkeys + 1;
  if (whereAt >= argv.length) throw Errors.syntax();
  const end = parseEnd(argv[whereAt]!);
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && upper(argv[j]!) === 'COUNT' && j + 1 < argv.length) {
      const value = tryParseInteger(argv[++j]!);
      if (value === undefined || value <= 0) throw ListErrors.count();
      count = value;
    } else {
      throw Errors.syntax();
    }
  }
  return { keys: argv.slice(at + 1, whereAt).map(keyOf), end, count: count === -1 ? 1 : count };
}

function mpopServe(ctx: CommandContext, key: string, list: List, args: MpopArgs): Reply {
  const values: Buffer[] = [];
  const n = Math.min(args.count, list.length);
  for (let i = 0; i < n; i++) values.push(pop(list, args.end));
  afterRemoval(ctx, key, list, args.end === 'left' ? 'lpop' : 'rpop');
  propagatePop(ctx, key, args.end, n);
  return [keyReply(key), values];
}

function lmpop(ctx: CommandContext, argv: Buffer[]): Reply {
  const args = parseMpop(argv, 1);
  const found = firstList(ctx, args.keys);
  return found === undefined ? NULL_ARRAY : mpopServe(ctx, found.key, found.list, args);
}

function blmpop(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  // As Redis: numkeys, keys and options are checked before the timeout.
  const args = parseMpop(argv, 2);
  const timeoutMs = parseTimeout(argv[1]!);
  const found = firstList(ctx, args.keys);
  if (found !== undefined) return mpopServe(ctx, found.key, found.list, args);
  return ctx.block({
    keys: args.keys,
    timeoutMs,
    timeoutReply: NULL_ARRAY,
    retry: (c) => {
      const ready = firstListForRetry(c, args.keys);
      return ready === undefined ? undefined : mpopServe(c, ready.key, ready.list, args);
    },
  });
}

// ---------------------------------------------------------------- specs

const WRITE_FAST = ['@write', '@list', '@fast'];
const WRITE_SLOW = ['@write', '@list', '@slow'];
const READ_FAST = ['@read', '@list', '@fast'];
const READ_SLOW = ['@read', '@list', '@slow'];
const BLOCKING = ['@write', '@list', '@slow', '@blocking'];

export const specs: CommandSpec[] = [
  {
    name: 'lpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => pushGeneric(ctx, argv, 'left', false),
  },
  {
    name: 'rpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => pushGeneric(ctx, argv, 'right', false),
  },
  {
    name: 'lpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => pushGeneric(ctx, argv, 'left', true),
  },
  {
    name: 'rpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => pushGeneric(ctx, argv, 'right', true),
  },
  {
    name: 'lpop',
    arity: -2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => popGeneric(ctx, argv, 'left'),
  },
  {
    name: 'rpop',
    arity: -2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => popGeneric(ctx, argv, 'right'),
  },
  {
    name: 'llen',
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => ctx.db.getRead(keyOf(argv[1]!), 'list')?.length ?? 0,
  },
  { name: 'lrange', arity: 4, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: lrange },
  { name: 'lindex', arity: 3, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: lindex },
  { name: 'lset', arity: 4, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_SLOW, handler: lset },
  { name: 'linsert', arity: 5, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_SLOW, handler: linsert },
  { name: 'lrem', arity: 4, flags: ['write'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_SLOW, handler: lrem },
  { name: 'ltrim', arity: 4, flags: ['write'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_SLOW, handler: ltrim },
  { name: 'lpos', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: lpos },
  {
    name: 'lmove',
    arity: 5,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => lmoveGeneric(ctx, keyOf(argv[1]!), keyOf(argv[2]!), parseEnd(argv[3]!), parseEnd(argv[4]!)),
  },
  {
    name: 'rpoplpush',
    arity: 3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => lmoveGeneric(ctx, keyOf(argv[1]!), keyOf(argv[2]!), 'right', 'left'),
  },
  { name: 'lmpop', arity: -4, flags: ['write', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, categories: WRITE_SLOW, handler: lmpop },
  {
    name: 'blpop',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    firstKey: 1,
    lastKey: -2,
    step: 1,
    categories: BLOCKING,
    handler: (ctx, argv) => bpopGeneric(ctx, argv, 'left'),
  },
  {
    name: 'brpop',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    firstKey: 1,
    lastKey: -2,
    step: 1,
    categories: BLOCKING,
    handler: (ctx, argv) => bpopGeneric(ctx, argv, 'right'),
  },
  {
    name: 'blmove',
    arity: 6,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    categories: BLOCKING,
    handler: (ctx, argv) => {
      const from = parseEnd(argv[3]!);
      const to = parseEnd(argv[4]!);
      const timeoutMs = parseTimeout(argv[5]!);
      return blmoveGeneric(ctx, keyOf(argv[1]!), keyOf(argv[2]!), from, to, timeoutMs, [argv[3]!, argv[4]!]);
    },
  },
  {
    name: 'brpoplpush',
    arity: 4,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    categories: BLOCKING,
    handler: (ctx, argv) => blmoveGeneric(ctx, keyOf(argv[1]!), keyOf(argv[2]!), 'right', 'left', parseTimeout(argv[3]!), undefined),
  },
  {
    name: 'blmpop',
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: BLOCKING,
    handler: blmpop,
  },
];

// String commands: GET/SET and friends, counters, ranges, LCS.
import { Errors, KeyErrors } from '../protocol/errors.js';
import {
  addLongDouble,
  formatLongDouble,
  isInt64,
  parseBigInt,
  parseInteger,
  parseLongDouble,
  tryParseBigInt,
  tryParseInteger,
} from '../protocol/numbers.js';
import { Latin1, MapReply, OK, type Reply } from '../protocol/reply.js';
import { exposure } from '../protocol/writer.js';
import { storedString, stringBytes, type Database, type StoredString } from '../store/database.js';
import type { CommandContext, CommandFlag, CommandSpec } from './types.js';
import { latin1String } from '../protocol/latin1.js';

const MAX_I64 = 2n ** 63n - 1n;
const MIN_I64 = -(2n ** 63n);

const keyOf = (argv: Buffer[], i: number) => latin1String(argv[i]!);
const lower = (argv: Buffer[], i: number) => latin1String(argv[i]!).toLowerCase();

// ------------------------------------------------------------------ encodings (OBJECT ENCODING)

/**
 * Redis picks a string's encoding when it stores it: "int" for a canonical 64-bit integer of at
 * most 20 bytes, "embstr" up to 44 bytes, "raw" above. Some commands store strings without that
 * step (APPEND and SETRANGE on an existing value make it "raw"; INCRBYFLOAT never makes "int"),
 * so those record an override here. Keyed by the stored Buffer, so RENAME/MOVE keep it.
 */
const encodingOverride = new WeakMap<Buffer, 'raw' | 'embstr'>();

export function stringEncoding(value: StoredString): 'int' | 'embstr' | 'raw' {
  // Values kept as latin1 strings are stored by SET-like commands only: never overridden.
  const forced = typeof value === 'string' ? undefined : encodingOverride.get(value);
  if (forced === 'raw') return 'raw';
  if (forced === undefined && value.length <= 20 && tryParseBigInt(value) !== undefined) return 'int';
  return value.length <= 44 ? 'embstr' : 'raw';
}

/** Record that `value` was stored the way Redis stores a string it edits in place: "raw" (bitmaps, HLLs). */
export function markRaw(value: Buffer): Buffer {
  encodingOverride.set(value, 'raw');
  return value;
}

/** A stored copy of a string value, keeping its encoding (COPY). */
export function copyString(value: StoredString): StoredString {
  if (typeof value === 'string') return value;
  const copy = Buffer.from(value);
  const forced = encodingOverride.get(value);
  if (forced !== undefined) encodingOverride.set(copy, forced);
  return copy;
}

// ------------------------------------------------------------------ helpers

/** A string value as bytes (converted to a Buffer once, see Database.getRead). */
function getString(db: Database, key: string): Buffer | undefined {
  return db.getRead(key, 'string');
}

/** A stored string as a reply: a latin1-kept value is wrapped, never copied. */
function valueReply(value: StoredString | undefined): Reply {
  if (value === undefined) return null;
  return typeof value === 'string' ? new Latin1(value) : value;
}

function maxBulkLen(ctx: CommandContext): number {
  return ctx.server.config.number('proto-max-bulk-len');
}

/** Store a fresh string (copied: argv may point into the socket buffer). */
function store(ctx: CommandContext, key: string, value: Buffer, keepTtl = false): void {
  ctx.db.set(key, 'string', storedString(value), keepTtl);
}

/** Relative or absolute expiry argument → absolute ms, with SET/GETEX/SETEX's validation. */
function expireArgToMs(command: string, arg: Buffer, unit: 's' | 'ms', absolute: boolean): number {
  const value = parseBigInt(arg);
  if (value <= 0n || (unit === 's' && value > MAX_I64 / 1000n)) throw Errors.invalidExpire(command);
  let ms = unit === 's' ? value * 1000n : value;
  if (!absolute) ms += BigInt(Date.now());
  if (ms > MAX_I64 || ms <= 0n) throw Errors.invalidExpire(command);
  return Number(ms);
}

// Effects (what the AOF records): a relative expiry becomes an absolute one, as in Redis.
const SET = Buffer.from('SET');
const PXAT = Buffer.from('PXAT');
const PEXPIREAT = Buffer.from('PEXPIREAT');
const KEEPTTL = Buffer.from('KEEPTTL');
const DEL = Buffer.from('DEL');
const PERSIST = Buffer.from('PERSIST');

/** SET key value PXAT <ms>: the effect of SET EX/PX/EXAT, SETEX and PSETEX. */
function propagateSetPxat(ctx: CommandContext, key: Buffer, value: Buffer, atMs: number): void {
  if (ctx.propagating) ctx.propagateAs([SET, key, value, PXAT, Buffer.from(String(atMs))]);
}

function setExpireAndNotify(ctx: CommandContext, key: string, atMs: number): void {
  ctx.db.setExpire(key, atMs);
  ctx.notify('g', 'expire', key);
}

// ------------------------------------------------------------------ SET

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_PERSIST = 16;
const SET_EX = 32;
const SET_PX = 64;
const SET_EXAT = 128;
const SET_PXAT = 256;
const ANY_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

interface ExpireOption {
  flags: number;
  /** The expiry argument, when one of EX/PX/EXAT/PXAT was given. */
  expire: Buffer | undefined;
}

/**
 * Parse SET's or GETEX's options the way Redis does: each option is accepted only when it does
 * not conflict with the ones seen so far, anything else is a syntax error.
 */
function parseSetOptions(argv: Buffer[], start: number, command: 'set' | 'getex'): ExpireOption {
  let flags = 0;
  let expire: Buffer | undefined;
  const isSet = command === 'set';
  for (let j = start; j < argv.length; j++) {
    const opt = lower(argv, j);
    const hasNext = j + 1 < argv.length;
    if (opt === 'nx' && isSet && !(flags & SET_XX)) flags |= SET_NX;
    else if (opt === 'xx' && isSet && !(flags & SET_NX)) flags |= SET_XX;
    else if (opt === 'get' && isSet) flags |= SET_GET;
    else if (opt === 'keepttl' && isSet && !(flags & (SET_PERSIST | ANY_EXPIRE))) flags |= SET_KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (ANY_EXPIRE | SET_KEEPTTL))) flags |= SET_PERSIST;
    else if (hasNext && (opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat')) {
      const bit = opt === 'ex' ? SET_EX : opt === 'px' ? SET_PX : opt === 'exat' ? SET_EXAT : SET_PXAT;
      if (flags & (SET_KEEPTTL | SET_PERSIST | (ANY_EXPIRE & ~bit))) throw Errors.syntax();
      flags |= bit;
      expire = argv[++j]!;
    } else throw Errors.syntax();
  }
  return { flags, expire };
}

function expireFromOptions(command: string, o: ExpireOption): number | undefined {
  if (o.expire === undefined) return undefined;
  const unit = o.flags & (SET_EX | SET_EXAT) ? 's' : 'ms';
  const absolute = (o.flags & (SET_EXAT | SET_PXAT)) !== 0;
  return expireArgToMs(command, o.expire, unit, absolute);
}

function setCommand(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length === 3) {
    // Plain SET key value: no options to parse, no old value needed.
    const key = keyOf(argv, 1);
    ctx.db.replace(key, 'string', storedString(argv[2]!));
    ctx.notify('$', 'set', key);
    return OK;
  }
  const options = parseSetOptions(argv, 3, 'set');
  const at = expireFromOptions('set', options);
  const key = keyOf(argv, 1);
  const { flags } = options;
  let old: Reply = null;
  if (flags & SET_GET) old = valueReply(ctx.db.getStringRead(key));
  // Always looked up (as Redis does): a key whose TTL has passed is deleted first, so KEEPTTL
  // cannot carry its stale TTL over to the new value.
  const exists = ctx.db.lookupWrite(key) !== undefined;
  if ((flags & SET_NX && exists) || (flags & SET_XX && !exists)) return flags & SET_GET ? old : null;
  store(ctx, key, argv[2]!, (flags & SET_KEEPTTL) !== 0);
  ctx.notify('$', 'set', key);
  if (at !== undefined) {
    setExpireAndNotify(ctx, key, at);
    // Every expiry, PXAT too, is written as Redis writes it: SET key value PXAT <ms>.
    propagateSetPxat(ctx, argv[1]!, argv[2]!, at);
  } else if (flags & SET_GET && ctx.propagating) {
    // GET changes only the reply: the effect is the SET without it, as Redis writes it.
    ctx.propagateAs(argv.filter((arg, j) => j < 3 || arg.length !== 3 || arg.toString('latin1').toLowerCase() !== 'get'));
  }
  return flags & SET_GET ? old : OK;
}

// ------------------------------------------------------------------ counters

function incrBy(ctx: CommandContext, key: string, delta: bigint | number): Reply {
  // Looked up for writing, as Redis does: no keyspace hit or miss is counted.
  const entry = ctx.db.stringEntryWrite(key);
  const current = entry?.value;
  // Common case in plain numbers: both operands well inside 2^53, so the sum is exact.
  if (typeof delta === 'number' && (current === undefined || current.length < 16)) {
    const base = current === undefined ? 0 : tryParseInteger(current);
    if (base === undefined) throw Errors.notInteger();
    const sum = base + delta;
    if (Number.isSafeInteger(sum)) {
      if (entry !== undefined) ctx.db.overwriteString(key, entry, String(sum));
      else ctx.db.set(key, 'string', String(sum), true);
      ctx.notify('$', 'incrby', key);
      return sum;
    }
  }
  delta = BigInt(delta);
  let value = 0n;
  if (current !== undefined) {
    const parsed = tryParseBigInt(current);
    if (parsed === undefined) throw Errors.notInteger();
    value = parsed;
  }
  const result = value + delta;
  if (!isInt64(result)) throw Errors.overflow();
  ctx.db.set(key, 'string', result.toString(), true);
  ctx.notify('$', 'incrby', key);
  return result >= BigInt(Number.MIN_SAFE_INTEGER) && result <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result) : result;
}

function incrByFloat(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv, 1);
  const current = ctx.db.getWrite(key, 'string');
  const base = current === undefined ? { mant: 0n, exp: 0 } : parseLongDouble(current);
  const increment = parseLongDouble(argv[2]!);
  if (base === undefined || increment === undefined) throw Errors.notFloat();
  const sum = addLongDouble(base, increment);
  if (sum === undefined || 'inf' in sum) throw Errors.incrNaN();
  const text = Buffer.from(formatLongDouble(sum), 'latin1');
  encodingOverride.set(text, text.length <= 44 ? 'embstr' : 'raw');
  ctx.db.set(key, 'string', text, true);
  ctx.notify('$', 'incrbyfloat', key);
  // The effect is the result, not the addition (float formatting must not drift between replicas).
  if (ctx.propagating) ctx.propagateAs([SET, argv[1]!, text, KEEPTTL]);
  return text;
}

// ------------------------------------------------------------------ ranges

/** Redis's GETRANGE index normalisation; undefined when the range is empty. */
function normaliseRange(start: number, end: number, len: number): [number, number] | undefined {
  if (start < 0 && end < 0 && start > end) return undefined;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return undefined;
  return [start, end];
}

function getRange(ctx: CommandContext, argv: Buffer[]): Reply {
  const start = parseInteger(argv[2]!);
  const end = parseInteger(argv[3]!);
  const value = ctx.db.getStringRead(keyOf(argv, 1));
  if (value === undefined) return Buffer.alloc(0);
  const range = normaliseRange(start, end, value.length);
  if (range === undefined) return Buffer.alloc(0);
  return typeof value === 'string' ? new Latin1(value.slice(range[0], range[1] + 1)) : value.subarray(range[0], range[1] + 1);
}

// ------------------------------------------------------------------ in-place edits (SETRANGE, APPEND)

/**
 * Stored Buffers that SETRANGE and APPEND made (each over an ArrayBuffer of its own, from offset 0,
 * with spare room after it) → the exposure epoch when they were made. Such a value is edited in
 * place while the epoch has not moved since: nothing outside the store can hold it (a reply queued
 * by reference or a database walk moves the epoch), so no one sees the bytes change under them.
 */
const editable = new WeakMap<Buffer, number>();

const GROW_STEP = 1024 * 1024;

/** A zero-filled value of `length` bytes with room to grow (double, then 1 MiB more), editable. */
function growableValue(length: number, exact = false): Buffer {
  const capacity = exact || length === 0 ? length : length < GROW_STEP ? length * 2 : length + GROW_STEP;
  const value = Buffer.from(new ArrayBuffer(capacity), 0, length);
  encodingOverride.set(value, 'raw');
  editable.set(value, exposure.epoch);
  return value;
}

/**
 * `current` viewed with `length` bytes when it may be edited in place and its ArrayBuffer has the
 * room (the bytes past its old length zeroed); undefined when the caller must copy.
 */
function inPlace(current: Buffer, length: number): Buffer | undefined {
  if (editable.get(current) !== exposure.epoch || current.byteOffset !== 0 || current.buffer.byteLength < length) return undefined;
  if (length === current.length) return current;
  const value = Buffer.from(current.buffer, 0, length);
  value.fill(0, current.length);
  encodingOverride.set(value, 'raw');
  editable.set(value, exposure.epoch);
  editable.delete(current);
  return value;
}

/** `current` grown to `length` bytes (zeros after its bytes), in place when it can be. */
function grownValue(current: Buffer, length: number): Buffer {
  const value = inPlace(current, Math.max(length, current.length));
  if (value !== undefined) return value;
  // Room to grow only when it grows; an edit within its length copies it to size.
  const copy = growableValue(Math.max(length, current.length), length <= current.length);
  current.copy(copy);
  return copy;
}

function setRange(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv, 1);
  const offset = parseInteger(argv[2]!);
  const patch = argv[3]!;
  if (offset < 0) throw KeyErrors.offsetOutOfRange();
  const current = ctx.db.getWrite(key, 'string');
  if (current === undefined) {
    if (patch.length === 0) return 0;
    if (offset + patch.length > maxBulkLen(ctx)) throw KeyErrors.stringTooLong();
    // Made to size, as Redis does for a new key; it gets room when it first grows.
    const value = growableValue(offset + patch.length, true);
    patch.copy(value, offset);
    ctx.db.set(key, 'string', value);
    ctx.notify('$', 'setrange', key);
    return value.length;
  }
  if (patch.length === 0) return current.length;
  if (offset + patch.length > maxBulkLen(ctx)) throw KeyErrors.stringTooLong();
  const value = grownValue(current, offset + patch.length);
  patch.copy(value, offset);
  // The same Buffer when edited in place: set() still signals WATCH, tracking and the dirty count.
  ctx.db.set(key, 'string', value, true);
  ctx.notify('$', 'setrange', key);
  return value.length;
}

function append(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv, 1);
  const current = ctx.db.getWrite(key, 'string');
  const tail = argv[2]!;
  let value: Buffer;
  if (current === undefined) {
    value = Buffer.from(tail);
    ctx.db.set(key, 'string', value);
  } else {
    if (current.length + tail.length > maxBulkLen(ctx)) throw KeyErrors.stringTooLong();
    const length = current.length;
    value = grownValue(current, length + tail.length);
    tail.copy(value, length);
    ctx.db.set(key, 'string', value, true);
  }
  ctx.notify('$', 'append', key);
  return value.length;
}

// ------------------------------------------------------------------ LCS

function lcs(ctx: CommandContext, argv: Buffer[]): Reply {
  // As Redis: the keys' types are checked before the options are parsed.
  const ea = ctx.db.lookupRead(keyOf(argv, 1));
  const eb = ctx.db.lookupRead(keyOf(argv, 2));
  if ((ea !== undefined && ea.type !== 'string') || (eb !== undefined && eb.type !== 'string')) {
    throw KeyErrors.lcsNotStrings();
  }
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = lower(argv, j);
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && j + 1 < argv.length) {
      minMatchLen = parseInteger(argv[++j]!);
      if (minMatchLen < 0) minMatchLen = 0;
    } else throw Errors.syntax();
  }
  if (getIdx && getLen) throw KeyErrors.lcsLenAndIdx();
  const a = ea === undefined ? Buffer.alloc(0) : stringBytes(ea.value as StoredString);
  const b = eb === undefined ? Buffer.alloc(0) : stringBytes(eb.value as StoredString);
  const alen = a.length;
  const blen = b.length;
  if ((alen + 1) * (blen + 1) * 4 > maxBulkLen(ctx)) throw KeyErrors.lcsTooMuchMemory();

  // table[i][j] = LCS length of a[0..i) and b[0..j), stored row-major.
  const width = blen + 1;
  const table = new Uint32Array((alen + 1) * width);
  for (let i = 1; i <= alen; i++) {
    for (let j = 1; j <= blen; j++) {
      table[i * width + j] =
        a[i - 1] === b[j - 1]
          ? table[(i - 1) * width + j - 1]! + 1
          : Math.max(table[(i - 1) * width + j]!, table[i * width + j - 1]!);
    }
  }
  const total = table[alen * width + blen]!;
  if (getLen) return total;

  // Walk back from the end, collecting the LCS and (for IDX) the runs that are contiguous in
  // both strings, last run first.
  const out = Buffer.alloc(total);
  let idx = total;
  const matches: Reply[] = [];
  let run: { a0: number; a1: number; b0: number; b1: number } | undefined;
  const emit = () => {
    if (run === undefined) return;
    const len = run.a1 - run.a0 + 1;
    if (len >= minMatchLen) {
      const item: Reply[] = [
        [run.a0, run.a1],
        [run.b0, run.b1],
      ];
      if (withMatchLen) item.push(len);
      matches.push(item);
    }
    run = undefined;
  };
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    if (a[i - 1] === b[j - 1]) {
      out[--idx] = a[i - 1]!;
      if (run !== undefined && run.a0 === i && run.b0 === j) {
        run.a0--;
        run.b0--;
      } else {
        emit();
        run = { a0: i - 1, a1: i - 1, b0: j - 1, b1: j - 1 };
      }
      i--;
      j--;
    } else if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--;
    else j--;
  }
  emit();
  if (!getIdx) return out;
  return new MapReply(['matches', matches, 'len', total]);
}

// ------------------------------------------------------------------ specs

type Handler = CommandSpec['handler'];

function spec(
  name: string,
  arity: number,
  flags: CommandFlag[],
  keys: [number, number, number],
  categories: string[],
  handler: Handler,
): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], categories, handler };
}

const W = ['@write', '@string'];
const R = ['@read', '@string'];
const ONE: [number, number, number] = [1, 1, 1];

export const specs: CommandSpec[] = [
  spec('get', 2, ['readonly', 'fast'], ONE, [...R, '@fast'], (ctx, argv) => valueReply(ctx.db.getStringRead(keyOf(argv, 1)))),
  spec('set', -3, ['write', 'denyoom'], ONE, [...W, '@slow'], setCommand),
  spec('setnx', 3, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => {
    const key = keyOf(argv, 1);
    if (ctx.db.lookupWrite(key) !== undefined) return 0;
    store(ctx, key, argv[2]!);
    ctx.notify('$', 'set', key);
    return 1;
  }),
  ...(['setex', 'psetex'] as const).map((name) =>
    spec(name, 4, ['write', 'denyoom'], ONE, [...W, '@slow'], (ctx, argv) => {
      const at = expireArgToMs(name, argv[2]!, name === 'setex' ? 's' : 'ms', false);
      const key = keyOf(argv, 1);
      store(ctx, key, argv[3]!);
      ctx.notify('$', 'set', key);
      setExpireAndNotify(ctx, key, at);
      propagateSetPxat(ctx, argv[1]!, argv[3]!, at);
      return OK;
    }),
  ),
  spec('getset', 3, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => {
    const key = keyOf(argv, 1);
    const old = valueReply(ctx.db.getStringRead(key));
    store(ctx, key, argv[2]!);
    ctx.notify('$', 'set', key);
    return old;
  }),
  spec('getdel', 2, ['write', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => {
    const key = keyOf(argv, 1);
    const old = ctx.db.getStringRead(key);
    if (old === undefined) return null;
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
    return valueReply(old);
  }),
  spec('getex', -2, ['write', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => {
    const options = parseSetOptions(argv, 2, 'getex');
    const key = keyOf(argv, 1);
    const value = ctx.db.getStringRead(key);
    if (value === undefined) return null;
    const at = expireFromOptions('getex', options);
    if (at !== undefined) {
      if (at <= Date.now()) {
        ctx.db.delete(key);
        ctx.notify('g', 'del', key);
        if (ctx.propagating) ctx.propagateAs([DEL, argv[1]!]);
      } else {
        setExpireAndNotify(ctx, key, at);
        if (ctx.propagating) ctx.propagateAs([PEXPIREAT, argv[1]!, Buffer.from(String(at))]);
      }
    } else if (options.flags & SET_PERSIST && ctx.db.persist(key)) {
      ctx.notify('g', 'persist', key);
      if (ctx.propagating) ctx.propagateAs([PERSIST, argv[1]!]);
    }
    return valueReply(value);
  }),
  spec('mget', -2, ['readonly', 'fast'], [1, -1, 1], [...R, '@fast'], (ctx, argv) => {
    const out: Reply[] = [];
    for (let i = 1; i < argv.length; i++) {
      const entry = ctx.db.lookupRead(keyOf(argv, i));
      out.push(entry !== undefined && entry.type === 'string' ? valueReply(entry.value) : null);
    }
    return out;
  }),
  spec('mset', -3, ['write', 'denyoom'], [1, -1, 2], [...W, '@slow'], (ctx, argv) => {
    if (argv.length % 2 === 0) throw Errors.wrongArity('mset');
    for (let i = 1; i < argv.length; i += 2) {
      const key = keyOf(argv, i);
      store(ctx, key, argv[i + 1]!);
      ctx.notify('$', 'set', key);
    }
    return OK;
  }),
  spec('msetnx', -3, ['write', 'denyoom'], [1, -1, 2], [...W, '@slow'], (ctx, argv) => {
    if (argv.length % 2 === 0) throw Errors.wrongArity('msetnx');
    for (let i = 1; i < argv.length; i += 2) if (ctx.db.lookupWrite(keyOf(argv, i)) !== undefined) return 0;
    for (let i = 1; i < argv.length; i += 2) {
      const key = keyOf(argv, i);
      store(ctx, key, argv[i + 1]!);
      ctx.notify('$', 'set', key);
    }
    return 1;
  }),
  spec('append', 3, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], append),
  spec('strlen', 2, ['readonly', 'fast'], ONE, [...R, '@fast'], (ctx, argv) => ctx.db.getStringRead(keyOf(argv, 1))?.length ?? 0),
  spec('getrange', 4, ['readonly'], ONE, [...R, '@slow'], getRange),
  spec('substr', 4, ['readonly'], ONE, [...R, '@slow'], getRange),
  spec('setrange', 4, ['write', 'denyoom'], ONE, [...W, '@slow'], setRange),
  spec('incr', 2, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => incrBy(ctx, keyOf(argv, 1), 1)),
  spec('decr', 2, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => incrBy(ctx, keyOf(argv, 1), -1)),
  spec('incrby', 3, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], (ctx, argv) =>
    incrBy(ctx, keyOf(argv, 1), argv[2]!.length < 16 ? parseInteger(argv[2]!) : parseBigInt(argv[2]!)),
  ),
  spec('decrby', 3, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], (ctx, argv) => {
    const delta = parseBigInt(argv[2]!);
    if (delta === MIN_I64) throw KeyErrors.decrementOverflow();
    return incrBy(ctx, keyOf(argv, 1), -delta);
  }),
  spec('incrbyfloat', 3, ['write', 'denyoom', 'fast'], ONE, [...W, '@fast'], incrByFloat),
  spec('lcs', -3, ['readonly'], [1, 2, 1], [...R, '@slow'], lcs),
];

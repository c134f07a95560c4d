// Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO. Bitmaps are
// plain string values; bit 0 is the most significant bit of the first byte, as in Redis.
import { Errors } from '../protocol/errors.js';
import { parseBigInt, tryParseBigInt } from '../protocol/numbers.js';
import { ReplyError, type Reply } from '../protocol/reply.js';
import { markRaw } from './strings.js';
import type { CommandContext, CommandFlag, CommandSpec } from './types.js';

// Error texts of this group (to be folded into protocol/errors.ts).
const BitErrors = {
  offset: () => new ReplyError('ERR bit offset is not an integer or out of range'),
  bitValue: () => new ReplyError('ERR bit is not an integer or out of range'),
  bitposBit: () => new ReplyError('ERR The bit argument must be 1 or 0.'),
  notSingleKey: () => new ReplyError('ERR BITOP NOT must be called with a single source key.'),
  fieldType: () =>
    new ReplyError('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.'),
  overflowType: () => new ReplyError('ERR Invalid OVERFLOW type specified'),
  readOnly: () => new ReplyError('ERR BITFIELD_RO only supports the GET subcommand'),
};

const keyOf = (argv: Buffer[], i: number) => argv[i]!.toString('latin1');
const lower = (argv: Buffer[], i: number) => argv[i]!.toString('latin1').toLowerCase();
const EMPTY = Buffer.alloc(0);

/** Set bits per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** An integer reply: a number when exact, a bigint beyond 2^53. */
function intReply(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * A bit offset argument. With `perField` (BITFIELD), `#n` means the n-th field of `bits` bits.
 * Offsets whose byte would lie at or beyond proto-max-bulk-len are refused, as Redis does.
 */
function parseBitOffset(ctx: CommandContext, arg: Buffer, perField = 0): number {
  let text = arg.toString('latin1');
  const byField = perField > 0 && text.startsWith('#');
  if (byField) text = text.slice(1);
  let offset = tryParseBigInt(text);
  if (offset === undefined) throw BitErrors.offset();
  // C multiplies in 64 bits: a product past 2^63 wraps (usually to a negative offset).
  if (byField) offset = BigInt.asIntN(64, offset * BigInt(perField));
  if (offset < 0n || offset >> 3n >= BigInt(ctx.server.config.number('proto-max-bulk-len'))) throw BitErrors.offset();
  return Number(offset);
}

function getBit(buf: Buffer, offset: number): number {
  const byte = Math.floor(offset / 8);
  if (byte >= buf.length) return 0;
  return (buf[byte]! >> (7 - (offset & 7))) & 1;
}

function setBit(buf: Buffer, offset: number, on: number): void {
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset & 7));
  buf[byte] = on ? buf[byte]! | mask : buf[byte]! & ~mask;
}

/** A string value read for a bit command: WRONGTYPE for other types, undefined when missing. */
function readString(ctx: CommandContext, key: string): Buffer | undefined {
  return ctx.db.getRead(key, 'string');
}

/**
 * The value a writing bit command works on (`current`: the stored string, looked up for
 * writing), as Redis prepares it: created zero-filled when missing, grown with zero bytes to hold `lastBit`. Always a fresh copy (replies queued earlier
 * may still reference the stored bytes); the caller mutates it and stores it with `commit`.
 */
function writableBits(current: Buffer | undefined, lastBit: number): Buffer {
  const need = Math.floor(lastBit / 8) + 1;
  if (current === undefined) return Buffer.alloc(need);
  const buf = Buffer.alloc(Math.max(need, current.length));
  current.copy(buf);
  return buf;
}

function commit(ctx: CommandContext, key: string, buf: Buffer): void {
  ctx.db.set(key, 'string', markRaw(buf), true);
}

// ------------------------------------------------------------------ SETBIT / GETBIT

function setbit(ctx: CommandContext, argv: Buffer[]): Reply {
  const offset = parseBitOffset(ctx, argv[2]!);
  const on = tryParseBigInt(argv[3]!);
  if (on === undefined || (on !== 0n && on !== 1n)) throw BitErrors.bitValue();
  const key = keyOf(argv, 1);
  const current = ctx.db.getWrite(key, 'string');
  const old = current === undefined ? 0 : getBit(current, offset);
  const grows = current === undefined || Math.floor(offset / 8) >= current.length;
  if (!grows && old === Number(on)) {
    // Nothing changes but the encoding: Redis unshares the value into a raw string.
    markRaw(current!);
    return old;
  }
  const buf = writableBits(current, offset);
  setBit(buf, offset, Number(on));
  commit(ctx, key, buf);
  ctx.notify('$', 'setbit', key);
  return old;
}

function getbit(ctx: CommandContext, argv: Buffer[]): Reply {
  const offset = parseBitOffset(ctx, argv[2]!);
  const value = readString(ctx, keyOf(argv, 1));
  return value === undefined ? 0 : getBit(value, offset);
}

// ------------------------------------------------------------------ BITCOUNT / BITPOS

/** Redis's byte/bit range normalisation. Returns [firstBit, lastBit] or undefined for an empty range. */
function bitRange(start: bigint, end: bigint, len: number, isBit: boolean): [number, number] | undefined {
  const total = BigInt(isBit ? len * 8 : len);
  if (start < 0n) start += total;
  if (end < 0n) end += total;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  if (start > end) return undefined;
  return isBit ? [Number(start), Number(end)] : [Number(start) * 8, Number(end) * 8 + 7];
}

function countBits(buf: Buffer, first: number, last: number): number {
  let count = 0;
  let bit = first;
  for (; bit <= last && (bit & 7) !== 0; bit++) count += getBit(buf, bit);
  const lastByte = Math.floor((last + 1) / 8);
  for (let byte = bit / 8; byte < lastByte; byte++) count += POPCOUNT[buf[byte]!]!;
  for (bit = Math.max(bit, lastByte * 8); bit <= last; bit++) count += getBit(buf, bit);
  return count;
}

function parseUnit(argv: Buffer[], i: number): boolean {
  const unit = lower(argv, i);
  if (unit === 'bit') return true;
  if (unit === 'byte') return false;
  throw Errors.syntax();
}

function bitcount(ctx: CommandContext, argv: Buffer[]): Reply {
  const value = readString(ctx, keyOf(argv, 1));
  if (value === undefined) return 0;
  if (argv.length === 2) return countBits(value, 0, value.length * 8 - 1);
  if (argv.length !== 4 && argv.length !== 5) throw Errors.syntax();
  const start = parseBigInt(argv[2]!);
  const end = parseBigInt(argv[3]!);
  if (start < 0n && end < 0n && start > end) return 0;
  const isBit = argv.length === 5 && parseUnit(argv, 4);
  const range = bitRange(start, end, value.length, isBit);
  return range === undefined ? 0 : countBits(value, range[0], range[1]);
}

function bitpos(ctx: CommandContext, argv: Buffer[]): Reply {
  const wanted = parseBigInt(argv[2]!);
  if (wanted !== 0n && wanted !== 1n) throw BitErrors.bitposBit();
  const bit = Number(wanted);
  const value = readString(ctx, keyOf(argv, 1));
  if (value === undefined) return bit ? -1 : 0;
  let range: [number, number] | undefined;
  let endGiven = false;
  if (argv.length === 3) range = value.length === 0 ? undefined : [0, value.length * 8 - 1];
  else if (argv.length <= 6) {
    const start = parseBigInt(argv[3]!);
    const isBit = argv.length === 6 && parseUnit(argv, 5);
    let end: bigint;
    if (argv.length >= 5) {
      end = parseBigInt(argv[4]!);
      endGiven = true;
    } else end = isBit ? BigInt(value.length * 8 + 7) : BigInt(value.length - 1);
    range = bitRange(start, end, value.length, isBit);
  } else throw Errors.syntax();
  if (range === undefined) return -1;
  const [first, last] = range;
  let pos = first;
  // Skip whole bytes that cannot hold the bit we look for.
  const skip = bit ? 0 : 255;
  while (pos <= last) {
    if ((pos & 7) === 0 && pos + 7 <= last && value[pos / 8] === skip) {
      pos += 8;
      continue;
    }
    if (getBit(value, pos) === bit) return pos;
    pos++;
  }
  // No clear bit inside the string: without an explicit end the string counts as zero-padded.
  if (bit === 0 && !endGiven) return last + 1;
  return -1;
}

// ------------------------------------------------------------------ BITOP

function bitop(ctx: CommandContext, argv: Buffer[]): Reply {
  const op = lower(argv, 1);
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') throw Errors.syntax();
  if (op === 'not' && argv.length !== 4) throw BitErrors.notSingleKey();
  const sources: Buffer[] = [];
  for (let i = 3; i < argv.length; i++) sources.push(readString(ctx, keyOf(argv, i)) ?? EMPTY);
  let maxLen = 0;
  for (const src of sources) if (src.length > maxLen) maxLen = src.length;
  const dest = keyOf(argv, 2);
  if (maxLen === 0) {
    if (ctx.db.delete(dest)) ctx.notify('g', 'del', dest);
    return 0;
  }
  const out = Buffer.alloc(maxLen);
  if (op === 'not') {
    const src = sources[0]!;
    for (let j = 0; j < maxLen; j++) out[j] = ~src[j]! & 255;
  } else {
    const first = sources[0]!;
    first.copy(out);
    for (let s = 1; s < sources.length; s++) {
      const src = sources[s]!;
      if (op === 'and') {
        for (let j = 0; j < maxLen; j++) out[j] = out[j]! & (j < src.length ? src[j]! : 0);
      } else if (op === 'or') {
        for (let j = 0; j < src.length; j++) out[j] = out[j]! | src[j]!;
      } else {
        for (let j = 0; j < src.length; j++) out[j] = out[j]! ^ src[j]!;
      }
    }
  }
  ctx.db.set(dest, 'string', markRaw(out));
  ctx.notify('$', 'set', dest);
  return maxLen;
}

// ------------------------------------------------------------------ BITFIELD

type Overflow = 'wrap' | 'sat' | 'fail';

interface FieldOp {
  kind: 'get' | 'set' | 'incrby';
  signed: boolean;
  bits: number;
  offset: number;
  /** SET's value or INCRBY's increment. */
  value: bigint;
  overflow: Overflow;
}

function parseFieldType(arg: Buffer): { signed: boolean; bits: number } {
  const text = arg.toString('latin1');
  const sign = text.charAt(0); // lower case only, as Redis
  if (sign !== 'i' && sign !== 'u') throw BitErrors.fieldType();
  const signed = sign === 'i';
  const bits = tryParseBigInt(text.slice(1));
  if (bits === undefined || bits < 1n || (signed && bits > 64n) || (!signed && bits > 63n)) throw BitErrors.fieldType();
  return { signed, bits: Number(bits) };
}

function readField(buf: Buffer, offset: number, bits: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) v = (v << 1n) | BigInt(getBit(buf, offset + i));
  return signed ? BigInt.asIntN(bits, v) : v;
}

function writeField(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const v = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) setBit(buf, offset + i, Number((v >> BigInt(bits - 1 - i)) & 1n));
}

/**
 * The value to store for `sum` in a field, under the overflow policy; undefined means FAIL
 * refused the operation. `sum` is exact (unbounded), so overflow is a plain range check.
 */
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Redis measures a signed field's headroom as `max - value` in 64-bit arithmetic, which wraps for
 * a value within `max` of -2^63: such a value (only SET can give one) saturates to the field's
 * maximum there, not its minimum (BITFIELD OVERFLOW SAT SET i8 0 -9223372036854775808 → 127).
 * INCRBY measures from the field's old value, which is always in reach: INCRBY i32 0 by -2^63
 * saturates to the minimum.
 */
function outOfInt64Reach(sum: bigint, max: bigint, bits: number, signed: boolean): boolean {
  return signed && bits < 64 && max - sum > INT64_MAX;
}

function fitField(sum: bigint, bits: number, signed: boolean, overflow: Overflow, isSet: boolean): bigint | undefined {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (sum >= min && sum <= max) return sum;
  if (overflow === 'fail') return undefined;
  if (overflow === 'sat') return sum > max || (isSet && outOfInt64Reach(sum, max, bits, signed)) ? max : min;
  return signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum);
}

function bitfield(ctx: CommandContext, argv: Buffer[], readOnly: boolean): Reply {
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'wrap';
  let lastWriteBit = -1;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const word = lower(argv, j);
    let kind: FieldOp['kind'];
    if (word === 'get' && remaining >= 2) kind = 'get';
    else if (word === 'set' && remaining >= 3) kind = 'set';
    else if (word === 'incrby' && remaining >= 3) kind = 'incrby';
    else if (word === 'overflow' && remaining >= 1) {
      const policy = lower(argv, ++j);
      if (policy !== 'wrap' && policy !== 'sat' && policy !== 'fail') throw BitErrors.overflowType();
      overflow = policy;
      continue;
    } else throw Errors.syntax();
    const { signed, bits } = parseFieldType(argv[j + 1]!);
    const offset = parseBitOffset(ctx, argv[j + 2]!, bits);
    let value = 0n;
    if (kind !== 'get') {
      value = parseBigInt(argv[j + 3]!);
      lastWriteBit = Math.max(lastWriteBit, offset + bits - 1);
    }
    ops.push({ kind, signed, bits, offset, value, overflow });
    j += kind === 'get' ? 2 : 3;
  }

  // Checked once every argument parsed, before the key is looked up, as Redis does.
  if (readOnly && lastWriteBit >= 0) throw BitErrors.readOnly();
  const key = keyOf(argv, 1);
  if (lastWriteBit < 0) {
    const value = readString(ctx, key) ?? EMPTY;
    return ops.map((op) => intReply(readField(value, op.offset, op.bits, op.signed)));
  }
  const current = ctx.db.getWrite(key, 'string');
  const grown = current === undefined || Math.floor(lastWriteBit / 8) >= current.length;
  const buf = writableBits(current, lastWriteBit);
  let changes = 0;
  const replies: Reply[] = [];
  for (const op of ops) {
    const old = readField(buf, op.offset, op.bits, op.signed);
    if (op.kind === 'get') {
      replies.push(intReply(old));
      continue;
    }
    // SET takes its value as the 64-bit pattern given: a negative value for an unsigned field
    // is a huge unsigned number (so SAT gives the maximum), as in Redis.
    const wanted = op.kind === 'incrby' ? old + op.value : op.signed ? op.value : BigInt.asUintN(64, op.value);
    const stored = fitField(wanted, op.bits, op.signed, op.overflow, op.kind === 'set');
    if (stored === undefined) {
      replies.push(null);
      continue;
    }
    writeField(buf, op.offset, op.bits, stored);
    // As Redis counts it: a write that changes nothing is no change unless the string grew.
    if (grown || stored !== old) changes++;
    replies.push(intReply(op.kind === 'set' ? old : stored));
  }
  if (changes > 0) {
    commit(ctx, key, buf);
    ctx.notify('$', 'setbit', key);
  } else if (current === undefined) commit(ctx, key, buf);
  else {
    // Created or grown by Redis's lookup all the same, but not counted as a change.
    ctx.db.replaceString(ctx.db.lookupWrite(key)!, markRaw(grown ? buf : current));
  }
  return replies;
}

// ------------------------------------------------------------------ specs

function spec(
  name: string,
  arity: number,
  flags: CommandFlag[],
  keys: [number, number, number],
  categories: string[],
  handler: CommandSpec['handler'],
): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], categories, handler };
}

const ONE: [number, number, number] = [1, 1, 1];

export const specs: CommandSpec[] = [
  spec('setbit', 4, ['write', 'denyoom'], ONE, ['@write', '@bitmap', '@slow'], setbit),
  spec('getbit', 3, ['readonly', 'fast'], ONE, ['@read', '@bitmap', '@fast'], getbit),
  spec('bitcount', -2, ['readonly'], ONE, ['@read', '@bitmap', '@slow'], bitcount),
  spec('bitpos', -3, ['readonly'], ONE, ['@read', '@bitmap', '@slow'], bitpos),
  spec('bitop', -4, ['write', 'denyoom'], [2, -1, 1], ['@write', '@bitmap', '@slow'], bitop),
  spec('bitfield', -2, ['write', 'denyoom'], ONE, ['@write', '@bitmap', '@slow'], (ctx, argv) => bitfield(ctx, argv, false)),
  spec('bitfield_ro', -2, ['readonly', 'fast'], ONE, ['@read', '@bitmap', '@fast'], (ctx, argv) => bitfield(ctx, argv, true)),
];

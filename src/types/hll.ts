// HyperLogLog in Redis's exact string representation, so the bytes move to and from Redis
// unchanged (GET/SET, DUMP/RESTORE, RDB). Public format facts:
//
//   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, and the cached
//   cardinality as 8 bytes little-endian; the top bit of the last byte marks the cache stale.
//   16384 registers (14 index bits), each up to 51: the position of the first 1 bit in the
//   remaining 50 hash bits, counting from 1.
//   dense: 16384 registers of 6 bits, least significant bits first, 12304 bytes in all.
//   sparse: run-length opcodes
//     ZERO   00xxxxxx            1..64 zero registers
//     XZERO  01xxxxxx yyyyyyyy   1..16384 zero registers (14-bit length)
//     VAL    1vvvvvxx            1..4 registers holding the value 1..32
//   The hash is MurmurHash64A with seed 0xadc83b19.
//
// Updates follow the same steps as Redis (which opcode is split, which neighbours are merged, when
// the sparse form is promoted to dense), since the resulting bytes are part of the contract.

export const HLL_REGISTERS = 16384;
export const HLL_HEADER = 16;
export const HLL_DENSE_SIZE = HLL_HEADER + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_Q = 50;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const ALPHA_INF = 0.721347520444481703680;

// ------------------------------------------------------------------ MurmurHash64A

// 64-bit values as (hi, lo) unsigned 32-bit halves; the product lands in these two variables,
// so hashing allocates nothing.
let mulHi = 0;
let mulLo = 0;

/** (ah:al) * (bh:bl) mod 2^64, in 16-bit limbs so every partial product is exact. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  mulHi = ((c48 << 16) | c32) >>> 0;
  mulLo = ((c16 << 16) | c00) >>> 0;
}

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;

/** MurmurHash64A of `data` (blocks read little-endian), as [hi, lo]. */
export function murmurHash64A(data: Buffer, seed = SEED): [number, number] {
  const len = data.length;
  mul64(0, len >>> 0, M_HI, M_LO);
  let hHi = mulHi >>> 0;
  let hLo = (mulLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    mul64(data.readUInt32LE(i + 4), data.readUInt32LE(i), M_HI, M_LO);
    const kLo = (mulLo ^ (mulHi >>> 15)) >>> 0;
    mul64(mulHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ mulHi) >>> 0;
    hLo = (hLo ^ mulLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = mulHi;
    hLo = mulLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const byte = data[blocks + j]!;
      if (j >= 4) hHi = (hHi ^ (byte << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (byte << (8 * j))) >>> 0;
    }
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = mulHi;
    hLo = mulLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = mulHi;
  hLo = (mulLo ^ (mulHi >>> 15)) >>> 0;
  return [hHi, hLo];
}

let patIndex = 0;

/** The register an element goes to (left in patIndex) and the value it proposes (1..51). */
function patLen(element: Buffer): number {
  const [hi, lo] = murmurHash64A(element);
  patIndex = lo & (HLL_REGISTERS - 1);
  // The 50 bits above the index, lowest first; an all-zero run counts as 51.
  const low = lo >>> 14;
  if (low !== 0) return 32 - Math.clz32(low & -low);
  if (hi !== 0) return 18 + 32 - Math.clz32(hi & -hi);
  return HLL_Q + 1;
}

/** [register, value] for an element, as PFADD would set it. */
export function elementRegister(element: Buffer): [number, number] {
  const count = patLen(element);
  return [patIndex, count];
}

// ------------------------------------------------------------------ header

/** A new empty HyperLogLog: sparse, one XZERO covering every register, cached cardinality 0. */
export function createHll(): Buffer {
  const buf = Buffer.alloc(HLL_HEADER + 2);
  buf.write('HYLL', 0, 'latin1');
  buf[4] = HLL_SPARSE;
  writeXzero(buf, HLL_HEADER, HLL_REGISTERS);
  return buf;
}

/** The header checks Redis makes before treating a string as a HyperLogLog. */
export function isHll(buf: Buffer): boolean {
  if (buf.length < HLL_HEADER) return false;
  if (buf[0] !== 0x48 || buf[1] !== 0x59 || buf[2] !== 0x4c || buf[3] !== 0x4c) return false;
  if (buf[4]! > HLL_SPARSE) return false;
  return buf[4] !== HLL_DENSE || buf.length === HLL_DENSE_SIZE;
}

export function invalidateCache(buf: Buffer): void {
  buf[15] = buf[15]! | 0x80;
}

/** The cached cardinality, or undefined when the cache is stale. */
export function cachedCardinality(buf: Buffer): bigint | undefined {
  if (buf[15]! & 0x80) return undefined;
  return buf.readBigUInt64LE(8);
}

export function setCachedCardinality(buf: Buffer, card: number | bigint): void {
  buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(card)), 8);
}

// ------------------------------------------------------------------ dense registers

export function denseGet(buf: Buffer, index: number): number {
  const bit = index * 6;
  const byte = HLL_HEADER + (bit >> 3);
  const shift = bit & 7;
  const next = byte + 1 < buf.length ? buf[byte + 1]! : 0;
  return ((buf[byte]! >> shift) | (next << (8 - shift))) & 63;
}

export function denseSetRegister(buf: Buffer, index: number, value: number): void {
  const bit = index * 6;
  const byte = HLL_HEADER + (bit >> 3);
  const shift = bit & 7;
  buf[byte] = (buf[byte]! & ~(63 << shift)) | ((value << shift) & 0xff);
  if (byte + 1 < buf.length) {
    buf[byte + 1] = (buf[byte + 1]! & ~(63 >> (8 - shift))) | (value >> (8 - shift));
  }
}

/** Raise a dense register to `count`; 1 when it changed. */
function denseSet(buf: Buffer, index: number, count: number): number {
  if (count <= denseGet(buf, index)) return 0;
  denseSetRegister(buf, index, count);
  return 1;
}

// ------------------------------------------------------------------ sparse opcodes

const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const zeroLen = (op: number) => (op & 0x3f) + 1;
/** The byte after an XZERO opcode may lie past the end of a corrupt value: Redis reads a 0 there. */
const xzeroLen = (buf: Buffer, p: number, end = buf.length) => (((buf[p]! & 0x3f) << 8) | (p + 1 < end ? buf[p + 1]! : 0)) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 3) + 1;
const valOp = (value: number, len: number) => 0x80 | ((value - 1) << 2) | (len - 1);

function writeXzero(buf: Buffer | number[], p: number, len: number): void {
  buf[p] = 0x40 | ((len - 1) >> 8);
  buf[p + 1] = (len - 1) & 0xff;
}

/** Opcodes for `len` zero registers (ZERO up to 64, XZERO above), appended to `out`. */
function pushZeros(out: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) writeXzero(out, out.length, len);
  else out.push(len - 1);
}

/** The dense form of a sparse value (header copied, cache included), or undefined if corrupt. */
export function sparseToDense(sparse: Buffer): Buffer | undefined {
  if (sparse[4] === HLL_DENSE) return sparse;
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  sparse.copy(dense, 0, 0, HLL_HEADER);
  dense[4] = HLL_DENSE;
  let index = 0;
  let p = HLL_HEADER;
  const end = sparse.length;
  while (p < end) {
    const op = sparse[p]!;
    if (isZero(op)) {
      index += zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      index += xzeroLen(sparse, p);
      p += 2;
    } else {
      const run = valLen(op);
      const value = valValue(op);
      if (run + index > HLL_REGISTERS) return undefined;
      for (let i = 0; i < run; i++) denseSetRegister(dense, index++, value);
      p++;
    }
  }
  return index === HLL_REGISTERS ? dense : undefined;
}

/**
 * A value being updated. Sparse updates change its length, so the bytes live in `buf` with room
 * to spare and `len` says how many count; `bytes()` gives the exact value. A promotion replaces
 * `buf` with the dense form.
 */
export class HllCell {
  buf: Buffer;
  len: number;

  constructor(value: Buffer) {
    this.buf = value;
    this.len = value.length;
  }

  /** The value's bytes, exactly (copied out of the spare room when there is some). */
  bytes(): Buffer {
    return this.len === this.buf.length ? this.buf : Buffer.from(this.buf.subarray(0, this.len));
  }

  /** Make room for `extra` more bytes. */
  reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(this.len + extra, this.len * 2, 64));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

/**
 * Raise register `index` to `count` in a sparse value. Returns 1 when it changed, 0 when it
 * already held as much, -1 when the value is corrupt. Promotes to dense when the value needs
 * more than 32 or the sparse form would grow beyond `maxBytes` (header included).
 */
function sparseSet(cell: HllCell, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(cell, index, count);
  // A split turns one opcode into at most three (XZERO VAL XZERO): 3 bytes more.
  cell.reserve(3);
  const buf = cell.buf;
  let end = cell.len;

  // Find the opcode covering `index`, the index of its first register and the opcode before it.
  let p = HLL_HEADER;
  let first = 0;
  let prev = -1;
  let span = 0;
  // The hot loop of PFADD on sparse values: opcode kinds tested by range (ZERO < 0x40 <= XZERO < 0x80).
  while (p < end) {
    const op = buf[p]!;
    let oplen = 1;
    if (op < 0x40) span = (op & 0x3f) + 1;
    else if (op < 0x80) {
      span = (((op & 0x3f) << 8) | (p + 1 < end ? buf[p + 1]! : 0)) + 1;
      oplen = 2;
    } else span = (op & 3) + 1;
    if (index < first + span) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  const op = buf[p]!;
  const zero = isZero(op);
  const xzero = isXzero(op);
  const isVal = !zero && !xzero;
  const runLength = zero ? zeroLen(op) : xzero ? xzeroLen(buf, p, end) : valLen(op);

  let inPlace = false;
  if (isVal) {
    if (valValue(op) >= count) return 0;
    if (runLength === 1) inPlace = true;
  } else if (zero && runLength === 1) inPlace = true;

  if (inPlace) buf[p] = valOp(count, 1);
  else {
    // Split the opcode: the registers before `index`, `index` itself, the registers after it.
    const seq: number[] = [];
    const last = first + span - 1;
    if (isVal) {
      const current = valValue(op);
      if (index !== first) seq.push(valOp(current, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(current, last - index));
    } else {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    }
    const oldLen = xzero ? 2 : 1;
    const delta = seq.length - oldLen;
    if (delta > 0 && end + delta > maxBytes) return promote(cell, index, count);
    if (delta !== 0) buf.copyWithin(p + seq.length, p + oldLen, end);
    for (let i = 0; i < seq.length; i++) buf[p + i] = seq[i]!;
    end += delta;
  }

  // Merge adjacent VAL opcodes with equal values, looking at up to five opcodes from `prev`.
  p = prev >= 0 ? prev : HLL_HEADER;
  let budget = 5;
  while (p < end && budget-- > 0) {
    const a = buf[p]!;
    if (isXzero(a)) {
      p += 2;
      continue;
    }
    if (isZero(a)) {
      p++;
      continue;
    }
    if (p + 1 < end && !isZero(buf[p + 1]!) && !isXzero(buf[p + 1]!)) {
      const b = buf[p + 1]!;
      const value = valValue(a);
      const len = valLen(a) + valLen(b);
      if (value === valValue(b) && len <= SPARSE_VAL_MAX_LEN) {
        buf[p + 1] = valOp(value, len);
        buf.copyWithin(p, p + 1, end);
        end--;
        continue;
      }
    }
    p++;
  }
  cell.len = end;
  invalidateCache(buf);
  return 1;
}

function promote(cell: HllCell, index: number, count: number): number {
  const dense = sparseToDense(cell.bytes());
  if (dense === undefined) return -1;
  cell.buf = dense;
  cell.len = dense.length;
  return denseSet(dense, index, count);
}

/** Raise register `index` to `count` in either encoding: 1 changed, 0 unchanged, -1 corrupt. */
export function setRegister(cell: HllCell, index: number, count: number, sparseMaxBytes: number): number {
  if (cell.buf[4] === HLL_DENSE) return denseSet(cell.buf, index, count);
  if (cell.buf[4] === HLL_SPARSE) return sparseSet(cell, index, count, sparseMaxBytes);
  return -1;
}

/** PFADD of one element: 1 when a register changed, 0 when not, -1 when the value is corrupt. */
export function addElement(cell: HllCell, element: Buffer, sparseMaxBytes: number): number {
  const count = patLen(element);
  return setRegister(cell, patIndex, count, sparseMaxBytes);
}

// ------------------------------------------------------------------ reading registers

/** max[i] = max(max[i], register i); false when a sparse value is corrupt. */
export function mergeRegisters(max: Uint8Array, buf: Buffer): boolean {
  if (buf[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(buf, i);
      if (v > max[i]!) max[i] = v;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HEADER;
  const end = buf.length;
  while (p < end) {
    const op = buf[p]!;
    if (isZero(op)) {
      i += zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      i += xzeroLen(buf, p);
      p += 2;
    } else {
      const run = valLen(op);
      const value = valValue(op);
      if (run + i > HLL_REGISTERS) return false;
      for (let k = 0; k < run; k++, i++) if (value > max[i]!) max[i] = value;
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** Histogram of register values; `invalid` when a sparse value does not cover every register. */
function histogram(buf: Buffer): { histo: Float64Array; invalid: boolean } {
  const histo = new Float64Array(64);
  if (buf[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(buf, i)]!++;
    return { histo, invalid: false };
  }
  let index = 0;
  let p = HLL_HEADER;
  const end = buf.length;
  while (p < end) {
    const op = buf[p]!;
    if (isZero(op)) {
      const run = zeroLen(op);
      index += run;
      histo[0] += run;
      p++;
    } else if (isXzero(op)) {
      const run = xzeroLen(buf, p);
      index += run;
      histo[0] += run;
      p += 2;
    } else {
      const run = valLen(op);
      index += run;
      histo[valValue(op)] += run;
      p++;
    }
  }
  return { histo, invalid: index !== HLL_REGISTERS };
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let zPrev: number;
  do {
    x *= x;
    zPrev = z;
    z += x * y;
    y += y;
  } while (zPrev !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrev: number;
  do {
    x = Math.sqrt(x);
    zPrev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (zPrev !== z);
  return z / 3;
}

/** Otmar Ertl's improved estimator over a register histogram, with Redis's operation order. */
function estimate(histo: Float64Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  const e = Math.round((ALPHA_INF * m * m) / z);
  // Only corrupt registers get here (all of them saturated): C's llroundl gives the 64-bit
  // minimum, which Redis replies as such and caches as the bytes 0x8000000000000000.
  return Number.isFinite(e) && e < 2 ** 63 ? e : -(2n ** 63n);
}

/** The estimated cardinality of a stored value; undefined when it is corrupt. */
export function countHll(buf: Buffer): number | bigint | undefined {
  const { histo, invalid } = histogram(buf);
  return invalid ? undefined : estimate(histo);
}

/** The estimated cardinality of raw registers (one byte each), as PFCOUNT of several keys. */
export function countRegisters(registers: Uint8Array): number | bigint {
  const histo = new Float64Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[registers[i]!]!++;
  return estimate(histo);
}

/** PFDEBUG DECODE: the sparse opcodes as text ("z:len", "Z:len", "v:value,len"). */
export function decodeSparse(buf: Buffer): string {
  const parts: string[] = [];
  let p = HLL_HEADER;
  while (p < buf.length) {
    const op = buf[p]!;
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXzero(op)) {
      parts.push(`Z:${xzeroLen(buf, p)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}

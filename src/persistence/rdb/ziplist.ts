// Reading the encodings older Redis versions wrote and 7.0 still loads: ziplists (lists, hashes
// and sorted sets up to Redis 6.2), zipmaps (hashes before 2.6) and intsets.
import type { LpValue } from './listpack.js';

/**
 * Ziplist: <zlbytes u32le> <zltail u32le> <zllen u16le> <entry>* 0xFF, where each entry is
 * <prevlen: 1 byte, or 0xFE + u32le> <encoding> <data>. Throws Error on any inconsistency.
 */
export function readZiplist(zl: Buffer): LpValue[] {
  if (zl.length < 11) throw new Error('ziplist too short');
  if (zl.readUInt32LE(0) !== zl.length) throw new Error('ziplist size mismatch');
  const tail = zl.readUInt32LE(4);
  const declared = zl.readUInt16LE(8);
  const end = zl.length - 1;
  if (zl[end] !== 0xff) throw new Error('ziplist bad terminator');
  const out: LpValue[] = [];
  let p = 10;
  let prevSize = 0;
  let lastStart = 10;
  while (p < end) {
    const start = p;
    let prevlen: number;
    if (zl[p]! < 254) {
      prevlen = zl[p]!;
      p += 1;
    } else if (zl[p] === 254) {
      if (p + 5 > end) throw new Error('ziplist entry overflow');
      prevlen = zl.readUInt32LE(p + 1);
      p += 5;
    } else throw new Error('ziplist bad prevlen');
    if (prevlen !== prevSize) throw new Error('ziplist bad prevlen');
    if (p >= end) throw new Error('ziplist entry overflow');
    const e = zl[p]!;
    const top = e >> 6;
    let value: LpValue;
    const str = (headLen: number, len: number): Buffer => {
      if (p + headLen + len > end) throw new Error('ziplist entry overflow');
      const v = zl.subarray(p + headLen, p + headLen + len);
      p += headLen + len;
      return v;
    };
    const int = (size: number, read: () => bigint): bigint => {
      if (p + 1 + size > end) throw new Error('ziplist entry overflow');
      const v = read();
      p += 1 + size;
      return v;
    };
    if (top === 0) value = str(1, e & 0x3f);
    else if (top === 1) {
      if (p + 2 > end) throw new Error('ziplist entry overflow');
      value = str(2, ((e & 0x3f) << 8) | zl[p + 1]!);
    } else if (top === 2) {
      if (p + 5 > end) throw new Error('ziplist entry overflow');
      value = str(5, zl.readUInt32BE(p + 1));
    } else if (e === 0xc0) value = int(2, () => BigInt(zl.readInt16LE(p + 1)));
    else if (e === 0xd0) value = int(4, () => BigInt(zl.readInt32LE(p + 1)));
    else if (e === 0xe0) value = int(8, () => zl.readBigInt64LE(p + 1));
    else if (e === 0xf0) value = int(3, () => BigInt(zl.readIntLE(p + 1, 3)));
    else if (e === 0xfe) value = int(1, () => BigInt(zl.readInt8(p + 1)));
    else if (e >= 0xf1 && e <= 0xfd) value = int(0, () => BigInt((e & 0x0f) - 1));
    else throw new Error('ziplist bad encoding');
    prevSize = p - start;
    lastStart = start;
    out.push(value);
  }
  if (out.length > 0 && tail !== lastStart) throw new Error('ziplist bad tail');
  if (out.length === 0 && tail !== 10) throw new Error('ziplist bad tail');
  if (declared !== 65535 && declared !== out.length) throw new Error('ziplist count mismatch');
  return out;
}

/** Zipmap: <zmlen u8> (<len> key <len> <free u8> value <free bytes>)* 0xFF; len is 1 byte or 0xFE + u32le. */
export function readZipmap(zm: Buffer): Array<[Buffer, Buffer]> {
  if (zm.length < 2) throw new Error('zipmap too short');
  const out: Array<[Buffer, Buffer]> = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= zm.length) throw new Error('zipmap overflow');
    const b = zm[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > zm.length) throw new Error('zipmap overflow');
      const n = zm.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    p += 1;
    return -1;
  };
  for (;;) {
    const klen = readLen();
    if (klen === -1) break;
    if (p + klen > zm.length) throw new Error('zipmap overflow');
    const key = zm.subarray(p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen === -1) throw new Error('zipmap truncated');
    if (p >= zm.length) throw new Error('zipmap overflow');
    const free = zm[p]!;
    p += 1;
    if (p + vlen + free > zm.length) throw new Error('zipmap overflow');
    out.push([key, zm.subarray(p, p + vlen)]);
    p += vlen + free;
  }
  if (p !== zm.length) throw new Error('zipmap trailing bytes');
  return out;
}

/** Intset: <encoding u32le: 2, 4 or 8> <length u32le> <strictly ascending little-endian integers>. */
export function readIntset(is: Buffer): bigint[] {
  if (is.length < 8) throw new Error('intset too short');
  const width = is.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new Error('intset bad encoding');
  const count = is.readUInt32LE(4);
  if (8 + count * width !== is.length) throw new Error('intset size mismatch');
  const out: bigint[] = [];
  for (let i = 0, p = 8; i < count; i++, p += width) {
    const v = width === 2 ? BigInt(is.readInt16LE(p)) : width === 4 ? BigInt(is.readInt32LE(p)) : is.readBigInt64LE(p);
    if (i > 0 && v <= out[i - 1]!) throw new Error('intset not sorted');
    out.push(v);
  }
  return out;
}

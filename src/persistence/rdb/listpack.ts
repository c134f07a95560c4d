// Listpacks: Redis's compact serialized sequence of strings and integers, used in RDB files for
// small hashes, sorted sets, list nodes and stream nodes.
//
//   <total-bytes u32le> <num-elements u16le> <entry>* 0xFF
//   entry = <encoding+data> <backlen: the size of encoding+data, 1-5 bytes read right to left>
import { int64Of } from './ints.js';

const HEADER = 6;
const NUMELE_UNKNOWN = 65535;

/** A listpack element as read: bytes for strings, bigint for integer encodings. */
export type LpValue = Buffer | bigint;

export function lpValueBytes(v: LpValue): Buffer {
  return typeof v === 'bigint' ? Buffer.from(v.toString(), 'latin1') : v;
}

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Builds a listpack by appending, choosing encodings as Redis does (integers when a string is one). */
export class ListpackBuilder {
  private buf = Buffer.allocUnsafe(64);
  private pos = HEADER;
  count = 0;

  /** Bytes of the finished listpack so far (header and terminator included), Redis's lpBytes. */
  get bytes(): number {
    return this.pos + 1;
  }

  private ensure(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 1));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    const n = backlenSize(l);
    for (let i = n - 1; i >= 0; i--) {
      const group = Math.floor(l / 2 ** (7 * i)) & 127;
      b[p++] = i === n - 1 ? group : group | 128;
    }
    this.pos = p;
  }

  /** append() for a latin1 string (field names, members), without an intermediate Buffer. */
  appendLatin1(value: string): void {
    if (value.length <= 20) {
      const n = int64Of(value);
      if (n !== undefined) {
        this.appendInt(n);
        return;
      }
    }
    this.appendBytes(value, value.length);
  }

  append(value: Buffer): void {
    if (value.length <= 20) {
      const n = int64Of(value);
      if (n !== undefined) {
        this.appendInt(n);
        return;
      }
    }
    this.appendBytes(value, value.length);
  }

  /** append() of value[start, end), without a view of it. */
  appendRange(value: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len <= 20) {
      const n = int64Of(value, start, end);
      if (n !== undefined) {
        this.appendInt(n);
        return;
      }
    }
    this.appendBytes(value, len, start);
  }

  private appendBytes(value: Buffer | string, len: number, start = 0): void {
    this.ensure(len + 10);
    const b = this.buf;
    let p = this.pos;
    let head: number;
    if (len < 64) {
      b[p++] = 0x80 | len;
      head = 1;
    } else if (len < 4096) {
      b[p++] = 0xe0 | (len >>> 8);
      b[p++] = len & 0xff;
      head = 2;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(len, p);
      p += 4;
      head = 5;
    }
    if (typeof value === 'string') b.write(value, p, len, 'latin1');
    else if (start === 0 && len === value.length) value.copy(b, p);
    // A byte loop: Buffer.copy of a range allocates a view.
    else for (let i = 0; i < len; i++) b[p + i] = value[start + i]!;
    this.pos = p + len;
    this.backlen(head + len);
    this.count++;
  }

  appendInt(v: bigint | number): void {
    this.ensure(16);
    const b = this.buf;
    let p = this.pos;
    // Below 2^53 a double is exact, so only huge values take the bigint path.
    const n = typeof v === 'bigint' && v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    let size: number;
    if (typeof n === 'bigint' || n < -2147483648 || n > 2147483647) {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt.asIntN(64, BigInt(n)), p);
      p += 8;
      size = 9;
    } else if (n >= 0 && n <= 127) {
      b[p++] = n;
      size = 1;
    } else if (n >= -4096 && n <= 4095) {
      const u = n < 0 ? 8192 + n : n;
      b[p++] = 0xc0 | (u >>> 8);
      b[p++] = u & 0xff;
      size = 2;
    } else if (n >= -32768 && n <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(n, p);
      p += 2;
      size = 3;
    } else if (n >= -8388608 && n <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(n, p, 3);
      p += 3;
      size = 4;
    } else {
      b[p++] = 0xf3;
      b.writeInt32LE(n, p);
      p += 4;
      size = 5;
    }
    this.pos = p;
    this.backlen(size);
    this.count++;
  }

  /** Start again, keeping the buffer (a snapshot reuses one builder for every key). */
  reset(): this {
    this.pos = HEADER;
    this.count = 0;
    return this;
  }

  /** The finished listpack as a view into the builder's buffer: valid until the next append or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.seal());
  }

  /**
   * Finish the listpack in place: its bytes are buffer[0, the length returned), valid until the
   * next append or reset (view() without the view, for callers that copy them at once).
   */
  seal(): number {
    this.ensure(0);
    const b = this.buf;
    b[this.pos] = 0xff;
    b.writeUInt32LE(this.pos + 1, 0);
    b.writeUInt16LE(this.count < NUMELE_UNKNOWN ? this.count : NUMELE_UNKNOWN, 4);
    return this.pos + 1;
  }

  /** The builder's buffer (see seal()). */
  get buffer(): Buffer {
    return this.buf;
  }

  /** The finished listpack, in a Buffer of its own. */
  finish(): Buffer {
    return Buffer.from(this.view());
  }
}

/**
 * Parse and validate a whole listpack. Throws Error (the caller turns it into its own error
 * type) on any inconsistency: sizes, encodings, back-lengths, element count, terminator.
 */
export function readListpack(lp: Buffer): LpValue[] {
  if (lp.length < HEADER + 1) throw new Error('listpack too short');
  const total = lp.readUInt32LE(0);
  if (total !== lp.length) throw new Error('listpack size mismatch');
  const declared = lp.readUInt16LE(4);
  const out: LpValue[] = [];
  let p = HEADER;
  const end = lp.length - 1;
  while (p < end) {
    const start = p;
    const e = lp[p]!;
    let value: LpValue;
    if (e < 0x80) {
      value = BigInt(e);
      p += 1;
    } else if ((e & 0xc0) === 0x80) {
      const len = e & 0x3f;
      if (p + 1 + len > end) throw new Error('listpack entry overflow');
      value = lp.subarray(p + 1, p + 1 + len);
      p += 1 + len;
    } else if ((e & 0xe0) === 0xc0) {
      if (p + 2 > end) throw new Error('listpack entry overflow');
      let u = ((e & 0x1f) << 8) | lp[p + 1]!;
      if (u >= 4096) u -= 8192;
      value = BigInt(u);
      p += 2;
    } else if ((e & 0xf0) === 0xe0) {
      if (p + 2 > end) throw new Error('listpack entry overflow');
      const len = ((e & 0x0f) << 8) | lp[p + 1]!;
      if (p + 2 + len > end) throw new Error('listpack entry overflow');
      value = lp.subarray(p + 2, p + 2 + len);
      p += 2 + len;
    } else if (e === 0xf0) {
      if (p + 5 > end) throw new Error('listpack entry overflow');
      const len = lp.readUInt32LE(p + 1);
      if (p + 5 + len > end) throw new Error('listpack entry overflow');
      value = lp.subarray(p + 5, p + 5 + len);
      p += 5 + len;
    } else if (e === 0xf1) {
      if (p + 3 > end) throw new Error('listpack entry overflow');
      value = BigInt(lp.readInt16LE(p + 1));
      p += 3;
    } else if (e === 0xf2) {
      if (p + 4 > end) throw new Error('listpack entry overflow');
      value = BigInt(lp.readIntLE(p + 1, 3));
      p += 4;
    } else if (e === 0xf3) {
      if (p + 5 > end) throw new Error('listpack entry overflow');
      value = BigInt(lp.readInt32LE(p + 1));
      p += 5;
    } else if (e === 0xf4) {
      if (p + 9 > end) throw new Error('listpack entry overflow');
      value = lp.readBigInt64LE(p + 1);
      p += 9;
    } else {
      throw new Error('listpack bad encoding');
    }
    const entryLen = p - start;
    const bl = backlenSize(entryLen);
    if (p + bl > end) throw new Error('listpack backlen overflow');
    // Read the back-length right to left, as a reverse traversal would.
    let decoded = 0;
    let shift = 0;
    for (let q = p + bl - 1; q >= p; q--) {
      decoded += (lp[q]! & 127) * 2 ** shift;
      shift += 7;
      const more = (lp[q]! & 128) !== 0;
      if (more !== (q !== p)) throw new Error('listpack bad backlen');
    }
    if (decoded !== entryLen) throw new Error('listpack bad backlen');
    p += bl;
    out.push(value);
  }
  if (p !== end || lp[end] !== 0xff) throw new Error('listpack bad terminator');
  if (declared !== NUMELE_UNKNOWN && declared !== out.length) throw new Error('listpack count mismatch');
  return out;
}

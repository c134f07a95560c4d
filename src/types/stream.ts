// Stream value: entries ordered by ID, stored in fixed-size nodes, plus consumer groups.
//
// IDs are two unsigned 64-bit numbers (ms, seq). JavaScript numbers are exact only up to 2^53, and
// bigint allocates on every operation, so an ID is kept as four 32-bit halves: comparisons and the
// per-node ID arrays (Uint32Array) never allocate.
//
// Entries live in nodes of at most `maxEntries` slots (Redis's stream-node-max-entries) and about
// `maxBytes` of field data (stream-node-max-bytes). The node list is an array with a moving head, so
// appends touch only the last node, trimming drops whole nodes from the head in O(1) amortized, and
// finding an ID is a binary search over nodes and then inside one node. A deleted entry leaves a
// tombstone slot in its node until the node is empty, as in Redis; this keeps node boundaries, and
// therefore `~` approximate trimming, identical to Redis for small entries.
//
// Inside a node, entries are packed (see "Entry storage" below); readers get each entry's fields
// as a RESP array (`*2\r\n$1\r\nf\r\n$1\r\nv\r\n`), the same in RESP2 and RESP3, rendered on demand.

const U32 = 4294967296;
const MAX_U32 = U32 - 1;

function u64ToString(hi: number, lo: number): string {
  // Below 2^53 the double is exact.
  if (hi < 2097152) return String(hi * U32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

const STRICT_U64 = /^(0|[1-9][0-9]{0,14})$/;
const STRICT_LL = /^-?[1-9][0-9]*$|^0$/;
const STRTOULL = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;
const TWO_64 = 1n << 64n;

/**
 * Parse an unsigned 64-bit decimal the way Redis does for stream IDs: a plain integer, or failing
 * that whatever C's strtoull accepts (leading spaces, a sign, leading zeros). Negative plain
 * integers are rejected. Returns [hi, lo] or undefined.
 */
export function parseU64(text: string): [number, number] | undefined {
  if (STRICT_U64.test(text)) {
    const n = Number(text);
    return [Math.floor(n / U32), n % U32];
  }
  let value: bigint;
  if (STRICT_LL.test(text)) {
    if (text.charCodeAt(0) === 45 /* - */) {
      // string2ll accepted it as a negative number: out of range, unless it overflows long long,
      // in which case strtoull gets its turn below.
      const v = BigInt(text);
      if (v >= -(1n << 63n)) return undefined;
    }
  }
  const m = STRTOULL.exec(text);
  if (m === null) return undefined;
  value = BigInt(m[2]!);
  if (value >= TWO_64) return undefined;
  if (m[1] === '-' && value !== 0n) value = TWO_64 - value;
  return [Number(value >> 32n), Number(value & 0xffffffffn)];
}

export class StreamId {
  static readonly MIN = new StreamId(0, 0, 0, 0);
  static readonly MAX = new StreamId(MAX_U32, MAX_U32, MAX_U32, MAX_U32);

  constructor(
    readonly msHi: number,
    readonly msLo: number,
    readonly seqHi: number,
    readonly seqLo: number,
  ) {}

  /** From ms and seq as numbers (exact below 2^53) or bigints. */
  static of(ms: number | bigint, seq: number | bigint = 0): StreamId {
    const [mh, ml] = splitU64(ms);
    const [sh, sl] = splitU64(seq);
    return new StreamId(mh, ml, sh, sl);
  }

  /** Milliseconds as a plain number (for time arithmetic; exact below 2^53). */
  get msNumber(): number {
    return this.msHi * U32 + this.msLo;
  }

  get ms(): bigint {
    return (BigInt(this.msHi) << 32n) | BigInt(this.msLo);
  }

  get seq(): bigint {
    return (BigInt(this.seqHi) << 32n) | BigInt(this.seqLo);
  }

  compare(o: StreamId): number {
    if (this.msHi !== o.msHi) return this.msHi < o.msHi ? -1 : 1;
    if (this.msLo !== o.msLo) return this.msLo < o.msLo ? -1 : 1;
    if (this.seqHi !== o.seqHi) return this.seqHi < o.seqHi ? -1 : 1;
    if (this.seqLo !== o.seqLo) return this.seqLo < o.seqLo ? -1 : 1;
    return 0;
  }

  equals(o: StreamId): boolean {
    return this.seqLo === o.seqLo && this.msLo === o.msLo && this.seqHi === o.seqHi && this.msHi === o.msHi;
  }

  isZero(): boolean {
    return this.msHi === 0 && this.msLo === 0 && this.seqHi === 0 && this.seqLo === 0;
  }

  isMax(): boolean {
    return this.msHi === MAX_U32 && this.msLo === MAX_U32 && this.seqHi === MAX_U32 && this.seqLo === MAX_U32;
  }

  seqIsMax(): boolean {
    return this.seqHi === MAX_U32 && this.seqLo === MAX_U32;
  }

  /** The next ID (seq + 1, carrying into ms), or undefined after MAX. */
  next(): StreamId | undefined {
    if (this.seqLo !== MAX_U32) return new StreamId(this.msHi, this.msLo, this.seqHi, this.seqLo + 1);
    if (this.seqHi !== MAX_U32) return new StreamId(this.msHi, this.msLo, this.seqHi + 1, 0);
    if (this.msLo !== MAX_U32) return new StreamId(this.msHi, this.msLo + 1, 0, 0);
    if (this.msHi !== MAX_U32) return new StreamId(this.msHi + 1, 0, 0, 0);
    return undefined;
  }

  /** The previous ID, or undefined before 0-0. */
  prev(): StreamId | undefined {
    if (this.seqLo !== 0) return new StreamId(this.msHi, this.msLo, this.seqHi, this.seqLo - 1);
    if (this.seqHi !== 0) return new StreamId(this.msHi, this.msLo, this.seqHi - 1, MAX_U32);
    if (this.msLo !== 0) return new StreamId(this.msHi, this.msLo - 1, MAX_U32, MAX_U32);
    if (this.msHi !== 0) return new StreamId(this.msHi - 1, MAX_U32, MAX_U32, MAX_U32);
    return undefined;
  }

  toString(): string {
    return `${u64ToString(this.msHi, this.msLo)}-${u64ToString(this.seqHi, this.seqLo)}`;
  }

  /**
   * Parse `ms-seq` or `ms` (seq = `missingSeq`). With `allowAutoSeq`, `ms-*` parses and
   * `autoSeq` is set on the result. Returns undefined for anything invalid.
   */
  static parse(text: string, missingSeq: 0 | 'max' = 0): StreamId | undefined {
    const r = StreamId.parseWithAutoSeq(text, missingSeq, false);
    return r === undefined ? undefined : r.id;
  }

  static parseWithAutoSeq(
    text: string,
    missingSeq: 0 | 'max',
    allowAutoSeq: boolean,
  ): { id: StreamId; autoSeq: boolean } | undefined {
    if (text.length > 127) return undefined;
    const dash = text.indexOf('-');
    if (dash === -1) {
      const ms = parseU64(text);
      if (ms === undefined) return undefined;
      return missingSeq === 'max'
        ? { id: new StreamId(ms[0], ms[1], MAX_U32, MAX_U32), autoSeq: false }
        : { id: new StreamId(ms[0], ms[1], 0, 0), autoSeq: false };
    }
    const ms = parseU64(text.slice(0, dash));
    if (ms === undefined) return undefined;
    const seqText = text.slice(dash + 1);
    if (allowAutoSeq && seqText === '*') return { id: new StreamId(ms[0], ms[1], 0, 0), autoSeq: true };
    const seq = parseU64(seqText);
    if (seq === undefined) return undefined;
    return { id: new StreamId(ms[0], ms[1], seq[0], seq[1]), autoSeq: false };
  }
}

function splitU64(v: number | bigint): [number, number] {
  if (typeof v === 'number') return [Math.floor(v / U32), v % U32];
  return [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}

// ---------------------------------------------------------------------------------------------
// Entry storage
//
// A node keeps its entries compact, in three arrays:
//   ids   Uint32Array. Narrow layout, 2 words a slot: the ms part as a delta from the node's first
//         ID (`msHi`/`msLo`) and the low 32 bits of seq. Used while every ID of the node has a
//         delta below 2^32 and a seq below 2^32 (always, for clock IDs); otherwise the node turns
//         wide: 4 words a slot, the full msHi, msLo, seqHi, seqLo.
//   offs  Uint16Array (Uint32Array once the data passes 64 KiB): slot i is data[offs[i], offs[i+1]).
//   data  Buffer. It starts with the node's master field names (the first entry's, as Redis's master
//         entry): varint pair count, then each name as varint length + bytes. Each entry is a varint
//         tag and its strings, each as varint length + bytes: tag 0 = the master's field names, so
//         only the values follow; tag n > 0 = its own n - 1 pairs, names and values.
// Sealed nodes (all but the last) are shrunk to their exact sizes. Readers get an entry's fields
// encoded as a RESP array (`*2\r\n$1\r\nf\r\n$1\r\nv\r\n`, the same in RESP2 and RESP3), built on
// demand in a shared slab (see slabReserve), so replies and persistence handle one Buffer per entry.

/** Bytes needed to encode fields as a RESP array (the node size limit counts these, as before). */
function encodedSize(fields: readonly Buffer[]): number {
  let size = 3 + decimalDigits(fields.length);
  for (const f of fields) size += 5 + decimalDigits(f.length) + f.length;
  return size;
}

function decimalDigits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  return String(n).length;
}

/** Write a non-negative integer's decimal digits at `p`; returns the position after them. */
function writeDecimal(target: Buffer, p: number, n: number): number {
  if (n < 10) {
    target[p] = 48 + n;
    return p + 1;
  }
  const digits = decimalDigits(n);
  let end = p + digits;
  for (let v = n; v > 0; v = Math.floor(v / 10)) target[--end] = 48 + (v % 10);
  return p + digits;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function writeVarint(target: Buffer, p: number, n: number): number {
  while (n >= 0x80) {
    target[p++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  target[p++] = n;
  return p;
}

/** Read position shared by readVarint and its callers (avoids returning pairs). */
let rp = 0;

function readVarint(source: Buffer): number {
  let b = source[rp++]!;
  if (b < 0x80) return b;
  let n = b & 0x7f;
  let scale = 128;
  for (;;) {
    b = source[rp++]!;
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 128;
  }
}

/** Decode a stored RESP array of bulk strings back into views of the buffer. */
export function decodeFields(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 1;
  let n = 0;
  while (raw[p] !== 0x0d) n = n * 10 + (raw[p++]! - 48);
  p += 2;
  for (let i = 0; i < n; i++) {
    p++; // $
    let len = 0;
    while (raw[p] !== 0x0d) len = len * 10 + (raw[p++]! - 48);
    p += 2;
    out.push(raw.subarray(p, p + len));
    p += len + 2;
  }
  return out;
}

// RESP renderings of entries are carved from a shared slab, as Buffer.allocUnsafe does from its
// pool: a slab is never written twice, so buffers handed out stay valid as long as they are held.
// A rendering reserves an upper bound of its size, is written in one pass, and takes what it used.
const SLAB_SIZE = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabPos = 0;

/** Make room for `bound` bytes at slab[slabPos]; returns the slab to write into. */
function slabReserve(bound: number): Buffer {
  if (slabPos + bound > slab.length) {
    slab = Buffer.allocUnsafeSlow(bound > SLAB_SIZE >>> 2 ? bound : SLAB_SIZE);
    slabPos = 0;
  }
  return slab;
}

/** Take slab[slabPos, end) as the rendering. */
function slabTake(end: number): Buffer {
  const out = slab.subarray(slabPos, end);
  slabPos = end;
  return out;
}

/** `$<len>\r\n<bytes>\r\n` of data[p, p + len) at target[q]; returns the position after it. */
function writeBulkFrom(target: Buffer, q: number, data: Buffer, p: number, len: number): number {
  target[q++] = 0x24; // $
  q = writeDecimal(target, q, len);
  target[q++] = 13;
  target[q++] = 10;
  if (len <= 24) {
    for (let i = 0; i < len; i++) target[q + i] = data[p + i]!;
  } else {
    data.copy(target, q, p, p + len);
  }
  q += len;
  target[q++] = 13;
  target[q++] = 10;
  return q;
}

// The master field names of the node last rendered, as RESP bulk strings (`$5\r\nfield\r\n`...):
// ranges render many entries of one node in a row.
let namesNode: StreamNode | undefined;
let namesResp = Buffer.alloc(0);
let namesEnds: number[] = [];

/** Does data[p, p + len) hold the same bytes as f? */
function sameBytes(data: Buffer, p: number, len: number, f: Buffer): boolean {
  if (f.length !== len) return false;
  if (len <= 16) {
    for (let i = 0; i < len; i++) if (data[p + i] !== f[i]) return false;
    return true;
  }
  return data.compare(f, 0, len, p, p + len) === 0;
}

/** Exported for the unit tests of the node layout. */
export class StreamNode {
  /** The ms part of the node's first ID: narrow slots store ms as a delta from it. */
  readonly msHi: number;
  readonly msLo: number;
  /** 4 words a slot (msHi, msLo, seqHi, seqLo) instead of 2 (ms delta, seqLo). */
  wide = false;
  ids: Uint32Array;
  offs: Uint16Array | Uint32Array;
  data: Buffer;
  /** Slots used, live and deleted. */
  count = 0;
  live = 0;
  /** 1 = deleted; allocated at the first deletion. */
  deleted: Uint8Array | undefined;
  /** The entries' size as RESP arrays: what stream-node-max-bytes is checked against. */
  bytes = 0;
  /** Bytes the entries take in this layout (data, ID words, offsets), for memory estimates. */
  stored = 0;
  /** Field pairs in the master entry. */
  private readonly masterPairs: number;

  constructor(first: StreamId, fields: readonly Buffer[], slotCapacity: number, byteCapacity: number) {
    this.msHi = first.msHi;
    this.msLo = first.msLo;
    this.ids = new Uint32Array(slotCapacity * 2);
    this.offs = new Uint16Array(slotCapacity + 1);
    const pairs = fields.length >>> 1;
    this.masterPairs = pairs;
    let header = varintSize(pairs);
    for (let i = 0; i < fields.length; i += 2) header += varintSize(fields[i]!.length) + fields[i]!.length;
    if (header > 0xffff) this.offs = new Uint32Array(slotCapacity + 1);
    this.data = Buffer.allocUnsafeSlow(Math.max(byteCapacity, header * 2));
    let p = writeVarint(this.data, 0, pairs);
    for (let i = 0; i < fields.length; i += 2) {
      const f = fields[i]!;
      p = writeVarint(this.data, p, f.length);
      p += f.copy(this.data, p);
    }
    this.offs[0] = p;
  }

  /** Bytes of the node's arrays (tests, MEMORY-style estimates). */
  get footprint(): number {
    return this.ids.byteLength + this.offs.byteLength + this.data.length + (this.deleted?.length ?? 0);
  }

  idAt(slot: number): StreamId {
    const w = this.ids;
    if (this.wide) {
      const b = slot * 4;
      return new StreamId(w[b]!, w[b + 1]!, w[b + 2]!, w[b + 3]!);
    }
    const b = slot * 2;
    let lo = this.msLo + w[b]!;
    let hi = this.msHi;
    if (lo > MAX_U32) {
      lo -= U32;
      hi++;
    }
    return new StreamId(hi, lo, 0, w[b + 1]!);
  }

  private cacheNames(): void {
    const data = this.data;
    rp = 0;
    const pairs = readVarint(data);
    const ends: number[] = [];
    let size = 0;
    const start = rp;
    for (let i = 0; i < pairs; i++) {
      const len = readVarint(data);
      size += 5 + decimalDigits(len) + len;
      rp += len;
    }
    const out = Buffer.allocUnsafe(size);
    rp = start;
    let q = 0;
    for (let i = 0; i < pairs; i++) {
      const len = readVarint(data);
      q = writeBulkFrom(out, q, data, rp, len);
      rp += len;
      ends.push(q);
    }
    namesNode = this;
    namesResp = out;
    namesEnds = ends;
  }

  /** Slot's fields as a RESP array (a fresh view of the shared slab). */
  fieldsAt(slot: number): Buffer {
    const data = this.data;
    rp = this.offs[slot]!;
    const end = this.offs[slot + 1]!;
    const tag = readVarint(data);
    if (tag === 0) {
      if (namesNode !== this) {
        const at = rp;
        this.cacheNames();
        rp = at;
      }
      const pairs = this.masterPairs;
      const names = namesResp;
      const ends = namesEnds;
      // Bound: the array header, the names, each value's bytes and at most 15 bytes of framing.
      const out = slabReserve(13 + names.length + (end - rp) + pairs * 15);
      let q = slabPos;
      out[q++] = 0x2a; // *
      q = writeDecimal(out, q, pairs * 2);
      out[q++] = 13;
      out[q++] = 10;
      let np = 0;
      for (let i = 0; i < pairs; i++) {
        const ne = ends[i]!;
        if (ne - np <= 32) {
          for (; np < ne; np++) out[q++] = names[np]!;
        } else {
          names.copy(out, q, np, ne);
          q += ne - np;
          np = ne;
        }
        const len = readVarint(data);
        q = writeBulkFrom(out, q, data, rp, len);
        rp += len;
      }
      return slabTake(q);
    }
    const items = (tag - 1) * 2;
    const out = slabReserve(13 + (end - rp) + items * 15);
    let q = slabPos;
    out[q++] = 0x2a; // *
    q = writeDecimal(out, q, items);
    out[q++] = 13;
    out[q++] = 10;
    while (rp < end) {
      const len = readVarint(data);
      q = writeBulkFrom(out, q, data, rp, len);
      rp += len;
    }
    return slabTake(q);
  }

  isDeleted(slot: number): boolean {
    return this.deleted !== undefined && this.deleted[slot] === 1;
  }

  markDeleted(slot: number): void {
    if (this.deleted === undefined) this.deleted = new Uint8Array(this.offs.length - 1);
    this.deleted[slot] = 1;
    this.live--;
  }

  /** Compare slot's ID with `id`. */
  compareAt(slot: number, id: StreamId): number {
    const w = this.ids;
    if (this.wide) {
      const b = slot * 4;
      let x = w[b]!;
      if (x !== id.msHi) return x < id.msHi ? -1 : 1;
      x = w[b + 1]!;
      if (x !== id.msLo) return x < id.msLo ? -1 : 1;
      x = w[b + 2]!;
      if (x !== id.seqHi) return x < id.seqHi ? -1 : 1;
      x = w[b + 3]!;
      if (x !== id.seqLo) return x < id.seqLo ? -1 : 1;
      return 0;
    }
    const b = slot * 2;
    const d = w[b]!;
    // id's ms as a delta from the node's; inexact only far outside [0, 2^32), where the order holds.
    const rel = (id.msHi - this.msHi) * U32 + (id.msLo - this.msLo);
    if (d !== rel) return d < rel ? -1 : 1;
    if (id.seqHi !== 0) return -1;
    const s = w[b + 1]!;
    if (s !== id.seqLo) return s < id.seqLo ? -1 : 1;
    return 0;
  }

  /** First slot whose ID is >= id (count if none). */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(mid, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Switch to 4 words a slot. */
  private widen(): void {
    const old = this.ids;
    const ids = new Uint32Array(old.length * 2);
    for (let s = 0; s < this.count; s++) {
      let lo = this.msLo + old[s * 2]!;
      let hi = this.msHi;
      if (lo > MAX_U32) {
        lo -= U32;
        hi++;
      }
      ids[s * 4] = hi;
      ids[s * 4 + 1] = lo;
      ids[s * 4 + 2] = 0;
      ids[s * 4 + 3] = old[s * 2 + 1]!;
    }
    this.ids = ids;
    this.wide = true;
  }

  /** Does `fields` have the master's field names? */
  private matchesMaster(fields: readonly Buffer[]): boolean {
    if (fields.length !== this.masterPairs * 2) return false;
    const data = this.data;
    rp = 0;
    readVarint(data);
    for (let i = 0; i < fields.length; i += 2) {
      const len = readVarint(data);
      if (!sameBytes(data, rp, len, fields[i]!)) return false;
      rp += len;
    }
    return true;
  }

  /**
   * Append an entry whose RESP size is `respSize`; `id` must be above the node's last ID. Returns
   * the bytes it takes in the node.
   */
  append(id: StreamId, fields: readonly Buffer[], respSize: number): number {
    const slot = this.count;
    let words = this.wide ? 4 : 2;
    let delta = 0;
    if (!this.wide) {
      delta = (id.msHi - this.msHi) * U32 + (id.msLo - this.msLo);
      if (delta > MAX_U32 || id.seqHi !== 0) {
        this.widen();
        words = 4;
      }
    }
    if ((slot + 1) * words > this.ids.length) {
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    if (slot + 2 > this.offs.length) {
      const offs = this.offs instanceof Uint16Array ? new Uint16Array(this.offs.length * 2) : new Uint32Array(this.offs.length * 2);
      offs.set(this.offs);
      this.offs = offs;
      if (this.deleted !== undefined) {
        const d = new Uint8Array(offs.length - 1);
        d.set(this.deleted);
        this.deleted = d;
      }
    }
    const same = this.matchesMaster(fields);
    let size = same ? 1 : varintSize(fields.length / 2 + 1);
    for (let i = same ? 1 : 0; i < fields.length; i += same ? 2 : 1) size += varintSize(fields[i]!.length) + fields[i]!.length;
    const start = this.offs[slot]!;
    if (start + size > this.data.length) {
      const data = Buffer.allocUnsafeSlow(Math.max(this.data.length * 2, start + size));
      this.data.copy(data, 0, 0, start);
      this.data = data;
    }
    if (start + size > 0xffff && this.offs instanceof Uint16Array) this.offs = Uint32Array.from(this.offs);
    const data = this.data;
    let p: number;
    if (same) {
      data[start] = 0;
      p = start + 1;
      for (let i = 1; i < fields.length; i += 2) {
        const f = fields[i]!;
        p = writeVarint(data, p, f.length);
        p += f.copy(data, p);
      }
    } else {
      p = writeVarint(data, start, fields.length / 2 + 1);
      for (const f of fields) {
        p = writeVarint(data, p, f.length);
        p += f.copy(data, p);
      }
    }
    this.offs[slot + 1] = p;
    const w = this.ids;
    if (words === 2) {
      w[slot * 2] = delta;
      w[slot * 2 + 1] = id.seqLo;
    } else {
      const b = slot * 4;
      w[b] = id.msHi;
      w[b + 1] = id.msLo;
      w[b + 2] = id.seqHi;
      w[b + 3] = id.seqLo;
    }
    this.bytes += respSize;
    const stored = p - start + words * 4 + (this.offs instanceof Uint16Array ? 2 : 4);
    this.stored += stored;
    this.count++;
    this.live++;
    return stored;
  }

  /** Bytes seal() needs in an arena. */
  get sealedSize(): number {
    const idBytes = this.count * (this.wide ? 16 : 8);
    const offBytes = (this.count + 1) * (this.offs instanceof Uint16Array ? 2 : 4);
    return (idBytes + ((offBytes + 3) & ~3) + this.offs[this.count]! + 3) & ~3;
  }

  /**
   * Move the arrays, at their used sizes, into `arena` at `at` (4-aligned, sealedSize bytes): the
   * node takes no more entries (unless a later deletion makes it the last node again), and sealed
   * nodes share a few large allocations instead of growing and freeing their own.
   */
  seal(arena: ArrayBuffer, at: number): void {
    const idWords = this.count * (this.wide ? 4 : 2);
    const ids = new Uint32Array(arena, at, idWords);
    ids.set(this.ids.subarray(0, idWords));
    this.ids = ids;
    at += idWords * 4;
    const narrow = this.offs instanceof Uint16Array;
    const offs = narrow ? new Uint16Array(arena, at, this.count + 1) : new Uint32Array(arena, at, this.count + 1);
    offs.set(this.offs.subarray(0, this.count + 1));
    this.offs = offs;
    at += ((this.count + 1) * (narrow ? 2 : 4) + 3) & ~3;
    const used = offs[this.count]!;
    const data = Buffer.from(arena, at, used);
    this.data.copy(data, 0, 0, used);
    this.data = data;
    if (this.deleted !== undefined && this.deleted.length > this.count) this.deleted = this.deleted.slice(0, this.count);
  }
}

/** One entry as handed to range visitors: its ID and its fields encoded as a RESP array. */
export interface StreamEntry {
  id: StreamId;
  fields: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Ordered ID map (pending entries lists): sorted blocks, so inserts and deletes cost a binary
// search plus a splice inside one small block, whatever the size of the PEL.

const BLOCK_MAX = 256;

export class IdOrderedMap<V extends { readonly id: StreamId }> {
  private blocks: V[][] = [];
  size = 0;

  /** Index of the first block whose last element is >= id (blocks.length if none). */
  private blockFor(id: StreamId): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = blocks[mid]!;
      if (block[block.length - 1]!.id.compare(id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static lowerBound<V extends { readonly id: StreamId }>(block: V[], id: StreamId): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (block[mid]!.id.compare(id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(id: StreamId): V | undefined {
    const b = this.blockFor(id);
    if (b === this.blocks.length) return undefined;
    const block = this.blocks[b]!;
    const i = IdOrderedMap.lowerBound(block, id);
    const v = block[i];
    return v !== undefined && v.id.equals(id) ? v : undefined;
  }

  /** Insert or replace. */
  set(value: V): void {
    const blocks = this.blocks;
    if (blocks.length === 0) {
      blocks.push([value]);
      this.size = 1;
      return;
    }
    let b = this.blockFor(value.id);
    if (b === blocks.length) {
      // Larger than everything: the common case (IDs are delivered in order).
      b--;
      const last = blocks[b]!;
      if (last.length < BLOCK_MAX) last.push(value);
      else blocks.push([value]);
      this.size++;
      return;
    }
    const block = blocks[b]!;
    const i = IdOrderedMap.lowerBound(block, value.id);
    if (i < block.length && block[i]!.id.equals(value.id)) {
      block[i] = value;
      return;
    }
    block.splice(i, 0, value);
    this.size++;
    if (block.length > BLOCK_MAX) blocks.splice(b + 1, 0, block.splice(BLOCK_MAX >>> 1));
  }

  delete(id: StreamId): V | undefined {
    const b = this.blockFor(id);
    if (b === this.blocks.length) return undefined;
    const block = this.blocks[b]!;
    const i = IdOrderedMap.lowerBound(block, id);
    const v = block[i];
    if (v === undefined || !v.id.equals(id)) return undefined;
    block.splice(i, 1);
    this.size--;
    if (block.length === 0) this.blocks.splice(b, 1);
    return v;
  }

  first(): V | undefined {
    return this.blocks.length === 0 ? undefined : this.blocks[0]![0];
  }

  last(): V | undefined {
    if (this.blocks.length === 0) return undefined;
    const block = this.blocks[this.blocks.length - 1]!;
    return block[block.length - 1];
  }

  /**
   * Visit values with id >= start in ascending order until `visit` returns false. The visitor
   * must not modify the map; collect first, then mutate.
   */
  forEachFrom(start: StreamId, visit: (value: V) => boolean | void): void {
    const blocks = this.blocks;
    let b = this.blockFor(start);
    if (b === blocks.length) return;
    let i = IdOrderedMap.lowerBound(blocks[b]!, start);
    for (; b < blocks.length; b++, i = 0) {
      const block = blocks[b]!;
      for (; i < block.length; i++) if (visit(block[i]!) === false) return;
    }
  }

  *values(): IterableIterator<V> {
    for (const block of this.blocks) yield* block;
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer groups

export interface PendingEntry {
  readonly id: StreamId;
  consumer: Consumer;
  /** ms timestamp of the last delivery */
  deliveryTime: number;
  deliveryCount: number;
}

export class Consumer {
  readonly pending = new IdOrderedMap<PendingEntry>();
  constructor(
    readonly name: Buffer,
    /** Last time the consumer was seen by a command (ms). */
    public seenTime: number,
    /** Last time the consumer read or claimed something (ms); -1 if never. */
    public activeTime = -1,
  ) {}
}

/** entriesRead value meaning "unknown", as Redis reports it (null). */
export const ENTRIES_READ_INVALID = -1n;

export class ConsumerGroup {
  readonly pending = new IdOrderedMap<PendingEntry>();
  /** latin1 name → consumer */
  readonly consumers = new Map<string, Consumer>();
  constructor(
    readonly name: Buffer,
    public lastId: StreamId,
    /** Logical count of entries read so far; ENTRIES_READ_INVALID when unknown. */
    public entriesRead: bigint,
  ) {}

  consumer(name: string): Consumer | undefined {
    return this.consumers.get(name);
  }

  /** Look up or create. `created` tells the caller whether it was new. */
  ensureConsumer(name: string, now: number): { consumer: Consumer; created: boolean } {
    const existing = this.consumers.get(name);
    if (existing !== undefined) return { consumer: existing, created: false };
    const consumer = new Consumer(Buffer.from(name, 'latin1'), now);
    this.consumers.set(name, consumer);
    return { consumer, created: true };
  }

  /** Remove a consumer and its pending entries. Returns how many were pending, or -1 if absent. */
  deleteConsumer(name: string): number {
    const consumer = this.consumers.get(name);
    if (consumer === undefined) return -1;
    const count = consumer.pending.size;
    for (const entry of consumer.pending.values()) this.pending.delete(entry.id);
    this.consumers.delete(name);
    return count;
  }

  /** Acknowledge one ID. Returns true if it was pending. */
  ack(id: StreamId): boolean {
    const entry = this.pending.delete(id);
    if (entry === undefined) return false;
    entry.consumer.pending.delete(id);
    return true;
  }

  /** Record a delivery of `id` to `consumer` (new PEL entry, or moved from its previous owner). */
  deliver(id: StreamId, consumer: Consumer, now: number): PendingEntry {
    const existing = this.pending.get(id);
    if (existing !== undefined) {
      if (existing.consumer !== consumer) {
        existing.consumer.pending.delete(id);
        existing.consumer = consumer;
        consumer.pending.set(existing);
      }
      existing.deliveryTime = now;
      existing.deliveryCount = 1;
      return existing;
    }
    const entry: PendingEntry = { id, consumer, deliveryTime: now, deliveryCount: 1 };
    this.pending.set(entry);
    consumer.pending.set(entry);
    return entry;
  }

  /** Move an existing pending entry to `consumer`. */
  transfer(entry: PendingEntry, consumer: Consumer): void {
    if (entry.consumer === consumer) return;
    entry.consumer.pending.delete(entry.id);
    entry.consumer = consumer;
    consumer.pending.set(entry);
  }

  /** Names in byte order, as Redis lists them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.keys()].sort(byteOrder).map((k) => this.consumers.get(k)!);
  }
}

/** Compare latin1 keys in byte order (UTF-16 code unit order equals byte order for latin1). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// The stream

export interface StreamLimits {
  /** stream-node-max-entries (0 = no limit) */
  maxEntries: number;
  /** stream-node-max-bytes (0 = no limit) */
  maxBytes: number;
}

const ARENA_MIN = 4096;
const ARENA_MAX = 256 * 1024;

export const DEFAULT_LIMITS: StreamLimits = { maxEntries: 100, maxBytes: 4096 };

/** Outcome of computing the next automatic or explicit ID for XADD. */
export type NextIdResult = { id: StreamId } | { error: 'exhausted' | 'too-small' | 'seq-overflow' };

export class Stream {
  /** This value's key type (store/database.ts reads it: entries hold no type field). */
  get valueType(): 'stream' {
    return 'stream';
  }

  /** Live entries. */
  length = 0;
  /** The last ID ever added (or set by XSETID). */
  lastId = StreamId.MIN;
  /** The largest ID removed by XDEL (0-0 if none). */
  maxDeletedId = StreamId.MIN;
  /** Entries ever added (XSETID may change it). */
  entriesAdded = 0n;
  /** latin1 name → group */
  readonly groups = new Map<string, ConsumerGroup>();

  private nodes: StreamNode[] = [];
  /** Index of the first node in use; the array is compacted when the head passes half of it. */
  private head = 0;
  /** Where sealed nodes' arrays go: the current chunk, the next free (4-aligned) byte in it. */
  private arena: ArrayBuffer | undefined;
  private arenaPos = 0;
  /** Bytes sealed so far (sizes the next chunk). */
  private sealedBytes = 0;
  /** Bytes of the nodes' entries (Σ node.stored), for memory estimates; O(1) to read. */
  storedBytes = 0;

  constructor(public limits: StreamLimits = DEFAULT_LIMITS) {}

  /** Number of nodes holding entries (XINFO's radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length - this.head;
  }

  /** The nodes in ID order (unit tests of the layout). */
  nodesForTests(): readonly StreamNode[] {
    return this.nodes.slice(this.head);
  }

  // --- adding ---------------------------------------------------------------------------------

  /** The ID XADD would give: `*` (explicit undefined) uses the clock. */
  nextId(now: number, explicit?: StreamId, autoSeq = false): NextIdResult {
    const last = this.lastId;
    if (last.isMax()) return { error: 'exhausted' };
    if (explicit === undefined) {
      // `now` is a whole number of ms below 2^53: split it without StreamId.of's pair arrays.
      const msHi = Math.floor(now / U32);
      const msLo = now - msHi * U32;
      if (msHi > last.msHi || (msHi === last.msHi && msLo > last.msLo)) return { id: new StreamId(msHi, msLo, 0, 0) };
      return { id: last.next()! };
    }
    if (autoSeq) {
      const c = compareMs(explicit, last);
      if (c > 0) return { id: explicit };
      if (c < 0) return { error: 'too-small' };
      if (last.seqIsMax()) return { error: 'seq-overflow' };
      return { id: last.next()! };
    }
    if (explicit.compare(last) <= 0) return { error: 'too-small' };
    return { id: explicit };
  }

  /** Append an entry; `id` must be greater than lastId. `fields` are copied. */
  append(id: StreamId, fields: readonly Buffer[]): void {
    const size = encodedSize(fields);
    let node = this.nodes.length > this.head ? this.nodes[this.nodes.length - 1]! : undefined;
    const { maxEntries, maxBytes } = this.limits;
    if (
      node === undefined ||
      (maxBytes > 0 && node.bytes + size >= maxBytes) ||
      (maxEntries > 0 && node.count >= maxEntries)
    ) {
      if (node !== undefined) this.seal(node);
      const slots = maxEntries > 0 ? Math.min(maxEntries, 16) : 16;
      node = new StreamNode(id, fields, slots, Math.max(maxBytes > 0 ? Math.min(maxBytes, 256) : 256, size));
      this.nodes.push(node);
    }
    this.storedBytes += node.append(id, fields, size);
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
  }

  /** Move a full node's arrays into the stream's current arena chunk (a new one if it is full). */
  private seal(node: StreamNode): void {
    const size = node.sealedSize;
    let arena = this.arena;
    if (arena === undefined || this.arenaPos + size > arena.byteLength) {
      // Chunks grow with the stream (a small stream wastes little), up to ARENA_MAX.
      const chunk = Math.max(size, Math.min(ARENA_MAX, Math.max(ARENA_MIN, this.sealedBytes)));
      arena = Buffer.allocUnsafeSlow(chunk).buffer as ArrayBuffer;
      this.arena = arena;
      this.arenaPos = 0;
    }
    node.seal(arena, this.arenaPos);
    this.arenaPos += size;
    this.sealedBytes += size;
  }

  // --- reading --------------------------------------------------------------------------------

  /** Index (absolute) of the first node whose last slot is >= id. */
  private nodeFor(id: StreamId): number {
    let lo = this.head;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const node = this.nodes[mid]!;
      if (node.compareAt(node.count - 1, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Entry with exactly this ID, if live. */
  get(id: StreamId): StreamEntry | undefined {
    const n = this.nodeFor(id);
    if (n === this.nodes.length) return undefined;
    const node = this.nodes[n]!;
    const slot = node.lowerBound(id);
    if (slot === node.count || node.compareAt(slot, id) !== 0 || node.isDeleted(slot)) return undefined;
    return { id: node.idAt(slot), fields: node.fieldsAt(slot) };
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /**
   * Visit live entries with start <= id <= end, ascending (or descending when `reverse`), at most
   * `count` of them (0 = no limit), until `visit` returns false. Returns the number visited.
   */
  range(
    start: StreamId,
    end: StreamId,
    count: number,
    reverse: boolean,
    visit: (id: StreamId, fields: Buffer) => boolean | void,
  ): number {
    if (start.compare(end) > 0 || this.length === 0) return 0;
    let visited = 0;
    const nodes = this.nodes;
    if (!reverse) {
      let n = this.nodeFor(start);
      if (n === nodes.length) return 0;
      let slot = nodes[n]!.lowerBound(start);
      for (; n < nodes.length; n++, slot = 0) {
        const node = nodes[n]!;
        for (; slot < node.count; slot++) {
          if (node.compareAt(slot, end) > 0) return visited;
          if (node.isDeleted(slot)) continue;
          visited++;
          if (visit(node.idAt(slot), node.fieldsAt(slot)) === false) return visited;
          if (visited === count) return visited;
        }
      }
      return visited;
    }
    // Reverse: start at the last slot <= end.
    let n = this.nodeFor(end);
    let slot: number;
    if (n === nodes.length) {
      n--;
      slot = nodes[n]!.count - 1;
    } else {
      const node = nodes[n]!;
      slot = node.lowerBound(end);
      if (slot === node.count || node.compareAt(slot, end) > 0) slot--;
    }
    for (; n >= this.head; n--, slot = n >= this.head ? nodes[n]!.count - 1 : 0) {
      const node = nodes[n]!;
      for (; slot >= 0; slot--) {
        if (node.compareAt(slot, start) < 0) return visited;
        if (node.isDeleted(slot)) continue;
        visited++;
        if (visit(node.idAt(slot), node.fieldsAt(slot)) === false) return visited;
        if (visited === count) return visited;
      }
    }
    return visited;
  }

  /** Collect up to `count` entries (0 = all) in [start, end]. */
  entries(start: StreamId, end: StreamId, count = 0, reverse = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    this.range(start, end, count, reverse, (id, fields) => {
      out.push({ id, fields });
    });
    return out;
  }

  firstEntry(): StreamEntry | undefined {
    let found: StreamEntry | undefined;
    this.range(StreamId.MIN, StreamId.MAX, 1, false, (id, fields) => {
      found = { id, fields };
    });
    return found;
  }

  lastEntry(): StreamEntry | undefined {
    let found: StreamEntry | undefined;
    this.range(StreamId.MIN, StreamId.MAX, 1, true, (id, fields) => {
      found = { id, fields };
    });
    return found;
  }

  /** The current first entry's ID, or 0-0 when empty (XINFO's recorded-first-entry-id). */
  get firstId(): StreamId {
    return this.firstEntry()?.id ?? StreamId.MIN;
  }

  // --- removing -------------------------------------------------------------------------------

  /** XDEL one ID. Returns true if a live entry was removed. */
  delete(id: StreamId): boolean {
    const n = this.nodeFor(id);
    if (n === this.nodes.length) return false;
    const node = this.nodes[n]!;
    const slot = node.lowerBound(id);
    if (slot === node.count || node.compareAt(slot, id) !== 0 || node.isDeleted(slot)) return false;
    node.markDeleted(slot);
    this.length--;
    if (node.live === 0) this.removeNode(n);
    if (id.compare(this.maxDeletedId) > 0) this.maxDeletedId = id;
    return true;
  }

  private removeNode(n: number): void {
    this.storedBytes -= this.nodes[n]!.stored;
    if (n === this.head) {
      this.nodes[n] = undefined as unknown as StreamNode;
      this.head++;
      this.compactHead();
    } else {
      this.nodes.splice(n, 1);
    }
  }

  private compactHead(): void {
    if (this.head === this.nodes.length) {
      this.nodes = [];
      this.head = 0;
    } else if (this.head > 32 && this.head * 2 > this.nodes.length) {
      this.nodes = this.nodes.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Trim from the head. MAXLEN keeps at most `maxLen` entries; MINID removes entries below `minId`.
   * Approximate trimming removes only whole nodes. `limit` (0 = none) caps the entries removed,
   * counted in whole nodes as Redis does. Returns the number of entries removed.
   */
  trim(strategy: { maxLen: number } | { minId: StreamId }, approx: boolean, limit: number): number {
    let removed = 0;
    while (this.head < this.nodes.length) {
      const maxLen = 'maxLen' in strategy ? strategy.maxLen : -1;
      if (maxLen >= 0 && this.length <= maxLen) break;
      const node = this.nodes[this.head]!;
      if (limit > 0 && removed + node.live > limit) break;
      const wholeNode =
        maxLen >= 0
          ? this.length - node.live >= maxLen
          : node.compareAt(node.count - 1, (strategy as { minId: StreamId }).minId) < 0;
      if (wholeNode) {
        this.length -= node.live;
        removed += node.live;
        this.storedBytes -= node.stored;
        this.nodes[this.head] = undefined as unknown as StreamNode;
        this.head++;
        continue;
      }
      if (approx) break;
      // Exact: tombstone entries inside this one node, then stop (the next node would be whole).
      for (let slot = 0; slot < node.count; slot++) {
        if (node.isDeleted(slot)) continue;
        if (maxLen >= 0) {
          if (this.length <= maxLen) break;
        } else if (node.compareAt(slot, (strategy as { minId: StreamId }).minId) >= 0) break;
        node.markDeleted(slot);
        this.length--;
        removed++;
      }
      if (node.live === 0) {
        this.storedBytes -= node.stored;
        this.nodes[this.head] = undefined as unknown as StreamNode;
        this.head++;
      }
      break;
    }
    this.compactHead();
    return removed;
  }

  // --- consumer groups and lag ----------------------------------------------------------------

  /** True when an XDEL tombstone may lie in [start, end] among current entries. */
  hasTombstonesIn(start: StreamId, end: StreamId = StreamId.MAX): boolean {
    if (this.length === 0 || this.maxDeletedId.isZero()) return false;
    if (this.firstId.compare(this.maxDeletedId) > 0) return false;
    return start.compare(this.maxDeletedId) <= 0 && this.maxDeletedId.compare(end) <= 0;
  }

  /**
   * The logical read counter of `id` (how many entries were added up to and including it), when
   * it can be known without walking the stream; ENTRIES_READ_INVALID otherwise.
   */
  entriesReadAt(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    const cmpLast = id.compare(this.lastId);
    if (this.length === 0 && cmpLast <= 0) return this.entriesAdded;
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return ENTRIES_READ_INVALID;
    const first = this.firstId;
    if (this.maxDeletedId.isZero() || this.maxDeletedId.compare(first) < 0) {
      const cmpFirst = id.compare(first);
      if (cmpFirst < 0) return this.entriesAdded - BigInt(this.length);
      if (cmpFirst === 0) return this.entriesAdded - BigInt(this.length) + 1n;
    }
    return ENTRIES_READ_INVALID;
  }

  /** Entries not yet delivered to the group, or undefined when that cannot be known (null). */
  lag(group: ConsumerGroup): bigint | undefined {
    if (this.entriesAdded === 0n) return 0n;
    if (group.entriesRead !== ENTRIES_READ_INVALID && !this.hasTombstonesIn(group.lastId)) {
      return this.entriesAdded - group.entriesRead;
    }
    const read = this.entriesReadAt(group.lastId);
    return read === ENTRIES_READ_INVALID ? undefined : this.entriesAdded - read;
  }

  /** Advance the group's last-delivered ID to `id` (delivered via `>`), maintaining entries-read. */
  advanceGroup(group: ConsumerGroup, id: StreamId): void {
    if (id.compare(group.lastId) <= 0) return;
    if (group.entriesRead !== ENTRIES_READ_INVALID && !this.hasTombstonesIn(id)) {
      group.entriesRead++;
    } else if (this.entriesAdded !== 0n) {
      group.entriesRead = this.entriesReadAt(id);
    }
    group.lastId = id;
  }

  createGroup(name: Buffer, lastId: StreamId, entriesRead: bigint): ConsumerGroup | undefined {
    const key = name.toString('latin1');
    if (this.groups.has(key)) return undefined;
    const group = new ConsumerGroup(Buffer.from(name), lastId, entriesRead);
    this.groups.set(key, group);
    return group;
  }

  /** Groups in byte order of their names. */
  sortedGroups(): ConsumerGroup[] {
    return [...this.groups.keys()].sort(byteOrder).map((k) => this.groups.get(k)!);
  }
}

/** Compare only the ms parts. */
function compareMs(a: StreamId, b: StreamId): number {
  if (a.msHi !== b.msHi) return a.msHi < b.msHi ? -1 : 1;
  if (a.msLo !== b.msLo) return a.msLo < b.msLo ? -1 : 1;
  return 0;
}

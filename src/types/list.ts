// List value: elements packed into byte chunks (a chain of Buffers of up to CHUNK_BYTES each), so a
// list costs a few bytes per element instead of one Buffer object per element.
//
// Chunk layout: elements back to back between `start` and `end` of the chunk's Buffer, each as
//   short (len ≤ 253):  [len] bytes [len]
//   long:               [254][len u32le] bytes [len u32le][254]
// The length on both sides makes a chunk walkable in both directions. Slack is kept at the front of
// the first chunk and at the back of the last one, so pushes and pops at either end are O(1)
// amortised. Access by index walks chunks (O(n / elements-per-chunk), as Redis's quicklist) and is
// O(1) for sequential access thanks to a cursor remembered from the previous lookup. Inserting,
// replacing or removing in the middle rewrites one chunk. Elements handed out are copies.
import { latin1At } from '../protocol/latin1.js';
import { putLine } from '../protocol/writer.js';

const CHUNK_BYTES = 8192;
const MIN_CAPACITY = 32;
const LONG = 254;

function encodedSize(len: number): number {
  return len <= 253 ? len + 2 : len + 10;
}

function writeElement(buf: Buffer, at: number, value: Buffer): number {
  const len = value.length;
  if (len <= 253) {
    buf[at] = len;
    value.copy(buf, at + 1);
    buf[at + 1 + len] = len;
    return at + len + 2;
  }
  buf[at] = LONG;
  buf.writeUInt32LE(len, at + 1);
  value.copy(buf, at + 5);
  buf.writeUInt32LE(len, at + 5 + len);
  buf[at + 9 + len] = LONG;
  return at + len + 10;
}

class Chunk {
  constructor(
    public buf: Buffer,
    public start: number,
    public end: number,
    public count: number,
  ) {}

  get used(): number {
    return this.end - this.start;
  }

  /** Offset just past the element starting at `at`. */
  next(at: number): number {
    const b = this.buf[at]!;
    return b === LONG ? at + this.buf.readUInt32LE(at + 1) + 10 : at + b + 2;
  }

  /** Offset of the element ending at `at`. */
  prev(at: number): number {
    const b = this.buf[at - 1]!;
    return b === LONG ? at - this.buf.readUInt32LE(at - 5) - 10 : at - b - 2;
  }

  /** The element starting at `at` for a reply: a latin1 string when short (see STRING_OUT_MAX), else a copy. */
  out(at: number): Buffer | string {
    const b = this.buf[at]!;
    return b <= STRING_OUT_MAX ? latin1At(this.buf, at + 1, b) : copyOut(this.view(at));
  }

  /** The bytes of the element starting at `at`, as a view into the chunk (valid until a write). */
  view(at: number): Buffer {
    const b = this.buf[at]!;
    if (b === LONG) {
      const len = this.buf.readUInt32LE(at + 1);
      return this.buf.subarray(at + 5, at + 5 + len);
    }
    return this.buf.subarray(at + 1, at + 1 + b);
  }

  /** Element offsets, in order. */
  offsets(): number[] {
    const out: number[] = [];
    for (let at = this.start; at < this.end; at = this.next(at)) out.push(at);
    return out;
  }
}

function copyOut(view: Buffer): Buffer {
  return Buffer.from(view);
}

/**
 * Elements up to this many bytes are handed to a reply as latin1 strings (latin1At: no view and no
 * copy, each a typed array made through a builtin); longer ones as copied Buffers.
 */
const STRING_OUT_MAX = 32;

/** Range replies encoded straight from the chunks (rangeReply) up to this many bytes. */
const RAW_RANGE_MAX = 64 * 1024;

/** rangeReply() encodes here, then copies out the bytes used. */
const rangeScratch = Buffer.allocUnsafe(RAW_RANGE_MAX);

/** A new chunk holding `values` (encoded back to back), with `front`/`back` bytes of slack. */
function buildChunk(values: Buffer[], front = 0, back = 0): Chunk {
  let size = 0;
  for (const v of values) size += encodedSize(v.length);
  const buf = Buffer.allocUnsafeSlow(front + size + back);
  let at = front;
  for (const v of values) at = writeElement(buf, at, v);
  return new Chunk(buf, front, at, values.length);
}

export class List {
  /** This value's key type (store/database.ts reads it: entries hold no type field). */
  get valueType(): 'list' {
    return 'list';
  }

  private chunks: Chunk[] = [];
  length = 0;
  // Cursor from the last lookup: element `cIndex` (global) starts at byte `cAt` of chunks[cChunk],
  // whose first element has global index `cFirst`. cChunk = -1 when not valid.
  private cChunk = -1;
  private cFirst = 0;
  private cIndex = 0;
  private cAt = 0;

  constructor(items?: Iterable<Buffer>) {
    if (items !== undefined) for (const item of items) this.pushBack(item);
  }

  /** Element at `index` (0-based from the head); undefined when out of range. */
  get(index: number): Buffer | undefined {
    if (index < 0 || index >= this.length) return undefined;
    this.seek(index);
    return copyOut(this.chunks[this.cChunk]!.view(this.cAt));
  }

  set(index: number, value: Buffer): void {
    if (index < 0 || index >= this.length) throw new RangeError('list index out of range');
    this.seek(index);
    const ci = this.cChunk;
    const local = index - this.cFirst;
    const values = this.chunkValues(this.chunks[ci]!);
    values[local] = value;
    this.replaceChunk(ci, values);
  }

  pushBack(value: Buffer): void {
    const need = encodedSize(value.length);
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || (chunk.count > 0 && chunk.used + need > CHUNK_BYTES)) {
      chunk = this.newChunk(need);
      this.chunks.push(chunk);
    } else if (chunk.buf.length - chunk.end < need) {
      this.regrow(chunk, need, false);
    }
    chunk.end = writeElement(chunk.buf, chunk.end, value);
    chunk.count++;
    this.length++;
    // The cursor's positions stay valid: nothing before the tail moved unless regrow ran.
    this.cChunk = -1;
  }

  pushFront(value: Buffer): void {
    const need = encodedSize(value.length);
    let chunk = this.chunks[0];
    if (chunk === undefined || (chunk.count > 0 && chunk.used + need > CHUNK_BYTES)) {
      chunk = this.newChunk(need, true);
      this.chunks.unshift(chunk);
    } else if (chunk.start < need) {
      this.regrow(chunk, need, true);
    }
    chunk.start -= need;
    writeElement(chunk.buf, chunk.start, value);
    chunk.count++;
    this.length++;
    this.cChunk = -1;
  }

  popFront(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const chunk = this.chunks[0]!;
    const value = copyOut(chunk.view(chunk.start));
    this.removeFirst(chunk);
    return value;
  }

  /** popFront() for a reply: short elements as latin1 strings (see Chunk.out). */
  popFrontOut(): Buffer | string | undefined {
    if (this.length === 0) return undefined;
    const chunk = this.chunks[0]!;
    const value = chunk.out(chunk.start);
    this.removeFirst(chunk);
    return value;
  }

  popBack(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const chunk = this.chunks[this.chunks.length - 1]!;
    const at = chunk.prev(chunk.end);
    const value = copyOut(chunk.view(at));
    this.removeLast(chunk, at);
    return value;
  }

  /** popBack() for a reply: short elements as latin1 strings (see Chunk.out). */
  popBackOut(): Buffer | string | undefined {
    if (this.length === 0) return undefined;
    const chunk = this.chunks[this.chunks.length - 1]!;
    const at = chunk.prev(chunk.end);
    const value = chunk.out(at);
    this.removeLast(chunk, at);
    return value;
  }

  /** The first element of `chunk`, the first chunk, has been read: remove it. */
  private removeFirst(chunk: Chunk): void {
    chunk.start = chunk.next(chunk.start);
    chunk.count--;
    this.length--;
    if (chunk.count === 0) this.chunks.shift();
    this.cChunk = -1;
  }

  /** The last element of `chunk`, the last chunk, starting at `at`, has been read: remove it. */
  private removeLast(chunk: Chunk, at: number): void {
    chunk.end = at;
    chunk.count--;
    this.length--;
    if (chunk.count === 0) this.chunks.pop();
    this.cChunk = -1;
  }

  /** Insert so that the new element ends up at `index` (0 ≤ index ≤ length). */
  insertAt(index: number, value: Buffer): void {
    if (index < 0 || index > this.length) throw new RangeError('list index out of range');
    if (index === 0) return this.pushFront(value);
    if (index === this.length) return this.pushBack(value);
    this.seek(index);
    const ci = this.cChunk;
    const values = this.chunkValues(this.chunks[ci]!);
    values.splice(index - this.cFirst, 0, value);
    this.replaceChunk(ci, values);
    this.length++;
  }

  /** Remove and return the element at `index`. */
  removeAt(index: number): Buffer | undefined {
    if (index < 0 || index >= this.length) return undefined;
    if (index === 0) return this.popFront();
    if (index === this.length - 1) return this.popBack();
    this.seek(index);
    const ci = this.cChunk;
    const values = this.chunkValues(this.chunks[ci]!);
    const [value] = values.splice(index - this.cFirst, 1);
    this.replaceChunk(ci, values);
    this.length--;
    return copyOut(value!);
  }

  /**
   * Keep only the elements whose index is in [start, end] (already clamped by the caller to valid
   * indexes; start > end empties the list).
   */
  trim(start: number, end: number): void {
    if (start > end || start >= this.length || end < 0) {
      this.clear();
      return;
    }
    this.dropBack(this.length - 1 - end);
    this.dropFront(start);
  }

  /**
   * Remove elements equal to `value`: up to `count` from the head (count > 0), from the tail
   * (count < 0), or all (count 0). Returns how many were removed. One O(n) pass over the chunks
   * that hold a match.
   */
  removeValue(value: Buffer, count: number): number {
    const limit = count === 0 ? Infinity : Math.abs(count);
    const backward = count < 0;
    let removed = 0;
    const order = this.chunks.map((_, i) => i);
    if (backward) order.reverse();
    const emptied: number[] = [];
    for (const ci of order) {
      if (removed >= limit) break;
      const chunk = this.chunks[ci]!;
      const offs = chunk.offsets();
      const drop = new Set<number>();
      for (let k = 0; k < offs.length && removed < limit; k++) {
        const j = backward ? offs.length - 1 - k : k;
        if (chunk.view(offs[j]!).equals(value)) {
          drop.add(j);
          removed++;
        }
      }
      if (drop.size === 0) continue;
      const kept: Buffer[] = [];
      for (let j = 0; j < offs.length; j++) if (!drop.has(j)) kept.push(chunk.view(offs[j]!));
      if (kept.length === 0) emptied.push(ci);
      else this.chunks[ci] = this.packed(ci, kept);
    }
    if (emptied.length > 0) {
      const gone = new Set(emptied);
      this.chunks = this.chunks.filter((_, i) => !gone.has(i));
    }
    this.length -= removed;
    this.cChunk = -1;
    return removed;
  }

  /**
   * Index of the first element equal to `value`, scanning from the head (or from the tail when
   * `backward`), skipping `skip` matches and looking at no more than `limit` elements; calls
   * `found` for each match until it returns false. Views passed to `found` are not kept.
   */
  scan(backward: boolean, limit: number, visit: (element: Buffer, index: number) => boolean): void {
    let seen = 0;
    if (!backward) {
      let index = 0;
      for (const chunk of this.chunks) {
        for (let at = chunk.start; at < chunk.end; at = chunk.next(at)) {
          if (seen++ >= limit || !visit(chunk.view(at), index)) return;
          index++;
        }
      }
    } else {
      let index = this.length - 1;
      for (let ci = this.chunks.length - 1; ci >= 0; ci--) {
        const chunk = this.chunks[ci]!;
        for (let at = chunk.end; at > chunk.start; ) {
          at = chunk.prev(at);
          if (seen++ >= limit || !visit(chunk.view(at), index)) return;
          index--;
        }
      }
    }
  }

  /**
   * Every element front to back as a range [start, end) of a chunk's buffer, with no view made
   * (the RDB encoder copies the bytes at once; a view per element was a BGSAVE's main garbage).
   */
  scanRanges(visit: (buf: Buffer, start: number, end: number) => void): void {
    this.scanRangesFrom({ chunk: 0, at: -1 }, Infinity, visit);
  }

  /**
   * scanRanges() from `pos` (chunk index and offset; { chunk: 0, at: -1 } to start) for at most
   * `limit` elements; `pos` is left after the last one visited. Returns true at the end. The
   * list must not change between calls (a snapshot writing a huge list in steps).
   */
  scanRangesFrom(pos: { chunk: number; at: number }, limit: number, visit: (buf: Buffer, start: number, end: number) => void): boolean {
    let n = 0;
    for (; pos.chunk < this.chunks.length; pos.chunk++, pos.at = -1) {
      const chunk = this.chunks[pos.chunk]!;
      const buf = chunk.buf;
      if (pos.at < 0) pos.at = chunk.start;
      for (; pos.at < chunk.end; pos.at = chunk.next(pos.at)) {
        if (n++ === limit) return false;
        const b = buf[pos.at]!;
        if (b === LONG) visit(buf, pos.at + 5, pos.at + 5 + buf.readUInt32LE(pos.at + 1));
        else visit(buf, pos.at + 1, pos.at + 1 + b);
      }
    }
    return true;
  }

  /** Elements from index `start` to `end` inclusive (clamped to the list). */
  range(start: number, end: number): Buffer[] {
    const from = Math.max(0, start);
    const to = Math.min(this.length - 1, end);
    const out: Buffer[] = [];
    if (from > to) return out;
    this.seek(from);
    let ci = this.cChunk;
    let at = this.cAt;
    let chunk = this.chunks[ci]!;
    for (let i = from; i <= to; i++) {
      if (at >= chunk.end) {
        chunk = this.chunks[++ci]!;
        at = chunk.start;
      }
      out.push(copyOut(chunk.view(at)));
      at = chunk.next(at);
    }
    return out;
  }

  /**
   * Elements `start` to `end` (0 ≤ start ≤ end < length) as the RESP array of bulk strings a
   * reply sends (the same bytes in RESP2 and RESP3), encoded straight from the chunks: no Buffer
   * per element. Undefined when the reply would pass RAW_RANGE_MAX bytes (use range()).
   */
  rangeReply(start: number, end: number): Buffer | undefined {
    const count = end - start + 1;
    this.seek(start);
    const out = rangeScratch;
    let pos = putLine(out, 0, 42 /* * */, count);
    let ci = this.cChunk;
    let at = this.cAt;
    let chunk = this.chunks[ci]!;
    for (let i = 0; i < count; i++) {
      if (at >= chunk.end) {
        chunk = this.chunks[++ci]!;
        at = chunk.start;
      }
      const buf = chunk.buf;
      const b = buf[at]!;
      const long = b === LONG;
      const n = long ? buf.readUInt32LE(at + 1) : b;
      // `$`, at most 10 digits, CRLF, the bytes, CRLF.
      if (pos + n + 15 > RAW_RANGE_MAX) return undefined;
      const from = at + (long ? 5 : 1);
      pos = putLine(out, pos, 36 /* $ */, n);
      if (n <= 64) for (let k = 0; k < n; k++) out[pos + k] = buf[from + k]!;
      else buf.copy(out, pos, from, from + n);
      pos += n;
      out[pos++] = 13;
      out[pos++] = 10;
      at = from + n + (long ? 5 : 1);
    }
    const reply = Buffer.allocUnsafe(pos);
    out.copy(reply, 0, 0, pos);
    return reply;
  }

  toArray(): Buffer[] {
    return this.range(0, this.length - 1);
  }

  clear(): void {
    this.chunks = [];
    this.length = 0;
    this.cChunk = -1;
  }

  *[Symbol.iterator](): IterableIterator<Buffer> {
    for (const chunk of this.chunks) {
      for (let at = chunk.start; at < chunk.end; at = chunk.next(at)) yield copyOut(chunk.view(at));
    }
  }

  /** A deep copy (COPY). */
  clone(): List {
    const copy = new List();
    copy.chunks = this.chunks.map((c) => new Chunk(Buffer.from(c.buf), c.start, c.end, c.count));
    copy.length = this.length;
    return copy;
  }

  /** Bytes held by the chunks (MEMORY USAGE, maxmemory estimates). */
  get packedBytes(): number {
    let n = 0;
    for (const chunk of this.chunks) n += chunk.buf.length + 48;
    return n;
  }

  // ------------------------------------------------------------------ internals

  private newChunk(need: number, atFront = false): Chunk {
    // A list that already filled a chunk is long: its next chunk starts at full size (no regrowth
    // garbage); a short list's only chunk starts small and doubles.
    const capacity = Math.max(need, this.chunks.length > 0 ? CHUNK_BYTES : MIN_CAPACITY);
    const buf = Buffer.allocUnsafeSlow(capacity);
    const at = atFront ? capacity : 0;
    return new Chunk(buf, at, at, 0);
  }

  /** Make room for `need` more bytes at one end of `chunk` (data moves; offsets change). */
  private regrow(chunk: Chunk, need: number, atFront: boolean): void {
    const used = chunk.used;
    const target = used + need;
    let capacity = chunk.buf.length;
    if (capacity < CHUNK_BYTES && capacity < 2 * target) {
      // Grow geometrically up to CHUNK_BYTES (a lone large element gets exactly its size).
      while (capacity < 2 * target && capacity < CHUNK_BYTES) capacity *= 2;
      capacity = Math.max(Math.min(capacity, CHUNK_BYTES), target);
    } else capacity = Math.max(capacity, target);
    const isFirst = chunk === this.chunks[0];
    const isLast = chunk === this.chunks[this.chunks.length - 1];
    const spare = capacity - target;
    // Slack where pushes can land: split between both ends for a lone chunk, else the growing end.
    let front: number;
    if (isFirst && isLast) front = atFront ? need + (spare >> 1) : spare >> 1;
    else front = atFront ? need + spare : 0;
    if (capacity === chunk.buf.length) chunk.buf.copyWithin(front, chunk.start, chunk.end);
    else {
      const buf = Buffer.allocUnsafeSlow(capacity);
      chunk.buf.copy(buf, front, chunk.start, chunk.end);
      chunk.buf = buf;
    }
    chunk.start = front;
    chunk.end = front + used;
  }

  /** Copies of the elements of a chunk (safe to keep while the chunk is rewritten). */
  private chunkValues(chunk: Chunk): Buffer[] {
    return chunk.offsets().map((at) => copyOut(chunk.view(at)));
  }

  /** A packed chunk for position `ci` holding `values`, with slack if it is at an end. */
  private packed(ci: number, values: Buffer[]): Chunk {
    const front = ci === 0 ? MIN_CAPACITY : 0;
    const back = ci === this.chunks.length - 1 ? MIN_CAPACITY : 0;
    return buildChunk(values, front, back);
  }

  /** Rewrite chunk `ci` with `values`, splitting it when it outgrew CHUNK_BYTES. */
  private replaceChunk(ci: number, values: Buffer[]): void {
    this.cChunk = -1;
    if (values.length === 0) {
      this.chunks.splice(ci, 1);
      return;
    }
    let size = 0;
    for (const v of values) size += encodedSize(v.length);
    if (size <= CHUNK_BYTES || values.length === 1) {
      this.chunks[ci] = this.packed(ci, values);
      return;
    }
    const half = values.length >> 1;
    const last = ci === this.chunks.length - 1;
    const left = buildChunk(values.slice(0, half), ci === 0 ? MIN_CAPACITY : 0, 0);
    const right = buildChunk(values.slice(half), 0, last ? MIN_CAPACITY : 0);
    this.chunks.splice(ci, 1, left, right);
  }

  private dropFront(k: number): void {
    if (k <= 0) return;
    let drop = 0;
    while (drop < this.chunks.length && this.chunks[drop]!.count <= k) {
      k -= this.chunks[drop]!.count;
      this.length -= this.chunks[drop]!.count;
      drop++;
    }
    if (drop > 0) this.chunks.splice(0, drop);
    if (k > 0) {
      const chunk = this.chunks[0]!;
      for (let i = 0; i < k; i++) chunk.start = chunk.next(chunk.start);
      chunk.count -= k;
      this.length -= k;
    }
    this.cChunk = -1;
  }

  private dropBack(k: number): void {
    if (k <= 0) return;
    let keep = this.chunks.length;
    while (keep > 0 && this.chunks[keep - 1]!.count <= k) {
      k -= this.chunks[keep - 1]!.count;
      this.length -= this.chunks[keep - 1]!.count;
      keep--;
    }
    if (keep < this.chunks.length) this.chunks.length = keep;
    if (k > 0) {
      const chunk = this.chunks[keep - 1]!;
      for (let i = 0; i < k; i++) chunk.end = chunk.prev(chunk.end);
      chunk.count -= k;
      this.length -= k;
    }
    this.cChunk = -1;
  }

  /** Point the cursor at element `index` (0 ≤ index < length). */
  private seek(index: number): void {
    const chunks = this.chunks;
    let ci: number;
    let first: number;
    // Pick the chunk: walk from whichever of head, tail or the cursor is nearest.
    const fromCursor = this.cChunk === -1 ? Infinity : Math.abs(index - this.cIndex);
    if (fromCursor <= index && fromCursor <= this.length - 1 - index) {
      ci = this.cChunk;
      first = this.cFirst;
    } else if (index < this.length - 1 - index) {
      ci = 0;
      first = 0;
    } else {
      ci = chunks.length - 1;
      first = this.length - chunks[ci]!.count;
    }
    while (index < first) {
      ci--;
      first -= chunks[ci]!.count;
    }
    while (index >= first + chunks[ci]!.count) {
      first += chunks[ci]!.count;
      ci++;
    }
    const chunk = chunks[ci]!;
    const local = index - first;
    // Within the chunk: walk from its start, its end, or the cursor, whichever is nearest.
    let pos: number;
    let at: number;
    if (this.cChunk === ci && Math.abs(this.cIndex - first - local) < Math.min(local, chunk.count - local)) {
      pos = this.cIndex - first;
      at = this.cAt;
    } else if (local <= chunk.count - local) {
      pos = 0;
      at = chunk.start;
    } else {
      pos = chunk.count;
      at = chunk.end;
    }
    while (pos < local) {
      at = chunk.next(at);
      pos++;
    }
    while (pos > local) {
      at = chunk.prev(at);
      pos--;
    }
    this.cChunk = ci;
    this.cFirst = first;
    this.cIndex = index;
    this.cAt = at;
  }
}

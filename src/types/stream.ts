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
// An entry's fields are stored already encoded as a RESP array (`*2\r\n$1\r\nf\r\n$1\r\nv\r\n`),
// which is the same in RESP2 and RESP3, so range replies hand out slices of the node buffer.

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

const CRLF = 0x0a0d; // little-endian "\r\n" for writeUInt16LE

/** Bytes needed to encode fields as a RESP array. */
function encodedSize(fields: readonly Buffer[]): number {
  let size = 3 + String(fields.length).length;
  for (const f of fields) size += 5 + String(f.length).length + f.length;
  return size;
}

function encodeInto(target: Buffer, at: number, fields: readonly Buffer[]): number {
  let p = at;
  target[p++] = 0x2a; // *
  p += target.write(String(fields.length), p, 'latin1');
  target.writeUInt16LE(CRLF, p);
  p += 2;
  for (const f of fields) {
    target[p++] = 0x24; // $
    p += target.write(String(f.length), p, 'latin1');
    target.writeUInt16LE(CRLF, p);
    p += 2;
    p += f.copy(target, p);
    target.writeUInt16LE(CRLF, p);
    p += 2;
  }
  return p - at;
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

class StreamNode {
  /** 4 words per slot: msHi, msLo, seqHi, seqLo. */
  ids: Uint32Array;
  /** Slot i's encoded fields are data[offsets[i], offsets[i+1]). */
  offsets: Uint32Array;
  data: Buffer;
  /** Slots used, live and deleted. */
  count = 0;
  live = 0;
  /** 1 = deleted; allocated at the first deletion. */
  deleted: Uint8Array | undefined;

  constructor(slotCapacity: number, byteCapacity: number) {
    this.ids = new Uint32Array(slotCapacity * 4);
    this.offsets = new Uint32Array(slotCapacity + 1);
    this.data = Buffer.allocUnsafeSlow(byteCapacity);
  }

  get bytes(): number {
    return this.offsets[this.count]!;
  }

  idAt(slot: number): StreamId {
    const w = this.ids;
    const b = slot * 4;
    return new StreamId(w[b]!, w[b + 1]!, w[b + 2]!, w[b + 3]!);
  }

  fieldsAt(slot: number): Buffer {
    return this.data.subarray(this.offsets[slot]!, this.offsets[slot + 1]!);
  }

  isDeleted(slot: number): boolean {
    return this.deleted !== undefined && this.deleted[slot] === 1;
  }

  markDeleted(slot: number): void {
    if (this.deleted === undefined) this.deleted = new Uint8Array(this.ids.length / 4);
    this.deleted[slot] = 1;
    this.live--;
  }

  /** Compare slot's ID with `id`. */
  compareAt(slot: number, id: StreamId): number {
    const w = this.ids;
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

  append(id: StreamId, fields: readonly Buffer[], size: number): void {
    const slot = this.count;
    if ((slot + 1) * 4 > this.ids.length) {
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const offsets = new Uint32Array(this.offsets.length * 2 - 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
      if (this.deleted !== undefined) {
        const d = new Uint8Array(ids.length / 4);
        d.set(this.deleted);
        this.deleted = d;
      }
    }
    const start = this.offsets[slot]!;
    if (start + size > this.data.length) {
      const data = Buffer.allocUnsafeSlow(Math.max(this.data.length * 2, start + size));
      this.data.copy(data, 0, 0, start);
      this.data = data;
    }
    encodeInto(this.data, start, fields);
    this.offsets[slot + 1] = start + size;
    const b = slot * 4;
    this.ids[b] = id.msHi;
    this.ids[b + 1] = id.msLo;
    this.ids[b + 2] = id.seqHi;
    this.ids[b + 3] = id.seqLo;
    this.count++;
    this.live++;
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

export const DEFAULT_LIMITS: StreamLimits = { maxEntries: 100, maxBytes: 4096 };

/** Outcome of computing the next automatic or explicit ID for XADD. */
export type NextIdResult = { id: StreamId } | { error: 'exhausted' | 'too-small' | 'seq-overflow' };

export class Stream {
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

  constructor(public limits: StreamLimits = DEFAULT_LIMITS) {}

  /** Number of nodes holding entries (XINFO's radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length - this.head;
  }

  // --- adding ---------------------------------------------------------------------------------

  /** The ID XADD would give: `*` (explicit undefined) uses the clock. */
  nextId(now: number, explicit?: StreamId, autoSeq = false): NextIdResult {
    const last = this.lastId;
    if (last.isMax()) return { error: 'exhausted' };
    if (explicit === undefined) {
      const ms = StreamId.of(now, 0);
      if (compareMs(ms, last) > 0) return { id: ms };
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
      const slots = maxEntries > 0 ? Math.min(maxEntries, 16) : 16;
      node = new StreamNode(slots, Math.max(maxBytes > 0 ? Math.min(maxBytes, 256) : 256, size));
      this.nodes.push(node);
    }
    node.append(id, fields, size);
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
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

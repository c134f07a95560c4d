// Serializing values the way Redis 7.0's rdbSaveObject does: the same type byte and encoding
// choices, so redis-server loads what we write and DUMP payloads match byte for byte where
// Redis is deterministic.
import type { Config } from '../../config/config.js';
import { tryParseBigInt, formatDouble } from '../../protocol/numbers.js';
import { int32Of } from './ints.js';
import type { Entry } from '../../store/database.js';
import type { List } from '../../types/list.js';
import type { SortedSet } from '../../types/zset.js';
import { decodeFields, StreamId, type Stream } from '../../types/stream.js';
import { encodingOf as hashEncodingOf } from '../../types/hash.js';
import { encodingOf as setEncodingOf } from '../../types/set.js';
import { lzfCompressInto } from './lzf.js';
import { ListpackBuilder } from './listpack.js';
import { QUICKLIST_NODE_PACKED, RdbEnc, RdbType, STREAM_ITEM_FLAG_SAMEFIELDS } from './format.js';

const TWO_32 = 4294967296;

// Scratch space, shared (encoding is synchronous): serializing a dataset makes no garbage per
// key beyond views, so a BGSAVE does not keep the young generation collecting (a PING that
// arrives during a slice waits for the slice and for any collection in it).
/** LZF output. */
let scratch = Buffer.allocUnsafe(64 * 1024);
/** A latin1 string's bytes, for LZF. */
let latin1Input = Buffer.allocUnsafe(1024);
/** The listpack of a small hash or sorted set, or a list's node being filled. */
const listpack = new ListpackBuilder();
/** A list's finished nodes but the last, back to back, and where each ends. */
let listNodes = Buffer.allocUnsafe(16 * 1024);
const listNodeEnds: number[] = [];
const appendPackedItem = (buf: Buffer, start: number, end: number): void => listpack.appendRange(buf, start, end);
/** RdbEncoder.list()'s state while List.scanRanges visits the elements (no closure per list). */
let listFill = 0;
let listNodesUsed = 0;
let listNodesFinished = 0;
function appendListItem(buf: Buffer, start: number, end: number): void {
  if (listpack.count > 0 && !quicklistAllowsInsert(listpack, listFill, end - start)) {
    const length = listpack.seal();
    if (listNodes.length < listNodesUsed + length) {
      const grown = Buffer.allocUnsafe(Math.max(listNodesUsed + length, listNodes.length * 2));
      listNodes.copy(grown, 0, 0, listNodesUsed);
      listNodes = grown;
    }
    listNodesUsed += listpack.buffer.copy(listNodes, listNodesUsed, 0, length);
    listNodeEnds[listNodesFinished++] = listNodesUsed;
    listpack.reset();
  }
  listpack.appendRange(buf, start, end);
}

/**
 * Hashes, sets and sorted sets (in their hash-table and skip-list encodings), lists and streams of
 * more elements than this can be written in steps: a background save then spreads one huge key
 * over several slices instead of holding every client for the whole value (objectInSteps).
 */
export const STEPPED_VALUE_MIN = 2048;
/** Elements a step writes between two reads of the clock. */
const STEP_ELEMENTS = 256;

/** The rest of a value being written over several slices (see RdbEncoder.objectInSteps). */
export interface ValueSteps {
  /** Write more of the value, until `deadline` (performance.now() ms); true once it is all written. */
  step(deadline: number): boolean;
}

/** Steps that write an iterator's items, `perClockRead` of them between two reads of the clock. */
export function iteratorSteps<T>(items: Iterator<T>, write: (item: T) => void, perClockRead = STEP_ELEMENTS): ValueSteps {
  return {
    step: (deadline) => {
      for (;;) {
        for (let i = 0; i < perClockRead; i++) {
          const r = items.next();
          if (r.done === true) return true;
          write(r.value);
        }
        if (performance.now() >= deadline) return false;
      }
    },
  };
}

/** A growable output buffer with the RDB primitive encodings. */
export class RdbEncoder {
  protected buf: Buffer;
  protected pos = 0;

  constructor(
    /** LZF for long strings; a writer may turn it off for some keys (the snapshot's copies). */
    public compress: boolean,
    initial = 256,
  ) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Milliseconds as 8 bytes little-endian (rdbSaveMillisecondTime). */
  millis(ms: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(Math.trunc(ms)), this.pos);
    this.pos += 8;
  }

  /** A length: 6, 14, 32 or 64 bits. */
  len(n: number | bigint): void {
    this.ensure(9);
    const b = this.buf;
    if (typeof n === 'bigint') {
      const u = BigInt.asUintN(64, n);
      if (u <= 0xffffffffn) n = Number(u);
      else {
        b[this.pos++] = 0x81;
        b.writeBigUInt64BE(u, this.pos);
        this.pos += 8;
        return;
      }
    }
    if (n < 64) b[this.pos++] = n;
    else if (n < 16384) {
      b[this.pos++] = 0x40 | (n >>> 8);
      b[this.pos++] = n & 0xff;
    } else if (n < TWO_32) {
      b[this.pos++] = 0x80;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = 0x81;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /**
   * A string (rdbSaveRawString): an integer encoding for short canonical integers that fit 32
   * bits, LZF when compression is on and it saves at least 5 bytes of a string over 20 bytes,
   * else length + bytes.
   */
  string(s: Buffer): void {
    const len = s.length;
    if (len <= 11 && len > 0) {
      const v = int32Of(s);
      if (v !== undefined) {
        this.int32(v);
        return;
      }
    }
    if (this.compress && len > 20 && this.lzf(s)) return;
    this.len(len);
    this.raw(s);
  }

  /** string() of buf[start, end) (a listpack being built, a list's finished nodes) without a view of it. */
  private stringOf(buf: Buffer, end: number, start = 0): void {
    const len = end - start;
    if (len <= 11 || (start > 0 && this.compress && len > 20)) {
      this.string(buf.subarray(start, end));
      return;
    }
    if (this.compress && len > 20 && this.lzf(buf, len)) return;
    this.len(len);
    this.copyIn(buf, start, end);
  }

  /** buf[start, end) appended; a byte loop for the usual short range (Buffer.copy of a range allocates a view). */
  private copyIn(buf: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    if (end - start < 512) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = buf[i]!;
      this.pos = p;
    } else this.pos += buf.copy(this.buf, this.pos, start, end);
  }

  /** A string that is a canonical 32-bit integer, integer-encoded. */
  private int32(v: number): void {
    this.ensure(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0 | RdbEnc.INT8;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc0 | RdbEnc.INT16;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xc0 | RdbEnc.INT32;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
  }

  /** LZF-compressed, when that saves at least 5 bytes (else false and nothing written). */
  private lzf(s: Buffer, len = s.length): boolean {
    if (scratch.length < len + 3) scratch = Buffer.allocUnsafe(Math.max(len + 3, scratch.length * 2));
    const packed = lzfCompressInto(s, len - 4, scratch, len);
    if (packed === 0) return false;
    this.u8(0xc0 | RdbEnc.LZF);
    this.len(packed);
    this.len(len);
    this.copyIn(scratch, 0, packed);
    return true;
  }

  /** A latin1 key, member or value: as string() of its bytes, without a Buffer of its own. */
  latin1(s: string): void {
    const len = s.length;
    if (len <= 11 && len > 0) {
      const v = int32Of(s);
      if (v !== undefined) {
        this.int32(v);
        return;
      }
    }
    if (this.compress && len > 20) {
      if (latin1Input.length < len) latin1Input = Buffer.allocUnsafe(Math.max(len, latin1Input.length * 2));
      latin1Input.write(s, 0, len, 'latin1');
      if (this.lzf(latin1Input, len)) return;
    }
    this.len(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'latin1');
  }

  /** A double as 8 bytes little-endian (ZSET_2). */
  binaryDouble(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** 16-byte big-endian stream ID (rax keys, PEL entries). */
  streamId(id: StreamId): void {
    this.ensure(16);
    const b = this.buf;
    b.writeUInt32BE(id.msHi, this.pos);
    b.writeUInt32BE(id.msLo, this.pos + 4);
    b.writeUInt32BE(id.seqHi, this.pos + 8);
    b.writeUInt32BE(id.seqLo, this.pos + 12);
    this.pos += 16;
  }

  /** Type byte of the encoding Redis would use for this value. */
  objectType(entry: Entry, config: Config): number {
    switch (entry.type) {
      case 'string':
        return RdbType.STRING;
      case 'list':
        return RdbType.LIST_QUICKLIST_2;
      case 'hash':
        return hashEncodingOf(entry.value, config) === 'listpack' ? RdbType.HASH_LISTPACK : RdbType.HASH;
      case 'set':
        return setEncodingOf(entry.value, config) === 'intset' ? RdbType.SET_INTSET : RdbType.SET;
      case 'zset':
        return entry.value.encoding === 'listpack' ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2;
      case 'stream':
        return RdbType.STREAM_LISTPACKS_2;
    }
  }

  /** The value in the encoding objectType() named (rdbSaveObject). */
  object(entry: Entry, config: Config): void {
    switch (entry.type) {
      case 'string': {
        const value = entry.value;
        if (typeof value === 'string') this.latin1(value);
        else this.string(value);
        return;
      }
      case 'list':
        this.list(entry.value, config.number('list-max-listpack-size'));
        return;
      case 'hash': {
        const hash = entry.value;
        if (hashEncodingOf(hash, config) === 'listpack') {
          const lp = listpack.reset();
          // A packed hash's bytes go straight into the listpack; else flat(), not the iterator's
          // [field, value] pair per field.
          if (!hash.visitPackedItems(appendPackedItem)) for (const item of hash.flat()) lp.appendLatin1(item);
          this.listpack();
        } else {
          this.len(hash.size);
          for (const [field, value] of hash) {
            this.latin1(field);
            this.latin1(value);
          }
        }
        return;
      }
      case 'set': {
        const set = entry.value;
        if (setEncodingOf(set, config) === 'intset') this.string(encodeIntset(set));
        else {
          this.len(set.size);
          for (const member of set) this.latin1(member);
        }
        return;
      }
      case 'zset':
        this.zset(entry.value);
        return;
      case 'stream':
        this.stream(entry.value, config);
        return;
    }
  }

  /** Would objectInSteps() write this value in steps (objectType() being the same either way)? */
  canStep(entry: Entry, config: Config): boolean {
    switch (entry.type) {
      case 'hash':
        return entry.value.size > STEPPED_VALUE_MIN && hashEncodingOf(entry.value, config) !== 'listpack';
      case 'set':
        return entry.value.size > STEPPED_VALUE_MIN && setEncodingOf(entry.value, config) !== 'intset';
      case 'zset':
        return entry.value.size > STEPPED_VALUE_MIN && entry.value.encoding !== 'listpack';
      case 'list':
      case 'stream':
        return entry.value.length > STEPPED_VALUE_MIN;
      default:
        return false;
    }
  }

  /**
   * The type byte objectInSteps() writes: objectType()'s, except for a list, which goes out as
   * RDB's plain LIST (a count and the elements), since a quicklist's node count comes before
   * nodes that are only known once every element was seen. Redis 7.0 loads it (into a quicklist).
   */
  steppedObjectType(entry: Entry, config: Config): number {
    return entry.type === 'list' ? RdbType.LIST : this.objectType(entry, config);
  }

  /**
   * object() for a value canStep() accepts, as steps: the same bytes, written a few hundred
   * elements at a time. The value must not change until the last step (the snapshot's
   * copy-on-write hook finishes an unfinished value before a write to it), and nothing else may be
   * written in between. Steps keep their own position: no scratch state is held across them.
   */
  objectInSteps(entry: Entry, config: Config): ValueSteps {
    switch (entry.type) {
      case 'hash':
        this.len(entry.value.size);
        return iteratorSteps(entry.value[Symbol.iterator](), ([field, value]) => {
          this.latin1(field);
          this.latin1(value);
        });
      case 'set':
        this.len(entry.value.size);
        return iteratorSteps(entry.value[Symbol.iterator](), (member) => this.latin1(member));
      case 'zset': {
        const z = entry.value;
        this.len(z.size);
        // From the tail, as zset() (Redis saves a skip list so that loading inserts at the head).
        let rank = z.size - 1;
        const visit = (member: string, score: number): boolean => {
          this.latin1(member);
          this.binaryDouble(score);
          rank--;
          return (rank & (STEP_ELEMENTS - 1)) !== STEP_ELEMENTS - 1;
        };
        return {
          step: (deadline) => {
            for (;;) {
              if (rank < 0) return true;
              z.walk(rank, true, visit);
              if (rank < 0) return true;
              if (performance.now() >= deadline) return false;
            }
          },
        };
      }
      case 'list': {
        const list = entry.value;
        this.len(list.length);
        const pos = { chunk: 0, at: -1 };
        const element = (buf: Buffer, start: number, end: number): void => this.stringOf(buf, end, start);
        return {
          step: (deadline) => {
            for (;;) {
              if (list.scanRangesFrom(pos, STEP_ELEMENTS, element)) return true;
              if (performance.now() >= deadline) return false;
            }
          },
        };
      }
      case 'stream':
        return this.streamSteps(entry.value, config);
      default:
        throw new Error(`objectInSteps: ${entry.type} is written whole`);
    }
  }

  private list(list: List, fill: number): void {
    // The node count comes first: every node but the last waits in listNodes.
    listpack.reset();
    listFill = fill;
    listNodesUsed = 0;
    listNodesFinished = 0;
    list.scanRanges(appendListItem);
    const finished = listNodesFinished;
    this.len(finished + (listpack.count > 0 ? 1 : 0));
    let start = 0;
    for (let i = 0; i < finished; i++) {
      this.len(QUICKLIST_NODE_PACKED);
      this.stringOf(listNodes, listNodeEnds[i]!, start);
      start = listNodeEnds[i]!;
    }
    if (listpack.count > 0) {
      this.len(QUICKLIST_NODE_PACKED);
      this.listpack();
    }
  }

  /** The listpack builder's content, as string() would write its view(), without the view. */
  private listpack(): void {
    this.stringOf(listpack.buffer, listpack.seal());
  }

  private zset(z: SortedSet): void {
    if (z.encoding === 'listpack') {
      const lp = listpack.reset();
      z.walk(0, false, (member, score) => {
        lp.appendLatin1(member);
        lp.appendLatin1(formatDouble(score));
        return true;
      });
      this.string(lp.view());
      return;
    }
    // Redis saves a skip list from the tail so that loading inserts at the head.
    this.len(z.size);
    z.walk(z.size - 1, true, (member, score) => {
      this.latin1(member);
      this.binaryDouble(score);
      return true;
    });
  }

  private stream(s: Stream, config: Config): void {
    this.streamSteps(s, config).step(Infinity);
  }

  /**
   * A stream's value, in steps. Its node count comes first: a first pass over the entries finds
   * where each listpack node ends (keeping only each node's entry count), a second packs each
   * node and writes it at once, then the groups follow. Nothing but the counts is held.
   */
  private streamSteps(stream: Stream, config: Config): ValueSteps {
    const plan = new StreamNodePlan(config);
    let from: StreamId | undefined = StreamId.MIN;
    let counts: number[] | undefined;
    let node: StreamNodeWriter | undefined;
    let written = 0;
    let last = StreamId.MIN;
    const pack = (id: StreamId, raw: Buffer): void => {
      const fields = decodeFields(raw);
      node ??= new StreamNodeWriter(id, fields, counts![written]!);
      if (node.add(id, fields)) {
        this.streamNode(node.finish());
        node = undefined;
        written++;
      }
      last = id;
    };
    let tail: Generator<void> | undefined;
    return {
      step: (deadline) => {
        for (;;) {
          if (tail !== undefined) {
            for (let i = 0; i < STEP_ELEMENTS; i++) if (tail.next().done === true) return true;
          } else if (counts === undefined) {
            const fed = from === undefined ? 0 : stream.range(from, StreamId.MAX, STEP_ELEMENTS, false, plan.add);
            if (fed === STEP_ELEMENTS) from = plan.last!.next();
            else {
              counts = plan.counts();
              this.len(counts.length);
              from = StreamId.MIN;
            }
          } else {
            const fed = from === undefined ? 0 : stream.range(from, StreamId.MAX, STEP_ELEMENTS, false, pack);
            if (fed === STEP_ELEMENTS) from = last.next();
            else tail = this.streamTailSteps(stream);
          }
          if (performance.now() >= deadline) return false;
        }
      },
    };
  }

  /** One of the stream's listpack nodes: its master ID as a 16-byte string, then the listpack. */
  private streamNode(n: { master: StreamId; lp: Buffer }): void {
    const key = Buffer.allocUnsafe(16);
    writeId(key, 0, n.master);
    this.string(key);
    this.string(n.lp);
  }

  /**
   * What follows a stream's nodes: length, IDs, counters and the consumer groups, in steps: it
   * pauses after each pending entry and each consumer's pending ID, so that a huge PEL can be
   * written over several slices (the stream unchanged meanwhile).
   */
  private *streamTailSteps(s: Stream): Generator<void> {
    this.len(s.length);
    this.idPair(s.lastId);
    this.idPair(s.firstId);
    this.idPair(s.maxDeletedId);
    this.len(s.entriesAdded);
    const groups = s.sortedGroups();
    this.len(groups.length);
    for (const group of groups) {
      this.string(group.name);
      this.idPair(group.lastId);
      this.len(group.entriesRead);
      this.len(group.pending.size);
      for (const pe of group.pending.values()) {
        this.streamId(pe.id);
        this.millis(pe.deliveryTime);
        this.len(pe.deliveryCount);
        yield;
      }
      const consumers = group.sortedConsumers();
      this.len(consumers.length);
      for (const consumer of consumers) {
        this.string(consumer.name);
        this.millis(consumer.seenTime);
        this.len(consumer.pending.size);
        for (const pe of consumer.pending.values()) {
          this.streamId(pe.id);
          yield;
        }
      }
    }
  }

  private idPair(id: StreamId): void {
    this.len(id.ms);
    this.len(id.seq);
  }
}

function writeId(b: Buffer, at: number, id: StreamId): void {
  b.writeUInt32BE(id.msHi, at);
  b.writeUInt32BE(id.msLo, at + 4);
  b.writeUInt32BE(id.seqHi, at + 8);
  b.writeUInt32BE(id.seqLo, at + 12);
}

/**
 * Where a stream's RDB listpack nodes end, under the node size limits: its entries are fed in ID
 * order, and counts() gives the number of entries in each node (StreamNodeWriter then packs them).
 */
class StreamNodePlan {
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly sizes: number[] = [];
  private node: StreamNodeEstimate | undefined;
  /** The ID of the last entry fed. */
  last: StreamId | undefined;

  constructor(config: Config) {
    let maxBytes = config.number('stream-node-max-bytes');
    if (maxBytes === 0 || maxBytes > 1 << 30) maxBytes = 1 << 30;
    this.maxBytes = maxBytes;
    this.maxEntries = config.number('stream-node-max-entries');
  }

  readonly add = (id: StreamId, raw: Buffer): void => {
    const fields = decodeFields(raw);
    let size = 0;
    for (const f of fields) size += f.length;
    let node = this.node;
    if (node !== undefined && (node.bytes + size >= this.maxBytes || (this.maxEntries > 0 && node.count >= this.maxEntries))) {
      this.sizes.push(node.count);
      node = undefined;
    }
    if (node === undefined) node = this.node = new StreamNodeEstimate(id, fields);
    node.add(id, fields);
    this.last = id;
  };

  counts(): number[] {
    if (this.node !== undefined) this.sizes.push(this.node.count);
    this.node = undefined;
    return this.sizes;
  }
}

/** A node's size as Redis's streamAppendItem sees it while appending: master entry, then each item. */
class StreamNodeEstimate {
  private readonly lp = new ListpackBuilder();
  count = 0;

  constructor(
    private readonly master: StreamId,
    private readonly masterFields: Buffer[],
  ) {
    startStreamNode(this.lp, 1, masterFields);
  }

  get bytes(): number {
    return this.lp.bytes;
  }

  add(id: StreamId, fields: Buffer[]): void {
    this.count++;
    appendStreamItem(this.lp, this.master, this.masterFields, id, fields);
  }
}

/** One node of a known entry count (StreamNodePlan's), packed as its entries come. */
class StreamNodeWriter {
  private readonly lp = new ListpackBuilder();
  private added = 0;

  constructor(
    private readonly master: StreamId,
    private readonly masterFields: Buffer[],
    private readonly count: number,
  ) {
    startStreamNode(this.lp, count, masterFields);
  }

  /** Pack one entry; true when it was the node's last. */
  add(id: StreamId, fields: Buffer[]): boolean {
    appendStreamItem(this.lp, this.master, this.masterFields, id, fields);
    return ++this.added === this.count;
  }

  finish(): { master: StreamId; lp: Buffer } {
    return { master: this.master, lp: this.lp.finish() };
  }
}

/** A stream node's master entry: count, deleted count, the master field names, terminator. */
function startStreamNode(lp: ListpackBuilder, count: number, masterFields: Buffer[]): void {
  lp.appendInt(count);
  lp.appendInt(0);
  lp.appendInt(masterFields.length / 2);
  for (let i = 0; i < masterFields.length; i += 2) lp.append(masterFields[i]!);
  lp.appendInt(0);
}

function sameFields(master: Buffer[], fields: Buffer[]): boolean {
  if (master.length !== fields.length) return false;
  for (let i = 0; i < fields.length; i += 2) if (!master[i]!.equals(fields[i]!)) return false;
  return true;
}

function appendStreamItem(lp: ListpackBuilder, master: StreamId, masterFields: Buffer[], id: StreamId, fields: Buffer[]): void {
  const same = sameFields(masterFields, fields);
  const numFields = fields.length / 2;
  lp.appendInt(same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0);
  lp.appendInt(BigInt.asIntN(64, id.ms - master.ms));
  lp.appendInt(BigInt.asIntN(64, id.seq - master.seq));
  if (!same) lp.appendInt(numFields);
  for (let i = 0; i < fields.length; i += 2) {
    if (!same) lp.append(fields[i]!);
    lp.append(fields[i + 1]!);
  }
  lp.appendInt(same ? numFields + 3 : numFields * 2 + 4);
}

const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;

/** Redis 7.0's _quicklistNodeAllowInsert: may an element of `sz` bytes join this node? */
function quicklistAllowsInsert(lp: ListpackBuilder, fill: number, sz: number): boolean {
  // Redis overestimates an entry's header and back-length as 8 bytes.
  const newSz = lp.bytes + sz + 8;
  if (fill < 0) {
    const limit = OPTIMIZATION_LEVEL[-fill - 1];
    if (limit !== undefined && newSz <= limit) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return lp.count < fill;
}

/** intset: <encoding u32le: 2, 4 or 8> <length u32le> <sorted little-endian integers> */
export function encodeIntset(set: Iterable<string>): Buffer {
  const values = [...set].map((m) => tryParseBigInt(m)!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if (width < 4 && (v < -32768n || v > 32767n)) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * values.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(values.length, 4);
  let p = 8;
  for (const v of values) {
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += width;
  }
  return out;
}

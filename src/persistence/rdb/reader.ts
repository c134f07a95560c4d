// Reading RDB files and DUMP payloads: every encoding a Redis 7.0 server loads. Every read is
// bounds-checked, and every count is checked against the bytes left before anything is
// allocated for it, so garbage input ends in an RdbError, never a crash or a huge allocation.
import type { Config } from '../../config/config.js';
import { latin1At } from '../../protocol/latin1.js';
import { tryParseFloat } from '../../protocol/numbers.js';
import { INLINE_STRING_MAX, type StoredString, type ValueOf, type ValueType } from '../../store/database.js';
import { List } from '../../types/list.js';
import { SortedSet } from '../../types/zset.js';
import { Consumer, Stream, StreamId, type ConsumerGroup, type PendingEntry } from '../../types/stream.js';
import { Hash, setLoadedEncoding } from '../../types/hash.js';
import { MemberSet } from '../../types/set.js';
import { Crc64, crc64 } from './crc64.js';
import { lzfDecompress } from './lzf.js';
import { lpValueBytes, readListpack, type LpValue } from './listpack.js';
import { readIntset, readZiplist, readZipmap } from './ziplist.js';
import { QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN, RDB_VERSION, RdbOpcode, RdbType, STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS } from './format.js';

export class RdbError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RdbError';
  }
}

export interface RdbHandler {
  aux?(name: string, value: Buffer): void;
  functionLibrary?(code: Buffer): void;
  key(
    dbIndex: number,
    key: string,
    type: ValueType,
    value: ValueOf[ValueType],
    expireAt: number | undefined,
    idleMs?: number,
    freq?: number,
  ): void;
  /** A key whose collection is empty (older versions could write them): skipped, as Redis does. */
  emptyKey?(dbIndex: number, key: string): void;
  /**
   * After each key, with the offset reached: true pauses a stepwise read (readRdbSteps) there, so
   * that its driver may let the event loop run. A whole-file read (readRdb) never asks.
   */
  pauseAt?(offset: number): boolean;
}

/** A read in steps: it pauses (yields) where the handler's pauseAt said so. */
export type RdbSteps = Generator<void, void, void>;

export type LoadedValue = { type: ValueType; value: ValueOf[ValueType] };

/** Largest string we accept from a length prefix (Redis's proto-max-bulk-len ceiling). */
const MAX_STRING = 512 * 1024 * 1024;

/** A cursor over an RDB byte buffer with the format's primitive readers. */
export class RdbReader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    private readonly config: Config,
  ) {}

  fail(message: string): never {
    throw new RdbError(message, this.pos);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number): void {
    if (n > this.buf.length - this.pos) this.fail('Unexpected EOF reading RDB file');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Set by lenOrEncoding(): what it read was a special string encoding number, not a length. */
  private encoded = false;

  /**
   * A length or, when it sets `encoded`, a special string encoding number. A plain number, no
   * object per call: this runs several times for every key of a file. A 64-bit length beyond 2^53
   * fails here (nothing that large fits in memory); lenBig() reads those as the IDs they are.
   */
  private lenOrEncoding(): number {
    const first = this.u8();
    const kind = first >> 6;
    this.encoded = kind === 3;
    if (kind === 0 || kind === 3) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.u8();
    if (first === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (first === 0x81) {
      const v = this.u64();
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('Length out of range');
      return Number(v);
    }
    return this.fail(`Unknown length encoding ${first} in rdbLoadLen()`);
  }

  private u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length that may use all 64 bits (stream IDs and counters). */
  lenBig(): bigint {
    if (this.buf[this.pos] === 0x81) {
      this.pos++;
      return this.u64();
    }
    return BigInt(this.len());
  }

  len(): number {
    const v = this.lenOrEncoding();
    if (this.encoded) this.fail('Unexpected string encoding where a length was expected');
    return v;
  }

  /** A count of items that each take at least `minBytes` of the input: bounded by what is left. */
  count(minBytes: number): number {
    const n = this.len();
    if (n * minBytes > this.remaining) this.fail('Unexpected EOF reading RDB file');
    return n;
  }

  /** A string in any encoding (raw, integer, LZF), as a view of the input or a fresh buffer. */
  string(): Buffer {
    const n = this.lenOrEncoding();
    if (!this.encoded) {
      if (n > this.remaining) this.fail('Unexpected EOF reading RDB file');
      return this.bytes(n);
    }
    if (n === 3) return this.lzf();
    return Buffer.from(String(this.intString(n)), 'latin1');
  }

  /** The value of an integer-encoded string (encoding number `enc`, after its length byte). */
  private intString(enc: number): number {
    const b = this.buf;
    switch (enc) {
      case 0:
        this.need(1);
        return b.readInt8(this.pos++);
      case 1: {
        this.need(2);
        const v = b.readInt16LE(this.pos);
        this.pos += 2;
        return v;
      }
      case 2: {
        this.need(4);
        const v = b.readInt32LE(this.pos);
        this.pos += 4;
        return v;
      }
      default:
        return this.fail(`Unknown RDB string encoding type ${enc}`);
    }
  }

  /** An LZF-compressed string (after its encoding byte): a fresh buffer. */
  private lzf(): Buffer {
    const clen = this.len();
    const ulen = this.len();
    if (clen > this.remaining) this.fail('Unexpected EOF reading RDB file');
    // A back reference of 3 bytes expands to at most 264: anything claiming more is corrupt.
    if (ulen === 0 || ulen > clen * 88 + 32 || ulen > MAX_STRING) this.fail('Invalid LZF compressed string');
    const out = lzfDecompress(this.bytes(clen), ulen);
    if (out === undefined) this.fail('Invalid LZF compressed string');
    return out;
  }

  /**
   * A string value as the keyspace stores it (see StoredString): a latin1 string up to
   * INLINE_STRING_MAX bytes, read straight from the input, else a Buffer of its own.
   */
  storedString(): StoredString {
    const n = this.lenOrEncoding();
    if (!this.encoded) {
      if (n > this.remaining) this.fail('Unexpected EOF reading RDB file');
      const p = this.pos;
      this.pos = p + n;
      return n <= INLINE_STRING_MAX ? latin1At(this.buf, p, n) : Buffer.from(this.buf.subarray(p, p + n));
    }
    if (n !== 3) return String(this.intString(n));
    const bytes = this.lzf();
    return bytes.length <= INLINE_STRING_MAX ? bytes.toString('latin1') : bytes;
  }

  /** A copy of a string (the input buffer may be reused by the caller). */
  ownString(): Buffer {
    return Buffer.from(this.string());
  }

  latin1(): string {
    // Plain lengths below 16384 (nearly every key and member): no intermediate Buffer.
    const b = this.buf;
    const p = this.pos;
    if (p + 2 <= b.length) {
      const first = b[p]!;
      const kind = first >> 6;
      if (kind < 2) {
        const head = kind === 0 ? 1 : 2;
        const len = kind === 0 ? first & 0x3f : ((first & 0x3f) << 8) | b[p + 1]!;
        if (p + head + len <= b.length) {
          this.pos = p + head + len;
          return latin1At(b, p + head, len);
        }
      }
    }
    return this.string().toString('latin1');
  }

  millis(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  binaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Old ZSET scores: a length byte (253 nan, 254 inf, 255 -inf) and that many ASCII bytes. */
  stringDouble(): number {
    const len = this.u8();
    if (len === 253) return NaN;
    if (len === 254) return Infinity;
    if (len === 255) return -Infinity;
    const text = this.bytes(len).toString('latin1');
    const v = tryParseFloat(text);
    if (v === undefined) this.fail('Invalid double value');
    return v;
  }

  streamId(): StreamId {
    this.need(16);
    const b = this.buf;
    const p = this.pos;
    this.pos += 16;
    return new StreamId(b.readUInt32BE(p), b.readUInt32BE(p + 4), b.readUInt32BE(p + 8), b.readUInt32BE(p + 12));
  }

  idPair(): StreamId {
    const ms = this.lenBig();
    const seq = this.lenBig();
    return StreamId.of(ms, seq);
  }

  /** Parse a listpack or ziplist blob, turning its Error into an RdbError at this offset. */
  private blob<T>(parse: (b: Buffer) => T, what: string, data: Buffer = this.string()): T {
    try {
      return parse(data);
    } catch (e) {
      return this.fail(`${what} integrity check failed: ${(e as Error).message}`);
    }
  }

  /**
   * One value of the given type (rdbLoadObject). Returns undefined for an empty collection,
   * which Redis skips when loading a file and rejects in RESTORE.
   */
  object(rdbType: number): LoadedValue | undefined {
    switch (rdbType) {
      case RdbType.STRING:
        return { type: 'string', value: this.storedString() };
      case RdbType.LIST: {
        const n = this.count(1);
        const list = new List();
        for (let i = 0; i < n; i++) list.pushBack(this.ownString());
        return list.length === 0 ? undefined : { type: 'list', value: list };
      }
      case RdbType.LIST_ZIPLIST: {
        const items = this.blob(readZiplist, 'Ziplist');
        return items.length === 0 ? undefined : { type: 'list', value: new List(items.map(ownBytes)) };
      }
      case RdbType.LIST_QUICKLIST:
      case RdbType.LIST_QUICKLIST_2: {
        const nodes = this.count(1);
        const list = new List();
        for (let i = 0; i < nodes; i++) {
          let container = QUICKLIST_NODE_PACKED;
          if (rdbType === RdbType.LIST_QUICKLIST_2) {
            container = this.len();
            if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) this.fail(`Quicklist integrity check failed: bad container ${container}`);
          }
          const data = this.string();
          // A node is never empty, plain or packed (an empty list is not written): Redis refuses it.
          if (data.length === 0) this.fail('Quicklist integrity check failed: node of encoded length 0');
          if (container === QUICKLIST_NODE_PLAIN) {
            list.pushBack(Buffer.from(data));
            continue;
          }
          const items = rdbType === RdbType.LIST_QUICKLIST ? this.blob(readZiplist, 'Ziplist', data) : this.blob(readListpack, 'Listpack', data);
          // Redis skips empty nodes silently; an empty list in the end is an empty key.
          for (const item of items) list.pushBack(ownBytes(item));
        }
        return list.length === 0 ? undefined : { type: 'list', value: list };
      }
      case RdbType.SET: {
        const n = this.count(1);
        const set = new MemberSet();
        for (let i = 0; i < n; i++) {
          const member = this.latin1();
          if (set.has(member)) this.fail('Duplicate set members detected');
          set.add(member);
        }
        return set.size === 0 ? undefined : { type: 'set', value: set };
      }
      case RdbType.SET_INTSET: {
        const values = this.blob(readIntset, 'Intset');
        return values.length === 0 ? undefined : { type: 'set', value: new MemberSet(undefined, values.map(String)) };
      }
      case RdbType.ZSET:
      case RdbType.ZSET_2: {
        const n = this.count(2);
        const z = new SortedSet('skiplist');
        for (let i = 0; i < n; i++) {
          const member = this.latin1();
          const score = rdbType === RdbType.ZSET_2 ? this.binaryDouble() : this.stringDouble();
          if (Number.isNaN(score)) this.fail('Zset with NAN score detected');
          if (z.has(member)) this.fail('Duplicate zset fields detected');
          z.set(member, score);
        }
        if (z.size === 0) return undefined;
        z.compactIfFits(this.zsetLimits());
        return { type: 'zset', value: z };
      }
      case RdbType.ZSET_ZIPLIST:
      case RdbType.ZSET_LISTPACK: {
        const items = rdbType === RdbType.ZSET_ZIPLIST ? this.blob(readZiplist, 'Zset ziplist') : this.blob(readListpack, 'Zset listpack');
        if (items.length % 2 !== 0) this.fail('Zset listpack integrity check failed: odd element count');
        if (items.length === 0) return undefined;
        const limits = this.zsetLimits();
        const z = new SortedSet(items.length / 2 > limits.maxEntries ? 'skiplist' : 'listpack');
        for (let i = 0; i < items.length; i += 2) {
          const member = lpValueBytes(items[i]!).toString('latin1');
          const scoreItem = items[i + 1]!;
          const score = typeof scoreItem === 'bigint' ? Number(scoreItem) : tryParseFloat(scoreItem);
          if (score === undefined || Number.isNaN(score)) this.fail('Zset listpack integrity check failed: bad score');
          if (z.has(member)) this.fail('Zset listpack integrity check failed: duplicate member');
          z.set(member, score);
        }
        return { type: 'zset', value: z };
      }
      case RdbType.HASH: {
        const n = this.count(2);
        const hash = new Hash();
        for (let i = 0; i < n; i++) {
          const field = this.latin1();
          const value = this.latin1();
          if (hash.has(field)) this.fail('Duplicate hash fields detected');
          hash.set(field, value);
        }
        return hash.size === 0 ? undefined : { type: 'hash', value: hash };
      }
      case RdbType.HASH_ZIPMAP: {
        const pairs = this.blob(readZipmap, 'Zipmap');
        // Unlike the other encodings, an empty zipmap fails Redis's integrity check (not skipped).
        if (pairs.length === 0) this.fail('Zipmap integrity check failed: no entries');
        const hash = new Map<string, string>();
        for (const [k, v] of pairs) {
          const field = k.toString('latin1');
          if (hash.has(field)) this.fail('Zipmap integrity check failed: duplicate field');
          hash.set(field, Buffer.from(v).toString('latin1'));
        }
        return hash.size === 0 ? undefined : { type: 'hash', value: new Hash(undefined, hash) };
      }
      case RdbType.HASH_ZIPLIST:
      case RdbType.HASH_LISTPACK: {
        const items = rdbType === RdbType.HASH_ZIPLIST ? this.blob(readZiplist, 'Hash ziplist') : this.blob(readListpack, 'Hash listpack');
        if (items.length % 2 !== 0) this.fail('Hash listpack integrity check failed: odd element count');
        const hash = new Hash();
        for (let i = 0; i < items.length; i += 2) {
          const field = lpValueBytes(items[i]!).toString('latin1');
          // Redis's words when it meets one converting the listpack (unsanitized): operators grep for them.
          if (hash.has(field)) this.fail('Hash listpack integrity check failed: listpack with dup elements');
          hash.set(field, lpValueBytes(items[i + 1]!).toString('latin1'));
        }
        if (hash.size === 0) return undefined;
        setLoadedEncoding(hash, hash.size > this.config.number('hash-max-listpack-entries') ? 'hashtable' : 'listpack');
        return { type: 'hash', value: hash };
      }
      case RdbType.STREAM_LISTPACKS:
      case RdbType.STREAM_LISTPACKS_2:
        return { type: 'stream', value: this.stream(rdbType) };
      case RdbType.MODULE_PRE_GA:
      case RdbType.MODULE_2:
        return this.fail('The RDB file contains module data I can\'t load: no matching module');
      default:
        return this.fail(`Unknown RDB encoding type ${rdbType}`);
    }
  }

  private zsetLimits(): { maxEntries: number; maxValue: number } {
    return { maxEntries: this.config.number('zset-max-listpack-entries'), maxValue: this.config.number('zset-max-listpack-value') };
  }

  private stream(rdbType: number): Stream {
    const s = new Stream({
      maxEntries: this.config.number('stream-node-max-entries'),
      maxBytes: this.config.number('stream-node-max-bytes'),
    });
    const nodes = this.count(2);
    let live = 0;
    for (let i = 0; i < nodes; i++) {
      const key = this.string();
      if (key.length !== 16) this.fail('Stream node key entry is not the size of a stream ID');
      const master = new StreamId(key.readUInt32BE(0), key.readUInt32BE(4), key.readUInt32BE(8), key.readUInt32BE(12));
      const items = this.blob(readListpack, 'Stream listpack');
      if (items.length === 0) this.fail('Empty listpack inside stream');
      live += this.streamNode(s, master, items);
    }
    const length = this.lenBig();
    const lastId = this.idPair();
    let entriesAdded: bigint;
    let maxDeleted = StreamId.MIN;
    if (rdbType === RdbType.STREAM_LISTPACKS_2) {
      this.idPair(); // first ID: recomputed from the entries
      maxDeleted = this.idPair();
      entriesAdded = this.lenBig();
    } else {
      entriesAdded = length;
    }
    if (BigInt(live) !== length) this.fail('Stream length does not match its entries');
    if (s.length > 0 && s.lastId.compare(lastId) > 0) this.fail('Stream last ID is smaller than its last entry');
    s.lastId = lastId;
    s.maxDeletedId = maxDeleted;
    s.entriesAdded = entriesAdded;

    const groups = this.count(3);
    for (let g = 0; g < groups; g++) {
      const name = this.ownString();
      const groupLast = this.idPair();
      const entriesRead = rdbType === RdbType.STREAM_LISTPACKS_2 ? BigInt.asIntN(64, this.lenBig()) : s.entriesReadAt(groupLast);
      const group = s.createGroup(name, groupLast, entriesRead);
      if (group === undefined) this.fail('Duplicated consumer group name');
      this.consumerGroup(group);
    }
    return s;
  }

  /** Decode one node's entries into the stream; returns the number of live entries. */
  private streamNode(s: Stream, master: StreamId, items: LpValue[]): number {
    let p = 0;
    const int = (): bigint => {
      const v = items[p++];
      if (typeof v !== 'bigint') this.fail('Stream listpack integrity check failed: expected an integer');
      return v;
    };
    const str = (): Buffer => {
      const v = items[p++];
      if (v === undefined) this.fail('Stream listpack integrity check failed: truncated entry');
      return ownBytes(v);
    };
    const count = int();
    const deleted = int();
    const masterFieldCount = int();
    if (masterFieldCount < 0n || masterFieldCount > BigInt(items.length)) this.fail('Stream listpack integrity check failed: bad master field count');
    const masterFields: Buffer[] = [];
    for (let i = 0n; i < masterFieldCount; i++) masterFields.push(str());
    if (int() !== 0n) this.fail('Stream listpack integrity check failed: bad master terminator');
    let live = 0;
    let dead = 0;
    while (p < items.length) {
      const start = p;
      const flags = int();
      const ms = BigInt.asUintN(64, master.ms + int());
      const seq = BigInt.asUintN(64, master.seq + int());
      const fields: Buffer[] = [];
      if ((flags & BigInt(STREAM_ITEM_FLAG_SAMEFIELDS)) !== 0n) {
        for (const f of masterFields) {
          fields.push(f);
          fields.push(str());
        }
      } else {
        const n = int();
        if (n < 0n || n * 2n > BigInt(items.length - p)) this.fail('Stream listpack integrity check failed: bad field count');
        for (let i = 0n; i < n; i++) {
          fields.push(str());
          fields.push(str());
        }
      }
      const lpCount = int();
      if (lpCount !== BigInt(p - start - 1)) this.fail('Stream listpack integrity check failed: bad lp-count');
      if ((flags & BigInt(STREAM_ITEM_FLAG_DELETED)) !== 0n) {
        dead++;
        continue;
      }
      const id = StreamId.of(ms, seq);
      if (s.length > 0 || s.entriesAdded > 0n) {
        if (id.compare(s.lastId) <= 0) this.fail('Stream listpack integrity check failed: IDs out of order');
      }
      s.append(id, fields);
      live++;
    }
    if (BigInt(live) !== count || BigInt(dead) !== deleted) this.fail('Stream listpack integrity check failed: bad master counts');
    return live;
  }

  private consumerGroup(group: ConsumerGroup): void {
    const pelSize = this.count(17);
    const pel = new Map<string, PendingEntry & { owned: boolean }>();
    const order: Array<PendingEntry & { owned: boolean }> = [];
    for (let i = 0; i < pelSize; i++) {
      const id = this.streamId();
      const deliveryTime = this.millis();
      const deliveryCount = this.len();
      const key = id.toString();
      if (pel.has(key)) this.fail('Duplicated global PEL entry loading stream consumer group');
      const entry = { id, consumer: undefined as unknown as Consumer, deliveryTime, deliveryCount, owned: false };
      pel.set(key, entry);
      order.push(entry);
    }
    const consumers = this.count(10);
    for (let c = 0; c < consumers; c++) {
      const name = this.ownString();
      const seen = this.millis();
      const latin = name.toString('latin1');
      if (group.consumers.has(latin)) this.fail('Duplicate stream consumer detected');
      const consumer = new Consumer(name, seen);
      group.consumers.set(latin, consumer);
      const owned = this.count(16);
      for (let i = 0; i < owned; i++) {
        const id = this.streamId();
        const entry = pel.get(id.toString());
        if (entry === undefined || entry.owned) this.fail('Consumer entry not found in group global PEL');
        entry.owned = true;
        entry.consumer = consumer;
      }
    }
    for (const entry of order) {
      if (!entry.owned) this.fail('Stream CG PEL entry without consumer');
      const pe: PendingEntry = { id: entry.id, consumer: entry.consumer, deliveryTime: entry.deliveryTime, deliveryCount: entry.deliveryCount };
      group.pending.set(pe);
      pe.consumer.pending.set(pe);
    }
  }
}

function ownBytes(v: LpValue): Buffer {
  return typeof v === 'bigint' ? Buffer.from(v.toString(), 'latin1') : Buffer.from(v);
}

/** Read a whole RDB file, calling `handler` for AUX fields, function libraries and keys. */
export function readRdb(buf: Buffer, handler: RdbHandler, config: Config, options: { checksum?: boolean } = {}): void {
  const steps = readRdbSteps(buf, handler, config, options);
  while (steps.next().done !== true);
}

/** readRdb in steps: it pauses after a key when `handler.pauseAt` says so (loading across turns). */
export function* readRdbSteps(buf: Buffer, handler: RdbHandler, config: Config, options: { checksum?: boolean } = {}): RdbSteps {
  const r = new RdbReader(buf, config);
  try {
    yield* readRecords(r, buf, handler, options);
  } catch (e) {
    // Only a decoder bug lands here; report it as bad input at the offset reached.
    if (e instanceof RdbError || !(e instanceof RangeError || e instanceof TypeError)) throw e;
    throw new RdbError(`Unexpected error reading RDB file: ${e.message}`, r.pos);
  }
}

function* readRecords(r: RdbReader, buf: Buffer, handler: RdbHandler, options: { checksum?: boolean }): RdbSteps {
  const pauseAt = handler.pauseAt;
  if (buf.length < 9 || buf.toString('latin1', 0, 5) !== 'REDIS') r.fail('Wrong signature trying to load DB from file');
  const versionText = buf.toString('latin1', 5, 9);
  const version = /^[0-9]{4}$/.test(versionText) ? Number(versionText) : -1;
  if (version < 1 || version > RDB_VERSION) r.fail(`Can't handle RDB format version ${versionText}`);
  r.pos = 9;
  // Computed as the read goes when a stepwise read will verify it (else at the end, if at all).
  const crc = pauseAt !== undefined && options.checksum !== false && endsInChecksum(buf, version) ? new Crc64() : undefined;
  let crcAt = 0;
  let db = 0;
  let expireAt: number | undefined;
  let idleMs: number | undefined;
  let freq: number | undefined;
  for (;;) {
    const type = r.u8();
    switch (type) {
      case RdbOpcode.EXPIRETIME: {
        r.need(4);
        expireAt = buf.readInt32LE(r.pos) * 1000;
        r.pos += 4;
        continue;
      }
      case RdbOpcode.EXPIRETIME_MS:
        expireAt = r.millis();
        continue;
      case RdbOpcode.FREQ:
        freq = r.u8();
        continue;
      case RdbOpcode.IDLE: {
        const idle = r.lenBig();
        idleMs = idle > 1000000000n ? 1e12 : Number(idle) * 1000;
        continue;
      }
      case RdbOpcode.SELECTDB:
        db = r.len();
        if (db > 0x7fffffff) r.fail(`FATAL: Data file was created with a Redis server configured to handle more than ${db} databases`);
        continue;
      case RdbOpcode.RESIZEDB:
        r.lenBig();
        r.lenBig();
        continue;
      case RdbOpcode.AUX: {
        const name = r.latin1();
        const value = Buffer.from(r.string());
        handler.aux?.(name, value);
        continue;
      }
      case RdbOpcode.MODULE_AUX:
        r.fail("The RDB file contains AUX module data I can't load: no matching module");
        break;
      case RdbOpcode.FUNCTION_PRE_GA:
        r.fail('Pre-release function format not supported.');
        break;
      case RdbOpcode.FUNCTION2: {
        const code = Buffer.from(r.string());
        handler.functionLibrary?.(code);
        continue;
      }
      case RdbOpcode.EOF:
        break;
      default: {
        const key = r.latin1();
        // Strings, most keys of most files, without the LoadedValue wrapper.
        if (type === RdbType.STRING) handler.key(db, key, 'string', r.storedString(), expireAt, idleMs, freq);
        else {
          const loaded = r.object(type);
          // Redis skips empty collections in a file (older versions could write them).
          if (loaded !== undefined) handler.key(db, key, loaded.type, loaded.value, expireAt, idleMs, freq);
          else handler.emptyKey?.(db, key);
        }
        expireAt = undefined;
        idleMs = undefined;
        freq = undefined;
        if (pauseAt !== undefined && pauseAt(r.pos)) {
          // The checksum goes along slice by slice: no long pause for it at the end.
          crc?.update(buf, crcAt, r.pos);
          crcAt = r.pos;
          yield;
        }
        continue;
      }
    }
    break;
  }
  if (version >= 5) {
    const end = r.pos;
    r.need(8);
    const stored = buf.readBigUInt64LE(end);
    r.pos += 8;
    if (options.checksum !== false && stored !== 0n) {
      const actual = crc === undefined ? crc64(buf, 0, end) : crc.update(buf, crcAt, end).value;
      if (actual !== stored) r.fail(`Wrong RDB checksum expected: (${stored.toString(16)}) got: (${actual.toString(16)}). Aborting now.`);
    }
  }
}

/** True when the image probably ends in a checksum to verify: its last 8 bytes are not all zero. */
function endsInChecksum(buf: Buffer, version: number): boolean {
  if (version < 5 || buf.length < 17) return false;
  return buf.readBigUInt64LE(buf.length - 8) !== 0n;
}

// One logical database: key → value, key → expiry time. Keys are latin1 strings (1 char = 1 byte).
// Expiry is lazy (checked on every lookup) plus an active cycle driven by the server.
import { Errors } from '../protocol/errors.js';
import { exposure } from '../protocol/writer.js';
import { latin1String } from '../protocol/latin1.js';
import type { List } from '../types/list.js';
import type { SortedSet } from '../types/zset.js';
import type { Stream } from '../types/stream.js';
import type { Hash } from '../types/hash.js';
import type { MemberSet } from '../types/set.js';
import { SlotPositions } from '../types/slot-positions.js';

/** Process start: access times are kept relative to it (see lruClock). */
const LRU_EPOCH = Date.now();

/**
 * An entry's access-time clock: ms since the process started. Kept as a small integer so V8
 * stores it in the entry itself (an absolute Date.now() would be a separate 16-byte heap number
 * per key); after ~12 days of uptime the values are plain doubles again (same meaning, larger).
 */
export function lruClock(now = Date.now()): number {
  const t = now - LRU_EPOCH;
  return t >= 0 && t < 0x3fffffff ? t | 0 : t;
}

/**
 * The access clock of one server's databases (they share one). While a command runs, `command`
 * holds its access time: dispatch sets it from the time it reads at a command's start, as Redis
 * reads its cached LRU clock, so a command reads the clock once however many keys it touches.
 */
export class AccessClock {
  /** The running command's access time, or -1 (read the clock). */
  command = -1;

  now(): number {
    return this.command >= 0 ? this.command : lruClock();
  }
}

/** Milliseconds since an entry was last accessed (by `clock`: its database's, inside a command). */
export function idleMsOf(entry: { lru: number }, clock?: AccessClock): number {
  return (clock === undefined ? lruClock() : clock.now()) - entry.lru;
}

/**
 * Under an LFU maxmemory-policy an entry's `lru` holds what Redis keeps in its lru field instead:
 * a 16-bit clock of minutes and an 8-bit logarithmic access counter, (minutes << 8) | counter.
 * A new key starts at LFU_INIT_VAL; each access adds one with a probability that falls as the
 * counter grows (lfu-log-factor), and every lfu-decay-time minutes without access takes one off.
 */
export interface LfuSettings {
  logFactor: number;
  decayMinutes: number;
}

export const LFU_INIT_VAL = 5;

function lfuMinutes(now: number): number {
  return Math.floor(now / 60000) & 0xffff;
}

/** The counter with its decay since the last access applied (OBJECT FREQ, eviction, RDB FREQ). */
export function lfuCounter(lru: number, decayMinutes: number, now = Date.now()): number {
  const counter = lru & 0xff;
  if (decayMinutes <= 0) return counter;
  const then = lru >>> 8;
  const minutes = lfuMinutes(now);
  const elapsed = minutes >= then ? minutes - then : 0xffff - then + minutes;
  const periods = Math.floor(elapsed / decayMinutes);
  return periods >= counter ? 0 : counter - periods;
}

/** An `lru` value holding this counter, stamped now. */
export function lfuValue(counter: number, now = Date.now()): number {
  return (lfuMinutes(now) << 8) | counter;
}

function lfuAccess(lru: number, lfu: LfuSettings): number {
  const now = Date.now();
  let counter = lfuCounter(lru, lfu.decayMinutes, now);
  if (counter < 255) {
    const base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
    if (Math.random() < 1 / (base * lfu.logFactor + 1)) counter++;
  }
  return lfuValue(counter, now);
}

/**
 * Values up to this many bytes set by SET and friends are kept as latin1 strings (1 char = 1 byte):
 * a one-byte string costs 16 bytes of header where a Buffer costs ~100 bytes of heap object plus
 * its pool slice. Longer values stay Buffers (queued to sockets by reference, never copied).
 */
export const INLINE_STRING_MAX = 2047;

/** A string value's bytes as stored: a latin1 string (small values) or a Buffer. */
export type StoredString = Buffer | string;

/** The bytes to store for `bytes` (copied: argv may point into the socket buffer). */
export function storedString(bytes: Buffer): StoredString {
  return bytes.length <= INLINE_STRING_MAX ? latin1String(bytes) : Buffer.from(bytes);
}

/**
 * Heap bytes of a latin1 string of `length` chars as V8 (x64) lays it out: a 16-byte header, the
 * chars, 8-byte alignment. Strings of 0 and 1 chars come from V8's shared single-character table.
 */
export function heapStringBytes(length: number): number {
  return length <= 1 ? 0 : (length + 23) & ~7;
}

/** Node's Buffer pool: Buffers under half its size are slices of a shared 8 KiB ArrayBuffer. */
const BUFFER_POOL = 8192;

/**
 * What a stored string value costs, by its length (measured: Buffer.from() of each size, heap and
 * external memory). Up to INLINE_STRING_MAX it is counted as the latin1 string storedString() makes
 * even once a bit or range command has turned it into a Buffer (a Buffer of that size costs ~100
 * bytes more), so the count does not depend on which commands read the value since it was
 * written. A larger value is a Buffer: ~100 bytes of Uint8Array and its share of a pool slab, or
 * ~180 bytes with an ArrayBuffer of its own, plus the bytes.
 */
export function storedStringBytes(value: StoredString): number {
  const n = value.length;
  if (n <= INLINE_STRING_MAX) return heapStringBytes(n);
  if (n < BUFFER_POOL / 2) return 100 + BUFFER_POOL / Math.floor(BUFFER_POOL / ((n + 7) & ~7));
  return 180 + n;
}

/** A stored string's bytes as a Buffer (a fresh one for a latin1 string). */
export function stringBytes(value: StoredString): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
}

export interface ValueOf {
  /** bytes: a latin1 string or a Buffer (see StoredString); getRead/getWrite always give a Buffer */
  string: StoredString;
  list: List;
  /** field (latin1) → value bytes as a latin1 string */
  hash: Hash;
  /** members as latin1 strings */
  set: MemberSet;
  zset: SortedSet;
  stream: Stream;
}

export type ValueType = keyof ValueOf;

/** What getRead/getWrite return: a string value as a Buffer, other types as stored. */
export type AccessOf<T extends ValueType> = T extends 'string' ? Buffer : ValueOf[T];

/**
 * A string entry's value as a Buffer. A value kept as a latin1 string is converted once and the
 * entry keeps the Buffer from then on, so commands that edit bytes in place (bitmaps, HLL caches)
 * and replies that hold the bytes see one object. The bytes and their encoding do not change.
 */
export function stringEntryBytes(entry: Entry): Buffer {
  const value = entry.value as StoredString;
  if (typeof value !== 'string') return value;
  const bytes = Buffer.from(value, 'latin1');
  (entry as { value: unknown }).value = bytes;
  return bytes;
}

export type Entry = {
  [T in ValueType]: {
    /** Follows from the value (see KeyEntry): change the value to change the type. */
    readonly type: T;
    value: ValueOf[T];
    /** last access, lruClock() ms */
    lru: number;
    /** Insertion sequence number (SCAN order); assigned by Database when the key is created. */
    seq: number;
  };
}[ValueType];

/**
 * An entry as the keyspace holds it. The type is not a field: a latin1 string or a Buffer is a
 * string value, and every container class answers `valueType` from its prototype, so an entry is
 * three fields (48 bytes in V8) instead of four (56), 8 bytes less per key (issue #12).
 */
class KeyEntry {
  constructor(
    public value: StoredString | { readonly valueType: ValueType },
    public lru: number,
    public seq: number,
  ) {}

  get type(): ValueType {
    const value = this.value;
    return typeof value === 'string' || value instanceof Uint8Array ? 'string' : value.valueType;
  }
}

/** A new entry holding `value` (its type follows from it), last accessed at `lru`. */
export function newEntry<T extends ValueType>(value: ValueOf[T], lru: number, seq = 0): Entry {
  return new KeyEntry(value, lru, seq) as unknown as Entry;
}

/**
 * Keys in insertion order, for SCAN cursors, random sampling and the snapshot's main pass. A slot's
 * position (types/slot-positions.ts) is the sequence number of the entry it was pushed for; a slot
 * is live while its key's entry still carries that number. Dead slots are dropped by compaction
 * once they outnumber live ones, so upkeep is amortised O(1) per key.
 */
export class KeyOrder {
  keys: string[] = [];
  readonly positions = new SlotPositions();
  dead = 0;

  /** The sequence number the next pushed key gets: keys of this order below it exist or existed. */
  get nextSequence(): number {
    return this.positions.at(this.keys.length);
  }

  /** Append `key`; returns its sequence number (the entry's `seq`). */
  push(key: string): number {
    const seq = this.positions.at(this.keys.length);
    this.keys.push(key);
    return seq;
  }

  /** Whether slot `i` is its key's live slot in `data`. */
  live(i: number, data: ReadonlyMap<string, Entry>): boolean {
    return data.get(this.keys[i]!)?.seq === this.positions.at(i);
  }

  /** Called after a key left the map; compacts when dead slots outnumber live ones. */
  removed(data: Map<string, Entry>): void {
    this.dead++;
    if (this.dead > 64 && this.dead * 2 > this.keys.length) this.compact(data);
  }

  compact(data: Map<string, Entry>): void {
    const keys: string[] = [];
    const kept: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (!this.live(i, data)) continue;
      keys.push(this.keys[i]!);
      kept.push(i);
    }
    this.positions.compacted(kept, this.keys.length);
    this.keys = keys;
    this.dead = 0;
  }

  /** Index of the first slot whose sequence number is >= seq. */
  lowerBound(seq: number): number {
    return this.positions.lowerBound(seq, this.keys.length);
  }
}

/**
 * Told before a key's value or expiry changes while a background snapshot runs, so the snapshot can
 * write the old value first (copy-on-write). Database calls it only while `cow` is set.
 */
export interface CopyOnWrite {
  beforeWrite(db: Database, key: string): void;
  /** Before flush(): the snapshot keeps the maps being dropped. */
  beforeFlush(db: Database): void;
  /** Before swapWith(): the snapshot finishes both databases first. */
  beforeSwap(a: Database, b: Database): void;
}

/** A database's containers at one moment; flush() replaces them, so a held view stays as it was. */
export interface DatabaseView {
  readonly data: ReadonlyMap<string, Entry>;
  readonly expires: ReadonlyMap<string, number>;
  readonly order: KeyOrder;
}

/** What a database tells the server about: WATCH, blocked clients, expiry statistics. */
export interface StoreHooks {
  keyModified(db: Database, key: string): void;
  keyReady(db: Database, key: string): void;
  /** The key expired; `entry` is the value it held (lazyfree-lazy-expire counts it). */
  keyExpired(db: Database, key: string, entry: Entry): void;
  /**
   * A container value (not a string) was replaced by set() or deleted by a command other than
   * DEL/UNLINK (lazyfree-lazy-server-del counts it).
   */
  valueDropped?(old: Entry): void;
  /** A key that did not exist was created (keyspace event `new`). */
  keyCreated?(db: Database, key: string): void;
  keyspaceHit(): void;
  /** A read found no key: statistics and the `keymiss` notification. */
  keyspaceMiss(db: Database, key: string): void;
}

export class Database {
  private data = new Map<string, Entry>();
  private expires = new Map<string, number>();
  private order = new KeyOrder();
  /**
   * Heap bytes of every key string and string value (heapStringBytes, storedStringBytes), kept as
   * keys are written and removed: memory accounting's exact part (store/eviction.ts).
   */
  private stringHeap = 0;
  /** Keys holding a container (not a string): memory accounting samples their values. */
  private containers = 0;
  /** Set when a write could not keep the two counts (a load replacing a key): recounted when read. */
  private countsStale = false;
  /** Keys created in any database of the process (memory accounting's churn measure). */
  private static created = 0;
  /** Resumable iterator for the active expire cycle, so each cycle continues where the last stopped. */
  private expireCursor: Iterator<[string, number]> | undefined;
  /** Set while a background snapshot runs; every write path checks it first. */
  cow: CopyOnWrite | undefined;
  /** Set while an append-only file is replayed: keys do not expire (as in Redis while loading). */
  loading = false;
  /** Set (one object for every database) while maxmemory-policy is an LFU one. */
  lfu: LfuSettings | undefined;

  constructor(
    readonly index: number,
    private readonly hooks: StoreHooks,
    /** Shared by the databases of one server (see AccessClock). */
    readonly clock: AccessClock = new AccessClock(),
  ) {}

  /** How many keys were created so far in all databases of the process. */
  static get keysCreated(): number {
    return Database.created;
  }

  view(): DatabaseView {
    exposure.epoch++;
    return { data: this.data, expires: this.expires, order: this.order };
  }

  get size(): number {
    return this.data.size;
  }

  get expiresCount(): number {
    return this.expires.size;
  }

  /** Heap bytes of the key strings and string values (see stringHeap). */
  get stringHeapBytes(): number {
    if (this.countsStale) this.recount();
    return this.stringHeap;
  }

  /** How many keys hold a container value (list, hash, set, zset, stream). */
  get containerKeys(): number {
    if (this.countsStale) this.recount();
    return this.containers;
  }

  private recount(): void {
    this.stringHeap = 0;
    this.containers = 0;
    for (const [key, entry] of this.data) this.counted(key, entry.type, entry.value, 1);
    this.countsStale = false;
  }

  /** Count a key and its value in (sign 1) or out (-1); `key` undefined: the value only. */
  private counted(key: string | undefined, type: ValueType, value: unknown, sign: 1 | -1): void {
    let bytes = key === undefined ? 0 : heapStringBytes(key.length);
    if (type === 'string') bytes += storedStringBytes(value as StoredString);
    else this.containers += sign;
    this.stringHeap += sign * bytes;
  }

  /**
   * While clients are paused (CLIENT PAUSE) keys past their TTL are not deleted: they read as
   * missing, and expire for real once the pause ends.
   */
  expiryHeld = false;

  /**
   * While a script runs: the time it started. As in Redis, a script sees time stand still, so a
   * key does not expire in the middle of it (0: the clock runs).
   */
  scriptTime = 0;

  /** Drop the key if its time has passed. Returns true when it expired now (or is held expired). */
  expireIfNeeded(key: string, now = this.scriptTime || Date.now()): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at > now || this.loading) return false;
    if (this.expiryHeld) return true;
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    const entry = this.data.get(key)!;
    this.data.delete(key);
    this.counted(key, entry.type, entry.value, -1);
    this.order.removed(this.data);
    this.expires.delete(key);
    this.hooks.keyExpired(this, key, entry);
    this.hooks.keyModified(this, key);
    return true;
  }

  /** The `lru` a new entry gets: now, or under LFU a fresh counter (see LfuSettings). */
  newAccessClock(): number {
    return this.lfu === undefined ? this.clock.now() : lfuValue(LFU_INIT_VAL);
  }

  /** Lookup for reading: counts keyspace hits/misses and refreshes the access time. */
  lookupRead(key: string): Entry | undefined {
    const held = this.expires.size !== 0 && this.expireIfNeeded(key) && this.expiryHeld;
    const entry = held ? undefined : this.data.get(key);
    if (entry === undefined) {
      this.hooks.keyspaceMiss(this, key);
      return undefined;
    }
    this.hooks.keyspaceHit();
    entry.lru = this.lfu === undefined ? this.clock.now() : lfuAccess(entry.lru, this.lfu);
    return entry;
  }

  /** Lookup for reading without refreshing the access time (EXISTS, TYPE, TTL: Redis's NOTOUCH). */
  lookupReadNoTouch(key: string): Entry | undefined {
    const held = this.expires.size !== 0 && this.expireIfNeeded(key) && this.expiryHeld;
    const entry = held ? undefined : this.data.get(key);
    if (entry === undefined) this.hooks.keyspaceMiss(this, key);
    else this.hooks.keyspaceHit();
    return entry;
  }

  /** Lookup for writing: no hit/miss statistics. */
  lookupWrite(key: string): Entry | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key) && this.expiryHeld) return undefined;
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    const entry = this.data.get(key);
    if (entry !== undefined) entry.lru = this.lfu === undefined ? this.clock.now() : lfuAccess(entry.lru, this.lfu);
    return entry;
  }

  /** Lookup without side effects other than lazy expiry (TYPE-like introspection, SCAN filters). */
  peek(key: string): Entry | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key) && this.expiryHeld) return undefined;
    return this.data.get(key);
  }

  /** The stored entry with no side effects at all, expired or not (memory sampling). */
  peekNoExpire(key: string): Entry | undefined {
    return this.data.get(key);
  }

  /** The value of `key` if it has `type`; undefined if missing; WRONGTYPE otherwise. */
  getRead<T extends ValueType>(key: string, type: T): AccessOf<T> | undefined {
    const entry = this.lookupRead(key);
    if (entry === undefined) return undefined;
    if (entry.type !== type) throw Errors.wrongType();
    return (type === 'string' ? stringEntryBytes(entry) : entry.value) as AccessOf<T>;
  }

  getWrite<T extends ValueType>(key: string, type: T): AccessOf<T> | undefined {
    const entry = this.lookupWrite(key);
    if (entry === undefined) return undefined;
    if (entry.type !== type) throw Errors.wrongType();
    return (type === 'string' ? stringEntryBytes(entry) : entry.value) as AccessOf<T>;
  }

  /** A string value as stored (latin1 string or Buffer), for reading: GET's path, no conversion. */
  getStringRead(key: string): StoredString | undefined {
    const entry = this.lookupRead(key);
    if (entry === undefined) return undefined;
    if (entry.type !== 'string') throw Errors.wrongType();
    return entry.value;
  }

  /** A string value as stored, looked up for writing (INCR's path), no conversion. */
  getStringWrite(key: string): StoredString | undefined {
    const entry = this.lookupWrite(key);
    if (entry === undefined) return undefined;
    if (entry.type !== 'string') throw Errors.wrongType();
    return entry.value;
  }

  /** A string entry looked up for writing (INCR's path: one lookup, no hit/miss statistics). */
  stringEntryWrite(key: string): Extract<Entry, { type: 'string' }> | undefined {
    const entry = this.lookupWrite(key);
    if (entry === undefined) return undefined;
    if (entry.type !== 'string') throw Errors.wrongType();
    return entry;
  }

  /**
   * Give a string entry just returned by stringEntryWrite() for `key` a new value, keeping its TTL:
   * set(key, 'string', value, true) without the second lookup (copy-on-write and the access time
   * were handled by that lookup).
   */
  overwriteString(key: string, entry: Extract<Entry, { type: 'string' }>, value: StoredString): void {
    this.replaceString(entry, value);
    this.hooks.keyModified(this, key);
  }

  /**
   * Give a string entry of this database a new value, signalling nothing (BITFIELD growing a key
   * without changing a bit, PFDEBUG TODENSE: Redis touches no watcher either).
   */
  replaceString(entry: Entry, value: StoredString): void {
    const old = entry.value as StoredString;
    // Same length, same count (INCR's usual case): nothing to work out.
    if (value.length !== old.length) this.stringHeap += storedStringBytes(value) - storedStringBytes(old);
    (entry as { value: unknown }).value = value;
  }

  has(key: string): boolean {
    return this.peek(key) !== undefined;
  }

  /**
   * lookupWrite() then set() in one step, for a writer that does not need the old entry (plain
   * SET): the same lazy expiry first (an expired key is deleted and reported, then created anew),
   * then one map lookup and one clock read instead of two.
   */
  replace<T extends ValueType>(key: string, type: T, value: ValueOf[T], keepTtl = false): void {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    // Redis's SET looks the key up for writing first: under LFU that is an access of the old entry.
    if (this.lfu !== undefined) {
      const old = this.data.get(key);
      if (old !== undefined) old.lru = lfuAccess(old.lru, this.lfu);
    }
    this.set(key, type, value, keepTtl);
  }

  /** Store a value, replacing any old one. Clears the TTL unless keepTtl. Signals WATCH. */
  set<T extends ValueType>(key: string, type: T, value: ValueOf[T], keepTtl = false): void {
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    const old = this.data.get(key);
    if (old === undefined) {
      Database.created++;
      this.data.set(key, newEntry(value, this.newAccessClock(), this.order.push(key)));
      this.counted(key, type, value, 1);
    } else {
      // Overwrite in place: no allocation on the SET/INCR path. The old type is read below.
      const oldType = old.type;
      // Read by the hook before the entry is reused below (no copy needed).
      if (oldType !== 'string' && this.hooks.valueDropped !== undefined) this.hooks.valueDropped(old);
      if (oldType === 'string' && type === 'string') this.replaceString(old, value as StoredString);
      else {
        this.counted(undefined, oldType, old.value, -1);
        this.counted(undefined, type, value, 1);
        (old as { value: unknown }).value = value;
      }
      // As Redis's overwrite: under LFU the key keeps its access counter.
      if (this.lfu === undefined) old.lru = this.clock.now();
      // A stream replaced by another type wakes its blocked XREADGROUP clients (with an error), as in Redis.
      if (oldType === 'stream' && type !== 'stream') this.hooks.keyReady(this, key);
    }
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.hooks.keyModified(this, key);
    if (old === undefined) this.hooks.keyCreated?.(this, key);
  }

  /**
   * Add a key read from a dump file, with its access time and expiry. As Redis adds loaded keys,
   * nothing is signalled (WATCH, tracking, keyspace events, dirty): loading is not a write. One map
   * operation per key, the hot path of a load; a key already there (DEBUG RELOAD MERGE, a
   * duplicate in the file) is replaced, its old order slot left dead.
   */
  load(key: string, value: ValueOf[ValueType], lru: number, expireAt: number | undefined): void {
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    const data = this.data;
    const size = data.size;
    Database.created++;
    const entry = newEntry(value, lru, this.order.push(key));
    data.set(key, entry);
    // A key replaced: the old value's bytes are not known here (one map operation), so recount.
    if (data.size === size) {
      this.order.removed(data);
      this.countsStale = true;
    } else this.counted(key, entry.type, value, 1);
    if (expireAt !== undefined) this.expires.set(key, expireAt);
    else if (this.expires.size !== 0) this.expires.delete(key);
  }

  /** Put an existing entry back (RENAME, MOVE, COPY, SWAPDB helpers). */
  setEntry(key: string, entry: Entry, expireAt?: number): void {
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    const old = this.data.get(key);
    if (old === undefined) {
      Database.created++;
      entry.seq = this.order.push(key);
      this.counted(key, entry.type, entry.value, 1);
    } else {
      entry.seq = old.seq;
      this.counted(undefined, old.type, old.value, -1);
      this.counted(undefined, entry.type, entry.value, 1);
    }
    this.data.set(key, entry);
    if (expireAt !== undefined) this.expires.set(key, expireAt);
    else this.expires.delete(key);
    this.hooks.keyModified(this, key);
    if (old === undefined) this.hooks.keyCreated?.(this, key);
  }

  /** Delete a key; `callerFrees`: the caller accounts for the value (DEL, UNLINK, eviction). */
  delete(key: string, callerFrees = false): boolean {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    const old = this.data.get(key);
    if (old === undefined) return false;
    const type = old.type;
    if (!callerFrees && type !== 'string' && this.hooks.valueDropped !== undefined) this.hooks.valueDropped(old);
    this.data.delete(key);
    this.counted(key, type, old.value, -1);
    this.order.removed(this.data);
    this.expires.delete(key);
    this.hooks.keyModified(this, key);
    // Blocked XREADGROUP clients must learn that their stream is gone.
    this.hooks.keyReady(this, key);
    return true;
  }

  /** Call after mutating a value in place (LPUSH onto an existing list, HSET, ...). */
  modified(key: string): void {
    this.hooks.keyModified(this, key);
  }

  /** Call after adding elements that blocked clients may be waiting for (lists, zsets, streams). */
  signalReady(key: string): void {
    this.hooks.keyReady(this, key);
  }

  /** Absolute expiry time in ms, or undefined when the key has none. */
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** Set an absolute expiry (ms). A time in the past deletes the key at the next access. */
  setExpire(key: string, atMs: number): void {
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    this.expires.set(key, atMs);
    this.hooks.keyModified(this, key);
  }

  persist(key: string): boolean {
    if (this.cow !== undefined) this.cow.beforeWrite(this, key);
    if (!this.expires.delete(key)) return false;
    this.hooks.keyModified(this, key);
    return true;
  }

  keys(): IterableIterator<string> {
    return this.data.keys();
  }

  entries(): IterableIterator<[string, Entry]> {
    // The caller may keep values past this command (AOF rewrite): no in-place edit may reach them.
    exposure.epoch++;
    return this.data.entries();
  }

  /** Remove everything; every key is signalled to WATCH first. */
  flush(): void {
    if (this.cow !== undefined) this.cow.beforeFlush(this);
    for (const key of this.data.keys()) {
      this.hooks.keyModified(this, key);
      // Blocked XREADGROUP clients must learn that their stream is gone.
      this.hooks.keyReady(this, key);
    }
    this.data = new Map();
    this.expires = new Map();
    this.order = new KeyOrder();
    this.stringHeap = 0;
    this.containers = 0;
    this.countsStale = false;
    this.expireCursor = undefined;
  }

  /** Exchange contents with another database (SWAPDB). */
  swapWith(other: Database): void {
    if (this.cow !== undefined) this.cow.beforeSwap(this, other);
    for (const key of this.data.keys()) this.hooks.keyModified(this, key);
    for (const key of other.data.keys()) this.hooks.keyModified(other, key);
    [this.data, other.data] = [other.data, this.data];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.order, other.order] = [other.order, this.order];
    [this.stringHeap, other.stringHeap] = [other.stringHeap, this.stringHeap];
    [this.containers, other.containers] = [other.containers, this.containers];
    [this.countsStale, other.countsStale] = [other.countsStale, this.countsStale];
    this.expireCursor = undefined;
    other.expireCursor = undefined;
  }

  randomKey(): string | undefined {
    // Bounded retries so a database full of expired keys cannot spin.
    for (let attempt = 0; attempt < 100 && this.data.size > 0; attempt++) {
      const key = this.sampleKey();
      if (key !== undefined && !this.expireIfNeeded(key)) return key;
    }
    return undefined;
  }

  /** A uniformly random live key (no expiry check), or undefined when empty. O(1) expected. */
  sampleKey(): string | undefined {
    if (this.data.size === 0) return undefined;
    const order = this.order;
    if (order.dead * 2 > order.keys.length) order.compact(this.data);
    // At least half the slots are live after the compaction check, so this rarely loops.
    for (let attempt = 0; attempt < 64; attempt++) {
      const i = Math.floor(Math.random() * order.keys.length);
      if (order.live(i, this.data)) return order.keys[i]!;
    }
    return this.data.keys().next().value;
  }

  /**
   * SCAN step: visit live keys in insertion order starting at sequence number `cursor` (0 = from
   * the start), stopping after `count` slots. Returns the next cursor (0 when done). A key keeps
   * its sequence number for as long as it exists, so every key present for the whole scan is
   * visited exactly once; keys created meanwhile get larger numbers and may or may not be seen.
   */
  scan(cursor: number, count: number): { keys: string[]; next: number } {
    const order = this.order;
    const keys: string[] = [];
    let i = order.lowerBound(cursor);
    while (i < order.keys.length && keys.length < count) {
      if (order.live(i, this.data)) keys.push(order.keys[i]!);
      i++;
    }
    return { keys, next: i < order.keys.length ? order.positions.at(i) : 0 };
  }

  /** Keys with a TTL (volatile eviction sampling). */
  volatileKeys(): IterableIterator<string> {
    return this.expires.keys();
  }

  /**
   * Active expiry: examine up to `budget` keys with a TTL, deleting the expired ones.
   * Returns how many were examined and how many expired.
   */
  activeExpire(budget: number, now = Date.now()): { examined: number; expired: number } {
    let examined = 0;
    let expired = 0;
    while (examined < budget && this.expires.size > 0) {
      if (this.expireCursor === undefined) this.expireCursor = this.expires.entries();
      const next = this.expireCursor.next();
      if (next.done) {
        this.expireCursor = undefined;
        if (examined === 0) break;
        continue;
      }
      examined++;
      const [key, at] = next.value;
      if (at <= now && this.expireIfNeeded(key, now)) expired++;
    }
    return { examined, expired };
  }
}

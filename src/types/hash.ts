// The hash value: field → value, both latin1 strings (a string holds bytes at ~1/3 the heap of a
// Buffer), with the encoding Redis 7.0 would report as a field.
//
// Storage (independent of the reported encoding): a small hash is packed into one latin1 string,
// field and value records in insertion order (types/packed.ts), up to PACKED_ITEMS fields and
// PACKED_CHARS chars; past either, it becomes a Map (one way), which keeps the same order.
//
// The insertion order is the order Redis 7.0 replies in while the hash is a small "listpack". Past
// hash-max-listpack-entries fields, or a field or value longer than hash-max-listpack-value, Redis
// converts it (one way) to a hash table; the encoding is visible in OBJECT ENCODING, HSCAN (a
// listpack is returned whole), HRANDFIELD's order, DUMP and RDB files.
import { MemberIndex, type Indexed } from './member-index.js';
import { PACKED_CHARS, PACKED_ITEMS, foundItem, foundRecordEnd, locate, pack, packedBytes, recordChars, splice, unpack } from './packed.js';

export type HashEncoding = 'listpack' | 'hashtable';

/** hash-max-listpack-entries and hash-max-listpack-value. */
export interface HashLimits {
  entries: number;
  value: number;
}

/** What the limits are read from (the server's Config). */
export interface NumericSettings {
  number(name: string): number;
}

export function hashLimits(settings: NumericSettings): HashLimits {
  return { entries: settings.number('hash-max-listpack-entries'), value: settings.number('hash-max-listpack-value') };
}

// ---------------------------------------------------------------- Hash

export class Hash implements Indexed {
  /** This value's key type (store/database.ts reads it: entries hold no type field). */
  get valueType(): 'hash' {
    return 'hash';
  }

  /** Member index for random picks and HSCAN cursors (types/member-index.ts), built on first use. */
  index: MemberIndex | undefined = undefined;
  /** The encoding; undefined for a hash read from an RDB table encoding, until first asked. */
  private known: HashEncoding | undefined;
  /** The packed string (see the top of this file), or the Map once the hash outgrew it. */
  private data: string | Map<string, string> = '';
  /** Fields in the packed string (unused once data is a Map). */
  private count = 0;

  /**
   * A hash of `entries`. Commands create an empty one as a listpack (Redis starts every hash
   * small); without an encoding (RDB loading) it is judged from its contents when first asked, as
   * loading it would.
   */
  constructor(encoding?: HashEncoding, entries?: Iterable<readonly [string, string]>) {
    this.known = encoding;
    if (entries !== undefined) for (const [field, value] of entries) this.set(field, value);
  }

  get size(): number {
    const data = this.data;
    return typeof data === 'string' ? this.count : data.size;
  }

  /** Whether the fields are still in one packed string (for tests and memory estimates). */
  get packed(): boolean {
    return typeof this.data === 'string';
  }

  /** Heap bytes the fields take, estimated (INFO used_memory, MEMORY USAGE); `sample` for a Map. */
  storedBytes(sample: (map: Map<string, string>) => number): number {
    const data = this.data;
    // The object (five fields), then the string or the Map's fields.
    return 48 + (typeof data === 'string' ? packedBytes(data) : sample(data));
  }

  get(field: string): string | undefined {
    const data = this.data;
    if (typeof data !== 'string') return data.get(field);
    return locate(data, field, 2) < 0 ? undefined : foundItem(data);
  }

  has(field: string): boolean {
    const data = this.data;
    return typeof data === 'string' ? locate(data, field, 2) >= 0 : data.has(field);
  }

  /** Store field = value as it is (no encoding change: RDB loading). True if the field was new. */
  set(field: string, value: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') {
      const size = data.size;
      data.set(field, value);
      return data.size !== size;
    }
    const at = locate(data, field, 2);
    if (at < 0) {
      if (this.count >= PACKED_ITEMS || data.length + recordChars(field, value) > PACKED_CHARS) {
        this.unpacked().set(field, value);
      } else {
        this.data = splice(data, data.length, data.length, field, value);
        this.count++;
      }
      return true;
    }
    // In place: the record is rewritten where it was, keeping the order.
    const end = foundRecordEnd();
    if (data.length - (end - at) + recordChars(field, value) > PACKED_CHARS) this.unpacked().set(field, value);
    else this.data = splice(data, at, end, field, value);
    return false;
  }

  /** Remove a field as it is (no index upkeep). True if it was there. */
  delete(field: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') return data.delete(field);
    const at = locate(data, field, 2);
    if (at < 0) return false;
    this.data = splice(data, at, foundRecordEnd());
    this.count--;
    return true;
  }

  /** The Map form (converting to it, one way). */
  private unpacked(): Map<string, string> {
    const data = this.data;
    if (typeof data !== 'string') return data;
    const flat = unpack(data);
    const map = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
    this.data = map;
    this.count = 0;
    return map;
  }

  /** Fields and values, flat: [field, value, field, value …] in the hash's order. */
  flat(): string[] {
    const data = this.data;
    if (typeof data === 'string') return unpack(data);
    const out: string[] = [];
    for (const [field, value] of data) out.push(field, value);
    return out;
  }

  entries(): IterableIterator<[string, string]> {
    const data = this.data;
    if (typeof data !== 'string') return data.entries();
    const flat = unpack(data);
    const pairs: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    return pairs.values();
  }

  keys(): IterableIterator<string> {
    const data = this.data;
    if (typeof data !== 'string') return data.keys();
    return unpack(data).filter((_, i) => i % 2 === 0).values();
  }

  values(): IterableIterator<string> {
    const data = this.data;
    if (typeof data !== 'string') return data.values();
    return unpack(data).filter((_, i) => i % 2 === 1).values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The encoding Redis would report under these limits. */
  encoding(limits: HashLimits): HashEncoding {
    let encoding = this.known;
    if (encoding === undefined) {
      let fits = this.size <= limits.entries;
      if (fits) {
        for (const [field, value] of this) {
          if (field.length > limits.value || value.length > limits.value) {
            fits = false;
            break;
          }
        }
      }
      encoding = fits ? 'listpack' : 'hashtable';
      this.known = encoding;
    }
    return encoding;
  }

  /**
   * Record the encoding of a hash loaded from a listpack or ziplist (RESTORE, RDB files): Redis 7.0
   * keeps such a hash a listpack unless it has too many fields, even when a value is long.
   */
  setEncoding(encoding: HashEncoding): void {
    this.known = encoding;
  }

  /** Store field = value (latin1 strings); converts the encoding as Redis does. True if new. */
  setField(field: string, value: string, limits: HashLimits): boolean {
    const isNew = this.set(field, value);
    if (isNew) this.index?.add(field);
    if (this.encoding(limits) === 'listpack') {
      if (field.length > limits.value || value.length > limits.value || this.size > limits.entries) this.known = 'hashtable';
    }
    return isNew;
  }

  /**
   * HSET's field/value pairs (flat) in one write: a packed hash is rebuilt once, not once a field.
   * Same outcome as setField on each pair in turn. Returns how many fields were new.
   */
  setFields(pairs: readonly string[], limits: HashLimits): number {
    let added = 0;
    const data = this.data;
    if (typeof data !== 'string' || pairs.length <= 2) {
      for (let i = 0; i < pairs.length; i += 2) if (this.setField(pairs[i]!, pairs[i + 1]!, limits)) added++;
      return added;
    }
    const items = unpack(data);
    let listpack = this.encoding(limits) === 'listpack';
    for (let i = 0; i < pairs.length; i += 2) {
      const field = pairs[i]!;
      const value = pairs[i + 1]!;
      let j = 0;
      while (j < items.length && items[j] !== field) j += 2;
      if (j < items.length) {
        items[j + 1] = value;
      } else {
        items.push(field, value);
        added++;
        this.index?.add(field);
      }
      if (listpack && (field.length > limits.value || value.length > limits.value || items.length / 2 > limits.entries)) listpack = false;
    }
    if (!listpack) this.known = 'hashtable';
    let chars = 0;
    for (const item of items) chars += recordChars(item);
    if (items.length / 2 <= PACKED_ITEMS && chars <= PACKED_CHARS) {
      this.data = pack(items);
      this.count = items.length / 2;
    } else {
      const map = new Map<string, string>();
      for (let i = 0; i < items.length; i += 2) map.set(items[i]!, items[i + 1]!);
      this.data = map;
      this.count = 0;
    }
    return added;
  }

  /** Remove a field. True if it was there. */
  deleteField(field: string): boolean {
    if (!this.delete(field)) return false;
    this.index?.remove(field);
    return true;
  }

  /** A copy with the same fields and encoding (COPY: Redis duplicates the object as it is). */
  clone(): Hash {
    const copy = new Hash(this.known);
    const data = this.data;
    // A packed string is immutable: the copy shares it until either side writes.
    copy.data = typeof data === 'string' ? data : new Map(data);
    copy.count = this.count;
    return copy;
  }
}

/** Record the encoding of a hash loaded from a listpack or ziplist (see Hash.setEncoding). */
export function setLoadedEncoding(hash: Hash, encoding: HashEncoding): void {
  hash.setEncoding(encoding);
}

/** OBJECT ENCODING of a hash by Redis 7.0's rules: "listpack" or "hashtable". */
export function encodingOf(hash: Hash, settings: NumericSettings): HashEncoding {
  return hash.encoding(hashLimits(settings));
}

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
import { PACKED_CHARS, PACKED_ITEMS, foundItem, foundItemIs, foundRecordEnd, locate, pack, packedBytes, recordChars, splice, unpack, visitPacked } from './packed.js';

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

/**
 * A small hash is one string and nothing else: its first char is a header holding the field count
 * and the encoding, `count + HEADER_STEP * code` (code 0: not known yet, 1: listpack, 2:
 * hashtable; count ≤ PACKED_ITEMS < HEADER_STEP), then the records. So the Hash object has one
 * field (32 bytes in V8) where a count, an encoding and an index field made it 56 (issue #12).
 */
const HEADER_STEP = 65;
const CODES: readonly (HashEncoding | undefined)[] = [undefined, 'listpack', 'hashtable'];
const codeOf = (encoding: HashEncoding | undefined): number => (encoding === undefined ? 0 : encoding === 'listpack' ? 1 : 2);
const header = (count: number, encoding: HashEncoding | undefined): number => count + HEADER_STEP * codeOf(encoding);
const countOf = (packed: string): number => packed.charCodeAt(0) % HEADER_STEP;
const knownOf = (packed: string): HashEncoding | undefined => CODES[(packed.charCodeAt(0) / HEADER_STEP) | 0];

/** A hash past its packed form: the fields, the encoding and the member index. */
class HashTable {
  index: MemberIndex | undefined = undefined;

  constructor(
    readonly fields: Map<string, string>,
    public known: HashEncoding | undefined,
  ) {}
}

export class Hash implements Indexed {
  /** This value's key type (store/database.ts reads it: entries hold no type field). */
  get valueType(): 'hash' {
    return 'hash';
  }

  /** The packed string with its header char (see HEADER_STEP), or the table once it outgrew it. */
  private data: string | HashTable;

  /**
   * A hash of `entries`. Commands create an empty one as a listpack (Redis starts every hash
   * small); without an encoding (RDB loading) it is judged from its contents when first asked, as
   * loading it would.
   */
  constructor(encoding?: HashEncoding, entries?: Iterable<readonly [string, string]>) {
    this.data = String.fromCharCode(header(0, encoding));
    if (entries !== undefined) for (const [field, value] of entries) this.set(field, value);
  }

  /**
   * Member index for random picks and HSCAN cursors (types/member-index.ts), built on first use.
   * A packed hash has none: giving it one moves its fields into the table form.
   */
  get index(): MemberIndex | undefined {
    const data = this.data;
    return typeof data === 'string' ? undefined : data.index;
  }

  set index(index: MemberIndex | undefined) {
    if (index !== undefined || typeof this.data !== 'string') this.unpacked().index = index;
  }

  /** The encoding; undefined for a hash read from an RDB table encoding, until first asked. */
  private get known(): HashEncoding | undefined {
    const data = this.data;
    return typeof data === 'string' ? knownOf(data) : data.known;
  }

  private set known(encoding: HashEncoding | undefined) {
    const data = this.data;
    if (typeof data !== 'string') data.known = encoding;
    else if (knownOf(data) !== encoding) this.data = splice(data, 1, 1, undefined, undefined, header(countOf(data), encoding));
  }

  get size(): number {
    const data = this.data;
    return typeof data === 'string' ? countOf(data) : data.fields.size;
  }

  /** Whether the fields are still in one packed string (for tests and memory estimates). */
  get packed(): boolean {
    return typeof this.data === 'string';
  }

  /** Heap bytes the fields take, estimated (INFO used_memory, MEMORY USAGE); `sample` for a Map. */
  storedBytes(sample: (map: Map<string, string>) => number): number {
    const data = this.data;
    // The object (one field), then the string, or the table (three fields) and the Map's fields.
    return 32 + (typeof data === 'string' ? packedBytes(data) : 48 + sample(data.fields));
  }

  get(field: string): string | undefined {
    const data = this.data;
    if (typeof data !== 'string') return data.fields.get(field);
    return locate(data, field, 2, 1) < 0 ? undefined : foundItem(data);
  }

  has(field: string): boolean {
    const data = this.data;
    return typeof data === 'string' ? locate(data, field, 2, 1) >= 0 : data.fields.has(field);
  }

  /** Store field = value as it is (no encoding change: RDB loading). True if the field was new. */
  set(field: string, value: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') {
      const fields = data.fields;
      const size = fields.size;
      fields.set(field, value);
      return fields.size !== size;
    }
    const at = locate(data, field, 2, 1);
    if (at < 0) {
      const count = countOf(data);
      if (count >= PACKED_ITEMS || data.length + recordChars(field, value) > PACKED_CHARS) {
        this.unpacked().fields.set(field, value);
      } else {
        this.data = splice(data, data.length, data.length, field, value, data.charCodeAt(0) + 1);
      }
      return true;
    }
    // The same value again (a cache refreshing a field): nothing to rebuild.
    if (foundItemIs(data, value)) return false;
    // In place: the record is rewritten where it was, keeping the order.
    const end = foundRecordEnd();
    if (data.length - (end - at) + recordChars(field, value) > PACKED_CHARS) this.unpacked().fields.set(field, value);
    else this.data = splice(data, at, end, field, value);
    return false;
  }

  /** Remove a field as it is (no index upkeep). True if it was there. */
  delete(field: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') return data.fields.delete(field);
    const at = locate(data, field, 2, 1);
    if (at < 0) return false;
    this.data = splice(data, at, foundRecordEnd(), undefined, undefined, data.charCodeAt(0) - 1);
    return true;
  }

  /** The table form (converting to it, one way). */
  private unpacked(): HashTable {
    const data = this.data;
    if (typeof data !== 'string') return data;
    const flat = unpack(data, 1);
    const map = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
    const table = new HashTable(map, knownOf(data));
    this.data = table;
    return table;
  }

  /**
   * When the hash is packed, its fields and values in order as byte ranges (see visitPacked), and
   * true; false (nothing visited) when it is a table.
   */
  visitPackedItems(visit: (buf: Buffer, start: number, end: number) => void): boolean {
    const data = this.data;
    if (typeof data !== 'string') return false;
    visitPacked(data, 1, visit);
    return true;
  }

  /** Fields and values, flat: [field, value, field, value …] in the hash's order. */
  flat(): string[] {
    const data = this.data;
    if (typeof data === 'string') return unpack(data, 1);
    const out: string[] = [];
    for (const [field, value] of data.fields) out.push(field, value);
    return out;
  }

  entries(): IterableIterator<[string, string]> {
    const data = this.data;
    if (typeof data !== 'string') return data.fields.entries();
    const flat = unpack(data, 1);
    const pairs: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    return pairs.values();
  }

  keys(): IterableIterator<string> {
    const data = this.data;
    if (typeof data !== 'string') return data.fields.keys();
    return unpack(data, 1).filter((_, i) => i % 2 === 0).values();
  }

  values(): IterableIterator<string> {
    const data = this.data;
    if (typeof data !== 'string') return data.fields.values();
    return unpack(data, 1).filter((_, i) => i % 2 === 1).values();
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
    const items = unpack(data, 1);
    const known = this.encoding(limits);
    let listpack = known === 'listpack';
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
      }
      if (listpack && (field.length > limits.value || value.length > limits.value || items.length / 2 > limits.entries)) listpack = false;
    }
    const encoding = listpack ? 'listpack' : 'hashtable';
    let chars = 1;
    for (const item of items) chars += recordChars(item);
    if (items.length / 2 <= PACKED_ITEMS && chars <= PACKED_CHARS) {
      this.data = pack(items, header(items.length / 2, encoding));
    } else {
      const map = new Map<string, string>();
      for (let i = 0; i < items.length; i += 2) map.set(items[i]!, items[i + 1]!);
      this.data = new HashTable(map, encoding);
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
    const copy = new Hash();
    const data = this.data;
    // A packed string is immutable: the copy shares it until either side writes.
    copy.data = typeof data === 'string' ? data : new HashTable(new Map(data.fields), data.known);
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

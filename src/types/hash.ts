// The hash value: field → value, both latin1 strings (a string holds bytes at ~1/3 the heap of a
// Buffer), with the encoding Redis 7.0 would report as a field.
//
// Storage (independent of the reported encoding): a small hash is packed into ONE latin1 string,
// `len field len value …` in insertion order (lengths as 7-bit varints, one char each below 128),
// found by a linear scan, much as Redis's listpack. One string costs a 16-byte header for the whole
// hash, where a Map costs ~200 bytes empty plus two string headers and ~28 bytes of table per field.
// A write builds the new string in a scratch Buffer (one copy, like a listpack's realloc), so the
// packed form is kept only up to PACKED_FIELDS fields and PACKED_CHARS chars; past either, the hash
// becomes a Map (one way), which keeps the same insertion order.
//
// The insertion order is the order Redis 7.0 replies in while the hash is a small "listpack". Past
// hash-max-listpack-entries fields, or a field or value longer than hash-max-listpack-value, Redis
// converts it (one way) to a hash table; the encoding is visible in OBJECT ENCODING, HSCAN (a
// listpack is returned whole), HRANDFIELD's order, DUMP and RDB files.
import { MemberIndex, type Indexed } from './member-index.js';

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

/** Most fields a packed hash holds (a lookup scans them; a write copies them all). */
export const PACKED_FIELDS = 64;
/** Most chars a packed hash's string holds. */
export const PACKED_CHARS = 4096;

// ---------------------------------------------------------------- the packed string

/** The shared buffer new packed strings are built in (synchronously, never kept). */
let scratch = Buffer.allocUnsafe(PACKED_CHARS * 2);

function room(chars: number): Buffer {
  if (scratch.length < chars) scratch = Buffer.allocUnsafe(chars * 2);
  return scratch;
}

/** Chars the varint of n takes. */
const lenChars = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4);

function putLen(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = 0x80 | (n & 0x7f);
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

/** Chars a packed entry takes. */
const entryChars = (field: string, value: string): number =>
  lenChars(field.length) + field.length + lenChars(value.length) + value.length;

function putEntry(buf: Buffer, at: number, field: string, value: string): number {
  at = putLen(buf, at, field.length);
  at += buf.write(field, at, 'latin1');
  at = putLen(buf, at, value.length);
  return at + buf.write(value, at, 'latin1');
}

// Where locate() found the value: its first char and the end of the entry.
let foundValue = 0;
let foundEnd = 0;

/** The start of `field`'s entry in packed string s (setting foundValue/foundEnd), or -1. */
function locate(s: string, field: string): number {
  const want = field.length;
  const last = want - 1;
  const end = s.length;
  let p = 0;
  while (p < end) {
    const start = p;
    let c = s.charCodeAt(p++);
    let n = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = s.charCodeAt(p++);
      n |= (c & 0x7f) << shift;
    }
    const at = p;
    p += n;
    c = s.charCodeAt(p++);
    let m = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = s.charCodeAt(p++);
      m |= (c & 0x7f) << shift;
    }
    const value = p;
    p += m;
    // The last char first: fields that share a prefix (field:1, field:2) differ there.
    if (n === want && (want === 0 || (s.charCodeAt(at + last) === field.charCodeAt(last) && s.startsWith(field, at)))) {
      foundValue = value;
      foundEnd = p;
      return start;
    }
  }
  return -1;
}

/**
 * Packed string s as flat strings [field, value, field, value …]: decoded from a Buffer copy, so
 * none of them is a slice that would keep s alive.
 */
function unpack(s: string): string[] {
  const out: string[] = [];
  const end = s.length;
  if (end === 0) return out;
  const buf = room(end);
  buf.write(s, 0, 'latin1');
  let p = 0;
  while (p < end) {
    let c = buf[p++]!;
    let n = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = buf[p++]!;
      n |= (c & 0x7f) << shift;
    }
    out.push(buf.toString('latin1', p, p + n));
    p += n;
  }
  return out;
}

// ---------------------------------------------------------------- Hash

export class Hash implements Indexed {
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
    // The object, and the string's 16-byte header with 8-byte alignment.
    return typeof data === 'string' ? 64 + ((data.length + 7) & ~7) : 64 + sample(data);
  }

  get(field: string): string | undefined {
    const data = this.data;
    if (typeof data !== 'string') return data.get(field);
    return locate(data, field) < 0 ? undefined : data.substring(foundValue, foundEnd);
  }

  has(field: string): boolean {
    const data = this.data;
    return typeof data === 'string' ? locate(data, field) >= 0 : data.has(field);
  }

  /** Store field = value as it is (no encoding change: RDB loading). True if the field was new. */
  set(field: string, value: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') {
      const size = data.size;
      data.set(field, value);
      return data.size !== size;
    }
    const at = locate(data, field);
    const length = data.length;
    const chars = entryChars(field, value);
    if (at < 0) {
      if (this.count >= PACKED_FIELDS || length + chars > PACKED_CHARS) {
        this.unpacked().set(field, value);
        return true;
      }
      const buf = room(length + chars);
      buf.write(data, 0, 'latin1');
      const end = putEntry(buf, length, field, value);
      this.data = buf.toString('latin1', 0, end);
      this.count++;
      return true;
    }
    // In place: the entry is rewritten where it was, keeping the order.
    const tail = length - foundEnd;
    const total = at + chars + tail;
    if (total > PACKED_CHARS) {
      this.unpacked().set(field, value);
      return false;
    }
    const buf = room(Math.max(length, total));
    buf.write(data, 0, 'latin1');
    buf.copyWithin(at + chars, foundEnd, length);
    putEntry(buf, at, field, value);
    this.data = buf.toString('latin1', 0, total);
    return false;
  }

  /** Remove a field as it is (no index upkeep). True if it was there. */
  delete(field: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') return data.delete(field);
    const at = locate(data, field);
    if (at < 0) return false;
    if (--this.count === 0) {
      this.data = '';
      return true;
    }
    const length = data.length;
    const buf = room(length);
    buf.write(data, 0, 'latin1');
    buf.copyWithin(at, foundEnd, length);
    this.data = buf.toString('latin1', 0, length - (foundEnd - at));
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

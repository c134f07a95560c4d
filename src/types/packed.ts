// Small containers packed into ONE latin1 string (hashes: types/hash.ts, sets: types/set.ts).
//
// The string is a run of records, each of `stride` items (a set member: 1; a hash field and its
// value: 2); an item is its length as a 7-bit varint (one char below 128) then its chars. A lookup
// scans the records, much as Redis scans a listpack. One string costs a 16-byte header for the whole
// container, where a Map or Set costs ~200 bytes empty plus a string header and ~20-28 bytes of
// table per element. A write builds the new string in a scratch Buffer (one copy, like a listpack's
// realloc), so containers keep the packed form only up to PACKED_ITEMS records and PACKED_CHARS
// chars, then turn into a Map or Set (one way) in the same order.
import { latin1At } from '../protocol/latin1.js';

/** Most records a packed string holds (a lookup scans them; a write copies them all). */
export const PACKED_ITEMS = 64;
/** Most chars a packed string holds. */
export const PACKED_CHARS = 4096;

/** The shared buffer new packed strings are built in (synchronously, never kept). */
let scratch = Buffer.allocUnsafe(PACKED_CHARS * 2);

function room(chars: number): Buffer {
  if (scratch.length < chars) scratch = Buffer.allocUnsafe(chars * 2);
  return scratch;
}

/** Chars the varint of n takes. */
const lenChars = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4);

/** Chars a record of these items takes. */
export function recordChars(first: string, second?: string): number {
  const one = lenChars(first.length) + first.length;
  return second === undefined ? one : one + lenChars(second.length) + second.length;
}

interface Latin1Writable {
  latin1Write(s: string, offset: number, length: number): number;
}

/**
 * s's chars as bytes at `at`; returns the offset past them. A short string is copied by a loop:
 * Buffer#write's encoding lookup, argument checks and call into C++ cost ~700 instructions, as
 * much as a whole small HSET's other work; a long one goes to Buffer's own latin1 writer.
 */
function putChars(buf: Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > 32) return at + (buf as unknown as Latin1Writable).latin1Write(s, at, n);
  for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
  return at + n;
}

function putItem(buf: Buffer, at: number, item: string): number {
  let n = item.length;
  while (n >= 0x80) {
    buf[at++] = 0x80 | (n & 0x7f);
    n >>>= 7;
  }
  buf[at++] = n;
  return putChars(buf, at, item);
}

// Where locate() found the record: its second item's first char and the record's end.
let foundSecond = 0;
let foundEnd = 0;

/** The second item of the record locate() found last, as a string (a slice of s). */
export const foundItem = (s: string): string => s.substring(foundSecond, foundEnd);
/** The end of the record locate() found last. */
export const foundRecordEnd = (): number => foundEnd;
/** Whether the second item of the record locate() found last in s is `item`. */
export const foundItemIs = (s: string, item: string): boolean => foundEnd - foundSecond === item.length && s.startsWith(item, foundSecond);

/**
 * The start of the record whose first item is `key` in packed string s, or -1. Records start at
 * `from` (a hash keeps a header char before them).
 */
export function locate(s: string, key: string, stride: 1 | 2, from = 0): number {
  const want = key.length;
  const last = want - 1;
  const end = s.length;
  let p = from;
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
    let second = p;
    if (stride === 2) {
      c = s.charCodeAt(p++);
      let m = c & 0x7f;
      for (let shift = 7; c >= 0x80; shift += 7) {
        c = s.charCodeAt(p++);
        m |= (c & 0x7f) << shift;
      }
      second = p;
      p += m;
    }
    // The last char first: keys that share a prefix (field:1, field:2) differ there.
    if (n === want && (want === 0 || (s.charCodeAt(at + last) === key.charCodeAt(last) && s.startsWith(key, at)))) {
      foundSecond = second;
      foundEnd = p;
      return start;
    }
  }
  return -1;
}

/**
 * s with its chars [at, end) replaced by the record (first, second) — or removed, without one; at
 * = end = s.length appends. `header` (≥ 0), if given, replaces the first char. The result is a new
 * flat string.
 */
export function splice(s: string, at: number, end: number, first?: string, second?: string, header = -1): string {
  const length = s.length;
  const chars = first === undefined ? 0 : recordChars(first, second);
  const total = length - (end - at) + chars;
  if (total === 0) return '';
  const buf = room(Math.max(length, total));
  putChars(buf, 0, s);
  if (end < length) buf.copyWithin(at + chars, end, length);
  if (first !== undefined) {
    const next = putItem(buf, at, first);
    if (second !== undefined) putItem(buf, next, second);
  }
  if (header >= 0) buf[0] = header;
  return latin1At(buf, 0, total);
}

/**
 * Items packed into a new string (check recordChars' sum against PACKED_CHARS first), after a
 * header char if `header` (≥ 0) is given.
 */
export function pack(items: readonly string[], header = -1): string {
  let chars = header >= 0 ? 1 : 0;
  for (const item of items) chars += recordChars(item);
  if (chars === 0) return '';
  const buf = room(chars);
  let at = 0;
  if (header >= 0) buf[at++] = header;
  for (const item of items) at = putItem(buf, at, item);
  return latin1At(buf, 0, at);
}

/**
 * The items of packed string s in order (its records start at `from`), as flat strings: decoded
 * from a Buffer copy, so none of them is a slice that would keep s alive.
 */
export function unpack(s: string, from = 0): string[] {
  const out: string[] = [];
  visitPacked(s, from, (buf, start, end) => out.push(buf.toString('latin1', start, end)));
  return out;
}

/**
 * The items of packed string s in order (its records start at `from`), as ranges of one scratch
 * Buffer that holds s's chars: no string per item (a snapshot copies them into a listpack). The
 * Buffer is only valid during the call, and `visit` must not pack or unpack meanwhile.
 */
export function visitPacked(s: string, from: number, visit: (buf: Buffer, start: number, end: number) => void): void {
  const end = s.length;
  if (end <= from) return;
  const buf = room(end);
  buf.write(s, 0, 'latin1');
  let p = from;
  while (p < end) {
    let c = buf[p++]!;
    let n = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = buf[p++]!;
      n |= (c & 0x7f) << shift;
    }
    visit(buf, p, p + n);
    p += n;
  }
}

/** Heap bytes of a packed string: a 16-byte header and its chars, 8-byte aligned. */
export const packedBytes = (s: string): number => 16 + ((s.length + 7) & ~7);

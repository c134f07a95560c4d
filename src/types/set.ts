// The set value: latin1 member strings, with the encoding Redis 7.0 would report as a field.
//
// Storage (independent of the reported encoding): a small set is packed into one latin1 string of
// members in insertion order (types/packed.ts), up to PACKED_ITEMS members and PACKED_CHARS chars;
// past either, it becomes a Set (one way), which keeps the same order.
//
// Redis 7.0 encodes a set of integers as a sorted "intset" until it grows past
// set-max-intset-entries or gains a non-integer member; the conversion to a hash table is one-way.
// The encoding is visible in OBJECT ENCODING, in the order Redis replies in (an intset iterates in
// numeric order), in SSCAN (an intset is returned whole), DUMP and RDB files.
import { tryParseBigInt } from '../protocol/numbers.js';
import { MemberIndex, type Indexed } from './member-index.js';
import { PACKED_CHARS, PACKED_ITEMS, foundRecordEnd, locate, packedBytes, recordChars, splice, unpack } from './packed.js';
import type { NumericSettings } from './hash.js';

export type SetEncoding = 'intset' | 'hashtable';

/** set-max-intset-entries. */
export function maxIntsetEntries(settings: NumericSettings): number {
  return settings.number('set-max-intset-entries');
}

/** Whether an intset can hold the member: a 64-bit integer in canonical form. */
export const isIntMember = (member: string): boolean => tryParseBigInt(member) !== undefined;

export class MemberSet implements Indexed {
  /** This value's key type (store/database.ts reads it: entries hold no type field). */
  get valueType(): 'set' {
    return 'set';
  }

  /** Member index for random picks and SSCAN cursors (types/member-index.ts), built on first use. */
  index: MemberIndex | undefined = undefined;
  /** The encoding; undefined for a set read from an RDB file or payload, until first asked. */
  private known: SetEncoding | undefined;
  /** The packed string (types/packed.ts), or the Set once the set outgrew it. */
  private data: string | Set<string> = '';
  /** Members in the packed string (unused once data is a Set). */
  private count = 0;

  /**
   * A set of `members`. Commands create an empty one as an intset (Redis creates it from its first
   * member); without an encoding (RDB loading) it is judged from its contents when first asked.
   */
  constructor(encoding?: SetEncoding, members?: Iterable<string>) {
    this.known = encoding;
    if (members !== undefined) for (const member of members) this.add(member);
  }

  get size(): number {
    const data = this.data;
    return typeof data === 'string' ? this.count : data.size;
  }

  /** Whether the members are still in one packed string (for tests). */
  get packed(): boolean {
    return typeof this.data === 'string';
  }

  /** Heap bytes the members take, estimated (INFO used_memory, MEMORY USAGE); `sample` for a Set. */
  storedBytes(sample: (set: Set<string>) => number): number {
    const data = this.data;
    // The object (five fields), then the string or the Set's members.
    return 48 + (typeof data === 'string' ? packedBytes(data) : sample(data));
  }

  has(member: string): boolean {
    const data = this.data;
    return typeof data === 'string' ? locate(data, member, 1) >= 0 : data.has(member);
  }

  /** Add a member as it is (no encoding change: RDB loading). True if it was new. */
  add(member: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') {
      const size = data.size;
      data.add(member);
      return data.size !== size;
    }
    if (locate(data, member, 1) >= 0) return false;
    if (this.count >= PACKED_ITEMS || data.length + recordChars(member) > PACKED_CHARS) {
      this.unpacked().add(member);
    } else {
      this.data = splice(data, data.length, data.length, member);
      this.count++;
    }
    return true;
  }

  /** Remove a member as it is (no index upkeep). True if it was there. */
  delete(member: string): boolean {
    const data = this.data;
    if (typeof data !== 'string') return data.delete(member);
    const at = locate(data, member, 1);
    if (at < 0) return false;
    this.data = splice(data, at, foundRecordEnd());
    this.count--;
    return true;
  }

  /** The Set form (converting to it, one way). */
  private unpacked(): Set<string> {
    const data = this.data;
    if (typeof data !== 'string') return data;
    const set = new Set(unpack(data));
    this.data = set;
    this.count = 0;
    return set;
  }

  /** The members in insertion order, as a new array. */
  members(): string[] {
    const data = this.data;
    return typeof data === 'string' ? unpack(data) : [...data];
  }

  values(): IterableIterator<string> {
    const data = this.data;
    return typeof data === 'string' ? unpack(data).values() : data.values();
  }

  keys(): IterableIterator<string> {
    return this.values();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.values();
  }

  /** The encoding Redis would report with this set-max-intset-entries. */
  encoding(maxIntset: number): SetEncoding {
    let encoding = this.known;
    if (encoding === undefined) {
      let fits = this.size <= maxIntset;
      if (fits) {
        for (const member of this.values()) {
          if (!isIntMember(member)) {
            fits = false;
            break;
          }
        }
      }
      encoding = fits ? 'intset' : 'hashtable';
      this.known = encoding;
    }
    return encoding;
  }

  /** Add a member, converting the encoding as Redis does. True if it was new. */
  addMember(member: string, maxIntset: number): boolean {
    if (!this.add(member)) return false;
    this.index?.add(member);
    if (this.known !== 'hashtable' && (this.size > maxIntset || !isIntMember(member))) this.known = 'hashtable';
    return true;
  }

  /** Remove a member. True if it was there. */
  removeMember(member: string): boolean {
    if (!this.delete(member)) return false;
    this.index?.remove(member);
    return true;
  }

  /** Remove every member (and the index with them); the encoding stays. */
  removeAll(): void {
    this.data = '';
    this.count = 0;
    this.index = undefined;
  }

  /** Members in the order Redis iterates them: numeric order for an intset, else insertion order. */
  ordered(maxIntset: number): string[] {
    const members = this.members();
    if (this.encoding(maxIntset) === 'intset') {
      members.sort((a, b) => {
        const x = BigInt(a);
        const y = BigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    return members;
  }

  /** A copy with the same members and encoding (COPY: Redis duplicates the object as it is). */
  clone(): MemberSet {
    const copy = new MemberSet(this.known);
    const data = this.data;
    // A packed string is immutable: the copy shares it until either side writes.
    copy.data = typeof data === 'string' ? data : new Set(data);
    copy.count = this.count;
    return copy;
  }
}

/** OBJECT ENCODING of a set by Redis 7.0's rules: "intset" or "hashtable". */
export function encodingOf(set: MemberSet, settings: NumericSettings): SetEncoding {
  return set.encoding(maxIntsetEntries(settings));
}

// The set value: a Set of latin1 member strings, with the encoding Redis 7.0 would report as a field.
//
// Redis 7.0 encodes a set of integers as a sorted "intset" until it grows past
// set-max-intset-entries or gains a non-integer member; the conversion to a hash table is one-way.
// The encoding is visible in OBJECT ENCODING, in the order Redis replies in (an intset iterates in
// numeric order), in SSCAN (an intset is returned whole), DUMP and RDB files.
import { tryParseBigInt } from '../protocol/numbers.js';
import { MemberIndex, type Indexed } from './member-index.js';
import type { NumericSettings } from './hash.js';

export type SetEncoding = 'intset' | 'hashtable';

/** set-max-intset-entries. */
export function maxIntsetEntries(settings: NumericSettings): number {
  return settings.number('set-max-intset-entries');
}

/** Whether an intset can hold the member: a 64-bit integer in canonical form. */
export const isIntMember = (member: string): boolean => tryParseBigInt(member) !== undefined;

export class MemberSet extends Set<string> implements Indexed {
  /** Member index for random picks and SSCAN cursors (types/member-index.ts), built on first use. */
  index: MemberIndex | undefined = undefined;
  /** The encoding; undefined for a set read from an RDB file or payload, until first asked. */
  private known: SetEncoding | undefined;

  /**
   * A set of `members`. Commands create an empty one as an intset (Redis creates it from its first
   * member); without an encoding (RDB loading) it is judged from its contents when first asked.
   */
  constructor(encoding?: SetEncoding, members?: Iterable<string>) {
    super(members);
    this.known = encoding;
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
    // One set operation: the member was new when the size grew.
    const size = this.size;
    this.add(member);
    if (this.size === size) return false;
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
    this.clear();
    this.index = undefined;
  }

  /** Members in the order Redis iterates them: numeric order for an intset, else insertion order. */
  ordered(maxIntset: number): string[] {
    // values(): spreading the iterator keeps V8's fast path, which a Set subclass itself loses.
    const members = [...this.values()];
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
    return new MemberSet(this.known, this.values());
  }
}

/** OBJECT ENCODING of a set by Redis 7.0's rules: "intset" or "hashtable". */
export function encodingOf(set: MemberSet, settings: NumericSettings): SetEncoding {
  return set.encoding(maxIntsetEntries(settings));
}

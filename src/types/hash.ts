// The hash value: a Map from latin1 field name to latin1 value (a string holds bytes at ~1/3 the
// heap of a Buffer), with the encoding Redis 7.0 would report as a field.
//
// A Map keeps insertion order, which is the order Redis 7.0 replies in while the hash is a small
// "listpack". Past hash-max-listpack-entries fields, or a field or value longer than
// hash-max-listpack-value, Redis converts it (one way) to a hash table; the encoding is visible in
// OBJECT ENCODING, HSCAN (a listpack is returned whole), HRANDFIELD's order, DUMP and RDB files.
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

export class Hash extends Map<string, string> implements Indexed {
  /** Member index for random picks and HSCAN cursors (types/member-index.ts), built on first use. */
  index: MemberIndex | undefined = undefined;
  /** The encoding; undefined for a hash read from an RDB table encoding, until first asked. */
  private known: HashEncoding | undefined;

  /**
   * A hash of `entries`. Commands create an empty one as a listpack (Redis starts every hash
   * small); without an encoding (RDB loading) it is judged from its contents when first asked, as
   * loading it would.
   */
  constructor(encoding?: HashEncoding, entries?: Iterable<readonly [string, string]>) {
    super(entries);
    this.known = encoding;
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
    // One map operation: the field was new when the size grew.
    const size = this.size;
    this.set(field, value);
    const isNew = this.size !== size;
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
    return new Hash(this.known, this.entries());
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

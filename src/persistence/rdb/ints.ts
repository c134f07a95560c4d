// Recognising the strings Redis stores as integers (string2ll's canonical form: no '+', no
// leading zeros, no "-0", no spaces) straight from bytes, without building a string or a bigint
// on the hot path of writing a snapshot.
import { tryParseBigInt } from '../../protocol/numbers.js';

type Bytes = Uint8Array | string;

const at = (s: Bytes, i: number): number => (typeof s === 'string' ? s.charCodeAt(i) : s[i]!);

/** The value of a canonical integer of at most 15 characters (exact as a double), else undefined. */
function smallInt(s: Bytes, start = 0, end = s.length): number | undefined {
  const len = end - start;
  if (len <= 0 || len > 15) return undefined;
  let i = start;
  let neg = false;
  if (at(s, start) === 45 /* - */) {
    if (len === 1) return undefined;
    neg = true;
    i++;
  }
  const first = at(s, i);
  if (first === 48 /* 0 */) return len === 1 ? 0 : undefined;
  if (first < 49 || first > 57) return undefined;
  let v = 0;
  for (; i < end; i++) {
    const c = at(s, i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** A canonical integer that fits 32 bits (RDB's integer string encodings), else undefined. */
export function int32Of(s: Bytes): number | undefined {
  if (s.length > 11) return undefined;
  const v = smallInt(s);
  return v !== undefined && v >= -2147483648 && v <= 2147483647 ? v : undefined;
}

/**
 * A canonical 64-bit integer (listpack integer encodings): a number when exact, else a bigint.
 * `start` and `end` pick a range of s (a snapshot reads packed hashes from one scratch Buffer).
 */
export function int64Of(s: Bytes, start = 0, end = s.length): number | bigint | undefined {
  const len = end - start;
  if (len <= 15) return smallInt(s, start, end);
  if (len > 20) return undefined;
  const c = at(s, start);
  if (c !== 45 && (c < 49 || c > 57)) return undefined;
  return tryParseBigInt(typeof s === 'string' ? s.slice(start, end) : Buffer.from(s.buffer, s.byteOffset + start, len));
}

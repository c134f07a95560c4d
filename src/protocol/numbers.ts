// Number parsing and formatting with Redis's rules: strict integer syntax (no '+', no spaces, no
// leading zeros), 64-bit range, floats that reject NaN, and doubles printed like C's "%.17g".
import { Errors } from './errors.js';

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

/** True if `text` is a canonical signed 64-bit integer as Redis's string2ll accepts it. */
function isIntegerSyntax(text: string): boolean {
  const len = text.length;
  if (len === 0 || len > 20) return false;
  let i = 0;
  if (text.charCodeAt(0) === 45 /* - */) {
    if (len === 1) return false;
    i = 1;
  }
  const first = text.charCodeAt(i);
  if (first === 48 /* 0 */) return len === 1; // "0" only; "-0" and "01" are rejected
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parse a signed 64-bit integer exactly, or return undefined. */
export function tryParseBigInt(buf: Buffer | string): bigint | undefined {
  const text = typeof buf === 'string' ? buf : buf.toString('latin1');
  if (!isIntegerSyntax(text)) return undefined;
  const value = BigInt(text);
  if (value < MIN_I64 || value > MAX_I64) return undefined;
  return value;
}

/** Parse a signed 64-bit integer as a JS number (exact below 2^53), or return undefined. */
export function tryParseInteger(buf: Buffer | string): number | undefined {
  const text = typeof buf === 'string' ? buf : buf.toString('latin1');
  if (text.length < 16) {
    return isIntegerSyntax(text) ? Number(text) : undefined;
  }
  const big = tryParseBigInt(text);
  return big === undefined ? undefined : Number(big);
}

/** Integer argument; throws `ERR value is not an integer or out of range`. */
export function parseInteger(buf: Buffer | string): number {
  const value = tryParseInteger(buf);
  if (value === undefined) throw Errors.notInteger();
  return value;
}

/** Exact 64-bit integer argument; throws `ERR value is not an integer or out of range`. */
export function parseBigInt(buf: Buffer | string): bigint {
  const value = tryParseBigInt(buf);
  if (value === undefined) throw Errors.notInteger();
  return value;
}

export function isInt64(value: bigint): boolean {
  return value >= MIN_I64 && value <= MAX_I64;
}

/**
 * Parse a float the way Redis does (strtod on the whole string): accepts `inf`, `+inf`, `-inf`,
 * exponents, leading '+'; rejects NaN, empty strings and surrounding spaces.
 */
export function tryParseFloat(buf: Buffer | string): number | undefined {
  const text = typeof buf === 'string' ? buf : buf.toString('latin1');
  if (text.length === 0 || text.length > 5000) return undefined;
  const c0 = text.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return undefined;
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  // JS Number() accepts things strtod does not ("0x10" is accepted by both; "" and " " are not
  // reached here; "1_000" is rejected by both). Reject trailing spaces which Number() would trim.
  const last = text.charCodeAt(text.length - 1);
  if (last === 32 || (last >= 9 && last <= 13)) return undefined;
  if (/^[+-]?0[box]/i.test(text) && !/^[+-]?0x/i.test(text)) return undefined;
  const value = Number(text);
  if (Number.isNaN(value)) return undefined;
  return value;
}

/** Float argument; throws `ERR value is not a valid float`. */
export function parseFloat(buf: Buffer | string): number {
  const value = tryParseFloat(buf);
  if (value === undefined) throw Errors.notFloat();
  return value;
}

/** A double as C's printf("%.17g") prints it — what Redis 7.0 sends for scores and doubles. */
export function formatDouble(n: number): string {
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isNaN(n)) return 'nan';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  if (Number.isInteger(n) && Math.abs(n) < 1e17) return String(n);
  const [mantissa, expText] = n.toExponential(16).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const m = stripZeros(mantissa!);
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return stripZeros(n.toFixed(16 - exp));
}

function stripZeros(text: string): string {
  if (text.indexOf('.') === -1) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}

// Number parsing and formatting with Redis's rules: strict integer syntax (no '+', no spaces, no
// leading zeros), 64-bit range, floats that reject NaN, and doubles printed like C's "%.17g".
import { Errors } from './errors.js';
import { latin1String } from './latin1.js';

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

/**
 * isIntegerSyntax and the value in one pass, for text under 16 chars (exact in a double): INCR
 * and every integer argument take this path, and Number(text) would call into the runtime.
 */
function shortInteger(text: string): number | undefined {
  const len = text.length;
  if (len === 0) return undefined;
  let i = 0;
  let negative = false;
  if (text.charCodeAt(0) === 45 /* - */) {
    if (len === 1) return undefined;
    negative = true;
    i = 1;
  }
  // "0" only; "-0" and "01" are rejected, as string2ll does.
  if (text.charCodeAt(i) === 48 /* 0 */) return len === 1 ? 0 : undefined;
  let value = 0;
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  return negative ? -value : value;
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
  const text = typeof buf === 'string' ? buf : latin1String(buf);
  if (text.length < 16) return shortInteger(text);
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

// ---------------------------------------------------------------------------------------------
// INCRBYFLOAT / HINCRBYFLOAT arithmetic. Redis does these sums in C `long double` (x87 80-bit:
// a 64-bit mantissa) and prints the result with "%.17Lf" minus trailing zeros, which is why
// 0.1 + 0.2 gives "0.3" there while a JS double would print 0.30000000000000004. We reproduce
// that exactly with BigInt: a value is mant × 2^exp with |mant| < 2^64, every operation is done
// exactly and then rounded to 64 significant bits (round half to even, as the FPU does).

/** A finite 80-bit extended value (mant = 0n is zero), or an infinity. */
export type LongDouble = { mant: bigint; exp: number } | { inf: 1 | -1 };

const LD_BITS = 64;
/** Largest finite extended value is just under 2^16384; the smallest subnormal is 2^-16445. */
const LD_MAX_EXP = 16384;
const LD_MIN_EXP = -16445;
/** string2ld refuses strings this long (MAX_LONG_DOUBLE_CHARS). */
const LD_MAX_CHARS = 5 * 1024;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Round the exact value num / den × 2^exp (num, den > 0) to a 64-bit mantissa. */
function roundRatio(negative: boolean, num: bigint, den: bigint, exp: number): LongDouble {
  // Choose a shift so that the quotient has 64 or 65 bits, then round off the extra.
  let shift = LD_BITS + 1 - (bitLength(num) - bitLength(den));
  let q: bigint;
  let r: bigint;
  for (;;) {
    const n = shift >= 0 ? num << BigInt(shift) : num;
    const d = shift >= 0 ? den : den << BigInt(-shift);
    q = n / d;
    r = n % d;
    const bits = bitLength(q);
    if (bits > LD_BITS + 1) shift--;
    else if (bits < LD_BITS + 1) shift++;
    else {
      // q has 65 bits: drop one, rounding half to even with the remainder as sticky bits.
      const low = q & 1n;
      q >>= 1n;
      const half = low === 1n;
      const sticky = r !== 0n;
      if (half && (sticky || (q & 1n) === 1n)) q += 1n;
      shift -= 1;
      if (bitLength(q) > LD_BITS) {
        q >>= 1n;
        shift -= 1;
      }
      break;
    }
  }
  const e = exp - shift;
  if (e + LD_BITS > LD_MAX_EXP) return { inf: negative ? -1 : 1 };
  if (e < LD_MIN_EXP) return { mant: 0n, exp: 0 };
  return { mant: negative ? -q : q, exp: e };
}

function fromExact(value: bigint, exp: number): LongDouble {
  if (value === 0n) return { mant: 0n, exp: 0 };
  const negative = value < 0n;
  return roundRatio(negative, negative ? -value : value, 1n, exp);
}

/**
 * Parse like Redis's string2ld (strtold over the whole string): decimal or hex floats, inf;
 * rejects NaN, surrounding spaces, and values that overflow or underflow to zero.
 */
export function parseLongDouble(buf: Buffer | string): LongDouble | undefined {
  const text = typeof buf === 'string' ? buf : buf.toString('latin1');
  if (text.length === 0 || text.length >= LD_MAX_CHARS) return undefined;
  const lower = text.toLowerCase();
  const sign = lower[0] === '-' ? -1 : 1;
  const body = lower[0] === '-' || lower[0] === '+' ? lower.slice(1) : lower;
  if (body === 'inf' || body === 'infinity') return { inf: sign };
  let m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(body);
  if (m !== null && body.startsWith('0x') === false) {
    const intPart = m[1]!;
    const frac = m[2] ?? '';
    if (intPart.length + frac.length === 0) return undefined;
    const digits = BigInt(intPart + frac || '0');
    const expText = m[3];
    // Exponents beyond what any long double can reach are decided without building huge numbers.
    const e10 = (expText === undefined ? 0 : Number(expText)) - frac.length;
    if (digits === 0n) return { mant: 0n, exp: 0 };
    const magnitude = e10 + (intPart + frac).replace(/^0+/, '').length;
    if (magnitude > 4940) return undefined; // overflow: ERANGE
    if (magnitude < -4960) return undefined; // underflow to zero: ERANGE
    const result =
      e10 >= 0 ? roundRatio(sign < 0, digits * 10n ** BigInt(e10), 1n, 0) : roundRatio(sign < 0, digits, 10n ** BigInt(-e10), 0);
    if ('inf' in result || result.mant === 0n) return undefined;
    return result;
  }
  m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(body);
  if (m !== null) {
    const intPart = m[1]!;
    const frac = m[2] ?? '';
    if (intPart.length + frac.length === 0) return undefined;
    const digits = BigInt('0x' + (intPart + frac || '0'));
    if (digits === 0n) return { mant: 0n, exp: 0 };
    const e2 = (m[3] === undefined ? 0 : Number(m[3])) - 4 * frac.length;
    if (e2 + bitLength(digits) > LD_MAX_EXP + 1 || e2 + bitLength(digits) < LD_MIN_EXP) return undefined;
    const result = roundRatio(sign < 0, digits, 1n, e2);
    if ('inf' in result || result.mant === 0n) return undefined;
    return result;
  }
  return undefined;
}

/** a + b rounded to long double; NaN (inf - inf) is reported as undefined. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | undefined {
  if ('inf' in a || 'inf' in b) {
    if ('inf' in a && 'inf' in b && a.inf !== b.inf) return undefined;
    return 'inf' in a ? a : b;
  }
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const exp = Math.min(a.exp, b.exp);
  // Aligning exponents far apart would build huge numbers; the smaller operand then only
  // matters as a sticky bit, which one extra low bit below the larger's precision captures.
  if (Math.abs(a.exp - b.exp) > 2 * LD_BITS + 4) {
    const [big, small] = a.exp > b.exp ? [a, b] : [b, a];
    const shifted = big.mant << BigInt(LD_BITS + 2);
    const nudge = small.mant > 0n ? 1n : -1n;
    return fromExact(shifted + nudge, big.exp - (LD_BITS + 2));
  }
  const sum = (a.mant << BigInt(a.exp - exp)) + (b.mant << BigInt(b.exp - exp));
  return fromExact(sum, exp);
}

/** "%.17Lf" with trailing zeros (and a bare '.') removed, "-0" printed as "0" — Redis's output. */
export function formatLongDouble(x: LongDouble): string {
  if ('inf' in x) return x.inf > 0 ? 'inf' : '-inf';
  if (x.mant === 0n) return '0';
  const negative = x.mant < 0n;
  const mant = negative ? -x.mant : x.mant;
  const scale = 10n ** 17n;
  let fixed: bigint;
  if (x.exp >= 0) fixed = (mant << BigInt(x.exp)) * scale;
  else {
    const num = mant * scale;
    const den = 1n << BigInt(-x.exp);
    fixed = num / den;
    const rem = num % den;
    const twice = rem * 2n;
    if (twice > den || (twice === den && (fixed & 1n) === 1n)) fixed += 1n;
  }
  const digits = fixed.toString().padStart(18, '0');
  let text = `${digits.slice(0, -17)}.${digits.slice(-17)}`;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  text = text.slice(0, end);
  if (text === '0') return '0';
  return negative ? `-${text}` : text;
}

/**
 * A blocking timeout in seconds (BLPOP, BZPOPMIN, ...) → milliseconds; 0 waits forever. Redis
 * computes seconds × 1000 in long double and rounds up (ceill) to a 64-bit integer: a positive
 * fraction of a millisecond becomes 1 ms, "-0.001" (just above -1 ms) becomes 0, i.e. forever,
 * and out-of-range values wrap negative.
 */
export function parseTimeout(buf: Buffer): number {
  const seconds = parseLongDouble(buf);
  if (seconds === undefined) throw Errors.timeoutNotFloat();
  if ('inf' in seconds) throw Errors.timeoutNegative();
  const negative = seconds.mant < 0n;
  let mant = (negative ? -seconds.mant : seconds.mant) * 1000n;
  let exp = seconds.exp;
  // Round the product to the 64-bit mantissa (half to even), as the FPU does.
  const excess = mant.toString(2).length - 64;
  if (excess > 0) {
    const rest = mant & ((1n << BigInt(excess)) - 1n);
    const half = 1n << BigInt(excess - 1);
    mant >>= BigInt(excess);
    if (rest > half || (rest === half && (mant & 1n) === 1n)) mant += 1n;
    exp += excess;
  }
  let whole = exp >= 0 ? mant << BigInt(exp) : mant >> BigInt(-exp);
  // Ceiling: a positive value with a fractional part rounds up; a negative one rounds toward 0.
  if (!negative && exp < 0 && (mant & ((1n << BigInt(-exp)) - 1n)) !== 0n) whole += 1n;
  if (whole === 0n) return 0;
  if (negative || whole >= 2n ** 63n) throw Errors.timeoutNegative();
  return Number(whole);
}

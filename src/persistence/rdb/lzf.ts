// LZF, the compressor Redis uses for strings in RDB files, compatible with liblzf 3.6 as Redis
// builds it (HLOG 16, VERY_FAST): the same output bytes for the same input, so payloads compare
// byte for byte with redis-server's.
//
// Format: a control byte `000LLLLL` starts a literal run of L+1 bytes; `LLLooooo oooooooo` is a
// back reference of L+2 bytes (L = 7 means a length byte follows: 9 + that byte) at distance
// o+1 behind the output position.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

// The hash table of last positions. A slot counts only when its stamp is the current call's
// generation, so each call starts with an empty table without clearing 64K slots (which would
// dominate the cost of compressing the many short strings of an RDB file).
const table = new Int32Array(HSIZE);
const stamps = new Uint32Array(HSIZE);
let generation = 0;

// liblzf keeps the rolling hash in an unsigned int without masking it to three bytes.
const idx = (h: number): number => ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);

/**
 * Compress `input` into at most `maxOut` bytes. Returns undefined when the result would not fit
 * (Redis then stores the string uncompressed) or when the input is empty.
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | undefined {
  if (maxOut <= 0) return undefined;
  const out = Buffer.allocUnsafe(maxOut + 3);
  const n = lzfCompressInto(input, maxOut, out);
  return n === 0 ? undefined : Buffer.from(out.subarray(0, n));
}

/**
 * Compress into `out` (at least maxOut + 3 bytes long): returns the compressed length, or 0 when
 * it would exceed maxOut or the input is empty. Writing a snapshot reuses one scratch buffer (for
 * the output, and for a latin1 input: then only its first `inLen` bytes are the input).
 */
export function lzfCompressInto(input: Uint8Array, maxOut: number, out: Buffer, inLen = input.length): number {
  if (inLen === 0 || maxOut <= 0) return 0;
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    stamps.fill(0);
    generation = 1;
  }
  const outEnd = maxOut;
  let ip = 0;
  let op = 1; // room for the first literal run's control byte
  let lit = 0;
  let hval = (input[0]! << 8) | (inLen > 1 ? input[1]! : 0);

  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]!) >>> 0;
    const slot = idx(hval);
    // liblzf's "ref > in_data" test: a match at position 0 is never used.
    const ref = stamps[slot] === generation ? table[slot]! : -1;
    table[slot] = ip;
    stamps[slot] = generation;
    let off: number;
    if (
      ref > 0 &&
      (off = ip - ref - 1) >= 0 &&
      off < MAX_OFF &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd) {
        if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      }
      out[op - lit - 1] = lit - 1;
      op -= lit === 0 ? 1 : 0;
      // liblzf's unrolled loop makes 16 comparisons before it looks at maxlen, so a match can run
      // past maxlen to the end of the input; the output depends on it.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2;
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len + 1;
      if (ip >= inLen - 2) break;
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      let h = idx(hval);
      table[h] = ip;
      stamps[h] = generation;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      h = idx(hval);
      table[h] = ip;
      stamps[h] = generation;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  op -= lit === 0 ? 1 : 0;
  return op;
}

/** Decompress into exactly `outLen` bytes; returns undefined for malformed input. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const inLen = input.length;
  while (ip < inLen) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > inLen) return undefined;
      for (let i = 0; i < ctrl; i++) out[op++] = input[ip++]!;
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= inLen) return undefined;
        len += input[ip++]!;
      }
      if (ip >= inLen) return undefined;
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLen || ref < 0) return undefined;
      for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
    }
  }
  return op === outLen ? out : undefined;
}

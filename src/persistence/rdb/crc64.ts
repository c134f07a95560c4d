// CRC-64 as Redis computes it for RDB files and DUMP payloads: the Jones polynomial
// (0xad93d23594c935a9), reflected input and output, initial value 0, no final xor.
// crc64("123456789") = 0xe9c6d914c4b8d9ca.
//
// The 64-bit register is kept as two 32-bit halves so the byte loop never allocates a bigint.

const REFLECTED_POLY_HI = 0x95ac9329;
const REFLECTED_POLY_LO = 0xac4bc9b5;

// Slicing by 8: TABLE_*[k * 256 + n] is the CRC of byte n followed by k zero bytes, so eight
// input bytes take eight lookups instead of eight dependent steps (a load checks every byte).
const TABLE_HI = new Uint32Array(8 * 256);
const TABLE_LO = new Uint32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ REFLECTED_POLY_HI) >>> 0;
      lo = (lo ^ REFLECTED_POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}
for (let k = 1; k < 8; k++) {
  for (let n = 0; n < 256; n++) {
    const hi = TABLE_HI[(k - 1) * 256 + n]!;
    const lo = TABLE_LO[(k - 1) * 256 + n]!;
    const idx = lo & 0xff;
    TABLE_LO[k * 256 + n] = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!) >>> 0;
    TABLE_HI[k * 256 + n] = ((hi >>> 8) ^ TABLE_HI[idx]!) >>> 0;
  }
}

/**
 * The register between crcBytes() calls: [hi, lo]. A function of its own over this scratch, not a
 * method: a load calls update() once per slice of megabytes, so the loop ran as on-stack-replaced
 * code compiled before the tail had feedback, which then deoptimized at the end of every call
 * (back to baseline code at ~19 instructions a byte instead of ~4).
 */
const register = new Uint32Array(2);

function crcBytes(data: Uint8Array, start: number, end: number): void {
  let hi = register[0]!;
  let lo = register[1]!;
  let i = start;
  const T_HI = TABLE_HI;
  const T_LO = TABLE_LO;
  for (const last8 = end - 8; i <= last8; i += 8) {
    const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
    const i7 = 7 * 256 + (a & 0xff);
    const i6 = 6 * 256 + ((a >>> 8) & 0xff);
    const i5 = 5 * 256 + ((a >>> 16) & 0xff);
    const i4 = 4 * 256 + (a >>> 24);
    const i3 = 3 * 256 + (b & 0xff);
    const i2 = 2 * 256 + ((b >>> 8) & 0xff);
    const i1 = 256 + ((b >>> 16) & 0xff);
    const i0 = b >>> 24;
    lo = T_LO[i7]! ^ T_LO[i6]! ^ T_LO[i5]! ^ T_LO[i4]! ^ T_LO[i3]! ^ T_LO[i2]! ^ T_LO[i1]! ^ T_LO[i0]!;
    hi = T_HI[i7]! ^ T_HI[i6]! ^ T_HI[i5]! ^ T_HI[i4]! ^ T_HI[i3]! ^ T_HI[i2]! ^ T_HI[i1]! ^ T_HI[i0]!;
  }
  for (; i < end; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx]!;
    hi = (hi >>> 8) ^ T_HI[idx]!;
  }
  register[0] = hi;
  register[1] = lo;
}

// Every path of the loop runs before a real input, on enough calls that V8 keeps their type
// feedback (it allocates a function's feedback lazily, after a few calls): the first large
// input's optimized code then covers the whole function.
for (let i = 0, warm = Buffer.alloc(17); i < 16; i++) crcBytes(warm, 0, 17);
register[0] = register[1] = 0;

/** An incremental CRC-64; feed bytes with update(), read the result with digest(). */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(data: Uint8Array, start = 0, end = data.length): this {
    register[0] = this.hi;
    register[1] = this.lo;
    crcBytes(data, start, end);
    this.hi = register[0]!;
    this.lo = register[1]!;
    return this;
  }

  /** The 8 bytes Redis writes: the CRC as a little-endian unsigned 64-bit number. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  return new Crc64().update(data, start, end).value;
}

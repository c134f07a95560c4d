// The append-only file's bytes for one event-loop turn: commands encoded as RESP multibulk
// straight into one reused buffer, so that logging a write costs no allocation (encodeCommand made
// a Buffer per command and a concatenation per turn: ~0.6 µs of a SET's ~16 under
// `appendfsync always`). Grows as a turn needs; a buffer grown past SHRINK_ABOVE for one big turn is
// dropped once that turn is written.

const INITIAL = 64 * 1024;
const SHRINK_ABOVE = 1024 * 1024;

export class CommandBuffer {
  private buf = Buffer.allocUnsafe(INITIAL);
  private used = 0;

  get length(): number {
    return this.used;
  }

  /** `*<argc>\r\n` then `$<len>\r\n<arg>\r\n` per argument. */
  append(argv: readonly Buffer[]): void {
    let size = 16;
    for (let i = 0; i < argv.length; i++) size += argv[i]!.length + 16;
    this.reserve(size);
    const buf = this.buf;
    let at = this.used;
    buf[at++] = 42; // '*'
    at = writeDecimal(buf, at, argv.length);
    buf[at++] = 13;
    buf[at++] = 10;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      buf[at++] = 36; // '$'
      at = writeDecimal(buf, at, arg.length);
      buf[at++] = 13;
      buf[at++] = 10;
      at += arg.copy(buf, at);
      buf[at++] = 13;
      buf[at++] = 10;
    }
    this.used = at;
  }

  /** Bytes as they are (an annotation such as `#TS:...`). */
  appendRaw(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.used += bytes.copy(this.buf, this.used);
  }

  /** What was appended since the last reset; valid until the next append or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  reset(): void {
    this.used = 0;
    if (this.buf.length > SHRINK_ABOVE) this.buf = Buffer.allocUnsafe(INITIAL);
  }

  private reserve(size: number): void {
    if (this.used + size <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + size));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }
}

/** Non-negative integer `n` in ASCII decimal at `at`; returns the offset after it. */
function writeDecimal(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n < 100) {
    buf[at] = 48 + ((n / 10) | 0);
    buf[at + 1] = 48 + (n % 10);
    return at + 2;
  }
  const s = String(n);
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
}

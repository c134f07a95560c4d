// Incremental RESP request parser: multibulk (`*N\r\n$L\r\n...`) and inline commands, any
// pipelining depth, input split at any byte. Pull-style so the connection can stop reading
// commands while its client is blocked (BLPOP) and resume later with the rest of the buffer.
//
// Arguments are views into the received bytes (no copy on the hot path); a handler that stores an
// argument must copy it. The command name is the exception: a small copy shared by consecutive
// commands with the same name (never written to).

const CR = 13;
const LF = 10;
const INLINE_MAX = 64 * 1024;
const MAX_MULTIBULK = 2 ** 31 - 1;
const UNAUTH_MAX_MULTIBULK = 10;
const UNAUTH_MAX_BULK = 16384;
/** Above this size a bulk argument is collected in its own buffer instead of re-concatenating. */
const BIG_BULK = 32 * 1024;
/** What one parsed argument costs beyond its bytes (a Buffer view object), for the query limit. */
const ARG_OVERHEAD = 64;
/** First allocation for a large bulk; it doubles as data arrives. */
const BIG_BULK_START = 1024 * 1024;

/** Multibulk counts up to this get an array of their size at the header. */
const PRESIZED_MAX = 16;

/** Command names up to this length are shared between commands (see commandName). */
const NAME_MAX = 32;

/**
 * Node's own Buffer class (Buffer[Symbol.species]): `new ArgView(arrayBuffer, offset, length)` is
 * what Buffer.from(arrayBuffer, offset, length) ends in, without its argument checks (a call
 * into C++ to test for an ArrayBuffer, a byteLength read); the views have the same hidden class.
 */
const ArgView = (Buffer as unknown as { [Symbol.species]: new (bytes: ArrayBufferLike, offset: number, length: number) => Buffer })[Symbol.species];

export class ProtocolError extends Error {}

export interface ParserLimits {
  maxBulkLen: number;
  maxQueryBuffer: number;
}

/** The connection's auth state, read (not copied) by the parser: one flag, owned by the client. */
export interface ParserSession {
  readonly authenticated: boolean;
}

const ALWAYS_AUTHENTICATED: ParserSession = { authenticated: true };

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  /**
   * `buf`'s ArrayBuffer and offset in it, read once per received chunk: an argument view is made
   * from them (ArgView), which skips subarray()'s read of `.buffer` (a call into C++ for every
   * view) and costs ~20 ns less per argument.
   */
  private bufBytes: ArrayBufferLike = this.buf.buffer;
  private bufOffset = this.buf.byteOffset;
  private pos = 0;
  /** Arguments still expected in the current multibulk; 0 when between commands. */
  private remaining = 0;
  private argv: Buffer[] = [];
  /** Arguments of the current multibulk read so far. */
  private argc = 0;
  /**
   * Memory held by the arguments of a command still being received: counted with the unread
   * bytes against client-query-buffer-limit, so `*<huge>` followed by endless small arguments
   * cannot grow without bound.
   */
  private argvBytes = 0;
  /** Length of the bulk argument whose header was read; -1 when expecting a header. */
  private bulkLen = -1;
  /**
   * A large bulk being collected in its own buffer, grown as bytes arrive (to at most
   * `bigSize`, the announced length + CRLF): a header alone does not reserve 512 MB.
   */
  private big: Buffer | undefined;
  private bigFilled = 0;
  private bigSize = 0;
  /** The last command name read (see commandName). */
  private lastName: Buffer = Buffer.alloc(0);

  /**
   * `session.authenticated` false means the client still needs to authenticate: tighter limits.
   * It is read only when a request is over those limits, so the common path never looks.
   */
  constructor(
    readonly limits: ParserLimits,
    private readonly session: ParserSession = ALWAYS_AUTHENTICATED,
  ) {}

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.pos + this.bigFilled;
  }

  /**
   * Bytes a large bulk argument still announces and has not received. Redis allocates a big
   * argument's whole length when it reads the header (CLIENT LIST's qbuf-free, counted in tot-mem
   * and by maxmemory-clients); Tidings grows the buffer as bytes arrive but counts it the same.
   */
  get announced(): number {
    return this.big !== undefined ? this.bigSize - this.bigFilled : 0;
  }

  /** Memory held by the arguments already read of a command not complete yet. */
  get partialArgBytes(): number {
    return this.argvBytes;
  }

  /** The bytes of the arguments already read of a command not complete yet (CLIENT LIST's argv-mem). */
  get partialArgLength(): number {
    if (this.remaining === 0) return 0;
    let n = 0;
    for (let i = 0; i < this.argc; i++) n += this.argv[i]!.length;
    return n;
  }

  /** Memory the client's input holds: unread bytes and the arguments of a command not complete yet. */
  get heldBytes(): number {
    return this.buf.length - this.pos + this.bigFilled + this.argvBytes;
  }

  push(chunk: Buffer): void {
    if (this.big !== undefined) {
      // Fill the large bulk directly; whatever follows it goes to the normal buffer.
      const need = this.bigSize - this.bigFilled;
      const take = Math.min(need, chunk.length);
      if (this.bigFilled + take > this.big.length) {
        const grown = Buffer.allocUnsafe(Math.min(this.bigSize, Math.max(this.big.length * 2, this.bigFilled + take)));
        this.big.copy(grown, 0, 0, this.bigFilled);
        this.big = grown;
      }
      chunk.copy(this.big, this.bigFilled, 0, take);
      this.bigFilled += take;
      if (this.bigFilled + this.argvBytes > this.limits.maxQueryBuffer) throw new ProtocolError('query buffer limit');
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.bufBytes = this.buf.buffer;
    this.bufOffset = this.buf.byteOffset;
    this.pos = 0;
    if (this.buf.length + this.argvBytes > this.limits.maxQueryBuffer) {
      throw new ProtocolError('query buffer limit');
    }
  }

  /** The next complete command, or undefined if more bytes are needed. Throws ProtocolError. */
  next(): Buffer[] | undefined {
    for (;;) {
      if (this.remaining === 0) {
        if (this.pos >= this.buf.length) return undefined;
        if (this.buf[this.pos] !== 42 /* * */) {
          const inline = this.parseInline();
          if (inline === undefined) return undefined;
          if (inline.length === 0) continue;
          return inline;
        }
        const count = this.readHeaderNumber(INLINE_MAX, 'too big mbulk count string');
        if (count === undefined) return undefined;
        if (count > MAX_MULTIBULK) throw new ProtocolError('Protocol error: invalid multibulk length');
        if (count > UNAUTH_MAX_MULTIBULK && !this.session.authenticated) {
          throw new ProtocolError('Protocol error: unauthenticated multibulk length');
        }
        if (count <= 0) continue; // `*0` and `*-1` are empty commands, ignored as Redis does
        this.remaining = count;
        // A small command's array is made at its size: pushing onto [] would grow it to 17 slots
        // (a builtin call); a large count is not trusted with an allocation before its arguments.
        this.argv = count <= PRESIZED_MAX ? new Array<Buffer>(count) : [];
        this.argc = 0;
        this.argvBytes = 0;
      }
      while (this.remaining > 0) {
        if (this.big !== undefined) {
          if (this.bigFilled < this.bigSize) return undefined;
          this.argv[this.argc++] = this.big.subarray(0, this.bigSize - 2);
          this.argvBytes += this.bigSize + ARG_OVERHEAD;
          this.big = undefined;
          this.bigFilled = 0;
          this.bigSize = 0;
          this.remaining--;
          continue;
        }
        if (this.bulkLen === -1) {
          if (this.pos >= this.buf.length) return undefined;
          const c = this.buf[this.pos]!;
          if (c !== 36 /* $ */) {
            throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
          }
          const len = this.readHeaderNumber(INLINE_MAX, 'too big bulk count string');
          if (len === undefined) return undefined;
          if (len < 0 || len > this.limits.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
          if (len > UNAUTH_MAX_BULK && !this.session.authenticated) {
            throw new ProtocolError('Protocol error: unauthenticated bulk length');
          }
          this.bulkLen = len;
          const available = this.buf.length - this.pos;
          if (len >= BIG_BULK && available < len + 2) {
            // Collect it in one buffer of the right size: no repeated concatenation.
            this.bigSize = len + 2;
            this.big = Buffer.allocUnsafe(Math.min(this.bigSize, Math.max(BIG_BULK_START, available * 2)));
            this.buf.copy(this.big, 0, this.pos);
            this.bigFilled = available;
            this.buf = Buffer.alloc(0);
            this.bufBytes = this.buf.buffer;
            this.bufOffset = 0;
            this.pos = 0;
            this.bulkLen = -1;
            continue;
          }
        }
        const end = this.pos + this.bulkLen;
        if (end + 2 > this.buf.length) return undefined;
        // The index is read before the test: `argv[argc++] = argc === 0 ? ...` would test the
        // incremented count, and no name would ever be shared.
        const index = this.argc++;
        this.argv[index] =
          index === 0 && this.bulkLen <= NAME_MAX ? this.commandName(this.pos, this.bulkLen) : new ArgView(this.bufBytes, this.bufOffset + this.pos, this.bulkLen);
        this.argvBytes += this.bulkLen + ARG_OVERHEAD;
        this.pos = end + 2;
        this.bulkLen = -1;
        this.remaining--;
      }
      // The next multibulk header starts a fresh array; no need to allocate one here.
      this.argvBytes = 0;
      return this.argv;
    }
  }

  /**
   * A command name's bytes: the previous command's name Buffer again when the bytes are the same
   * (pipelines repeat one command), else a copy that becomes the one remembered. Comparing a few
   * bytes costs less than making a view; the copy, unlike a view, holds no received chunk alive.
   */
  private commandName(pos: number, len: number): Buffer {
    const last = this.lastName;
    const buf = this.buf;
    if (last.length === len) {
      let i = 0;
      while (i < len && buf[pos + i] === last[i]) i++;
      if (i === len) return last;
    }
    const name = Buffer.from(buf.subarray(pos, pos + len));
    this.lastName = name;
    return name;
  }

  /** Read `<prefix><integer>\r\n` at pos; undefined if the line is incomplete. */
  private readHeaderNumber(maxLine: number, tooBig: string): number | undefined {
    // Fast path for the common shape, a few digits then CRLF, all present: no search, no call.
    const buf = this.buf;
    const len = buf.length;
    let i = this.pos + 1;
    let value = 0;
    const first = i;
    for (; i < len && i - first < 15; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    if (i > first && i + 1 < len && buf[i] === CR && buf[i + 1] === LF) {
      this.pos = i + 2;
      return value;
    }
    return this.readHeaderNumberSlow(maxLine, tooBig);
  }

  private readHeaderNumberSlow(maxLine: number, tooBig: string): number | undefined {
    const buf = this.buf;
    const lf = buf.indexOf(LF, this.pos);
    if (lf === -1) {
      if (buf.length - this.pos > maxLine) throw new ProtocolError(`Protocol error: ${tooBig}`);
      return undefined;
    }
    const lineEnd = lf > this.pos && buf[lf - 1] === CR ? lf - 1 : lf;
    const isBulk = buf[this.pos] === 36;
    let i = this.pos + 1;
    let negative = false;
    if (buf[i] === 45 /* - */) {
      negative = true;
      i++;
    }
    let value = 0;
    let digits = 0;
    for (; i < lineEnd; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57 || digits > 18) {
        digits = -1;
        break;
      }
      value = value * 10 + (c - 48);
      digits++;
    }
    if (digits <= 0 || lf !== lineEnd + 1) {
      throw new ProtocolError(isBulk ? 'Protocol error: invalid bulk length' : 'Protocol error: invalid multibulk length');
    }
    this.pos = lf + 1;
    return negative ? -value : value;
  }

  /** Parse one inline command line (telnet, redis-cli's inline mode). */
  private parseInline(): Buffer[] | undefined {
    const lf = this.buf.indexOf(LF, this.pos);
    // The line is refused by its length, not by how it was read: a 100 KiB line that arrives in
    // one read is as much too big as one that trickles in. (Redis reads 16 KiB at a time, so it
    // only notices past 80 KiB when the line arrives at once; we hold the documented 64 KiB.)
    if (lf === -1 ? this.buf.length - this.pos > INLINE_MAX : lf - this.pos > INLINE_MAX) {
      throw new ProtocolError('Protocol error: too big inline request');
    }
    if (lf === -1) return undefined;
    let end = lf;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const line = this.buf.subarray(this.pos, end);
    this.pos = lf + 1;
    const plain = splitPlainInline(line);
    if (plain !== undefined) return plain;
    const args = splitInlineArgs(line);
    if (args === undefined) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return args;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Inline line without quotes or backslashes: arguments are views split on whitespace. */
function splitPlainInline(line: Buffer): Buffer[] | undefined {
  const n = line.length;
  const args: Buffer[] = [];
  let i = 0;
  while (i < n) {
    let c = line[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    for (; i < n; i++) {
      c = line[i]!;
      if (c === 34 || c === 39 || c === 92) return undefined;
      if (isSpace(c)) break;
    }
    args.push(line.subarray(start, i));
  }
  return args;
}

/**
 * Split an inline command into arguments like redis-cli: spaces separate, "double quotes" allow
 * escapes (\n \r \t \b \a \\ \" \xHH), 'single quotes' allow only \'. A closing quote must be
 * followed by a space or the end. Returns undefined on unbalanced quotes.
 */
export function splitInlineArgs(line: Buffer): Buffer[] | undefined {
  const args: Buffer[] = [];
  let i = 0;
  const n = line.length;
  while (true) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n) return args;
    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return undefined;
        if (c === 92 /* \ */ && line[i + 1] === 120 /* x */ && hexValue(line[i + 2] ?? 0) >= 0 && hexValue(line[i + 3] ?? 0) >= 0) {
          bytes.push(hexValue(line[i + 2]!) * 16 + hexValue(line[i + 3]!));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          const e = line[i]!;
          bytes.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34 /* " */) {
          if (i + 1 < n && !isSpace(line[i + 1]!)) return undefined;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (inSingle) {
        if (c === undefined) return undefined;
        if (c === 92 && line[i + 1] === 39) {
          i++;
          bytes.push(39);
        } else if (c === 39 /* ' */) {
          if (i + 1 < n && !isSpace(line[i + 1]!)) return undefined;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (c === undefined || isSpace(c)) {
        done = true;
      } else if (c === 34) {
        inDouble = true;
      } else if (c === 39) {
        inSingle = true;
      } else {
        bytes.push(c);
      }
      if (i < n) i++;
    }
    args.push(Buffer.from(bytes));
  }
}

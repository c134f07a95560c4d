// Reply encoding into a per-connection output buffer, RESP2 or RESP3.
//
// OutputBuffer is a bump allocator over a scratch Buffer: small replies are encoded straight into
// it; large payloads (and pre-encoded shared pub/sub frames) are queued by reference, not copied.
// Bytes already handed to the socket are never overwritten: a full scratch is replaced, not reused.
import {
  BigNumber,
  BoolReply,
  Double,
  Latin1,
  MapReply,
  PushReply,
  RawReply,
  ReplyError,
  SetReply,
  Status,
  Verbatim,
  type Reply,
} from './reply.js';
import { formatDouble } from './numbers.js';

const SCRATCH_SIZE = 64 * 1024;
/** A connection's reply buffer starts at this size (Redis's PROTO_REPLY_CHUNK_BYTES: 16 KB). */
export const REPLY_BUFFER_SIZE = 16 * 1024;
/** The server's cron never shrinks a reply buffer below this (Redis's PROTO_REPLY_MIN_BYTES). */
export const REPLY_BUFFER_MIN = 1024;
/** How often the cron forgets a reply buffer's peak by default (Redis's, in ms). */
export const REPLY_BUFFER_PEAK_RESET_MS = 5000;
/** Payloads at least this big are queued by reference instead of copied into the scratch. */
const COPY_LIMIT = 2048;

/**
 * Counts the moments a Buffer may have been kept by reference beyond the current command: a payload
 * queued to a connection by reference (below), a walk over a whole database (snapshots, AOF
 * rewrite: Database.view()/entries()). A stored value edited in place (SETRANGE, APPEND) is edited
 * only if it was made at the current epoch, so no queued reply or snapshot can see the edit.
 */
export const exposure = { epoch: 0 };

export class OutputBuffer {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private scratch: Buffer;
  private start = 0;
  private pos = 0;
  /** Every queued chunk came from shared() (pre-encoded frames queued by reference). */
  private onlyShared = true;
  /**
   * The size new scratch areas get. For a connection this is Redis's reply buffer (CLIENT LIST
   * rbs), which the server's cron shrinks for idle clients and grows for busy ones.
   */
  capacity: number;
  /** The most one take() found queued since the last peak reset, up to capacity (CLIENT LIST rbp). */
  peak: number;
  /** When the cron last reset `peak` (Date.now() ms). */
  peakResetAt = Date.now();

  constructor(capacity = SCRATCH_SIZE) {
    this.capacity = capacity;
    this.peak = capacity;
    this.scratch = Buffer.allocUnsafe(capacity);
  }

  /** A new capacity, applied at once when nothing is queued, else at the next scratch area. */
  resize(capacity: number): void {
    this.capacity = capacity;
    if (this.chunks.length === 0 && this.pos === this.start) {
      this.scratch = Buffer.allocUnsafe(capacity);
      this.start = 0;
      this.pos = 0;
    }
  }

  /** Memory this buffer holds: its scratch area and the chunks queued (CLIENT LIST's tot-mem). */
  get allocated(): number {
    return this.scratch.length + this.chunkBytes;
  }

  /** Bytes queued and not yet taken. */
  get size(): number {
    return this.chunkBytes + (this.pos - this.start);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.scratch.length) return;
    this.sealScratch();
    this.scratch = Buffer.allocUnsafe(Math.max(this.capacity, n));
    this.start = 0;
    this.pos = 0;
  }

  private sealScratch(): void {
    if (this.pos > this.start) {
      this.onlyShared = false;
      this.chunks.push(this.scratch.subarray(this.start, this.pos));
      this.chunkBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** ASCII text (protocol framing, numbers, status strings), or any latin1 text: a byte per char. */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    if (n <= 32) {
      // Short framing strings: a byte loop beats Buffer#write's argument handling.
      const scratch = this.scratch;
      let pos = this.pos;
      for (let i = 0; i < n; i++) scratch[pos++] = text.charCodeAt(i);
      this.pos = pos;
      return;
    }
    this.pos += this.scratch.write(text, this.pos, 'latin1');
  }

  /** `<prefix><integer>\r\n` for a safe integer (reply integers, lengths), without a string. */
  line(prefix: number, value: number): void {
    if (value < 0 || value > 0xffffffff || !Number.isInteger(value)) {
      this.ascii(`${String.fromCharCode(prefix)}${value}\r\n`);
      return;
    }
    this.ensure(13);
    this.pos = putLine(this.scratch, this.pos, prefix, value);
  }

  utf8(text: string): void {
    const len = Buffer.byteLength(text);
    this.ensure(len);
    this.pos += this.scratch.write(text, this.pos, 'utf8');
  }

  bytes(data: Buffer): void {
    if (data.length >= COPY_LIMIT) {
      exposure.epoch++;
      this.sealScratch();
      this.chunks.push(data);
      this.chunkBytes += data.length;
      return;
    }
    const n = data.length;
    this.ensure(n);
    if (n <= 32) {
      const scratch = this.scratch;
      let pos = this.pos;
      for (let i = 0; i < n; i++) scratch[pos++] = data[i]!;
      this.pos = pos;
      return;
    }
    data.copy(this.scratch, this.pos);
    this.pos += n;
  }

  /**
   * Queue a pre-encoded frame shared by many connections (pub/sub), by reference. When a turn's
   * output consists only of such frames, connections receiving the same frames can share one
   * concatenated buffer (see takeShared).
   */
  shared(frame: Buffer): void {
    this.sealScratch();
    this.chunks.push(frame);
    this.chunkBytes += frame.length;
  }

  /** After take(): whether every chunk taken was queued with shared(). */
  lastTakeShared = false;

  /** Everything queued, as a list of buffers; the buffer is empty afterwards. */
  take(): Buffer[] {
    this.sealScratch();
    const chunks = this.chunks;
    if (this.chunkBytes > this.peak) this.peak = Math.min(this.chunkBytes, this.capacity);
    this.lastTakeShared = this.onlyShared;
    this.onlyShared = true;
    this.chunks = [];
    this.chunkBytes = 0;
    if (this.scratch.length - this.pos < Math.min(1024, this.capacity >> 2)) {
      this.scratch = Buffer.allocUnsafe(this.capacity);
      this.start = 0;
      this.pos = 0;
    }
    return chunks;
  }

  clear(): void {
    this.take();
  }
}

export type Protocol = 2 | 3;

/** Encode a bulk string header + payload + CRLF. */
/**
 * Write `<prefix><n>\r\n` at `at` (n an integer from 0 to 2^32 - 1; up to 13 bytes); returns the
 * offset past it.
 */
export function putLine(buf: Buffer, at: number, prefix: number, n: number): number {
  let pos = at;
  buf[pos++] = prefix;
  if (n < 10) buf[pos++] = 48 + n;
  else {
    let digits = 0;
    for (let v = n; v > 0; v = Math.floor(v / 10)) digits++;
    let end = pos + digits;
    for (let v = n; v > 0; v = Math.floor(v / 10)) buf[--end] = 48 + (v % 10);
    pos += digits;
  }
  buf[pos++] = 13;
  buf[pos++] = 10;
  return pos;
}

function writeBulk(out: OutputBuffer, data: Buffer): void {
  out.line(36 /* $ */, data.length);
  out.bytes(data);
  out.bytes(CRLF);
}

const CRLF = Buffer.from('\r\n');
/** Encoded simple strings (`+OK\r\n`, `+PONG\r\n`, ...), by Status object. */
const statusBytes = new WeakMap<Status, Buffer>();

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function writeReply(out: OutputBuffer, reply: Reply, proto: Protocol): void {
  if (reply === null) {
    out.ascii(proto === 3 ? '_\r\n' : '$-1\r\n');
    return;
  }
  switch (typeof reply) {
    case 'number':
      out.line(58 /* : */, reply);
      return;
    case 'bigint':
      out.ascii(`:${reply}\r\n`);
      return;
    case 'string': {
      // Short ASCII text (stream IDs, numbers as text): a byte per char, without Buffer's UTF-8
      // length and write calls (~900 instructions on an XADD's reply).
      const n = reply.length;
      if (n <= 64 && isAscii(reply)) {
        out.line(36 /* $ */, n);
        out.ascii(reply);
      } else {
        out.ascii(`$${Buffer.byteLength(reply)}\r\n`);
        out.utf8(reply);
      }
      out.ascii('\r\n');
      return;
    }
  }
  if (reply instanceof Latin1) {
    const text = reply.text;
    out.line(36 /* $ */, text.length);
    out.ascii(text);
    out.bytes(CRLF);
    return;
  }
  if (Buffer.isBuffer(reply)) {
    writeBulk(out, reply);
    return;
  }
  if (Array.isArray(reply)) {
    out.line(42 /* * */, reply.length);
    for (const item of reply) writeReply(out, item, proto);
    return;
  }
  if (reply instanceof Status) {
    let bytes = statusBytes.get(reply);
    if (bytes === undefined) {
      if (reply.value.length > 32) {
        out.ascii(`+${reply.value}\r\n`);
        return;
      }
      bytes = Buffer.from(`+${reply.value}\r\n`, 'latin1');
      statusBytes.set(reply, bytes);
    }
    out.bytes(bytes);
    return;
  }
  if (reply instanceof ReplyError) {
    // Error texts never contain newlines in RESP (Redis replaces them with spaces) and end at a NUL
    // byte (Redis's are C strings). User bytes in them arrive as latin1 text: write them back as
    // the same bytes; only text of our own with wider characters is written as UTF-8.
    let text = reply.message;
    const nul = text.indexOf('\0');
    if (nul !== -1) text = text.slice(0, nul);
    text = `-${text.replace(/[\r\n]+/g, ' ')}\r\n`;
    if (/[^\u0000-\u00ff]/.test(text)) out.utf8(text);
    else out.ascii(text);
    return;
  }
  if (reply instanceof Double) {
    const text = formatDouble(reply.value);
    out.ascii(proto === 3 ? `,${text}\r\n` : `$${text.length}\r\n${text}\r\n`);
    return;
  }
  if (reply instanceof MapReply) {
    const n = reply.entries.length;
    out.ascii(proto === 3 ? `%${n / 2}\r\n` : `*${n}\r\n`);
    for (const item of reply.entries) writeReply(out, item, proto);
    return;
  }
  if (reply instanceof SetReply) {
    out.ascii(`${proto === 3 ? '~' : '*'}${reply.items.length}\r\n`);
    for (const item of reply.items) writeReply(out, item, proto);
    return;
  }
  if (reply instanceof PushReply) {
    out.ascii(`${proto === 3 ? '>' : '*'}${reply.items.length}\r\n`);
    for (const item of reply.items) writeReply(out, item, proto);
    return;
  }
  if (reply instanceof RawReply) {
    out.bytes(reply.bytes);
    return;
  }
  if (reply instanceof BoolReply) {
    out.ascii(proto === 3 ? (reply.value ? '#t\r\n' : '#f\r\n') : reply.value ? ':1\r\n' : ':0\r\n');
    return;
  }
  if (reply instanceof BigNumber) {
    if (proto === 3) out.ascii(`(${reply.text}\r\n`);
    else writeBulk(out, Buffer.from(reply.text, 'latin1'));
    return;
  }
  if (reply instanceof Verbatim) {
    if (proto === 3) {
      const body = Buffer.from(`${reply.format}:${reply.text}`);
      out.ascii(`=${body.length}\r\n`);
      out.bytes(body);
      out.ascii('\r\n');
    } else {
      writeBulk(out, Buffer.from(reply.text));
    }
    return;
  }
  // NULL_ARRAY
  out.ascii(proto === 3 ? '_\r\n' : '*-1\r\n');
}

/** Encode a reply to a standalone Buffer (tests, pre-encoded frames). */
export function encodeReply(reply: Reply, proto: Protocol): Buffer {
  const out = new OutputBuffer();
  writeReply(out, reply, proto);
  const chunks = out.take();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

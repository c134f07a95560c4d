// A small RESP2/RESP3 test client over a real TCP connection. It keeps every reply's exact bytes
// (for differential comparison with redis-server) and a typed value (for readable assertions).
import net from 'node:net';

export type RespValue =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'bulk'; value: Buffer }
  | { type: 'null' }
  | { type: 'nullarray' }
  | { type: 'array'; value: RespValue[] }
  | { type: 'map'; value: RespValue[] }
  | { type: 'set'; value: RespValue[] }
  | { type: 'push'; value: RespValue[] }
  /** A RESP3 attribute (`|`): read as a frame of its own, before the reply it annotates. */
  | { type: 'attribute'; value: RespValue[] }
  | { type: 'double'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'verbatim'; format: string; value: Buffer }
  | { type: 'bignum'; value: string };

export interface Frame {
  value: RespValue;
  raw: Buffer;
}

/** Parse one RESP value starting at `pos`; returns undefined if incomplete. */
export function parseResp(buf: Buffer, pos = 0): { value: RespValue; end: number } | undefined {
  if (pos >= buf.length) return undefined;
  const lf = buf.indexOf(10, pos);
  if (lf === -1) return undefined;
  const line = buf.toString('latin1', pos + 1, lf - 1);
  const type = String.fromCharCode(buf[pos]!);
  const next = lf + 1;
  const aggregate = (kind: 'array' | 'map' | 'set' | 'push' | 'attribute', count: number) => {
    const items: RespValue[] = [];
    let at = next;
    for (let i = 0; i < count; i++) {
      const r = parseResp(buf, at);
      if (!r) return undefined;
      items.push(r.value);
      at = r.end;
    }
    return { value: { type: kind, value: items } as RespValue, end: at };
  };
  switch (type) {
    case '+':
      return { value: { type: 'simple', value: line }, end: next };
    case '-':
      return { value: { type: 'error', value: line }, end: next };
    case ':':
      return { value: { type: 'int', value: BigInt(line) }, end: next };
    case ',':
      return { value: { type: 'double', value: line }, end: next };
    case '#':
      return { value: { type: 'bool', value: line === 't' }, end: next };
    case '(':
      return { value: { type: 'bignum', value: line }, end: next };
    case '_':
      return { value: { type: 'null' }, end: next };
    case '$':
    case '=': {
      const len = Number(line);
      if (len < 0) return { value: { type: 'null' }, end: next };
      if (buf.length < next + len + 2) return undefined;
      const data = Buffer.from(buf.subarray(next, next + len));
      if (type === '=') {
        return { value: { type: 'verbatim', format: data.toString('latin1', 0, 3), value: data.subarray(4) }, end: next + len + 2 };
      }
      return { value: { type: 'bulk', value: data }, end: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: { type: 'nullarray' }, end: next };
      return aggregate('array', n);
    }
    case '%':
      return aggregate('map', Number(line) * 2);
    case '~':
      return aggregate('set', Number(line));
    case '>':
      return aggregate('push', Number(line));
    case '|':
      return aggregate('attribute', Number(line) * 2);
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

/** Encode a command as a RESP multibulk. */
export function encodeCommand(args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Convert to plain JS for assertions: simple/bulk/verbatim → string (utf8), int → number,
 * null → null, error → { error: text }, arrays/sets/pushes → arrays, map → array of [k, v] flattened.
 */
export function plain(v: RespValue): unknown {
  switch (v.type) {
    case 'simple':
      return v.value;
    case 'error':
      return { error: v.value };
    case 'int':
      return Number(v.value);
    case 'bulk':
    case 'verbatim':
      return v.value.toString();
    case 'null':
    case 'nullarray':
      return null;
    case 'double':
    case 'bignum':
      return v.value;
    case 'bool':
      return v.value;
    default:
      return v.value.map(plain);
  }
}

export class RespClient {
  private buffer = Buffer.alloc(0);
  private readonly frames: Frame[] = [];
  private waiters: ((f: Frame | undefined) => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const r = parseResp(this.buffer);
        if (!r) break;
        const frame = { value: r.value, raw: Buffer.from(this.buffer.subarray(0, r.end)) };
        this.buffer = this.buffer.subarray(r.end);
        const w = this.waiters.shift();
        if (w) w(frame);
        else this.frames.push(frame);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
    socket.on('error', () => {
      /* surfaced as close */
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ port, host }, () => resolve(new RespClient(socket)));
      socket.setNoDelay(true);
      socket.once('error', reject);
    });
  }

  /** Send raw bytes (malformed protocol tests, inline commands, split writes). */
  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  send(...args: (string | Buffer | number)[]): void {
    this.socket.write(encodeCommand(args));
  }

  /** Next frame (reply or push message); rejects after `timeoutMs`, resolves undefined if closed. */
  readFrame(timeoutMs = 5000): Promise<Frame | undefined> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (f: Frame | undefined) => {
        clearTimeout(timer);
        resolve(f);
      };
      this.waiters.push(done);
    });
  }

  async read(timeoutMs = 5000): Promise<RespValue> {
    const f = await this.readFrame(timeoutMs);
    if (!f) throw new Error('connection closed');
    return f.value;
  }

  /** Send a command and return its reply frame. */
  async callFrame(...args: (string | Buffer | number)[]): Promise<Frame> {
    this.send(...args);
    const f = await this.readFrame();
    if (!f) throw new Error('connection closed');
    return f;
  }

  async callRaw(...args: (string | Buffer | number)[]): Promise<RespValue> {
    return (await this.callFrame(...args)).value;
  }

  /** Send a command and return its reply as plain JS (see `plain`). */
  async call(...args: (string | Buffer | number)[]): Promise<unknown> {
    return plain((await this.callFrame(...args)).value);
  }

  /** True if nothing arrives within `ms` (asserting absence of messages). */
  async silentFor(ms: number): Promise<boolean> {
    if (this.frames.length > 0) return false;
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  /** Resolves when the server closes the connection. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection not closed')), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

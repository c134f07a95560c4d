// Connections from Tidings to other servers, for MIGRATE: one cached connection per host:port, kept
// while in use and closed after 10 s idle (INFO's migrate_cached_sockets counts them), as Redis
// keeps its migrate sockets. Requests on one connection run one after another, each a batch of
// commands written at once whose replies are single lines (+OK, -ERR ...), read with a timeout that
// restarts at every line, as Redis times each read.
import net from 'node:net';

const IDLE_MS = 10_000;
const MAX_CACHED = 64;

export class OutboundError extends Error {
  constructor(
    readonly stage: 'connecting' | 'writing' | 'reading',
    readonly timedOut: boolean,
  ) {
    super(`${stage} ${timedOut ? 'timed out' : 'failed'}`);
  }
}

export class OutboundConnection {
  /** The database the last SELECT chose, -1 when unknown (new connection, or after an error). */
  lastDb = -1;
  /** False once the socket failed or closed: the pool drops it. */
  alive = true;
  private queue: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: net.Socket,
    /** Called when the connection is no longer usable: idle for too long, failed or closed. */
    private readonly onGone: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // reported through 'close'
    socket.on('close', () => {
      this.alive = false;
      this.onGone();
    });
    this.touch();
  }

  /** Write `request` and read `replies` reply lines (without CRLF); one request at a time. */
  exchange(request: Buffer, replies: number, timeoutMs: number): Promise<string[]> {
    const run = this.queue.then(() => this.run(request, replies, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.alive = false;
    if (this.idle) clearTimeout(this.idle);
    if (!this.socket.destroyed) this.socket.destroy();
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.onGone(), IDLE_MS);
    this.idle.unref();
  }

  private run(request: Buffer, replies: number, timeoutMs: number): Promise<string[]> {
    const socket = this.socket;
    // Queued behind a request whose failure closed the connection: fail without touching it.
    if (!this.alive) return Promise.reject(new OutboundError('writing', false));
    return new Promise<string[]>((resolve, reject) => {
      const lines: string[] = [];
      let pending: Buffer = Buffer.alloc(0);
      let stage: 'writing' | 'reading' = 'writing';
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(true), timeoutMs);
      };
      const finish = () => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
      };
      const fail = (timedOut: boolean) => {
        finish();
        this.alive = false;
        this.onGone();
        reject(new OutboundError(stage, timedOut));
      };
      const onError = () => fail(false);
      const onClose = () => fail(false);
      const onData = (chunk: Buffer) => {
        stage = 'reading';
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let start = 0;
        for (;;) {
          const end = pending.indexOf('\r\n', start);
          if (end === -1) break;
          lines.push(pending.toString('utf8', start, end));
          start = end + 2;
          if (lines.length === replies) {
            finish();
            this.touch();
            resolve(lines);
            return;
          }
        }
        pending = pending.subarray(start);
        arm();
      };
      socket.on('data', onData);
      socket.once('error', onError);
      socket.once('close', onClose);
      arm();
      socket.write(request, (err) => {
        if (err) return fail(false);
        stage = 'reading';
        arm();
      });
    });
  }
}

/** The pool of outbound connections of one server. */
export class OutboundConnections {
  private readonly byTarget = new Map<string, OutboundConnection>();

  /** Connections currently cached (INFO migrate_cached_sockets). */
  get size(): number {
    return this.byTarget.size;
  }

  /** The cached connection to host:port, or a new one. */
  async get(host: string, port: number, timeoutMs: number): Promise<OutboundConnection> {
    const name = `${host}:${port}`;
    const existing = this.byTarget.get(name);
    if (existing?.alive) return existing;
    if (existing) this.drop(name);
    if (this.byTarget.size >= MAX_CACHED) {
      // Full: close one at random, as Redis does.
      const names = [...this.byTarget.keys()];
      this.drop(names[Math.floor(Math.random() * names.length)]!);
    }
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new OutboundError('connecting', true));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      // A refused connection shows up, as in Redis (whose connect does not wait for the
      // handshake's outcome), as a failed write.
      s.once('error', () => {
        clearTimeout(timer);
        reject(new OutboundError('writing', false));
      });
    });
    const conn: OutboundConnection = new OutboundConnection(socket, () => {
      if (this.byTarget.get(name) === conn) this.drop(name);
      else conn.close();
    });
    this.byTarget.set(name, conn);
    return conn;
  }

  closeAll(): void {
    for (const name of [...this.byTarget.keys()]) this.drop(name);
  }

  private drop(name: string): void {
    const conn = this.byTarget.get(name);
    if (!conn) return;
    this.byTarget.delete(name);
    conn.close();
  }
}

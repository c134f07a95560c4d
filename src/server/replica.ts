// Replication state of one server, both sides.
//
// As a master: the replication ID and offset, and the backlog (the last repl-backlog-size bytes of
// the stream sent to replicas), which lets a replica that reconnects with the same ID continue
// (+CONTINUE) instead of loading a new copy. commands/replication.ts feeds it.
//
// As a replica (REPLICAOF host port, or `replicaof` in the configuration): a link to the master,
// as redis-server makes it — PING, AUTH when masterauth is set, REPLCONF listening-port, REPLCONF
// capa eof capa psync2, PSYNC <replid> <offset> — then either a full copy (an RDB payload framed
// `$<length>` or, diskless, `$EOF:<40-byte mark>` ... mark) loaded in place of the dataset, or a
// partial resync; then the master's command stream, run as the master client (no replies) with
// the offset counted byte by byte. REPLCONF GETACK in the stream is answered with REPLCONF ACK
// <offset>, and an ACK goes out every second. A broken link is retried every second.
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { ServerSession as Client } from './session.js';
import type { Server } from './server.js';
import type { AttachedReplica as AttachedReplicaOf, LinkState } from '../commands/host.js';
import { PROPAGATE_REPLICAS, type Effect, type EffectsConsumer } from './effects.js';

const randomId = () => randomBytes(20).toString('hex');

/** The master side: ID, offset and backlog. */
export class ReplicationLog {
  replid = randomId();
  /** The previous ID (after a promotion) and the last offset that belongs to it. */
  replid2 = '0'.repeat(40);
  secondOffset = -1;
  /** Bytes of replication stream produced (master_repl_offset). */
  offset = 0;
  /** The backlog exists once a replica attached (Redis creates it then). */
  active = false;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Offset of the backlog's first byte (1-based, as Redis's repl_backlog_off). */
  firstByte = 1;

  constructor(private readonly capacity: () => number) {}

  get histlen(): number {
    return this.size;
  }

  /** Start keeping a backlog (first replica), from the current offset. */
  activate(): void {
    if (this.active) return;
    this.active = true;
    this.chunks = [];
    this.size = 0;
    this.firstByte = this.offset + 1;
  }

  append(bytes: Buffer): void {
    this.offset += bytes.length;
    if (!this.active) return;
    this.chunks.push(bytes);
    this.size += bytes.length;
    const cap = Math.max(1, this.capacity());
    while (this.size > cap && this.chunks.length > 1) {
      const dropped = this.chunks.shift()!;
      this.size -= dropped.length;
      this.firstByte += dropped.length;
    }
  }

  /** The stream from `from` (1-based offset of the first byte wanted), or undefined if not kept. */
  since(from: number): Buffer | undefined {
    if (!this.active || from < this.firstByte || from > this.offset + 1) return undefined;
    const all = Buffer.concat(this.chunks, this.size);
    return all.subarray(from - this.firstByte);
  }

  /** Can a replica that had `replid` up to `offset` continue from us? (PSYNC's check.) */
  canContinue(replid: string, from: number): boolean {
    if (replid === this.replid) return this.since(from) !== undefined;
    if (replid === this.replid2 && from <= this.secondOffset + 1) return this.since(from) !== undefined;
    return false;
  }

  /** Start a new history (promotion to master): the old ID stays valid up to the current offset. */
  shiftId(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset;
    this.replid = randomId();
  }

  /** Adopt a master's history (full sync): its ID, its offset, a fresh backlog. */
  adopt(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = '0'.repeat(40);
    this.secondOffset = -1;
    this.offset = offset;
    this.chunks = [];
    this.size = 0;
    this.firstByte = offset + 1;
  }
}

export type { LinkState };

type Phase =
  | { kind: 'reply'; onLine: (line: string) => void }
  | { kind: 'preamble' }
  | { kind: 'payload'; length: number; parts: Buffer[]; got: number }
  | { kind: 'eofPayload'; mark: Buffer; parts: Buffer[]; tail: Buffer }
  /** The payload is loading: what the master sends meanwhile waits in `pending`. */
  | { kind: 'loading' }
  | { kind: 'stream' };

const RETRY_MS = 1000;
const ACK_MS = 1000;

/** What the link needs of its server: kept narrow so the link can be read on its own. */
export interface ReplicaHost {
  readonly config: Server['config'];
  readonly repl: ReplicationLog;
  log: Server['log'];
  listeningPort(): number;
  /**
   * Replace the dataset with an RDB image, loaded in slices across event-loop turns (clients get
   * -LOADING meanwhile); false when the payload is corrupt or the server closed meanwhile.
   */
  loadFullSync(rdb: Buffer): Promise<boolean>;
  /** Options for the link's TLS connection (tls-replication yes): certificates and CAs. */
  tlsClientOptions(): tls.ConnectionOptions;
  /** Run one command from the master as the master client. */
  applyFromMaster(client: Client, argv: Buffer[]): void;
  createMasterClient(): Client;
  /** A copy was loaded: our own replicas must resynchronise. */
  masterChanged(): void;
  /** Bytes of the master's stream, run: append to the backlog and send to our replicas. */
  proxyToReplicas(raw: Buffer): void;
}

export class ReplicaLink {
  state: LinkState = 'connect';
  socket: net.Socket | undefined;
  /** Master client that runs the stream (CLIENT LIST's flags=M), while connected. */
  client: Client | undefined;
  /** Bytes read from the stream (slave_read_repl_offset) and run (slave_repl_offset). */
  readOffset = 0;
  /** When the last byte came from the master (master_last_io_seconds_ago). */
  lastIoMs = 0;
  /** When the link went down (master_link_down_since_seconds). */
  downSinceMs = Date.now();
  syncStartedMs = 0;
  /** When the current connection attempt began (repl-timeout while connecting). */
  private connectStartedMs = 0;
  syncBytesTotal = -1;
  syncBytesRead = 0;
  /** How many full syncs this replica loaded (tests wait on it). */
  fullSyncs = 0;
  private phase: Phase = { kind: 'stream' };
  private pending: Buffer = Buffer.alloc(0);
  /** Chunks held back (not yet joined to `pending`) until `pending` plus them reach `needBytes`. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes the command at the head of `pending` needs at least (0: unknown): a big value arriving
   * in many chunks is joined once, not once per chunk. */
  private needBytes = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Offset announced by +FULLRESYNC, applied once the payload is loaded. */
  private fullSyncOffset = 0;
  private fullSyncId = '';
  /** A payload is loading (the link waits for it before connecting again). */
  private loadInFlight = false;

  constructor(
    private readonly host: ReplicaHost,
    readonly masterHost: string,
    readonly masterPort: number,
  ) {
    this.connect();
  }

  get offset(): number {
    return this.host.repl.offset;
  }

  get syncInProgress(): boolean {
    return this.state === 'transfer';
  }

  /** Stop replicating (REPLICAOF NO ONE, or another master). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.ackTimer) clearInterval(this.ackTimer);
    this.socket?.destroy();
    this.socket = undefined;
    this.client = undefined;
  }

  /** Close the connection to the master (CLIENT KILL TYPE master); it is made again. True if there was one. */
  dropConnection(): boolean {
    if (this.socket === undefined || this.state !== 'connected') return false;
    this.socket.destroy();
    return true;
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.loadInFlight) {
      // The link broke while a payload loads: connect again once it is done.
      this.retryTimer = setTimeout(() => this.connect(), RETRY_MS);
      this.retryTimer.unref();
      return;
    }
    this.state = 'connecting';
    this.connectStartedMs = Date.now();
    this.host.log('notice', `Connecting to MASTER ${this.masterHost}:${this.masterPort}`);
    this.host.log('notice', 'MASTER <-> REPLICA sync started');
    // bind-source-addr: the address the master sees us connect from (Redis uses it for this link).
    const source = this.host.config.string('bind-source-addr');
    const where = { host: this.masterHost, port: this.masterPort, ...(source !== '' ? { localAddress: source } : {}) };
    let socket: net.Socket;
    const secure = this.host.config.bool('tls-replication');
    try {
      socket = secure ? tls.connect({ ...where, ...this.host.tlsClientOptions() }) : net.connect(where);
    } catch (err) {
      this.host.log('warning', `Unable to connect to MASTER: ${(err as Error).message}`);
      this.state = 'connect';
      this.retryTimer = setTimeout(() => this.connect(), RETRY_MS);
      this.retryTimer.unref();
      return;
    }
    this.socket = socket;
    this.pending = Buffer.alloc(0);
    this.held = [];
    this.heldBytes = 0;
    this.needBytes = 0;
    socket.setNoDelay(true);
    socket.on(secure ? 'secureConnect' : 'connect', () => {
      this.host.log('notice', 'Non blocking connect for SYNC fired the event.');
      this.state = 'handshake';
      this.handshake();
    });
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => {
      if (this.state === 'connecting') this.host.log('warning', `Error condition on socket for SYNC: ${err.message}`);
    });
    socket.on('close', () => this.broken(socket));
  }

  private broken(socket: net.Socket): void {
    if (socket !== this.socket) return;
    if (this.state === 'connected') {
      this.host.log('notice', 'Connection with master lost.');
      this.downSinceMs = Date.now();
    }
    this.socket = undefined;
    this.client = undefined;
    if (this.ackTimer) clearInterval(this.ackTimer);
    this.ackTimer = undefined;
    this.state = 'connect';
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.connect(), RETRY_MS);
    this.retryTimer.unref();
  }

  private fail(message: string): void {
    this.host.log('warning', message);
    this.socket?.destroy();
  }

  private send(...argv: string[]): void {
    this.socket?.write(encode(argv.map((a) => Buffer.from(a))));
  }

  private expectReply(onLine: (line: string) => void): void {
    this.phase = { kind: 'reply', onLine };
  }

  private handshake(): void {
    this.send('PING');
    this.expectReply((pong) => {
      // Redis accepts an authentication error here: AUTH follows.
      if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) {
        return this.fail(`Error reply to PING from master: '${pong.slice(1)}'`);
      }
      this.host.log('notice', 'Master replied to PING, replication can continue...');
      const pass = this.host.config.string('masterauth');
      if (pass !== '') {
        const user = this.host.config.string('masteruser');
        if (user !== '') this.send('AUTH', user, pass);
        else this.send('AUTH', pass);
        this.expectReply((auth) => {
          if (auth.startsWith('-')) return this.fail(`Unable to AUTH to MASTER: ${auth}`);
          this.announce();
        });
      } else this.announce();
    });
  }

  private announce(): void {
    this.send('REPLCONF', 'listening-port', String(this.host.listeningPort()));
    this.expectReply((port) => {
      if (port.startsWith('-')) this.host.log('notice', `(Non critical) Master does not understand REPLCONF listening-port: ${port}`);
      this.send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      this.expectReply((capa) => {
        if (capa.startsWith('-')) this.host.log('notice', `(Non critical) Master does not understand REPLCONF capa: ${capa}`);
        this.psync();
      });
    });
  }

  private psync(): void {
    const repl = this.host.repl;
    // A replica that had a master (or was one with a history) asks to continue from its offset.
    const cached = this.fullSyncs > 0 || repl.offset > 0;
    if (cached) {
      this.host.log('notice', `Trying a partial resynchronization (request ${repl.replid}:${repl.offset + 1}).`);
      this.send('PSYNC', repl.replid, String(repl.offset + 1));
    } else {
      this.host.log('notice', 'Partial resynchronization not possible (no cached master)');
      this.send('PSYNC', '?', '-1');
    }
    this.expectReply((line) => {
      if (line.startsWith('+FULLRESYNC')) {
        const [, id, offset] = line.split(' ');
        this.fullSyncId = id ?? '';
        this.fullSyncOffset = Number(offset ?? 0);
        this.host.log('notice', `Full resync from master: ${this.fullSyncId}:${this.fullSyncOffset}`);
        this.state = 'transfer';
        this.syncStartedMs = Date.now();
        this.syncBytesRead = 0;
        this.syncBytesTotal = -1;
        this.phase = { kind: 'preamble' };
        return;
      }
      if (line.startsWith('+CONTINUE')) {
        const newId = line.split(' ')[1];
        if (newId !== undefined && newId !== repl.replid) {
          repl.shiftId();
          repl.replid = newId;
        }
        this.host.log('notice', 'Successful partial resynchronization with master.');
        this.host.log('notice', 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
        this.readOffset = repl.offset;
        this.online();
        return;
      }
      if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
        this.host.log('notice', `Master is currently unable to PSYNC but should be in the future: ${line}`);
        return this.fail('Retrying with SYNC...');
      }
      // A master without PSYNC: SYNC, whose payload carries no ID or offset.
      this.host.log('warning', `Unexpected reply to PSYNC from master: ${line}`);
      this.send('SYNC');
      this.fullSyncId = '?';
      this.fullSyncOffset = 0;
      this.state = 'transfer';
      this.syncStartedMs = Date.now();
      this.phase = { kind: 'preamble' };
    });
  }

  private online(): void {
    this.state = 'connected';
    this.lastIoMs = Date.now();
    this.client = this.host.createMasterClient();
    this.phase = { kind: 'stream' };
    if (this.ackTimer) clearInterval(this.ackTimer);
    this.ackTimer = setInterval(() => this.sendAck(), ACK_MS);
    this.ackTimer.unref();
    this.sendAck();
  }

  /**
   * From the server's cron: a master silent for more than repl-timeout seconds (no data, not even
   * its PING), or a connection or transfer stuck that long, is dropped and the link made again.
   */
  cron(now: number): void {
    if (this.socket === undefined) return;
    const timeoutMs = this.host.config.number('repl-timeout') * 1000;
    if (this.state === 'connecting' || this.state === 'handshake') {
      if (now - this.connectStartedMs > timeoutMs) this.fail('Timeout connecting to the MASTER...');
    } else if (this.state === 'transfer') {
      if (now - this.lastIoMs > timeoutMs) this.fail("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
    } else if (now - this.lastIoMs > timeoutMs) {
      this.fail('MASTER timeout: no data nor PING received...');
    }
  }

  sendAck(): void {
    if (this.state !== 'connected') return;
    this.send('REPLCONF', 'ACK', String(this.host.repl.offset));
  }

  private onData(chunk: Buffer): void {
    this.lastIoMs = Date.now();
    if (this.needBytes > 0 && this.phase.kind === 'stream') {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.pending.length + this.heldBytes < this.needBytes) return;
      this.pending = Buffer.concat([this.pending, ...this.held], this.pending.length + this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
      this.needBytes = 0;
    } else {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    }
    try {
      this.drain();
    } catch (err) {
      this.fail(`Replication link error: ${(err as Error).message}`);
    }
  }

  private drain(): void {
    for (;;) {
      const phase = this.phase;
      if (phase.kind === 'loading') return;
      if (phase.kind === 'reply') {
        const end = this.pending.indexOf('\r\n');
        if (end < 0) return;
        const line = this.pending.toString('latin1', 0, end);
        this.pending = this.pending.subarray(end + 2);
        phase.onLine(line);
        continue;
      }
      if (phase.kind === 'preamble') {
        // Newlines are the master's keep-alives while it prepares the payload.
        let i = 0;
        while (i < this.pending.length && this.pending[i] === 10) i++;
        this.pending = this.pending.subarray(i);
        const end = this.pending.indexOf('\r\n');
        if (end < 0) return;
        const line = this.pending.toString('latin1', 0, end);
        this.pending = this.pending.subarray(end + 2);
        if (line.startsWith('-')) throw new Error(`MASTER aborted replication with an error: ${line.slice(1)}`);
        if (!line.startsWith('$')) throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}')`);
        if (line.startsWith('$EOF:')) {
          const mark = Buffer.from(line.slice(5), 'latin1');
          if (mark.length !== 40) throw new Error('Bad EOF mark from MASTER');
          this.host.log('notice', 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
          this.phase = { kind: 'eofPayload', mark, parts: [], tail: Buffer.alloc(0) };
        } else {
          const length = Number(line.slice(1));
          this.syncBytesTotal = length;
          this.host.log('notice', `MASTER <-> REPLICA sync: receiving ${length} bytes from master to disk`);
          this.phase = { kind: 'payload', length, parts: [], got: 0 };
        }
        continue;
      }
      if (phase.kind === 'payload') {
        const want = phase.length - phase.got;
        const take = Math.min(want, this.pending.length);
        if (take > 0) {
          phase.parts.push(this.pending.subarray(0, take));
          phase.got += take;
          this.syncBytesRead = phase.got;
          this.pending = this.pending.subarray(take);
        }
        if (phase.got < phase.length) return;
        this.loadPayload(Buffer.concat(phase.parts, phase.length));
        continue;
      }
      if (phase.kind === 'eofPayload') {
        if (this.pending.length === 0) return;
        phase.parts.push(this.pending);
        this.syncBytesRead += this.pending.length;
        this.pending = Buffer.alloc(0);
        // Only the last 40 bytes can be the mark: keep them, and join the payload once at the end.
        phase.tail = Buffer.concat([phase.tail, phase.parts[phase.parts.length - 1]!]);
        if (phase.tail.length > 40) phase.tail = phase.tail.subarray(phase.tail.length - 40);
        if (phase.tail.length < 40 || !phase.tail.equals(phase.mark)) return;
        const all = Buffer.concat(phase.parts);
        this.loadPayload(all.subarray(0, all.length - 40));
        continue;
      }
      // The command stream.
      if (this.pending.length === 0) return;
      const parsed = parseCommand(this.pending);
      if (typeof parsed === 'number') {
        this.needBytes = parsed;
        return;
      }
      const { argv, length } = parsed;
      const raw = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      this.readOffset += length;
      this.runFromMaster(argv, raw);
      if (this.phase !== phase || this.socket === undefined) return;
    }
  }

  /**
   * Load a full sync's payload, as a Redis replica with repl-diskless-load disabled: in slices
   * across event-loop turns, the server answering -LOADING meanwhile; the master's stream that
   * follows is run once the load is over.
   */
  private loadPayload(rdb: Buffer): void {
    this.host.log('notice', 'MASTER <-> REPLICA sync: Flushing old data');
    this.host.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
    this.phase = { kind: 'loading' };
    this.loadInFlight = true;
    const socket = this.socket;
    void this.host.loadFullSync(rdb).then((ok) => {
      this.loadInFlight = false;
      // The link broke (or was stopped) meanwhile: a new sync follows, if any.
      if (this.stopped || socket === undefined || socket !== this.socket) return;
      if (!ok) return this.fail('Replication link error: Failed trying to load the MASTER synchronization DB from disk');
      this.loaded();
      try {
        this.drain();
      } catch (err) {
        this.fail(`Replication link error: ${(err as Error).message}`);
      }
    });
  }

  private loaded(): void {
    this.fullSyncs++;
    this.host.repl.adopt(this.fullSyncId === '?' ? this.host.repl.replid : this.fullSyncId, this.fullSyncOffset);
    this.readOffset = this.fullSyncOffset;
    this.host.log('notice', 'MASTER <-> REPLICA sync: Finished with success');
    this.host.masterChanged();
    this.online();
  }

  private runFromMaster(argv: Buffer[], raw: Buffer): void {
    if (argv.length === 0) return; // a bare newline: not part of the stream
    const name = argv[0]!.toString('latin1').toLowerCase();
    if (name === 'replconf' && argv.length >= 2 && argv[1]!.toString('latin1').toLowerCase() === 'getack') {
      // The ACK reports the offset before the GETACK itself (it counts once processed), as Redis 7.0.
      this.sendAck();
    } else {
      this.host.applyFromMaster(this.client!, argv);
    }
    // Counted once run, and passed on verbatim to our own replicas (the offset moves with it).
    this.host.proxyToReplicas(raw);
  }
}

/**
 * One RESP multibulk command at the start of `buf`, with its length in bytes; if incomplete, the
 * number of bytes it needs at least (0 when not known yet).
 */
function parseCommand(buf: Buffer): { argv: Buffer[]; length: number } | number {
  if (buf[0] !== 0x2a) {
    // An inline command (a master's "\n" keep-alive, or PING written inline).
    const nl = buf.indexOf(10);
    if (nl < 0) return 0;
    const text = buf.toString('latin1', 0, nl).replace(/\r$/, '').trim();
    if (text === '') return { argv: [], length: nl + 1 };
    return { argv: text.split(/\s+/).map((w) => Buffer.from(w, 'latin1')), length: nl + 1 };
  }
  const line = (from: number): { text: string; next: number } | undefined => {
    const end = buf.indexOf('\r\n', from);
    if (end < 0) return undefined;
    return { text: buf.toString('latin1', from, end), next: end + 2 };
  };
  const head = line(1);
  if (head === undefined) return 0;
  const argc = Number(head.text);
  if (!Number.isInteger(argc)) throw new Error(`invalid multibulk length '${head.text}'`);
  let pos = head.next;
  const argv: Buffer[] = [];
  for (let i = 0; i < argc; i++) {
    if (pos >= buf.length) return 0;
    if (buf[pos] !== 0x24) throw new Error(`expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
    const lenLine = line(pos + 1);
    if (lenLine === undefined) return 0;
    const len = Number(lenLine.text);
    if (!Number.isInteger(len) || len < 0) throw new Error(`invalid bulk length '${lenLine.text}'`);
    if (lenLine.next + len + 2 > buf.length) return lenLine.next + len + 2;
    argv.push(Buffer.from(buf.subarray(lenLine.next, lenLine.next + len)));
    pos = lenLine.next + len + 2;
  }
  return { argv, length: pos };
}

function encode(argv: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`, 'latin1')];
  for (const arg of argv) parts.push(Buffer.from(`$${arg.length}\r\n`, 'latin1'), arg, Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(parts);
}

/** One replica attached to us by SYNC/PSYNC. */
/** A replica attached to us (commands/host.ts's shape, with the full client). */
export type AttachedReplica = AttachedReplicaOf<Client>;

const SELECT = Buffer.from('SELECT');

/**
 * The master side: every effect, encoded once (SELECT when the database changes), appended to
 * the backlog and sent to every attached replica. While this server is itself a replica, the
 * master's stream is passed on verbatim instead (proxy), as Redis's chained replication does, so
 * every replica down the chain counts the same offsets.
 */
export class ReplicaFeeds implements EffectsConsumer {
  readonly replicas = new Set<AttachedReplica>();
  private selectedDb = -1;
  /** WAIT callers: notified on every ACK. */
  readonly ackListeners = new Set<() => void>();

  constructor(private readonly server: Server) {}

  /** The backlog starts with the first replica and then takes every write, as in Redis. */
  start(): void {
    if (this.server.repl.active) return;
    this.server.repl.activate();
    this.server.effects.subscribe(this);
  }

  /** The next write starts with a SELECT (a new replica's stream starts without one). */
  forceSelect(): void {
    this.selectedDb = -1;
  }

  feed(effects: readonly Effect[]): void {
    if (this.server.replicaLink !== undefined) return; // the master's stream is proxied instead
    const parts: Buffer[] = [];
    for (const effect of effects) {
      if (effect.to !== undefined && (effect.to & PROPAGATE_REPLICAS) === 0) continue; // redis.set_repl
      if (effect.db !== this.selectedDb) {
        parts.push(encode([SELECT, Buffer.from(String(effect.db))]));
        this.selectedDb = effect.db;
      }
      parts.push(encode(effect.argv));
    }
    if (parts.length > 0) this.send(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** Bytes for the stream: counted in the offset, kept in the backlog, sent to online replicas. */
  send(bytes: Buffer): void {
    this.server.repl.append(bytes);
    for (const replica of this.replicas) {
      const client = replica.client;
      if (client.closing) {
        this.replicas.delete(replica);
        continue;
      }
      client.pushRaw(bytes);
      this.server.scheduleFlush(client);
    }
  }

  /** A command of our own in the stream (REPLCONF GETACK *, PING). */
  sendCommand(...argv: string[]): void {
    this.send(encode(argv.map((a) => Buffer.from(a))));
  }

  /** Replicas still connected. */
  connected(): AttachedReplica[] {
    for (const replica of this.replicas) if (replica.client.closing) this.replicas.delete(replica);
    return [...this.replicas];
  }

  acked(replica: AttachedReplica, offset: number): void {
    replica.ackOffset = offset;
    replica.ackMs = Date.now();
    for (const listener of [...this.ackListeners]) listener();
  }

  /** Replicas whose last ACK reached `offset` (WAIT). */
  countAcked(offset: number): number {
    let n = 0;
    for (const replica of this.connected()) if (replica.state === 'online' && replica.ackOffset >= offset) n++;
    return n;
  }

  private lastPingMs = Date.now();

  /**
   * Once a second from the server's cron, as Redis's replicationCron: a PING in the stream every
   * repl-ping-replica-period seconds (not while clients are paused: it would move the offset), and
   * replicas silent (no ACK) for more than repl-timeout seconds are disconnected.
   */
  cron(now: number): void {
    if (this.replicas.size === 0) {
      this.lastPingMs = now;
      return;
    }
    const config = this.server.config;
    if (now - this.lastPingMs >= config.number('repl-ping-replica-period') * 1000) {
      this.lastPingMs = now;
      if (!this.server.pause.active && this.server.replicaLink === undefined) this.sendCommand('ping'); // lower-case, as Redis writes it
    }
    const timeoutS = config.number('repl-timeout');
    for (const replica of this.connected()) {
      if (replica.state !== 'online' || Math.floor(now / 1000) - Math.floor(replica.ackMs / 1000) <= timeoutS) continue;
      this.server.log('warning', `Disconnecting timedout replica (streaming sync): ${replica.ip}:${replica.port}`);
      this.replicas.delete(replica);
      this.server.closeClient(replica.client);
    }
  }

  /** Online replicas whose last ACK is at most `maxLagSeconds` old, counted in whole seconds as Redis. */
  countGood(maxLagSeconds: number): number {
    const now = Math.floor(Date.now() / 1000);
    let n = 0;
    for (const replica of this.connected()) if (replica.state === 'online' && now - Math.floor(replica.ackMs / 1000) <= maxLagSeconds) n++;
    return n;
  }

  /** Close every replica connection (they reconnect and resynchronise). */
  disconnectAll(): void {
    for (const replica of this.replicas) this.server.closeClient(replica.client);
    this.replicas.clear();
  }
}

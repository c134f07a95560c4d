// One connected client: its socket, parser, output buffer and per-connection state
// (protocol version, selected db, MULTI queue, subscriptions, blocking).
// A client without a socket is used for scripts (the Lua "fake client").
import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/parser.js';
import { OutputBuffer, REPLY_BUFFER_SIZE, writeReply, type Protocol } from '../protocol/writer.js';
import type { Reply } from '../protocol/reply.js';
import type { AclUser } from '../security/acl.js';
import type { ClientTracking, ReplyMode, WatchedKey } from '../commands/host.js';
import type { ServerSession } from '../server/session.js';
import type { DispatchMemo } from '../server/dispatch.js';
import { SocketWriter } from './socket-write.js';

export type { ReplyMode, WatchedKey };

export class Client implements ServerSession {
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  proto: Protocol = 2;
  dbIndex = 0;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  /** The ACL user logged in; undefined means the default user. */
  aclUser: AclUser | undefined;
  /** The one auth flag; the parser reads it too (tighter limits before AUTH). */
  authenticated = true;
  replyMode: ReplyMode = 'on';
  lastCommand = 'NULL';

  /** Pub/sub subscriptions (latin1 names). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  /** Queued commands while in MULTI; undefined otherwise. */
  multi: Buffer[][] | undefined;
  /** A queued command failed to queue: EXEC must abort. */
  multiDirty = false;
  readonly watched: WatchedKey[] = [];
  /** A watched key was modified: EXEC must fail. */
  watchDirty = false;

  /** CLIENT TRACKING state; undefined while tracking is off. */
  tracking: ClientTracking | undefined;

  /** Set while the client waits in a blocking command. */
  blocked = false;
  /** MONITOR client. */
  monitor = false;
  /** CLIENT NO-EVICT ON: maxmemory-clients never disconnects it (and does not count it). */
  noEvict = false;
  /** Closing: ignore further input, drop the socket once the output is flushed. */
  closing = false;
  /** Flush is scheduled for this client. */
  flushScheduled = false;
  /** Input arrived this turn and is waiting for the turn's command run (Server.input). */
  inputPending = false;
  /** When the pub/sub or normal soft output limit was first exceeded (ms), or 0. */
  softLimitSince = 0;
  /** Pub/sub messages queued since this client's output was last empty (TIDINGS SLOWSUBSCRIBERS). */
  queuedMessages = 0;
  /** Times the pending output went over the soft output-buffer limit. */
  softLimitHits = 0;
  /** Number of commands executed (for CLIENT LIST's `cmd`/stats). */
  commandsProcessed = 0;
  /** What dispatch remembers of this client's last command (server/dispatch.ts). */
  dispatchMemo: DispatchMemo | undefined = undefined;

  readonly out = new OutputBuffer(REPLY_BUFFER_SIZE);
  /** Writes this connection's output to its socket; null without a socket. */
  readonly writer: { write(data: Buffer): void; readonly unsent: number } | null;
  readonly parser: RequestParser;

  constructor(
    readonly id: number,
    readonly socket: Socket | null,
    limits: { maxBulkLen: number; maxQueryBuffer: number },
    readonly addr = '',
    readonly laddr = '',
    readonly kind: 'tcp' | 'unix' | 'script' | 'loader' | 'master' = 'tcp',
  ) {
    this.parser = new RequestParser(limits, this);
    // A direct write that had to wait reports its end as socket.write()'s would: with 'drain'
    // (the server checks the output limits again on it).
    this.writer = socket !== null ? new SocketWriter(socket, () => socket.emit('drain')) : null;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** In RESP2, a client with subscriptions is restricted to the subscribe-family commands. */
  get inSubscribedMode(): boolean {
    return this.proto === 2 && this.subscriptionCount > 0;
  }

  /** Queue a command reply (honours CLIENT REPLY OFF/SKIP). Returns bytes queued. */
  write(reply: Reply): void {
    if (this.replyMode !== 'on') {
      if (this.replyMode === 'skip') this.replyMode = 'on';
      return;
    }
    writeReply(this.out, reply, this.proto);
  }

  /** Queue an out-of-band message (pub/sub delivery, MONITOR line): ignores CLIENT REPLY. */
  push(reply: Reply): void {
    writeReply(this.out, reply, this.proto);
  }

  /** Queue pre-encoded bytes (a shared pub/sub frame). */
  pushRaw(bytes: Buffer): void {
    this.out.shared(bytes);
  }

  /** Bytes waiting: our queue plus what the socket has not handed to the kernel yet. */
  get outputBytes(): number {
    return this.out.size + this.unsentBytes;
  }

  /** Bytes handed to the socket that the kernel has not taken yet. */
  get unsentBytes(): number {
    if (this.writer !== null) return this.writer.unsent;
    return this.socket !== null ? this.socket.writableLength : 0;
  }
}

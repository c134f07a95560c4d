// What a command group may use of the server and of the calling client: the host and the session
// view. They list only the members the groups read or call, so that commands/ depends on nothing
// above it (issue #9): server/Server and net/Client satisfy these interfaces structurally (both say
// `implements`), and the server-level modules they hold (blocked clients, tracking, effects, the
// replica link and feeds, pause, the monitors) are seen through the narrow views below.
// The plain data shapes that both sides name (WatchedKey, CommandStat, ShutdownOptions, ...) are
// defined here, at the lower layer, and re-exported where they used to live.
import type { Socket } from 'node:net';
import type { Config } from '../config/config.js';
import type { RequestParser } from '../protocol/parser.js';
import type { HandlerResult, Reply, ReplyError } from '../protocol/reply.js';
import type { OutputBuffer, Protocol } from '../protocol/writer.js';
import type { PubSubHub } from '../pubsub/hub.js';
import type { Database } from '../store/database.js';
import type { AclUser } from '../security/acl.js';
import type { AppendOnlyFile } from '../persistence/aof.js';
import type { RdbFile } from '../persistence/rdbfile.js';
import type { CommandSpec } from './types.js';
import type { Scripting } from './scripting.js';

// ---------------------------------------------------------------- shared data shapes

export type ReplyMode = 'on' | 'off' | 'skip';

export interface WatchedKey {
  dbIndex: number;
  key: string;
  /** Expiry time at WATCH (ms), so a key that expires before EXEC aborts it. */
  expireAt: number | undefined;
  /**
   * Swapped in by SWAPDB after its TTL passed, where the key did not exist: logically still
   * missing, so reclaiming it later is no change to this watcher (Redis's "expired" watch).
   */
  expired?: boolean;
}

/** CLIENT TRACKING state of one client (server/tracking.ts keeps the tables). */
export interface ClientTracking {
  /** Client id the messages go to; 0 = the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (OPTIN) / NO (OPTOUT) applies to the next command (or transaction). */
  caching: boolean;
  /** The redirect client went away. */
  brokenRedirect: boolean;
  /** BCAST prefixes (latin1). */
  prefixes: Set<string>;
}

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
export type LogFields = Record<string, string | number | undefined>;

export interface ExecuteOptions {
  /** Called from a Lua script (redis.call). */
  fromScript?: boolean;
  /** Running a queued command inside EXEC. */
  inExec?: boolean;
  /** redis.call of a script flagged allow-oom: denyoom commands run over maxmemory too. */
  allowOom?: boolean;
}

/** SHUTDOWN's modifiers (and shutdown-on-sigterm / shutdown-on-sigint's). */
export interface ShutdownOptions {
  save?: boolean;
  nosave?: boolean;
  force?: boolean;
  now?: boolean;
}

export interface CommandStat {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

export interface SlowLogEntry {
  id: number;
  time: number;
  durationUs: number;
  argv: Buffer[];
  addr: string;
  name: string;
}

export interface LatencySample {
  /** Unix time, seconds. */
  time: number;
  /** Milliseconds. */
  latency: number;
}

export type PauseMode = 'write' | 'all';

export type LinkState = 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected';

/** A replica attached to us (REPLCONF/PSYNC create it; server/replica.ts feeds it). */
export interface AttachedReplica<Session = CommandSession> {
  client: Session;
  /** REPLCONF listening-port / ip-address, as announced. */
  port: number;
  ip: string;
  /** The last REPLCONF ACK: offset and when (INFO's offset= and lag=). */
  ackOffset: number;
  ackMs: number;
  state: 'wait_bgsave' | 'send_bulk' | 'online';
}

// ---------------------------------------------------------------- the session view

/** The calling client as a handler sees it (net/client.ts's Client implements it). */
export interface CommandSession {
  readonly id: number;
  readonly kind: 'tcp' | 'unix' | 'script' | 'loader' | 'master';
  readonly addr: string;
  readonly laddr: string;
  readonly createdAt: number;
  lastInteraction: number;
  proto: Protocol;
  dbIndex: number;
  name: string;
  libName: string;
  libVer: string;
  user: string;
  /** The ACL user logged in; undefined means the default user. */
  aclUser: AclUser | undefined;
  /** The one auth flag. */
  authenticated: boolean;
  replyMode: ReplyMode;
  lastCommand: string;

  /** Pub/sub subscriptions (latin1 names). */
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  readonly shardChannels: Set<string>;
  readonly subscriptionCount: number;
  /** In RESP2, a client with subscriptions is restricted to the subscribe-family commands. */
  readonly inSubscribedMode: boolean;

  /** Queued commands while in MULTI; undefined otherwise. */
  multi: Buffer[][] | undefined;
  /** A queued command failed to queue: EXEC must abort. */
  multiDirty: boolean;
  readonly watched: WatchedKey[];
  /** A watched key was modified: EXEC must fail. */
  watchDirty: boolean;

  /** CLIENT TRACKING state; undefined while tracking is off. */
  tracking: ClientTracking | undefined;
  /** Set while the client waits in a blocking command. */
  blocked: boolean;
  /** MONITOR client. */
  monitor: boolean;
  /** CLIENT NO-EVICT ON. */
  noEvict: boolean;
  /** Closing: ignore further input, drop the socket once the output is flushed. */
  closing: boolean;
  /** Pub/sub messages queued since this client's output was last empty (TIDINGS SLOWSUBSCRIBERS). */
  queuedMessages: number;
  /** Times the pending output went over the soft output-buffer limit. */
  softLimitHits: number;

  /** CLIENT LIST's memory fields read the transport's buffers; null socket = a script's client. */
  readonly socket: Socket | null;
  readonly parser: RequestParser;
  readonly out: OutputBuffer;
  /** Bytes waiting: our queue plus what the socket has not handed to the kernel yet. */
  readonly outputBytes: number;
  /** Bytes handed to the socket that the kernel has not taken yet. */
  readonly unsentBytes: number;
  /** Queue a command reply (honours CLIENT REPLY OFF/SKIP). */
  write(reply: Reply): void;
  /** Queue an out-of-band message (pub/sub delivery, MONITOR line): ignores CLIENT REPLY. */
  push(reply: Reply): void;
  /** Queue pre-encoded bytes (a shared pub/sub frame). */
  pushRaw(bytes: Buffer): void;
}

// ---------------------------------------------------------------- views of server-level modules

/** The command table (server/table.ts). */
export interface CommandTableView {
  /** Look up by the name as sent; case-insensitive. */
  get(name: string): CommandSpec | undefined;
  all(): IterableIterator<CommandSpec>;
  /** A command's keys in its arguments (commands/key-positions.ts's keysOf): ACL's key finder. */
  keysOf(spec: Pick<CommandSpec, 'name' | 'firstKey' | 'lastKey' | 'step'>, argv: Buffer[]): Buffer[];
  readonly size: number;
}

/** Counters behind INFO stats, commandstats and errorstats (server/stats.ts). */
export interface StatsView {
  totalConnections: number;
  rejectedConnections: number;
  totalCommands: number;
  expiredKeys: number;
  evictedKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  totalErrorReplies: number;
  outputLimitDisconnections: number;
  queryBufferLimitDisconnections: number;
  evictedClients: number;
  lazyfreedObjects: number;
  netInputBytes: number;
  netOutputBytes: number;
  forks: number;
  latestForkUsec: number;
  readonly commands: Map<string, CommandStat>;
  readonly errors: Map<string, number>;
  command(name: string): CommandStat;
  /** A background save or rewrite started `startedAt` (performance.now()) and is under way. */
  forked(startedAt: number): void;
  errorReply(code: string): void;
  reset(): void;
}

/** Clients waiting in blocking commands (server/blocked.ts). */
export interface BlockingView {
  readonly count: number;
  /** Number of distinct keys with waiters (INFO's blocked_keys). */
  readonly keyCount: number;
  isBlocked(client: CommandSession): boolean;
  /** Remove a client's wait. With a reply, the client is answered and resumes. */
  unblock(client: CommandSession, reply?: Reply): boolean;
  /** The timeout reply of a client's current wait (CLIENT UNBLOCK ... TIMEOUT). */
  timeoutReplyOf(client: CommandSession): Reply | undefined;
  readonly hasReady: boolean;
  serveReady(): void;
}

/** CLIENT PAUSE / UNPAUSE (server/pause.ts). */
export interface PauseView {
  /** Clients waiting for the pause to end. */
  readonly count: number;
  pause(ms: number, mode: PauseMode, now?: number): void;
  unpause(): void;
}

/** Client-side caching's tables (server/tracking.ts). */
export interface TrackingView {
  /** Clients with tracking on (INFO tracking_clients). */
  clients: number;
  /** Set while a FLUSH or SWAPDB runs. */
  quiet: boolean;
  readonly totalKeys: number;
  readonly totalItems: number;
  readonly totalPrefixes: number;
  enable(client: CommandSession, redirect: number, options: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void;
  disable(client: CommandSession): void;
  prefixCollision(client: CommandSession, prefixes: string[]): { message: string; fatal: boolean } | undefined;
  /** FLUSHDB/FLUSHALL: every tracking client gets the null invalidation; the table is emptied. */
  flushed(): void;
  /** Run `fn` (a flush or SWAPDB) without per-key invalidations. */
  quietly(fn: () => void): void;
}

/** The stream of write effects (server/effects.ts). */
export interface EffectsView {
  /** True while at least one consumer listens. */
  readonly active: boolean;
  /** A command call starts (nested calls included). */
  enter(): void;
  /** A command call ended; the outermost one hands its unit to the consumers. */
  leave(): void;
  /** Where the current command's writes propagate (a script's redis.set_repl). */
  target: number;
  /** Record one effect. */
  add(db: number, argv: Buffer[], to?: number): void;
  /** A key was deleted outside a command's own effect (eviction): DEL. */
  deleted(db: number, key: string): void;
}

/** MONITOR's clients (observe/monitor.ts). */
export interface MonitorView {
  /** Set by the server so monitor lines get flushed. */
  onWrite?(client: CommandSession): void;
  add(client: CommandSession): void;
  remove(client: CommandSession): void;
}

export interface SlowLogView {
  /** Newest first, at most `count` (and at most slowlog-max-len) entries. */
  newest(count: number): SlowLogEntry[];
  readonly length: number;
  reset(): void;
}

export interface HistogramView {
  readonly total: number;
  /** Cumulative counts at power-of-two levels (LATENCY HISTOGRAM's histogram_usec). */
  cumulative(): [number, number][];
}

/** LATENCY and INFO latencystats (observe/latency.ts). */
export interface LatencyView {
  latest(): [string, number, number, number][];
  history(event: string): LatencySample[];
  reset(events: string[]): number;
  graph(event: string, now?: number): string | undefined;
  doctor(): string;
  histogram(name: string): HistogramView | undefined;
  commandHistograms(): [string, HistogramView][];
  resetHistograms(): void;
  infoFields(): [string, string][];
}

/** A cached connection to another server (net/outbound.ts), for MIGRATE. */
export interface OutboundLink {
  /** The database the last SELECT chose, -1 when unknown. */
  lastDb: number;
  /** Write `request` and read `replies` reply lines (without CRLF); one request at a time. */
  exchange(request: Buffer, replies: number, timeoutMs: number): Promise<string[]>;
}

/** What an outbound connection's failure says (net/outbound.ts's OutboundError). */
export interface OutboundFailure extends Error {
  readonly stage: 'connecting' | 'writing' | 'reading';
  readonly timedOut: boolean;
}

export interface OutboundPool {
  /** Connections currently cached (INFO migrate_cached_sockets). */
  readonly size: number;
  /** The cached connection to host:port, or a new one. */
  get(host: string, port: number, timeoutMs: number): Promise<OutboundLink>;
}

/** Replication ID, offset and backlog (server/replica.ts). */
export interface ReplicationLogView {
  readonly replid: string;
  readonly replid2: string;
  readonly secondOffset: number;
  readonly offset: number;
  readonly active: boolean;
  readonly firstByte: number;
  readonly histlen: number;
  /** The stream from `from` (1-based offset of the first byte wanted), or undefined if not kept. */
  since(from: number): Buffer | undefined;
  /** Can a replica that had `replid` up to `offset` continue from us? (PSYNC's check.) */
  canContinue(replid: string, from: number): boolean;
}

/** The replicas attached to us and the stream they get (server/replica.ts). */
export interface ReplicaFeedsView {
  readonly replicas: Set<AttachedReplica>;
  /** WAIT callers: notified on every ACK. */
  readonly ackListeners: Set<() => void>;
  start(): void;
  forceSelect(): void;
  sendCommand(...argv: string[]): void;
  connected(): AttachedReplica[];
  acked(replica: AttachedReplica, offset: number): void;
  countAcked(offset: number): number;
}

/** This server's link to its master while it is a replica (server/replica.ts). */
export interface ReplicaLinkView {
  readonly masterHost: string;
  readonly masterPort: number;
  readonly state: LinkState;
  readonly readOffset: number;
  readonly lastIoMs: number;
  readonly downSinceMs: number;
  readonly syncBytesTotal: number;
  readonly syncBytesRead: number;
  readonly fullSyncs: number;
  readonly syncInProgress: boolean;
  /** Close the connection to the master (CLIENT KILL TYPE master); it is made again. */
  dropConnection(): boolean;
}

/** A Lua debugging session (SCRIPT DEBUG SYNC): its client's commands go to the debugger. */
export interface ScriptDebugSession {
  client: CommandSession;
  command(argv: Buffer[]): void;
  disconnected(): void;
}

// ---------------------------------------------------------------- the host

/** The server as a command group sees it (server/server.ts's Server implements it). */
export interface CommandHost {
  readonly config: Config;
  readonly table: CommandTableView;
  readonly dbs: Database[];
  readonly hub: PubSubHub<CommandSession>;
  readonly blocking: BlockingView;
  readonly pause: PauseView;
  readonly clients: Map<number, CommandSession>;
  readonly stats: StatsView;
  readonly monitor: MonitorView;
  readonly slowlog: SlowLogView;
  readonly latency: LatencyView;
  readonly tracking: TrackingView;
  readonly outbound: OutboundPool;
  readonly startedAt: number;
  readonly runId: string;
  /** Per-server state of command groups (the scripting group's, created on first use). */
  readonly extensions: Map<string, unknown>;
  /** Lua scripting state (script cache, FUNCTION libraries, the VM), created on first use. */
  readonly scripting: Scripting;
  readonly port: number;

  // DEBUG switches
  activeExpireEnabled: boolean;
  cronPaused: boolean;
  replyBufferPeakResetMs: number;
  replyBufferResizing: boolean;
  skipDumpChecksum: boolean;

  /** Key modifications since start (Redis's server.dirty). */
  dirty: number;
  /** How many EXECs are running their queue. */
  inExec: number;
  /** True while commands may be refused before they run (loading, -MISCONF). */
  readonly gated: boolean;
  readonly effects: EffectsView;
  readonly aof: AppendOnlyFile;
  readonly rdb: RdbFile;
  /** INFO persistence's aof_* fields, supplied by the append-only file when it is wired in. */
  readonly aofInfo: (() => [string, string | number][]) | undefined;
  /** While a script runs past busy-reply-threshold: the -BUSY error. */
  busyScript: ReplyError | undefined;
  scriptDebugger: ScriptDebugSession | undefined;
  /** The debugging session ended: run the commands other clients sent meanwhile. */
  releaseHeldForDebugger(): void;
  /** Clients whose command waits for the debugging session (counted in blocked_clients). */
  readonly heldForDebuggerCount: number;

  // replication
  readonly repl: ReplicationLogView;
  readonly replicaFeeds: ReplicaFeedsView;
  readonly replicaLink: ReplicaLinkView | undefined;
  readonly readOnlyReplica: boolean;
  readonly staleReplica: boolean;
  readonly minReplicasEnforced: boolean;
  enoughGoodReplicas(): boolean;
  goodReplicas(): number;
  replicaOf(host: string, port: number): void;
  promote(): void;

  log(level: LogLevel, message: string, fields?: LogFields): void;
  relisten(bind: string, port: number, tlsPort?: number): Promise<void>;
  /** Run a command for an in-process caller (tests, scripts) and return its reply. */
  call(client: CommandSession, argv: Buffer[], options?: ExecuteOptions): HandlerResult;
  /** Run a command its caller has already resolved and admitted (redis.call). */
  callResolved(client: CommandSession, spec: CommandSpec, argv: Buffer[], options: ExecuteOptions): HandlerResult;
  /** The CLIENT LIST line for a client. */
  describeClient(client: CommandSession): string;
  /** A client with no socket, for scripts and in-process calls. */
  createFakeClient(): CommandSession;
  scheduleFlush(client: CommandSession): void;
  /** Mark the client to be closed once its queued replies are written (QUIT, protocol errors). */
  closeAfterReply(client: CommandSession): void;
  closeClient(client: CommandSession): void;
  /** Keyspace notification (notify-keyspace-events). `flag` is the event class letter. */
  notifyKeyspaceEvent(flag: string, event: string, key: string, dbIndex: number): void;
  /** SWAPDB brought `db` its keys: flag watched keys that arrive with their TTL passed. */
  flagExpiredArrivals(db: Database, missingBefore: (key: string) => boolean, now: number): void;
  watch(client: CommandSession, db: Database, key: string): void;
  unwatchAll(client: CommandSession): void;
  resume(client: CommandSession, reply: Reply): void;
  abortShutdown(): boolean;
  shutdownInMs(): number | undefined;
  beginShutdown(options: ShutdownOptions, caller?: CommandSession): { outcome: 'closed' | 'waiting' | 'failed'; closed: Promise<boolean> };
  /** Before a denyoom command when maxmemory is set: evict by policy; false means OOM. */
  makeRoomForWrite(): boolean;
}

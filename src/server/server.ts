// The server: clients, databases, pub/sub hub, blocked clients, statistics, and the event-loop
// plumbing (read → dispatch → queue replies → one write per client per loop turn). Listening and
// the client objects belong to the network layer (server/network.ts says what is asked of it).
import type tls from 'node:tls';
import fs from 'node:fs';
import { Config, type ConfigValue } from '../config/config.js';
import type { ServerSession as Client } from './session.js';
import type { ConnectionHost, Network, NetworkFactory } from './network.js';
import { ProtocolError } from '../protocol/parser.js';
import { ReplyError, type Reply, BLOCKED, NO_REPLY, type HandlerResult } from '../protocol/reply.js';
import { AccessClock, Database, type Entry, type StoreHooks } from '../store/database.js';
import { freedLazily } from '../store/lazyfree.js';
import { OomScoreAdj } from './oom-score.js';
import { BlockedClients, type BlockingHost, type Waiter } from './blocked.js';
import { PubSubHub, type Delivery } from '../pubsub/hub.js';
import { PublisherHolds } from '../pubsub/backpressure.js';
import { CommandTable } from './table.js';
import { execute, Context, recordEffects, resolveCommand, runResolved, type ExecuteOptions } from './dispatch.js';
import type { CommandContext } from '../commands/types.js';
import { clientInfoLine } from '../commands/connection.js';
import { Stats } from './stats.js';
import { Monitor } from '../observe/monitor.js';
import { SlowLog } from '../observe/slowlog.js';
import { LatencyMonitor } from '../observe/latency.js';
import { ClientPause } from './pause.js';
import { scriptingOf, type Scripting } from '../commands/scripting.js';
import { startObserveListener } from '../observe/http.js';
import { applyHeapTarget, makeRoom } from '../store/eviction.js';
import { loadLua } from '../scripting/lua.js';
import { scriptShebangFlags } from '../scripting/engine.js';
import { Tracking } from './tracking.js';
import { aclOf } from '../security/acl.js';
import { EffectsStream } from './effects.js';
import { ReplicaFeeds, ReplicaLink, ReplicationLog, type ReplicaHost } from './replica.js';
import { AppendOnlyFile } from '../persistence/aof.js';
import { LoadAborted } from '../persistence/loading.js';
import { RdbFile, PersistenceErrors } from '../persistence/rdbfile.js';
import { ReplicationErrors } from '../protocol/errors.js';
import type { CommandSpec } from '../commands/types.js';
import type { CommandHost, OutboundPool, ShutdownOptions } from '../commands/host.js';
import type { PersistenceHost } from '../persistence/host.js';
import { formatLogLine, logs, clientFields, LogThrottle, type LogLevel, type LogFields, type LogFormat } from './log.js';
import { clientMemoryLimitOf, evictClientsIfNeeded, type EvictionHost } from './client-eviction.js';
import { REPLY_BUFFER_MIN, REPLY_BUFFER_PEAK_RESET_MS, REPLY_BUFFER_SIZE, type OutputBuffer } from '../protocol/writer.js';

export { TIDINGS_VERSION, REDIS_VERSION } from '../config/version.js';

export type { LogLevel } from './log.js';

export interface ServerOptions {
  /** Parameters as in redis.conf / CONFIG SET (`port`, `bind`, `requirepass`, ...), or a loaded Config. */
  config?: Record<string, string | number | boolean> | Config;
  /** Where log lines go. Default: the `logfile` parameter, else stdout for the CLI, nowhere embedded. */
  log?: ((line: string) => void) | false;
  /**
   * Load the dump (or the append-only file) when listening, as redis-server does. Default true;
   * startServer() turns it off unless `dir` or `appendonly` is given, so an embedded server never
   * picks up a stray dump.rdb from the working directory.
   */
  loadAtStart?: boolean;
}

interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export class Server implements CommandHost, PersistenceHost, StoreHooks, Delivery<Client>, BlockingHost, EvictionHost, ReplicaHost, ConnectionHost {
  readonly config: Config;
  readonly table = new CommandTable();
  readonly dbs: Database[] = [];
  readonly hub: PubSubHub<Client>;
  /** Publishers not read while a subscriber they deliver to drains. */
  readonly holds = new PublisherHolds<Client>((publisher) => {
    if (publisher.parser.buffered > 0) this.queueInput(publisher);
  });
  readonly blocking: BlockedClients;
  readonly pause: ClientPause;
  readonly clients = new Map<number, Client>();
  readonly stats = new Stats();
  readonly monitor = new Monitor<Client>();
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly startedAt = Date.now();
  readonly runId = randomHex(40);
  /** Extension point for the scripting group: per-server state (script cache, VM). */
  readonly extensions = new Map<string, unknown>();
  /** Listeners, client objects and outbound links (net/network.ts). */
  private readonly network: Network;

  /** Cached connections to other servers (MIGRATE). */
  get outbound(): OutboundPool {
    return this.network.outbound;
  }

  /** Lua scripting state (script cache, FUNCTION libraries, the VM), created on first use. */
  get scripting(): Scripting {
    return scriptingOf(this);
  }
  readonly tracking: Tracking;

  private lastClientId = 0;
  private readonly pendingFlush: Client[] = [];
  /** Clients with input read this turn, in the order it arrived: their commands run after the reads. */
  private pendingInput: Client[] = [];
  private inputScheduled = false;
  /** runInput is running the turn's commands (it flushes their replies itself). */
  private runningInput = false;
  private flushScheduled = false;
  private cron: NodeJS.Timeout | undefined;
  private readonly watchers = new Map<string, Set<Client>>();
  private outputLimits: { normal: OutputLimit; pubsub: OutputLimit } = {
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    pubsub: { hard: 0, soft: 0, softSeconds: 0 },
  };
  private logSink: ((line: string) => void) | undefined;
  private readonly oomLogThrottle = new LogThrottle(10_000);
  private readonly misconfLogThrottle = new LogThrottle(10_000);
  private notifyFlags = '';
  private closed = false;
  /** close() was called (a load across turns stops at its next pause). */
  get stopped(): boolean {
    return this.closed;
  }
  /** Address actually bound (after listen). */
  get host(): string {
    return this.network.host;
  }
  get port(): number {
    return this.network.port;
  }
  /** TLS port actually bound, 0 without TLS. */
  get tlsPort(): number {
    return this.network.tlsPort;
  }
  activeExpireEnabled = true;
  /** DEBUG PAUSE-CRON: the cron does nothing (expiry, timeouts, buffer resizing, a signal's shutdown). */
  cronPaused = false;
  /** A SIGTERM/SIGINT not yet acted on (Redis's shutdown_asap): SHUTDOWN ABORT can still cancel it. */
  shutdownAsap: 'SIGTERM' | 'SIGINT' | undefined;
  /** A signal asked for the shutdown now under way (a second SIGINT then exits at once: the CLI's signal handler). */
  shutdownSignalled = false;
  /** A shutdown's final save is running in slices: no command runs until it is over (frozenInput). */
  private finalSaveRunning = false;
  /** Clients with input that arrived during the final save: run if the save fails and the server stays up. */
  private frozenInput = new Set<Client>();
  /** DEBUG REPLYBUFFER PEAK-RESET-TIME: how often a client's reply buffer peak is forgotten (ms; <0 never). */
  replyBufferPeakResetMs = REPLY_BUFFER_PEAK_RESET_MS;
  /** DEBUG REPLYBUFFER RESIZING: whether the cron resizes reply buffers. */
  replyBufferResizing = true;
  /**
   * Key modifications since start (Redis's server.dirty): save points compare it with its value at
   * the last save, and the effects stream uses its change across a command to know that it wrote.
   */
  dirty = 0;
  /** How many EXECs are running their queue (CONFIG SET appendonly yes waits for the cron then). */
  inExec = 0;
  private readonly loadAtStart: boolean;
  /** Writes as effects, for the append-only file. */
  readonly effects = new EffectsStream();
  /** Set while the disk refuses writes (MISCONF): write commands get this error. */
  writesDenied: ReplyError | undefined;
  readonly aof: AppendOnlyFile;
  /** The dump file: SAVE/BGSAVE, save points, loading, INFO persistence. */
  readonly rdb: RdbFile;
  /**
   * True while commands may be refused before they run (loading the dataset, -MISCONF after a
   * failed save): dispatch then asks admit(). One boolean on the hot path otherwise.
   */
  gated = false;
  /** Replication ID, offset and backlog (server/replica.ts). */
  readonly repl = new ReplicationLog(() => this.config.number('repl-backlog-size'));
  /** The replicas attached to us, and the stream they get. */
  readonly replicaFeeds = new ReplicaFeeds(this);
  /** Set while this server is a replica (REPLICAOF host port). */
  replicaLink: ReplicaLink | undefined;
  /** A replica with replica-read-only: clients' writes get -READONLY (dispatch asks admit()). */
  readOnlyReplica = false;
  /** A replica with replica-serve-stale-data no: dispatch asks admit(), which checks the link. */
  private denyStale = false;

  /** When the replication checks last ran (once a second, from the cron). */
  private replicationCronMs = 0;

  /** min-replicas-to-write on a master whose min-replicas-max-lag is not 0 (else 0: no minimum). */
  private minReplicas = 0;

  /** Dispatch must ask admit(): a read-only replica, one that may refuse stale reads, or a master with a minimum of replicas. */
  get replicaGated(): boolean {
    return this.readOnlyReplica || this.denyStale || this.minReplicas > 0;
  }

  /**
   * Redis's checkGoodReplicasStatus: false on a master with min-replicas-to-write set when fewer
   * replicas are online with an ACK at most min-replicas-max-lag seconds old.
   */
  enoughGoodReplicas(): boolean {
    return this.minReplicas === 0 || this.goodReplicas() >= this.minReplicas;
  }

  /** Online replicas whose last ACK is at most min-replicas-max-lag seconds old (INFO's min_slaves_good_slaves). */
  goodReplicas(): number {
    return this.replicaFeeds.countGood(this.config.number('min-replicas-max-lag'));
  }

  /** INFO replication shows min_slaves_good_slaves while both parameters are set (on a replica too). */
  get minReplicasEnforced(): boolean {
    return this.config.number('min-replicas-to-write') > 0 && this.config.number('min-replicas-max-lag') > 0;
  }

  /** A replica whose link is down while replica-serve-stale-data is no: only `stale` commands run. */
  get staleReplica(): boolean {
    return this.denyStale && this.replicaLink !== undefined && this.replicaLink.state !== 'connected';
  }
  /** INFO persistence's aof_* fields, supplied by the append-only file when it is wired in. */
  aofInfo: (() => [string, string | number][]) | undefined;
  /**
   * While a script runs past busy-reply-threshold between its slices (src/commands/scripting.ts):
   * the -BUSY error every command without the allow_busy flag gets. Undefined otherwise.
   */
  busyScript: ReplyError | undefined = undefined;
  /**
   * A Lua debugging session (SCRIPT DEBUG SYNC, src/commands/scripting.ts): its client's commands
   * go to the debugger instead of the dispatcher, and its leaving ends the session.
   */
  scriptDebugger: { client: Client; command(argv: Buffer[]): void; disconnected(): void } | undefined = undefined;
  /** Other clients' commands that arrived during a debugging session, in arrival order. */
  private heldForDebugger: { client: Client; argv: Buffer[] }[] = [];
  /** Run before the server stops on SHUTDOWN or a signal (flush the append-only file, ...). */
  readonly beforeShutdown: Array<() => void> = [];

  /** `network` supplies the listeners and client objects: net/network.ts's createServer passes it. */
  constructor(options: ServerOptions, network: NetworkFactory) {
    this.config = options.config instanceof Config ? options.config : new Config(options.config ?? {});
    this.loadAtStart = options.loadAtStart !== false;
    this.config.onIgnoredSet = (name, reason) => this.log('warning', `CONFIG SET ${name}: accepted, but it has no effect in Tidings: ${reason}`);
    this.slowlog = new SlowLog(this.config);
    this.latency = new LatencyMonitor(this.config);
    const logfile = this.config.string('logfile');
    if (options.log === false) this.logSink = undefined;
    else if (options.log) this.logSink = options.log;
    else if (logfile) {
      // Opened per line, as Redis does, so log rotation needs no signal; a line that cannot be
      // written is dropped rather than stopping the server.
      this.logSink = (line) => {
        try {
          fs.appendFileSync(logfile, line + '\n');
        } catch {
          // dropped
        }
      };
    }
    const clock = new AccessClock();
    for (let i = 0; i < this.config.number('databases'); i++) this.dbs.push(new Database(i, this, clock));
    this.hub = new PubSubHub(this);
    this.blocking = new BlockedClients(this);
    this.pause = new ClientPause({
      runParked: (client, argv) => this.runParked(client, argv),
      expiryHeld: (held) => {
        for (const db of this.dbs) db.expiryHeld = held || this.replicaLink !== undefined;
      },
      resolve: (argv) => {
        const spec = resolveCommand(this, argv);
        return spec instanceof ReplyError ? undefined : spec;
      },
      scriptFlags: (sha) => scriptingOf(this).scriptFlags.get(sha),
      functionFlags: (name) => scriptingOf(this).functions.get(name)?.fn.flags,
    });
    this.tracking = new Tracking(this);
    this.rdb = new RdbFile(this);
    this.network = network(this);
    this.applyConfig();
    this.config.onChange(() => this.applyConfig());
    this.aof = new AppendOnlyFile(this);
    this.aofInfo = () => this.aof.info();
    this.applyReplicaMode();
    this.config.onChange((name, value) => {
      if (name === 'replica-read-only' || name === 'replica-serve-stale-data' || name.startsWith('min-replicas-')) this.applyReplicaMode();
      if (name === 'oom-score-adj' || name === 'oom-score-adj-values') this.applyOomScore();
      if (name === 'aof-disable-auto-gc' && value === false) this.aof.collectHistory();
      // As Redis: lowering maxmemory evicts at once (by policy), not at the next write; inside
      // EXEC only once the transaction is over (the next command evicts), so it stays atomic.
      if (name === 'maxmemory' && this.network.listening && this.inExec === 0) makeRoom(this);
      if (name !== 'appendonly' || !this.network.listening) return;
      if (value !== true) this.aof.disable();
      else if (this.inExec > 0 || this.rdb.inProgress) this.aof.scheduleEnable(this.inExec > 0);
      else this.aof.enableAtRuntime();
    });
  }

  /** maxmemory-clients in bytes (0: no limit), kept by applyConfig. */
  private clientMemLimit = 0;

  clientMemoryLimit(): number {
    return this.clientMemLimit;
  }

  /** maxmemory-clients: disconnect a client for the memory it holds, as Redis logs and counts it. */
  evictClient(client: Client, memory: number): void {
    this.stats.evictedClients++;
    this.log('verbose', `Evicting client: id=${client.id} addr=${client.addr} name=${client.name} tot-mem=${memory}`, {
      ...clientFields(client),
      event: 'client-evicted',
      memory,
    });
    this.closeClient(client);
  }

  private applyConfig(): void {
    this.notifyFlags = this.config.string('notify-keyspace-events');
    const parts = this.config.string('client-output-buffer-limit').split(' ');
    for (let i = 0; i < parts.length; i += 4) {
      const limit = { hard: Number(parts[i + 1]), soft: Number(parts[i + 2]), softSeconds: Number(parts[i + 3]) };
      if (parts[i] === 'normal') this.outputLimits.normal = limit;
      if (parts[i] === 'pubsub') this.outputLimits.pubsub = limit;
    }
    this.holds.configure(this.outputLimits.pubsub.hard, this.outputLimits.pubsub.soft);
    applyHeapTarget(this.config.number('maxmemory'));
    this.clientMemLimit = clientMemoryLimitOf(this.config.string('maxmemory-clients'), this.config.number('maxmemory'));
    if (this.clientMemLimit > 0 && this.network.listening) evictClientsIfNeeded(this);
    // An LFU policy keeps access counters in each entry's lru field (store/database.ts).
    const lfu = this.config.string('maxmemory-policy').endsWith('-lfu')
      ? { logFactor: this.config.number('lfu-log-factor'), decayMinutes: this.config.number('lfu-decay-time') }
      : undefined;
    for (const db of this.dbs) db.lfu = lfu;
    const maxBulkLen = this.config.number('proto-max-bulk-len');
    const maxQueryBuffer = this.config.number('client-query-buffer-limit');
    for (const client of this.clients.values()) {
      client.parser.limits.maxBulkLen = maxBulkLen;
      client.parser.limits.maxQueryBuffer = maxQueryBuffer;
    }
  }

  /** One log line, in Redis's format or JSON (`log-format`); `fields` name a client in JSON lines. */
  log(level: LogLevel, message: string, fields?: LogFields): void {
    if (!this.logSink || !logs(level, this.config.string('loglevel'))) return;
    this.logSink(formatLogLine(this.config.string('log-format') as LogFormat, level, message, fields));
  }

  /** A write refused for OOM: one line with the client, at most every 10 s (a flood is counted). */
  logOomRefusal(client: Client, command: string): void {
    const held = this.oomLogThrottle.admit(Date.now());
    if (held === undefined) return;
    const more = held > 0 ? ` (${held} more refused since the last line)` : '';
    this.log(
      'warning',
      `OOM: refused '${command}' from client id=${client.id} addr=${client.addr} name=${client.name}: used memory is over 'maxmemory' (${this.config.number('maxmemory')} bytes) and nothing could be evicted${more}`,
      { ...clientFields(client), command, event: 'oom-refused', held },
    );
  }

  /**
   * A write refused with -MISCONF because persistence failed (a failed save with
   * stop-writes-on-bgsave-error, or the append-only file cannot write): one line with the client
   * and the reason it was given, at most every 10 s (a flood is counted).
   */
  logMisconfRefusal(client: Client, command: string, refusal: ReplyError): void {
    const held = this.misconfLogThrottle.admit(Date.now());
    if (held === undefined) return;
    const more = held > 0 ? ` (${held} more refused since the last line)` : '';
    const reason = refusal.message.startsWith('MISCONF Errors writing to the AOF file')
      ? refusal.message.slice('MISCONF '.length)
      : 'the last background save failed (stop-writes-on-bgsave-error is yes)';
    this.log('warning', `MISCONF: refused '${command}' from client id=${client.id} addr=${client.addr} name=${client.name}: ${reason}${more}`, {
      ...clientFields(client),
      command,
      event: 'misconf-refused',
      held,
    });
  }

  /** Every address listened on: host:port per TCP listener, the unix socket path, then TLS ones. */
  addresses(): string[] {
    return this.network.addresses();
  }

  // ---------------------------------------------------------------- listening

  /** Bind every listener, then load the dataset; `onBound` runs in between (the start-up banner). */
  async listen(onBound?: () => void): Promise<void> {
    await loadLua();
    await startObserveListener(this);
    // With a file to load, clients get -LOADING from the first accepted connection: one listener
    // may accept while another still binds, and no client may see the dataset before it is loaded.
    const appendonly = this.config.bool('appendonly');
    if (appendonly || (this.loadAtStart && fs.existsSync(this.rdb.path))) this.rdb.setLoading(true);
    try {
      await this.network.listen();
    } catch (err) {
      this.rdb.setLoading(false);
      throw err;
    }
    onBound?.();
    // Load the dataset after binding and before resolving, so "ready" means the data is there. As
    // in Redis, the load runs in slices while clients are served: commands without the `loading`
    // flag get -LOADING until it ends (persistence/loading.ts). A bad file stops start-up (the
    // listeners are closed); a close() meanwhile (SHUTDOWN, a signal) stops the load and rejects
    // with LoadAborted. The append-only file is the source when it is on, the dump file otherwise.
    try {
      if (appendonly) await this.aof.loadAtStartInSlices();
      else if (this.loadAtStart) await this.rdb.loadInSlices({ atStart: true });
    } catch (err) {
      if (!(err instanceof LoadAborted)) await this.close();
      throw err;
    } finally {
      // The dump file may have gone since it was seen.
      this.rdb.setLoading(false);
    }
    if (this.closed) throw new LoadAborted();
    this.startCron();
    try {
      this.applyOomScore();
    } catch {
      /* logged by applyOomScore; Redis starts anyway */
    }
    this.config.onChange((name) => {
      if (name === 'hz' && this.cron && !this.closed) this.startCron();
    });
    const master = this.config.string('replicaof');
    if (master !== '') {
      const [host, port] = master.split(' ');
      this.replicaOf(host!, Number(port));
    }
  }

  // ---------------------------------------------------------------- replication

  /** REPLICAOF host port: drop our replicas, and follow that master from now on. */
  replicaOf(host: string, port: number): void {
    this.replicaLink?.stop();
    this.replicaFeeds.disconnectAll();
    this.disconnectBlockedClients();
    this.replicaLink = new ReplicaLink(this, host, port);
    this.applyReplicaMode();
  }

  /**
   * As Redis's disconnectAllBlockedClients: clients waiting in a blocking command (BLPOP, WAIT,
   * SHUTDOWN, ...) get -UNBLOCKED and are closed, since the data they wait on now comes from a
   * master. Clients held by CLIENT PAUSE are not blocked in a command yet and stay.
   */
  private disconnectBlockedClients(): void {
    for (const client of [...this.clients.values()]) {
      if (!this.blocking.isBlocked(client)) continue;
      this.blocking.unblock(client, UNBLOCKED_BY_ROLE_CHANGE());
      this.closeAfterReply(client);
    }
  }

  /** REPLICAOF NO ONE: a master again, with a new replication ID (the old one valid up to now). */
  promote(): void {
    if (this.replicaLink === undefined) return;
    this.replicaLink.stop();
    this.replicaLink = undefined;
    this.repl.shiftId();
    this.replicaFeeds.disconnectAll();
    this.applyReplicaMode();
    this.log('notice', 'MASTER MODE enabled (user request from client)');
  }

  /** Read-only gate and expiry as a replica has them (keys expire only by the master's DEL). */
  private applyReplicaMode(): void {
    this.readOnlyReplica = this.replicaLink !== undefined && this.config.bool('replica-read-only');
    this.denyStale = this.replicaLink !== undefined && !this.config.bool('replica-serve-stale-data');
    const lagLimited = this.config.number('min-replicas-max-lag') > 0;
    this.minReplicas = this.replicaLink === undefined && lagLimited ? this.config.number('min-replicas-to-write') : 0;
    this.rdb.updateGate();
    for (const db of this.dbs) db.expiryHeld = this.replicaLink !== undefined || this.pause.active;
    // A replica has its own oom-score-adj class; a refusal here is only logged.
    try {
      this.applyOomScore();
    } catch {
      /* logged by applyOomScore */
    }
  }

  private readonly oomScore = new OomScoreAdj();

  /** The oom_score_adj a background writer child gives itself (undefined: leave it as inherited). */
  childOomScore(): number | undefined {
    return this.oomScore.childScore(this.config);
  }

  /** oom-score-adj for this process's class; throws (CONFIG SET fails) when the kernel refuses. */
  private applyOomScore(): void {
    this.oomScore.apply(this.config, this.replicaLink !== undefined, (message) => this.log('warning', message));
  }

  listeningPort(): number {
    return this.port;
  }

  tlsClientOptions(): tls.ConnectionOptions {
    return this.network.tlsClientOptions();
  }

  async loadFullSync(rdb: Buffer): Promise<boolean> {
    for (const db of this.dbs) db.flush();
    if (this.extensions.has('scripting')) scriptingOf(this).flushFunctions();
    try {
      await this.rdb.loadBufferInSlices(rdb, 'the master payload', { replaceLibraries: true });
    } catch (err) {
      if (!(err instanceof LoadAborted)) this.log('warning', `Failed trying to load the MASTER synchronization DB: ${(err as Error).message}`);
      return false;
    }
    return true;
  }

  createMasterClient(): Client {
    return this.network.detachedClient('master', `${this.replicaLink?.masterHost}:${this.replicaLink?.masterPort}`);
  }

  /** One command of the master's stream: run without a reply, keys not expired by us meanwhile. */
  applyFromMaster(client: Client, argv: Buffer[]): void {
    for (const db of this.dbs) db.loading = true;
    try {
      execute(this, client, argv);
    } finally {
      for (const db of this.dbs) db.loading = false;
    }
    if (client.out.size > 0) client.out.take();
    if (this.blocking.hasReady && this.busyScript === undefined) this.blocking.serveReady();
  }

  masterChanged(): void {
    this.replicaFeeds.disconnectAll();
  }

  proxyToReplicas(raw: Buffer): void {
    this.replicaFeeds.send(raw);
  }

  /** CONFIG SET port/tls-port/bind: move the listeners (connections stay); rejects when the new ones fail. */
  relisten(bind: string, port: number, tlsPort = this.config.number('tls-port')): Promise<void> {
    return this.network.relisten(bind, port, tlsPort);
  }

  /** The cron at `hz` times a second, clamped to 1..500 as Redis does. */
  private startCron(): void {
    if (this.cron) clearInterval(this.cron);
    const hz = Math.min(500, Math.max(1, this.config.number('hz')));
    this.cron = setInterval(() => this.serverCron(), Math.max(2, Math.floor(1000 / hz)));
    this.cron.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.cron) clearInterval(this.cron);
    this.pause.close();
    const saving = this.rdb.abortBackground();
    const closing = this.network.stopListening();
    // Replies already queued this turn were acknowledged writes: put them in the log first.
    this.aof.close();
    for (const client of [...this.clients.values()]) this.closeClient(client);
    this.network.dropConnections();
    this.replicaLink?.stop();
    await closing;
    await saving;
    for (const ext of this.extensions.values()) {
      const closable = ext as { close?: () => void };
      if (typeof closable.close === 'function') closable.close();
    }
  }

  // ---------------------------------------------------------------- connections

  nextClientId(): number {
    return ++this.lastClientId;
  }

  /** A new connection: admitted (registered) unless maxclients or protected mode refuses it. */
  accept(client: Client, remoteAddress: string | undefined, encrypted: boolean): string | undefined {
    this.stats.totalConnections++;
    if (this.clients.size >= this.config.number('maxclients')) {
      this.stats.rejectedConnections++;
      // Over TLS Redis refuses before its handshake is done, so nothing can be written: the client
      // sees the connection close.
      return encrypted ? '' : '-ERR max number of clients reached\r\n';
    }
    client.aclUser = aclOf(this).defaultUser;
    if (aclOf(this).authRequired()) {
      client.authenticated = false;
    } else if (this.config.bool('protected-mode') && client.kind !== 'unix' && !isLocalPeer(remoteAddress ?? '')) {
      // Redis's rule: with no password on the default user, only 127.0.0.1, ::1 and the unix
      // socket are let in, whatever the bind addresses are (127.0.0.2 is not local to it).
      this.stats.rejectedConnections++;
      return PROTECTED_MODE_DENIED;
    }
    this.clients.set(client.id, client);
    return undefined;
  }

  /** The connection's write buffer drained: the soft output limit may be met again. */
  outputDrained(client: Client): void {
    this.checkOutputLimit(client);
  }

  input(client: Client, chunk: Buffer): void {
    if (client.closing) return;
    client.lastInteraction = Date.now();
    this.stats.netInputBytes += chunk.length;
    try {
      client.parser.push(chunk);
    } catch {
      this.log('warning', `Closing client that reached max query buffer length: id=${client.id} addr=${client.addr} name=${client.name}`, {
        ...clientFields(client),
        event: 'query-buffer-limit',
      });
      this.stats.queryBufferLimitDisconnections++;
      this.closeClient(client);
      return;
    }
    if (this.clientMemLimit > 0) {
      evictClientsIfNeeded(this);
      if (client.closing) return;
    }
    // A short read waits for the turn's command run (runInput, in the check phase right after the
    // reads): a command then sees what other clients sent before it (CLIENT LIST a big argument's
    // bytes, ...), whatever order the poller reported the sockets in. A client with more than
    // EAGER_INPUT_BYTES buffered (a pipeline burst, a large value) runs its commands now, so that
    // its query buffer stays as small as a read (client-query-buffer-limit counts it; a burst of
    // reads left for the end of the poll phase would pile up to 2 MiB).
    if (client.parser.buffered >= EAGER_INPUT_BYTES) this.runClientInput(client);
    else this.queueInput(client);
  }

  /** Run this client's buffered commands in this turn's (or, from a check-phase callback, the next turn's) command run. */
  private queueInput(client: Client): void {
    if (!client.inputPending) {
      client.inputPending = true;
      this.pendingInput.push(client);
    }
    if (!this.inputScheduled) {
      this.inputScheduled = true;
      setImmediate(this.runInput);
    }
  }

  /** Run the commands of every client whose input was read this turn, then send the replies. */
  private readonly runInput = (): void => {
    this.inputScheduled = false;
    const clients = this.pendingInput;
    this.pendingInput = [];
    this.runningInput = true;
    try {
      for (const client of clients) {
        client.inputPending = false;
        if (!client.closing) this.runClientInput(client);
      }
    } finally {
      this.runningInput = false;
    }
    // What Redis does before sleeping, in this turn too (an immediate queued from here would wait
    // for the next one): BCAST invalidations of the keys these commands modified, then the flush,
    // whose client-eviction check then sees the invalidations' bytes before any later command.
    this.tracking.broadcastNow();
    if (this.flushScheduled) this.flush();
  };

  /** A client's buffered commands, then the memory its leftovers hold (maxmemory-clients). */
  private runClientInput(client: Client): void {
    this.processInput(client);
    // Arguments of an incomplete command, a large argument's announced length, replies queued:
    // Redis counts them all at once.
    const input = client.parser;
    if (this.clientMemLimit > 0 && !client.closing && (input.partialArgBytes !== 0 || input.announced !== 0 || client.out.size !== 0)) {
      evictClientsIfNeeded(this);
    }
  }

  /** Run every complete command buffered for this client, unless it is blocked. */
  processInput(client: Client): void {
    const parser = client.parser;
    // A publisher held for a lagging subscriber runs nothing more until it is released.
    if (this.holds.isHeld(client)) return;
    if (this.finalSaveRunning) {
      this.frozenInput.add(client);
      return;
    }
    this.holds.beginInput();
    try {
      while (!client.blocked && !client.closing) {
        const argv = parser.next();
        if (argv === undefined) break;
        this.runFromNetwork(client, argv);
        // As Redis checks at each reply: a client over its output limit goes now, not at the
        // flush, so neither its own pipelined commands nor the next client's CLIENT LIST (or a
        // client eviction) see it.
        if (client.out.size !== 0) this.checkOutputLimit(client);
        // It delivered to a subscriber that lags: held, its further commands wait (pubsub/backpressure.ts).
        if (this.holds.hitPending && this.holds.holdIfHit(client)) break;
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      if (err.message === 'query buffer limit') {
        this.closeClient(client);
        return;
      }
      this.log('verbose', `Protocol error (${err.message.replace(/^Protocol error: /, '')}) from client: id=${client.id} addr=${client.addr} name=${client.name}`, {
        ...clientFields(client),
        event: 'protocol-error',
      });
      client.push(new ReplyError(`ERR ${err.message}`));
      this.stats.errorReply('ERR');
      this.closeAfterProtocolError(client);
    }
  }

  /**
   * After a protocol error the rest of the stream cannot be trusted: stop reading, write what is
   * queued (earlier replies and the error) and then destroy the socket, not just half-close it,
   * so a client that keeps writing sees the connection fail (Redis's desync tests rely on it).
   */
  private closeAfterProtocolError(client: Client): void {
    this.detach(client);
    client.closing = true;
    const socket = client.socket;
    if (socket === null || socket.destroyed) return;
    socket.pause();
    const total = client.out.size;
    const bytes = Buffer.concat(client.out.take(), total);
    this.stats.netOutputBytes += total;
    socket.write(bytes, () => socket.destroy());
    // A peer that does not read must not keep the socket alive.
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  private runFromNetwork(client: Client, argv: Buffer[]): void {
    const debugging = this.scriptDebugger;
    if (debugging !== undefined && debugging.client === client) {
      debugging.command(argv);
      this.scheduleFlush(client);
      return;
    }
    if (this.tracking.clients !== 0) this.tracking.beforeCommand(client);
    const result = execute(this, client, argv);
    if (result !== NO_REPLY && result !== BLOCKED) client.write(result);
    if (this.tracking.current !== undefined) this.tracking.afterCommand(client, argv);
    if (this.blocking.hasReady && this.busyScript === undefined) this.blocking.serveReady();
    this.scheduleFlush(client);
  }

  get heldForDebuggerCount(): number {
    return this.heldForDebugger.length;
  }

  /** Park another client's command until the Lua debugging session ends (src/server/dispatch.ts). */
  holdForDebugger(client: Client, argv: Buffer[]): void {
    client.blocked = true;
    this.heldForDebugger.push({ client, argv });
  }

  /**
   * The debugging session is over: run the commands it held, once the session's own last reply
   * is written (a microtask, so before any further input), then each client's further input.
   */
  releaseHeldForDebugger(): void {
    if (this.heldForDebugger.length === 0) return;
    const held = this.heldForDebugger;
    this.heldForDebugger = [];
    queueMicrotask(() => {
      for (const { client, argv } of held) {
        if (client.closing) continue;
        client.blocked = false;
        this.runParked(client, argv);
      }
    });
  }

  /** Run a command that waited (CLIENT PAUSE, a debugging session), then queue what the client sent after it. */
  private runParked(client: Client, argv: Buffer[]): void {
    this.runFromNetwork(client, argv);
    if (!client.blocked && client.parser.buffered > 0) this.queueInput(client);
  }

  /** Run a command for an in-process caller (tests, scripts) and return its reply. */
  call(client: Client, argv: Buffer[], options: ExecuteOptions = {}): HandlerResult {
    return execute(this, client, argv, options);
  }

  /**
   * Run a command its caller has already resolved and admitted (redis.call): dispatch's second
   * half, offered here so that command groups need not import the dispatcher.
   */
  callResolved(client: Client, spec: CommandSpec, argv: Buffer[], options: ExecuteOptions): HandlerResult {
    return runResolved(this, client, spec, argv, options);
  }

  /** Resolve a command by name and arity, for modules below the commands (the AOF replay). */
  resolveCommand(argv: Buffer[]): CommandSpec | ReplyError {
    return resolveCommand(this, argv);
  }

  /** The CLIENT LIST line for a client, for modules below the commands (ACL LOG's client-info). */
  describeClient(client: Client): string {
    return clientInfoLine(client);
  }

  /** A client with no socket, for scripts and in-process calls. */
  createFakeClient(): Client {
    return this.network.detachedClient('script', '');
  }

  /** The client that replays the append-only file at start (no socket, never refused). */
  createLoaderClient(): Client {
    return this.network.detachedClient('loader', '');
  }

  /** Make sure flush() runs at the end of this turn even if no client has output (AOF bytes). */
  requestFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // runInput flushes when its commands are done; a setImmediate from there would wait a turn.
      if (!this.runningInput) setImmediate(() => this.flush());
    }
  }

  /**
   * Before a BGSAVE's or a rewrite's slice: run the commands read this turn and send the replies
   * the turn has produced, now rather than from their setImmediates, which may come after the
   * slice (its wait can end in the same check phase, ahead of the command run): a request then
   * waits at most for the slice it arrived during.
   */
  flushReplies(): void {
    if (this.inputScheduled && !this.runningInput) this.runInput();
    if (this.flushScheduled) this.flush();
  }

  scheduleFlush(client: Client): void {
    if (client.flushScheduled || client.socket === null) return;
    client.flushScheduled = true;
    this.pendingFlush.push(client);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      if (!this.runningInput) setImmediate(() => this.flush());
    }
  }

  /** Write every client's queued output: one socket write per client per event-loop turn. */
  private flush(): void {
    this.flushScheduled = false;
    const clients = this.pendingFlush.splice(0);
    // The turn's writes reach the log (one write, and with `always` one fdatasync) before any of
    // its replies reach a socket: a reply is never an acknowledgement of a write a crash can lose.
    if (this.aof.enabled && !this.aof.writeTurn() && this.config.string('appendfsync') === 'always') {
      for (const client of clients) {
        client.flushScheduled = false;
        this.closeClient(client);
      }
      return;
    }
    for (const client of clients) {
      client.flushScheduled = false;
      this.flushClient(client);
    }
    if (this.clientMemLimit > 0) evictClientsIfNeeded(this);
    this.lastSharedChunks = undefined;
    this.lastSharedBuffer = undefined;
  }

  /**
   * The frames and their concatenation last written to a connection whose output was only shared
   * pub/sub frames: the next connection with the very same frames (same channel, same turn)
   * gets the same buffer, so a fan-out copies each turn's frames once, not once per subscriber.
   */
  private lastSharedChunks: Buffer[] | undefined;
  private lastSharedBuffer: Buffer | undefined;

  private flushClient(client: Client): void {
    const socket = client.socket;
    if (socket === null || socket.destroyed) {
      client.out.clear();
      return;
    }
    const out = client.out;
    const total = out.size;
    if (total !== 0 && !client.closing) {
      // As Redis: the limits count replies not yet written too, so one reply bigger than the hard
      // limit closes the client before any of it is sent.
      this.checkOutputLimit(client);
      if (client.closing) return;
    }
    const chunks = out.take();
    const n = chunks.length;
    if (n !== 0) {
      this.stats.netOutputBytes += total;
      const writer = client.writer!;
      if (n === 1) writer.write(chunks[0]!);
      else if (out.lastTakeShared) {
        const prev = this.lastSharedChunks;
        let same = prev !== undefined && prev.length === n;
        for (let i = 0; same && i < n; i++) if (prev![i] !== chunks[i]) same = false;
        if (!same) {
          this.lastSharedChunks = chunks;
          this.lastSharedBuffer = Buffer.concat(chunks, total);
        }
        writer.write(this.lastSharedBuffer!);
      } else if (total <= 256 * 1024) writer.write(Buffer.concat(chunks, total));
      else {
        socket.cork();
        for (const c of chunks) socket.write(c);
        socket.uncork();
      }
    }
    if (client.closing) {
      socket.end();
      return;
    }
    this.checkOutputLimit(client);
  }

  /** Disconnect a client whose pending output passed its class's hard limit, or soft limit too long. */
  private checkOutputLimit(client: Client): void {
    if (client.closing) return;
    const limit = client.subscriptionCount > 0 ? this.outputLimits.pubsub : this.outputLimits.normal;
    if (limit.hard === 0 && limit.soft === 0) return;
    const bytes = client.outputBytes;
    if (client.subscriptionCount > 0) this.holds.observe(client, bytes);
    let over = limit.hard > 0 && bytes >= limit.hard;
    if (!over && limit.soft > 0) {
      if (bytes >= limit.soft) {
        const now = Date.now();
        if (client.softLimitSince === 0) {
          client.softLimitSince = now;
          client.softLimitHits++;
        } else if (now - client.softLimitSince >= limit.softSeconds * 1000) over = true;
      } else {
        client.softLimitSince = 0;
      }
    }
    if (over) {
      this.stats.outputLimitDisconnections++;
      if (client.subscriptionCount > 0) this.hub.stats.recordDisconnect(client, bytes, limit);
      const cls = client.subscriptionCount > 0 ? 'pubsub' : 'normal';
      this.log(
        'warning',
        `Client id=${client.id} addr=${client.addr} name=${client.name} scheduled to be closed ASAP for overcoming of output buffer limits (class ${cls}, ${bytes} bytes pending).`,
        { ...clientFields(client), event: 'output-buffer-limit', class: cls, pending_bytes: bytes },
      );
      this.closeClient(client);
    }
  }

  /** Mark the client to be closed once its queued replies are written (QUIT, protocol errors). */
  closeAfterReply(client: Client): void {
    this.detach(client);
    client.closing = true;
    this.scheduleFlush(client);
  }

  closeClient(client: Client): void {
    this.detach(client);
    client.closing = true;
    client.out.clear();
    client.socket?.destroy();
  }

  /** Remove a client from every registry (idempotent). */
  private detach(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    if (this.scriptDebugger?.client === client) this.scriptDebugger.disconnected();
    this.hub.removeClient(client);
    this.holds.forget(client);
    this.blocking.unblock(client);
    this.unwatchAll(client);
    this.monitor.remove(client);
    this.pause.remove(client);
    if (this.heldForDebugger.length !== 0) this.heldForDebugger = this.heldForDebugger.filter((h) => h.client !== client);
    this.tracking.disable(client);
  }

  // ---------------------------------------------------------------- delivery (pub/sub)

  deliver(client: Client, frame: Buffer): void {
    if (client.closing) return;
    client.pushRaw(frame);
    this.holds.delivered(client);
    this.scheduleFlush(client);
  }

  /** Keyspace notification (notify-keyspace-events). `flag` is the event class letter. */
  notifyKeyspaceEvent(flag: string, event: string, key: string, dbIndex: number): void {
    const flags = this.notifyFlags;
    if (flags === '') return;
    const inAll = 'g$lshzxet'.includes(flag);
    if (!flags.includes(flag) && !(inAll && flags.includes('A'))) return;
    if (flags.includes('K')) {
      this.hub.publish(Buffer.from(`__keyspace@${dbIndex}__:${key}`, 'latin1'), Buffer.from(event));
    }
    if (flags.includes('E')) {
      this.hub.publish(Buffer.from(`__keyevent@${dbIndex}__:${event}`), Buffer.from(key, 'latin1'));
    }
  }

  // ---------------------------------------------------------------- store hooks

  keyModified(db: Database, key: string): void {
    this.dirty++;
    if (this.tracking.active) this.tracking.keyModified(key);
    if (this.watchers.size === 0) return;
    const set = this.watchers.get(`${db.index}\u0000${key}`);
    if (set === undefined) return;
    for (const client of set) if (!this.expiredWatchReclaimed(client, db, key)) client.watchDirty = true;
  }

  /** True when `key` was an expired-on-arrival watch of `client` (see WatchedKey.expired) and is now gone. */
  private expiredWatchReclaimed(client: Client, db: Database, key: string): boolean {
    for (const w of client.watched) {
      if (w.expired !== true || w.dbIndex !== db.index || w.key !== key) continue;
      if (db.peekNoExpire(key) !== undefined) return false; // written again: a change
      w.expired = false;
      return true;
    }
    return false;
  }

  keyReady(db: Database, key: string): void {
    this.blocking.keyReady(db, key);
  }

  keyExpired(db: Database, key: string, entry: Entry): void {
    if (this.config.bool('lazyfree-lazy-expire')) freedLazily(this.stats, entry, this.config);
    this.effects.deleted(db.index, key);
    this.stats.expiredKeys++;
    if (this.tracking.active) this.tracking.expiring = true;
    this.notifyKeyspaceEvent('x', 'expired', key, db.index);
  }

  valueDropped(old: Entry): void {
    if (this.config.bool('lazyfree-lazy-server-del')) freedLazily(this.stats, old, this.config);
  }

  keyCreated(db: Database, key: string): void {
    if (this.notifyFlags !== '') this.notifyKeyspaceEvent('n', 'new', key, db.index);
  }

  keyspaceHit(): void {
    this.stats.keyspaceHits++;
  }

  keyspaceMiss(db: Database, key: string): void {
    this.stats.keyspaceMisses++;
    if (this.notifyFlags !== '') this.notifyKeyspaceEvent('m', 'keymiss', key, db.index);
  }

  // ---------------------------------------------------------------- WATCH registry

  /**
   * SWAPDB brought `db` its keys: a watched key that was missing and now arrives with its TTL
   * passed stays logically missing, so it is flagged rather than changed (Redis does the same).
   */
  flagExpiredArrivals(db: Database, missingBefore: (key: string) => boolean, now: number): void {
    if (this.watchers.size === 0) return;
    const prefix = `${db.index}\u0000`;
    for (const [slot, clients] of this.watchers) {
      if (!slot.startsWith(prefix)) continue;
      const key = slot.slice(prefix.length);
      const at = db.getExpire(key);
      if (at === undefined || at > now || !missingBefore(key) || db.peekNoExpire(key) === undefined) continue;
      for (const client of clients) for (const w of client.watched) if (w.dbIndex === db.index && w.key === key) w.expired = true;
    }
  }

  watch(client: Client, db: Database, key: string): void {
    if (client.watched.some((w) => w.dbIndex === db.index && w.key === key)) return;
    // Look the key up before registering: reclaiming a key whose TTL had already passed is no
    // change to this watcher (Redis does not abort EXEC for it).
    const expireAt = db.has(key) ? db.getExpire(key) : undefined;
    const slot = `${db.index}\u0000${key}`;
    let set = this.watchers.get(slot);
    if (set === undefined) this.watchers.set(slot, (set = new Set()));
    set.add(client);
    client.watched.push({ dbIndex: db.index, key, expireAt });
  }

  unwatchAll(client: Client): void {
    for (const w of client.watched) {
      const slot = `${w.dbIndex}\u0000${w.key}`;
      const set = this.watchers.get(slot);
      if (set) {
        set.delete(client);
        if (set.size === 0) this.watchers.delete(slot);
      }
    }
    client.watched.length = 0;
    client.watchDirty = false;
  }

  // ---------------------------------------------------------------- blocking host

  contextFor(client: Client, db: Database): CommandContext {
    if (this.tracking.clients !== 0) this.tracking.serving(client);
    return new Context(this, client, db, false, false);
  }

  /** A blocked client's retry ran: record what it wrote (its non-blocking form) as effects. */
  retried(ctx: CommandContext): void {
    if (!this.effects.active) return;
    this.effects.enter();
    recordEffects(this, ctx as Context, false, false, [], false, false);
    this.effects.leave();
  }

  served(waiter: Waiter, usec: number): void {
    const threshold = this.config.number('slowlog-log-slower-than');
    if (threshold >= 0 && usec >= threshold) this.slowlog.record(usec, waiter.argv, waiter.client.addr, waiter.client.name);
  }

  resume(client: Client, reply: Reply): void {
    client.write(reply);
    // An error that ends a wait (-NOGROUP, -UNBLOCKED, ...) counts in INFO errorstats, and as a
    // failed call of the blocked command (the client's last command: it ran nothing since), as Redis.
    if (reply instanceof ReplyError) {
      this.stats.errorReply(reply.code);
      this.stats.command(client.lastCommand).failedCalls++;
    }
    if (this.tracking.current === client) this.tracking.served(client);
    this.scheduleFlush(client);
    // Pipelined commands that arrived while the client was blocked run in the next command run.
    if (client.parser.buffered > 0) this.queueInput(client);
  }

  // ---------------------------------------------------------------- cron

  private serverCron(): void {
    if (this.cronPaused || this.finalSaveRunning) return;
    if (this.shutdownWait !== undefined) this.checkShutdownWait();
    else if (this.shutdownAsap !== undefined) this.shutdownNow();
    // As Redis: no cron between a busy script's slices, nor while the dataset loads.
    if (this.busyScript !== undefined || this.rdb.loading) return;
    const now = Date.now();
    this.aof.cron();
    if (now - this.replicationCronMs >= 1000) {
      this.replicationCronMs = now;
      this.replicaFeeds.cron(now);
      this.replicaLink?.cron(now);
    }
    this.tracking.cron();
    if (this.activeExpireEnabled && !this.pause.active && this.replicaLink === undefined) {
      // Active expiry: sample keys with a TTL in every database for a bounded time.
      const started = performance.now();
      const deadline = started + 5;
      for (const db of this.dbs) {
        if (db.expiresCount === 0) continue;
        for (;;) {
          const { examined, expired } = db.activeExpire(20, now);
          if (examined === 0 || expired * 4 < examined || performance.now() > deadline) break;
        }
      }
      this.latency.addIfNeeded('expire-cycle', performance.now() - started);
    }
    const timeout = this.config.number('timeout');
    if (timeout > 0) {
      for (const client of this.clients.values()) {
        if (client.blocked || client.subscriptionCount > 0 || client.monitor) continue;
        if (now - client.lastInteraction > timeout * 1000) {
          this.log('verbose', 'Closing idle client');
          this.closeClient(client);
        }
      }
    }
    for (const client of this.clients.values()) {
      if (client.softLimitSince !== 0) this.checkOutputLimit(client);
      if (this.replyBufferResizing) this.resizeReplyBuffer(client.out, now);
    }
    this.rdb.cron(now);
  }

  /**
   * Redis's reply buffer sizing: a buffer whose peak used less than half of it shrinks to just
   * above the peak (1 KB at least); one that filled up doubles, up to 16 KB. The peak is forgotten
   * every replyBufferPeakResetMs, so a client idle since its last big reply shrinks.
   */
  private resizeReplyBuffer(out: OutputBuffer, now: number): void {
    const size = out.capacity;
    let next = 0;
    if (size / 2 >= REPLY_BUFFER_MIN && out.peak < size / 2) next = Math.max(REPLY_BUFFER_MIN, out.peak + 1);
    else if (size * 2 < REPLY_BUFFER_SIZE * 2 && out.peak === size) next = Math.min(REPLY_BUFFER_SIZE, size * 2);
    if (this.replyBufferPeakResetMs >= 0 && now - out.peakResetAt >= this.replyBufferPeakResetMs) {
      out.peak = 0;
      out.peakResetAt = now;
    }
    if (next !== 0) out.resize(next);
  }

  /**
   * SIGTERM/SIGINT: Redis's signal handler only sets shutdown_asap and its cron shuts down, so
   * a paused cron leaves time for SHUTDOWN ABORT. Here the shutdown starts at once unless the
   * cron is paused (DEBUG PAUSE-CRON), then at its first run after.
   */
  signalShutdown(signal: 'SIGTERM' | 'SIGINT'): void {
    this.shutdownAsap = signal;
    this.shutdownSignalled = true;
    if (!this.cronPaused) this.shutdownNow();
  }

  /** SHUTDOWN ABORT: cancel a shutdown waiting for replicas, or a signal's not yet acted on. False when there is none. */
  abortShutdown(): boolean {
    if (this.shutdownWait !== undefined) this.cancelShutdown();
    else if (this.shutdownAsap !== undefined) this.shutdownAsap = undefined;
    else return false;
    this.shutdownSignalled = false;
    this.log('notice', 'Shutdown manually aborted.');
    return true;
  }

  // ---------------------------------------------------------------- shutdown waiting for replicas

  /**
   * A shutdown waiting for lagging replicas (Redis's shutdown_mstime): until every replica ACKs
   * the master offset or shutdown-timeout passes. SHUTDOWN callers stay blocked on it meanwhile.
   */
  private shutdownWait: { deadline: number; options: ShutdownOptions; callers: Set<Client>; done: Array<(closed: boolean) => void> } | undefined;

  /** INFO's shutdown_in_milliseconds: time left for replicas to catch up, while a shutdown waits. */
  shutdownInMs(): number | undefined {
    return this.shutdownWait === undefined || this.shutdownWait.deadline === 0 ? undefined : Math.max(0, this.shutdownWait.deadline - Date.now());
  }

  /** Every replica has acknowledged the whole stream (Redis's isReadyToShutdown). */
  private replicasInSync(): boolean {
    return this.replicaFeeds.connected().every((r) => r.ackOffset === this.repl.offset);
  }

  /**
   * SHUTDOWN or a signal, as Redis's prepareForShutdown: with replicas behind, shutdown-timeout > 0
   * and no NOW, wait for them ('waiting': `caller`, if any, stays blocked and hears the outcome);
   * with a final save due, 'waiting' too while it runs in slices; otherwise stop now ('closed'), or
   * 'failed' when the server may not stop (logged).
   */
  beginShutdown(options: ShutdownOptions, caller?: Client): { outcome: 'closed' | 'waiting' | 'failed'; closed: Promise<boolean> } {
    const wait = this.shutdownWait;
    if (wait !== undefined) {
      if (caller !== undefined) wait.callers.add(caller);
      return { outcome: 'waiting', closed: new Promise((resolve) => wait.done.push(resolve)) };
    }
    this.log('warning', 'User requested shutdown...');
    const timeout = this.config.number('shutdown-timeout');
    if (options.now !== true && timeout > 0 && !this.replicasInSync()) {
      const waiting = { deadline: Date.now() + timeout * 1000, options, callers: new Set<Client>(), done: [] as Array<(closed: boolean) => void> };
      if (caller !== undefined) waiting.callers.add(caller);
      this.shutdownWait = waiting;
      this.replicaFeeds.ackListeners.add(this.checkShutdownWait);
      this.replicaFeeds.sendCommand('REPLCONF', 'GETACK', '*');
      this.log('notice', 'Waiting for replicas before shutting down.');
      return { outcome: 'waiting', closed: new Promise((resolve) => waiting.done.push(resolve)) };
    }
    if (this.finalSaveNeeded(options)) {
      // The save runs in slices: the caller (if any) stays blocked, and hears of a failure.
      const waiting = { deadline: 0, options, callers: new Set<Client>(), done: [] as Array<(closed: boolean) => void> };
      if (caller !== undefined) waiting.callers.add(caller);
      this.shutdownWait = waiting;
      const closed = new Promise<boolean>((resolve) => waiting.done.push(resolve));
      void this.finishShutdown(waiting);
      return { outcome: 'waiting', closed };
    }
    // Nothing to save: stop now, unless the initial AOF is still being written.
    if (!this.beforeFinalSave(options)) {
      this.shutdownSignalled = false;
      return { outcome: 'failed', closed: Promise.resolve(false) };
    }
    this.readyToExit();
    // After the current command's turn, as its reply (none) is settled.
    const closed = new Promise<boolean>((resolve) => setImmediate(() => void this.close().then(() => (this.emitShutdown(), resolve(true)))));
    return { outcome: 'closed', closed };
  }

  /** A waiting shutdown goes ahead: the final save (in slices), then the close; a failed save keeps the server up. */
  private async finishShutdown(wait: NonNullable<Server['shutdownWait']>): Promise<void> {
    if (!(await this.prepareShutdown(wait.options))) {
      this.cancelShutdown();
      return;
    }
    this.shutdownWait = undefined;
    await this.close();
    this.emitShutdown();
    for (const resolve of wait.done) resolve(true);
  }

  /** On every ACK and every cron run while a shutdown waits: finish once in sync or out of time. */
  private readonly checkShutdownWait = (): void => {
    const wait = this.shutdownWait;
    if (wait === undefined || wait.deadline === 0 || (Date.now() < wait.deadline && !this.replicasInSync())) return;
    this.replicaFeeds.ackListeners.delete(this.checkShutdownWait);
    // Past the wait: deadline 0 marks the save and close under way.
    wait.deadline = 0;
    void this.finishShutdown(wait);
  };

  /** The wait ends without stopping: blocked SHUTDOWN callers get Redis's error. */
  private cancelShutdown(): void {
    const wait = this.shutdownWait;
    if (wait === undefined) return;
    this.shutdownWait = undefined;
    this.shutdownAsap = undefined;
    this.shutdownSignalled = false;
    this.replicaFeeds.ackListeners.delete(this.checkShutdownWait);
    for (const client of wait.callers) if (!client.closing) this.blocking.unblock(client, new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.'));
    for (const resolve of wait.done) resolve(false);
  }

  /** Before stopping with replicas attached: which ones are behind, as Redis's finishShutdown logs it. */
  private logReplicasAtShutdown(): void {
    const replicas = this.replicaFeeds.connected();
    if (replicas.length === 0) return;
    let lagging = 0;
    const now = Math.floor(Date.now() / 1000);
    for (const r of replicas) {
      if (r.ackOffset === this.repl.offset) continue;
      lagging++;
      const lag = r.state === 'online' ? now - Math.floor(r.ackMs / 1000) : 0;
      this.log('warning', `Lagging replica ${r.ip}:${r.port} reported offset ${this.repl.offset - r.ackOffset} behind master, lag=${lag}, state=${r.state}.`);
    }
    this.log('notice', `${replicas.length - lagging} of ${replicas.length} replicas are in sync when shutting down.`);
  }

  private shutdownNow(): void {
    const signal = this.shutdownAsap;
    if (signal === undefined) return;
    this.shutdownAsap = undefined;
    void this.shutdownOnSignal(signal);
  }

  /**
   * Called by dispatch while `gated`: the -LOADING and -MISCONF refusals, in Redis's order.
   * Write commands (and PING, and EXEC of a transaction with writes) are refused after a failed
   * save when stop-writes-on-bgsave-error is set; commands without the `loading` flag while loading.
   */
  admit(spec: CommandSpec, client: Client): ReplyError | undefined {
    if (this.rdb.refusingWrites && (spec.flags.includes('write') || spec.name === 'ping' || (spec.name === 'exec' && this.queuedWrites(client)))) {
      return PersistenceErrors.misconf();
    }
    if (this.minReplicas > 0 || this.readOnlyReplica) {
      const writes = spec.flags.includes('write') || (spec.name === 'exec' && this.queuedWrites(client, true));
      if (writes && this.minReplicas > 0 && !this.enoughGoodReplicas()) return ReplicationErrors.noReplicas();
      if (writes && this.readOnlyReplica && client.kind !== 'loader' && client.kind !== 'master') return ReplicationErrors.readOnly();
    }
    if (this.staleReplica && !spec.flags.includes('stale') && client.kind !== 'loader' && client.kind !== 'master') return ReplicationErrors.masterDown();
    if (this.rdb.loading && !spec.flags.includes('loading') && client.kind !== 'loader') return PersistenceErrors.loading();
    // The append-only file cannot write (its -MISCONF; runResolved also refuses writes from scripts).
    if (this.writesDenied !== undefined && client.kind !== 'loader') {
      if (spec.flags.includes('write') || spec.name === 'ping' || (spec.name === 'exec' && this.queuedWrites(client))) return this.writesDenied;
    }
    return undefined;
  }

  /**
   * Does the transaction hold a write? With `scripts`, as Redis's getCommandFlags: a script or
   * function that declares flags without no-writes counts as one (a flagless EVAL does not).
   */
  private queuedWrites(client: Client, scripts = false): boolean {
    for (const argv of client.multi ?? []) {
      const spec = this.table.get(argv[0]!.toString('latin1'));
      if (spec?.flags.includes('write')) return true;
      if (scripts && spec !== undefined && this.declaresWrites(spec.name, argv)) return true;
    }
    return false;
  }

  private declaresWrites(name: string, argv: Buffer[]): boolean {
    if (argv.length < 2 || !this.extensions.has('scripting')) return false;
    const scripting = scriptingOf(this);
    let flags: string[] | undefined;
    try {
      if (name === 'eval' || name === 'eval_ro') flags = scriptShebangFlags(argv[1]!);
      else if (name === 'evalsha' || name === 'evalsha_ro') flags = scripting.scriptFlags.get(argv[1]!.toString('latin1').toLowerCase());
      else if (name === 'fcall' || name === 'fcall_ro') flags = scripting.functions.get(argv[1]!.toString('latin1').toLowerCase())?.fn.flags;
    } catch {
      return false; // a bad shebang is EVAL's own error
    }
    return flags !== undefined && !flags.includes('no-writes');
  }

  /**
   * Stop the server as SHUTDOWN does: abort a running BGSAVE, save when save points are configured
   * (or `save`), unless `nosave`; a failed save refuses to stop unless `force`. Resolves false when
   * refused (the server keeps running), true once closed. The CLI calls it on SIGTERM/SIGINT.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<boolean> {
    if (!(await this.prepareShutdown(options))) return false;
    await this.close();
    this.emitShutdown();
    return true;
  }

  /**
   * SIGTERM/SIGINT as Redis handles them: the shutdown-on-sigterm / shutdown-on-sigint flags
   * ('default' saves only when save points are configured). False when a failed save kept the
   * server running ("Error trying to save the DB, can't exit." is logged).
   */
  shutdownOnSignal(signal: 'SIGTERM' | 'SIGINT'): Promise<boolean> {
    const flags = this.config.string(signal === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint').split(' ');
    return this.beginShutdown({ save: flags.includes('save'), nosave: flags.includes('nosave'), force: flags.includes('force'), now: flags.includes('now') }).closed;
  }

  /**
   * What Redis's prepareForShutdown does before the server may stop: a running BGSAVE killed, the
   * final save when due — in slices across event-loop turns (RdbFile.saveInSlices): no command
   * runs meanwhile, as during Redis's save, but a second SIGINT is heard (the CLI then exits at
   * once) and rdb-key-save-delay slows it as Redis's. False when the server must keep running.
   */
  private async prepareShutdown(options: ShutdownOptions): Promise<boolean> {
    if (!this.beforeFinalSave(options)) return false;
    if (this.finalSaveNeeded(options)) {
      this.log('notice', 'Saving the final RDB snapshot before exiting.');
      this.finalSaveRunning = true;
      let saved = false;
      try {
        saved = await this.rdb.saveInSlices();
      } finally {
        this.finalSaveRunning = false;
      }
      if (!this.afterFinalSave(saved, options)) {
        // The server stays up: what clients sent meanwhile runs now.
        for (const client of this.frozenInput) if (!client.closing) this.queueInput(client);
        this.frozenInput.clear();
        return false;
      }
    }
    this.readyToExit();
    return true;
  }

  private finalSaveNeeded(options: ShutdownOptions): boolean {
    return (options.save === true || (this.rdb.points.length > 0 && options.nosave !== true)) && !this.rdb.loading;
  }

  private beforeFinalSave(options: ShutdownOptions): boolean {
    this.logReplicasAtShutdown();
    if (this.rdb.inProgress) {
      this.log('warning', 'There is a child saving an .rdb. Killing it!');
      this.rdb.abortBackgroundNow();
    }
    if (this.aof.writingInitialAof) {
      // CONFIG SET appendonly yes has not written its base yet: stopping would lose the dataset.
      if (options.force === true) this.log('warning', 'Writing initial AOF. Exit anyway.');
      else {
        this.log('warning', "Writing initial AOF, can't exit.");
        this.log('warning', 'Errors trying to shut down the server. Check the logs for more information.');
        return false;
      }
    }
    return true;
  }

  private afterFinalSave(saved: boolean, options: ShutdownOptions): boolean {
    if (saved) return true;
    if (options.force === true) {
      this.log('warning', 'Error trying to save the DB. Exit anyway.');
      return true;
    }
    this.log('warning', "Error trying to save the DB, can't exit.");
    this.log('warning', 'Errors trying to shut down the server. Check the logs for more information.');
    return false;
  }

  private readyToExit(): void {
    for (const hook of this.beforeShutdown) hook();
    this.log('warning', 'Redis is now ready to exit, bye bye...');
  }

  /** Before a denyoom command when maxmemory is set: evict by policy; false means OOM. */
  makeRoomForWrite(): boolean {
    return makeRoom(this);
  }

  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE skips the payload's CRC64 check. */
  skipDumpChecksum = false;

  /** Set by the CLI: what to do after SHUTDOWN closed the server (exit the process). */
  onShutdown: (() => void) | undefined;

  emitShutdown(): void {
    this.onShutdown?.();
  }

  db(index: number): Database {
    return this.dbs[index]!;
  }

  onConfigChange(listener: (name: string, value: ConfigValue) => void): void {
    this.config.onChange(listener);
  }
}

/** Buffered input from which a client's commands run as soon as it is read (Server.input); Redis reads 16 KiB at a time. */
const EAGER_INPUT_BYTES = 16 * 1024;

const UNBLOCKED_BY_ROLE_CHANGE = () => new ReplyError('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');

export type { ShutdownOptions };

/**
 * Local for protected mode, as Redis counts it: exactly 127.0.0.1 or ::1 (the network layer gives
 * an IPv4-mapped address unwrapped).
 */
export function isLocalPeer(address: string): boolean {
  return address === '127.0.0.1' || address === '::1';
}

/** Redis 7.0's protected-mode refusal, word for word (clients and tests match on it). */
export const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface " +
  'by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible ' +
  'from internet if you do so. Use CONFIG REWRITE to make this change permanent. ' +
  '2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the ' +
  "protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Setup a an authentication password for the default user. ' +
  'NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

// The one place that knows about lookup, arity, auth, MULTI queueing, subscribed mode, memory
// limits and statistics. Handlers only see a context and argv.
import type { ServerSession as Client } from './session.js';
import { Errors } from '../protocol/errors.js';
import { BLOCKED, NO_REPLY, QUEUED, ReplyError, type HandlerResult } from '../protocol/reply.js';
import type { BlockOptions, CommandContext, CommandSpec } from '../commands/types.js';
import type { ExecuteOptions } from '../commands/host.js';
import type { Database } from '../store/database.js';
import type { Server } from './server.js';
import { resolveCommand } from '../commands/lookup.js';
import { aclDenied } from '../security/acl.js';
import { lruClock } from '../store/database.js';
import type { CommandStat, Stats } from './stats.js';
import type { Histogram, LatencyMonitor } from '../observe/latency.js';

// Resolution lives with the specs (commands/lookup.ts); dispatch is where callers have found it.
export { resolveCommand };

export type { ExecuteOptions };

/** Commands a RESP2 client in subscribed mode may run. */
const SUBSCRIBED_ALLOWED = new Set([
  'subscribe',
  'unsubscribe',
  'psubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
  'ping',
  'quit',
  'reset',
]);

const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands that run immediately even inside MULTI. */
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export class Context implements CommandContext {
  constructor(
    readonly server: Server,
    readonly client: Client,
    readonly db: Database,
    readonly noBlock: boolean,
    readonly fromScript: boolean,
    private readonly command = '',
    /** The command as the client sent it (a waiter keeps it for SLOWLOG when it is served). */
    private readonly argv: Buffer[] = [],
  ) {}

  block(options: BlockOptions): HandlerResult {
    if (this.noBlock) return options.timeoutReply;
    this.server.blocking.block(
      {
        client: this.client,
        db: this.db,
        keys: options.keys,
        timeoutReply: options.timeoutReply,
        retry: options.retry,
        timer: undefined,
        command: this.command,
        argv: this.argv,
      },
      options.timeoutMs,
    );
    return BLOCKED;
  }

  notify(flag: string, event: string, key: string): void {
    this.server.notifyKeyspaceEvent(flag, event, key, this.db.index);
  }

  /** Effects chosen by the handler (propagateAs), replacing argv as sent. */
  effects: Buffer[][] | undefined;
  /** Effects added after the call's own (alsoPropagate). */
  extraEffects: Buffer[][] | undefined;

  get propagating(): boolean {
    return this.server.effects.active;
  }

  propagateAs(...commands: Buffer[][]): void {
    this.effects = commands;
  }

  alsoPropagate(argv: Buffer[]): void {
    (this.extraEffects ??= []).push(argv);
  }
}

/**
 * Record what a finished call did in the effects stream (only called while it is active): the
 * handler's own choice, else argv as sent when a write-flagged command changed the dataset.
 */
export function recordEffects(server: Server, ctx: Context, write: boolean, forced: boolean, argv: Buffer[], changed: boolean, failed: boolean): void {
  const effects = server.effects;
  const db = ctx.db.index;
  if (ctx.effects !== undefined) for (const command of ctx.effects) effects.add(db, command);
  else if (write && (changed || (forced && !failed))) effects.add(db, argv);
  if (ctx.extraEffects !== undefined) for (const command of ctx.extraEffects) effects.add(db, command);
}

/** Per-spec facts execute() needs on every call, derived once from the flags, and the spec's records in one server. */
interface SpecInfo {
  noAuth: boolean;
  noScript: boolean;
  noMulti: boolean;
  denyOom: boolean;
  skipMonitor: boolean;
  skipSlowlog: boolean;
  /** Flagged fast: a slow call is a 'fast-command' latency event. */
  fast: boolean;
  multiControl: boolean;
  subscribedAllowed: boolean;
  write: boolean;
  /** May run while a script is busy (allow_busy). */
  allowBusy: boolean;
  /** Propagated even when no key changed (FLUSHALL on an empty server, FUNCTION LOAD, ...). */
  forcePropagation: boolean;
  /** The command's commandstats record, valid while `stats.generation` is `statGeneration` (CONFIG RESETSTAT). */
  stat: CommandStat | undefined;
  statGeneration: number;
  /** The command's latency histogram, valid while the monitor's `histogramGeneration` is this one. */
  histogram: Histogram | undefined;
  histogramGeneration: number;
}

const hrtime = process.hrtime;

/**
 * The monotonic clock in milliseconds, read twice per command (its duration). process.hrtime()
 * reads the same clock as performance.now() for about a third of the instructions (~95 against
 * ~300 under callgrind, Node 20: performance.now() checks its receiver and goes through more calls).
 */
function monotonicMs(): number {
  const t = hrtime();
  return t[0]! * 1e3 + t[1]! / 1e6;
}

/** monotonicMs()'s zero in Date.now() terms, to turn a command's start into its access clock. */
const MONOTONIC_ORIGIN = performance.timeOrigin + performance.now() - monotonicMs();

const FORCE_PROPAGATION = new Set(['flushall', 'flushdb', 'swapdb', 'function|load', 'function|delete', 'function|flush', 'function|restore']);

/** Config values read on every command, refreshed when the configuration changes. */
interface HotConfig {
  maxmemory: number;
  slowlogThreshold: number;
}

/**
 * One server's dispatch state: its hot config values and a SpecInfo per command spec (the specs
 * are shared by every server of the process; the records are not). Clients reach it through their
 * DispatchMemo, so a command costs no lookup here unless it differs from the client's last one.
 */
class ServerDispatch {
  readonly hot: HotConfig = { maxmemory: 0, slowlogThreshold: 0 };
  private readonly specs = new Map<CommandSpec, SpecInfo>();

  constructor(server: Server) {
    const hot = this.hot;
    const refresh = () => {
      hot.maxmemory = server.config.number('maxmemory');
      hot.slowlogThreshold = server.config.number('slowlog-log-slower-than');
    };
    refresh();
    server.config.onChange(refresh);
  }

  info(spec: CommandSpec): SpecInfo {
    let info = this.specs.get(spec);
    if (info === undefined) {
      const flags = spec.flags;
      info = {
        noAuth: flags.includes('no_auth'),
        noScript: flags.includes('noscript'),
        noMulti: flags.includes('no_multi'),
        denyOom: flags.includes('denyoom'),
        skipMonitor: flags.includes('skip_monitor'),
        skipSlowlog: flags.includes('skip_slowlog'),
        fast: flags.includes('fast'),
        multiControl: MULTI_CONTROL.has(spec.name) || MULTI_CONTROL.has(spec.name.split('|')[0]!),
        subscribedAllowed: SUBSCRIBED_ALLOWED.has(spec.name),
        write: flags.includes('write'),
        allowBusy: flags.includes('allow_busy'),
        forcePropagation: FORCE_PROPAGATION.has(spec.name),
        stat: undefined,
        statGeneration: 0,
        histogram: undefined,
        histogramGeneration: 0,
      };
      this.specs.set(spec, info);
    }
    return info;
  }
}

/** Each server's dispatch state; weak, so a closed server is not kept alive by it. */
const serverStates = new WeakMap<Server, ServerDispatch>();

function dispatchOf(server: Server): ServerDispatch {
  let state = serverStates.get(server);
  if (state === undefined) {
    state = new ServerDispatch(server);
    serverStates.set(server, state);
  }
  return state;
}

const NO_NAME = Buffer.alloc(0);

/**
 * What execute() remembers of one client's last command (Client.dispatchMemo): its server's
 * state, and the last command name resolved from the network, as sent (bytes) — pipelines and
 * benchmarks repeat the same command, and comparing a few bytes is cheaper than decoding and a
 * Map lookup. Only plain commands (no subcommands) are remembered by name; spec objects never
 * change at runtime. Kept per client, so two servers in one process share nothing here.
 */
export class DispatchMemo {
  name: Buffer = NO_NAME;
  spec: CommandSpec | undefined = undefined;
  /** The SpecInfo infoOf() answered last, and its spec. */
  infoSpec: CommandSpec | undefined = undefined;
  info: SpecInfo | undefined = undefined;

  constructor(
    readonly server: Server,
    readonly state: ServerDispatch,
  ) {}
}

function memoOf(server: Server, client: Client): DispatchMemo {
  const memo = client.dispatchMemo;
  if (memo !== undefined && memo.server === server) return memo;
  const created = new DispatchMemo(server, dispatchOf(server));
  client.dispatchMemo = created;
  return created;
}

function infoOf(memo: DispatchMemo, spec: CommandSpec): SpecInfo {
  if (spec === memo.infoSpec) return memo.info!;
  const info = memo.state.info(spec);
  memo.infoSpec = spec;
  memo.info = info;
  return info;
}

function cachedLookup(memo: DispatchMemo, server: Server, argv: Buffer[]): CommandSpec | ReplyError {
  const name = argv[0]!;
  const n = name.length;
  const last = memo.spec;
  if (last !== undefined && n === memo.name.length) {
    const lastName = memo.name;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (name[i] !== lastName[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      const arity = last.arity;
      if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return Errors.wrongArity(last.name);
      return last;
    }
  }
  const resolved = resolveCommand(server, argv);
  if (!(resolved instanceof ReplyError) && resolved.subcommands === undefined && !resolved.name.includes('|') && n <= 32) {
    memo.name = Buffer.from(name);
    memo.spec = resolved;
  }
  return resolved;
}

const NO_OPTIONS: ExecuteOptions = {};

function rejectWith(server: Server, name: string, error: ReplyError): ReplyError {
  server.stats.command(name).rejectedCalls++;
  server.stats.errorReply(error.code);
  return error;
}

const OOM_EXEMPT_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);

/** In MULTI with maxmemory set: must this command be refused because memory is over the limit? */
function oomInMulti(memo: DispatchMemo, server: Server, client: Client, name: string): boolean {
  if (name === 'exec') {
    const usesMemory = client.multi!.some((argv) => {
      const queued = cachedLookup(memo, server, argv);
      return !(queued instanceof ReplyError) && infoOf(memo, queued).denyOom;
    });
    if (!usesMemory) return false;
  } else if (OOM_EXEMPT_IN_MULTI.has(name)) {
    return false;
  }
  return !server.makeRoomForWrite();
}

/**
 * Refuse a command with `error`. Inside MULTI the transaction is marked failed; a refused EXEC
 * discards it with EXECABORT naming the cause (Redis's execCommandAbort).
 */
function refuseInTransaction(server: Server, client: Client, name: string, error: ReplyError): ReplyError {
  if (client.multi === undefined) return rejectWith(server, name, error);
  client.multiDirty = true;
  if (name !== 'exec') return rejectWith(server, name, error);
  client.multi = undefined;
  client.multiDirty = false;
  server.unwatchAll(client);
  return rejectWith(server, name, new ReplyError(`EXECABORT Transaction discarded because of: ${error.message}`));
}

export function execute(server: Server, client: Client, argv: Buffer[], options: ExecuteOptions = NO_OPTIONS): HandlerResult {
  const memo = memoOf(server, client);
  const resolved = cachedLookup(memo, server, argv);
  if (resolved instanceof ReplyError) {
    const known = server.table.get(argv[0]!.toString('latin1'));
    if (known) server.stats.command(known.name).rejectedCalls++;
    if (client.multi !== undefined) {
      client.multiDirty = true;
      // A rejected EXEC ends the transaction, as Redis's execCommandAbort does.
      if (known?.name === 'exec') {
        client.multi = undefined;
        client.multiDirty = false;
        server.unwatchAll(client);
        const abort = new ReplyError(`EXECABORT Transaction discarded because of: ${resolved.message.replace(/^ERR /, '')}`);
        server.stats.errorReply(abort.code);
        return abort;
      }
    }
    server.stats.errorReply(resolved.code);
    return resolved;
  }
  const spec = resolved;
  const name = spec.name;
  const info = infoOf(memo, spec);
  const hot = memo.state.hot;

  if (!client.authenticated && !info.noAuth) {
    if (client.multi !== undefined) client.multiDirty = true;
    return rejectWith(server, name, Errors.noAuth());
  }

  // ACL: one property read for a user that may run everything (the default user, normally).
  // redis.call was checked by the script host already.
  if (client.aclUser !== undefined && !client.aclUser.unrestricted && !options.fromScript) {
    const context = options.inExec ? 'exec' : client.multi !== undefined ? 'multi' : 'toplevel';
    const denied = aclDenied(server, client, spec, argv, context);
    if (denied !== undefined) {
      if (client.multi !== undefined) client.multiDirty = true;
      return rejectWith(server, name, denied);
    }
  }

  if (options.fromScript && info.noScript) {
    return rejectWith(server, name, new ReplyError('ERR This Redis command is not allowed from script'));
  }

  // Loading the dataset, or -MISCONF after a failed save (src/persistence/rdbfile.ts).
  if (server.gated) {
    const refusal = server.admit(spec, client);
    if (refusal !== undefined) {
      if (refusal.code === 'MISCONF') server.logMisconfRefusal(client, name, refusal);
      return refuseInTransaction(server, client, name, refusal);
    }
  }

  // Over maxmemory, a transaction stops growing: every command but EXEC, DISCARD, QUIT and RESET is
  // refused while queueing, and EXEC is refused (the transaction discarded) when it holds a command
  // that may use memory — as Redis's processCommand does.
  if (client.multi !== undefined && hot.maxmemory > 0 && oomInMulti(memo, server, client, name)) {
    server.logOomRefusal(client, name);
    return refuseInTransaction(server, client, name, Errors.outOfMemory());
  }

  // A Lua debugging session (SCRIPT DEBUG SYNC) stops the server for everyone else, as Redis's
  // does: another client's command waits for the session to end instead of getting -BUSY (only
  // the allow_busy ones, SCRIPT KILL among them, run now).
  const debugging = server.scriptDebugger;
  if (debugging !== undefined && debugging.client !== client && !info.allowBusy && !options.inExec && !options.fromScript && client.socket !== null) {
    server.holdForDebugger(client, argv);
    return BLOCKED;
  }

  // A script past busy-reply-threshold (src/commands/scripting.ts): only allow_busy commands run.
  if (server.busyScript !== undefined && !info.allowBusy && !options.fromScript) {
    return refuseInTransaction(server, client, name, server.busyScript);
  }

  // CLIENT PAUSE: the command waits (src/server/pause.ts); EXEC's and scripts' commands never do.
  if (server.pause.active && !options.inExec && !options.fromScript && client.socket !== null && server.pause.covers(spec, argv, client)) {
    server.pause.park(client, argv);
    return BLOCKED;
  }

  if (client.multi !== undefined && !info.multiControl) {
    if (info.noMulti) {
      client.multiDirty = true;
      return rejectWith(server, name, new ReplyError('ERR Command not allowed inside a transaction'));
    }
    client.multi.push(argv);
    return QUEUED;
  }

  if (!info.subscribedAllowed && client.inSubscribedMode) {
    return rejectWith(server, name, Errors.subscribedContext(name));
  }

  return runChecked(server, client, spec, argv, options, info, hot);
}

/**
 * Run an already resolved and admitted command: the memory limit, then the handler with its
 * context, MONITOR, statistics and the slow log. execute() ends here; scripts call it directly
 * for redis.call (they resolve and check each command themselves).
 */
export function runResolved(
  server: Server,
  client: Client,
  spec: CommandSpec,
  argv: Buffer[],
  options: ExecuteOptions = NO_OPTIONS,
): HandlerResult {
  const memo = memoOf(server, client);
  return runChecked(server, client, spec, argv, options, infoOf(memo, spec), memo.state.hot);
}

function runChecked(server: Server, client: Client, spec: CommandSpec, argv: Buffer[], options: ExecuteOptions, info: SpecInfo, hot: HotConfig): HandlerResult {
  const name = spec.name;
  if (server.writesDenied !== undefined && (info.write || name === 'ping') && client.kind !== 'loader') {
    if (client.multi !== undefined) client.multiDirty = true;
    server.logMisconfRefusal(client, name, server.writesDenied);
    return rejectWith(server, name, server.writesDenied);
  }
  // Evictions come first and are effects of their own (a DEL each), not part of this command's.
  // As Redis's processCommand, every command a client sends evicts (a read too, so eviction's
  // invalidation messages precede its reply); only a denyoom one is refused when nothing is left.
  // EXEC was admitted as a whole (oomInMulti): its commands neither evict nor get OOM, as in Redis.
  if (hot.maxmemory > 0 && options.allowOom !== true && options.inExec !== true) {
    if (info.denyOom) {
      if (!server.makeRoomForWrite()) {
        if (client.multi !== undefined) client.multiDirty = true;
        server.logOomRefusal(client, name);
        return rejectWith(server, name, Errors.outOfMemory());
      }
    } else if (!options.fromScript) server.makeRoomForWrite();
  }
  // The effects stream: one check when nothing consumes it.
  const effects = server.effects;
  const tracking = effects.active;
  let dirtyBefore = 0;
  let selfBefore = 0;
  if (tracking) {
    effects.enter();
    dirtyBefore = server.dirty;
    selfBefore = effects.selfRecorded;
  }
  if (!tracking) return runAdmitted(server, client, spec, argv, options, info, hot, false, 0, 0);
  try {
    return runAdmitted(server, client, spec, argv, options, info, hot, true, dirtyBefore, selfBefore);
  } finally {
    effects.leave();
  }
}

function runAdmitted(
  server: Server,
  client: Client,
  spec: CommandSpec,
  argv: Buffer[],
  options: ExecuteOptions,
  info: SpecInfo,
  hot: HotConfig,
  tracking: boolean,
  dirtyBefore: number,
  selfBefore: number,
): HandlerResult {
  const name = spec.name;
  const db = server.dbs[client.dbIndex]!;
  const noBlock = options.inExec === true || options.fromScript === true;
  const ctx = new Context(server, client, db, noBlock, options.fromScript === true, name, argv);
  // MONITOR shows a command before the commands it runs (EVAL before its redis.call()s), except
  // EXEC, which Redis shows after the queued commands. Scripts are shown although flagged
  // skip_monitor, as in Redis.
  const monitored = server.monitor.active && (!info.skipMonitor || SCRIPT_COMMANDS.has(name));
  if (monitored && name !== 'exec') server.monitor.feed(client, client.dbIndex, argv);

  client.lastCommand = name;
  if (server.tracking.clients !== 0) server.tracking.commandStarting(client, spec, argv);
  const start = monotonicMs();
  // Keys touched by this command take its start as their access time (one clock read).
  const clock = db.clock;
  const outerClock = clock.command;
  clock.command = lruClock(MONOTONIC_ORIGIN + start);
  let result: HandlerResult;
  try {
    result = spec.handler(ctx, argv);
  } catch (err) {
    if (err instanceof ReplyError) result = err;
    else {
      // A bug in a handler must not take the server down: report it as an error reply.
      const message = err instanceof Error ? err.message : String(err);
      server.log('warning', `Internal error in '${name}': ${err instanceof Error ? err.stack : message}`);
      result = new ReplyError(`ERR internal error: ${message}`);
    }
  }
  clock.command = outerClock;
  if (tracking) {
    const changed = server.dirty - dirtyBefore - (server.effects.selfRecorded - selfBefore) > 0;
    recordEffects(server, ctx, info.write, info.forcePropagation, argv, changed, result instanceof ReplyError);
  }
  const usec = Math.round((monotonicMs() - start) * 1000);
  if (server.tracking.clients !== 0) server.tracking.commandRan(client, spec, argv);
  if (monitored && name === 'exec') server.monitor.feed(client, client.dbIndex, argv);
  const stats = server.stats;
  let stat = info.stat;
  if (stat === undefined || info.statGeneration !== stats.generation) {
    stat = info.stat = stats.command(name);
    info.statGeneration = stats.generation;
  }
  stat.calls++;
  stat.usec += usec;
  stats.totalCommands++;
  client.commandsProcessed++;
  if (result instanceof ReplyError) {
    stat.failedCalls++;
    if (!result.statsCounted) server.stats.errorReply(result.code);
  }
  // SlowLog.record ignores faster commands itself; checking here first saves the call per command.
  if (client.kind !== 'loader') {
    const latency = server.latency;
    if (latency.tracking) {
      let histogram = info.histogram;
      if (histogram === undefined || info.histogramGeneration !== latency.histogramGeneration) {
        histogram = info.histogram = latency.histogramFor(name);
        info.histogramGeneration = latency.histogramGeneration;
      }
      histogram.record(usec * 1000);
    }
    // The latency monitor sees commands run by clients (EXEC's too), not a script's redis.call()s.
    if (!options.fromScript) server.latency.addIfNeeded(info.fast ? 'fast-command' : 'command', usec / 1000);
  }
  // As Redis: a command that blocked the client on keys is logged when it is served (BlockedClients).
  const threshold = hot.slowlogThreshold;
  if (!info.skipSlowlog && threshold >= 0 && usec >= threshold && !(result === BLOCKED && server.blocking.isBlocked(client))) server.slowlog.record(usec, argv, client.addr, client.name);
  return result === undefined ? NO_REPLY : result;
}

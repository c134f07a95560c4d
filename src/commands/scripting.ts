// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FCALL, FCALL_RO, FUNCTION *.
// The Lua VM lives in src/scripting/engine.ts; this file holds the per-server script cache and
// function libraries, and runs redis.call through the normal dispatcher with a script client.
import { Errors, PersistenceErrors, ReplicationErrors, StreamErrors } from '../protocol/errors.js';
import { tryParseInteger } from '../protocol/numbers.js';
import { BLOCKED, MapReply, NO_REPLY, OK, ReplyError, SetReply, Status, type HandlerResult, type Reply } from '../protocol/reply.js';
import {
  CallRefused,
  ScriptEngine,
  scriptShebangFlags,
  SUSPENDED,
  type LuaFunction,
  type RunOptions,
  type RunResult,
  type ScriptHost,
} from '../scripting/engine.js';
import { arityAllows, lookupCommand, LookupFailure } from './lookup.js';
import { aclDenied } from '../security/acl.js';
import type { CommandHost, CommandSession, LogLevel } from './host.js';
import { globMatch } from '../pubsub/glob.js';
import type { CommandContext, CommandSpec } from './types.js';
import { DebugAction, LuaDebugger } from '../scripting/ldb.js';

const NO_ARGV: Buffer[] = [];

/** A cached EVAL script as EVAL/EVALSHA check it: its lower-case SHA1 and shebang flags. */
interface CachedScript {
  sha: string;
  /** Undefined for a script without a shebang (checked command by command instead). */
  flags: string[] | undefined;
  noWrites: boolean;
  allowOom: boolean;
  allowStale: boolean;
}

interface Library {
  name: string;
  code: Buffer;
  functions: LuaFunction[];
}

/** A script that ran past busy-reply-threshold and now runs in slices (see Scripting.suspend). */
interface BusyScript {
  client: CommandSession;
  /** EVAL/EVALSHA (SCRIPT KILL) rather than FCALL (FUNCTION KILL). */
  isEval: boolean;
  /** The function's name, or the script's SHA1. */
  name: string;
  /** The command as the client sent it (FUNCTION STATS). */
  argv: Buffer[];
  startedAt: number;
  /** The command's spec name, for its statistics. */
  command: string;
}

/** Per-server scripting state, kept in server.extensions (closed with the server). */
export class Scripting {
  readonly engine = new ScriptEngine();
  /** Shebang flags of cached EVAL scripts, by sha. */
  readonly scriptFlags = new Map<string, string[]>();
  readonly libraries = new Map<string, Library>();
  /** Lower-cased function name → function and its library. */
  readonly functions = new Map<string, { fn: LuaFunction; library: Library }>();
  private scriptClient: CommandSession | undefined;
  /** Specs of plain commands by the command-name Buffer redis.call passed (see resolveForScript). */
  readonly specs = new Map<Buffer, ScriptSpec>();
  specTable: unknown;
  /** busy-reply-threshold (lua-time-limit), cached: looking it up per call showed in profiles. */
  timeLimitMs: number;
  /** The current run called a write command: SCRIPT KILL / FUNCTION KILL refuse (UNKILLABLE). */
  wrote = false;
  /** When the current run started. */
  startedAt = 0;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript. */
  allowNoscript = false;
  /** Set while a script runs in slices past busy-reply-threshold; other clients get -BUSY. */
  busy: BusyScript | undefined;
  /**
   * A script replayed from the AOF ran past busy-reply-threshold and is suspended: the loader
   * (src/persistence/aof-load.ts) continues it with resumeForLoader() until it ends, letting the
   * event loop answer -LOADING in between when it can (DEBUG LOADAOF).
   */
  loaderSuspended = false;
  /** Set by the loader around a script it replays at the top level: only that one may be sliced. */
  loaderMayYield = false;
  /** Clients that asked for SCRIPT DEBUG SYNC: their next EVAL runs under the debugger. */
  readonly debugClients = new WeakSet<CommandSession>();
  /** The debugging session in progress (one at a time: the script holds the server). */
  private debugging: { client: CommandSession; ldb: LuaDebugger } | undefined;
  private closed = false;

  constructor(private readonly server: CommandHost) {
    const refresh = () => {
      this.timeLimitMs = server.config.number('lua-time-limit');
    };
    this.timeLimitMs = 0;
    refresh();
    server.config.onChange(refresh);
  }

  client(): CommandSession {
    if (!this.scriptClient) this.scriptClient = this.server.createFakeClient();
    return this.scriptClient;
  }

  /** The host reused by runs that start while no script runs (see ScriptCallHost). */
  private freeHost: ScriptCallHost | undefined;

  /** redis.call's host for a run for ctx's client: the script client takes its database and user. */
  hostFor(ctx: CommandContext, readOnly: boolean, allowOom: boolean): ScriptCallHost {
    const client = this.client();
    client.dbIndex = ctx.client.dbIndex;
    client.user = ctx.client.user;
    client.aclUser = ctx.client.aclUser;
    client.authenticated = true;
    if (this.engine.busy) return new ScriptCallHost(ctx, this, client, readOnly, allowOom);
    this.freeHost ??= new ScriptCallHost(ctx, this, client, readOnly, allowOom);
    return this.freeHost.reset(ctx, readOnly, allowOom);
  }

  /**
   * The run runFor starts, set by EVAL/EVALSHA (a SHA1) and FCALL (a function) just before: KEYS
   * and ARGV are read from argv after the numkeys at 2. Fields rather than a closure per call.
   */
  pending: string | LuaFunction = '';
  pendingArgv: Buffer[] = NO_ARGV;
  pendingNumkeys = 0;
  pendingHost: ScriptHost | undefined;

  private startPending(options: RunOptions): RunResult {
    const pending = this.pending;
    const argv = this.pendingArgv;
    const host = this.pendingHost!;
    this.pendingArgv = NO_ARGV;
    this.pendingHost = undefined;
    return typeof pending === 'string'
      ? this.engine.runCommand(pending, argv, 3, this.pendingNumkeys, host, options)
      : this.engine.runFunction(pending, argv, 3, this.pendingNumkeys, host, options);
  }

  /** runFor's options, filled in per run (the engine reads them before it returns). */
  private readonly suspendable = { protocol: 2 as 2 | 3, yieldAfterMs: 0, startedAt: 0 };
  private readonly bounded = { protocol: 2 as 2 | 3, timeLimitMs: 0, startedAt: 0 };

  loadScript(body: Buffer): string {
    const flags = scriptShebangFlags(body);
    const sha = this.engine.load(body);
    if (flags) this.scriptFlags.set(sha, flags);
    return sha;
  }

  /**
   * SHA1s recently run by EVALSHA, as sent (bytes) with their lower-case text and flags: comparing
   * 40 bytes is cheaper than decoding, lower-casing and looking the name up per call.
   */
  private readonly recentShas: (CachedScript & { bytes: Buffer })[] = [];

  /** The cached script's lower-case SHA1 and flags for an EVALSHA argument, or undefined. */
  knownSha(sent: Buffer): CachedScript | undefined {
    const recent = this.recentShas;
    for (let i = 0; i < recent.length; i++) {
      const entry = recent[i]!;
      const bytes = entry.bytes;
      if (bytes.length !== sent.length) continue;
      let same = true;
      for (let j = 0; j < bytes.length; j++) {
        if (bytes[j] !== sent[j]) {
          same = false;
          break;
        }
      }
      if (same) return entry;
    }
    const sha = sent.toString('latin1').toLowerCase();
    if (sha.length !== 40 || !this.engine.has(sha)) return undefined;
    const entry = { ...this.cachedScript(sha), bytes: Buffer.from(sent) };
    if (recent.length >= 16) recent.pop();
    recent.unshift(entry);
    return entry;
  }

  /** A cached script's SHA1 and what its shebang flags say. */
  private cachedScript(sha: string): CachedScript {
    const flags = this.scriptFlags.get(sha);
    return {
      sha,
      flags,
      noWrites: flags !== undefined && flags.includes('no-writes'),
      allowOom: flags !== undefined && flags.includes('allow-oom'),
      allowStale: flags !== undefined && flags.includes('allow-stale'),
    };
  }

  /** Bodies recently run by EVAL with their SHA1 and flags: comparing bytes is cheaper than hashing. */
  private readonly recentBodies: (CachedScript & { body: Buffer })[] = [];

  /** EVAL: the SHA1 and flags of a body, compiling and caching it when it is new. */
  evalScript(body: Buffer): CachedScript {
    const recent = this.recentBodies;
    for (let i = 0; i < recent.length; i++) {
      const entry = recent[i]!;
      if (entry.body.length === body.length && entry.body.equals(body)) return entry;
    }
    const script = this.cachedScript(this.loadScript(body));
    if (body.length <= 16 * 1024) {
      if (recent.length >= 16) recent.pop();
      recent.unshift({ ...script, body: Buffer.from(body) });
    }
    return script;
  }

  flushScripts(): void {
    this.recentShas.length = 0;
    this.recentBodies.length = 0;
    this.engine.flush();
    this.scriptFlags.clear();
  }

  deleteLibrary(name: string): boolean {
    const library = this.libraries.get(name);
    if (!library) return false;
    for (const fn of library.functions) this.functions.delete(fn.name.toLowerCase());
    this.engine.releaseFunctions(library.functions);
    this.libraries.delete(name);
    return true;
  }

  flushFunctions(): void {
    for (const name of [...this.libraries.keys()]) this.deleteLibrary(name);
  }

  /** FUNCTION LOAD: validate metadata, run the library, register its functions atomically. */
  loadLibrary(code: Buffer, replace: boolean): string {
    const name = libraryName(code);
    if (this.libraries.has(name) && !replace) throw new ReplyError(`ERR Library '${name}' already exists`);
    const functions = this.engine.loadLibrary(code);
    try {
      if (functions.length === 0) throw new ReplyError('ERR No functions registered');
      for (const fn of functions) {
        const existing = this.functions.get(fn.name.toLowerCase());
        if (existing && existing.library.name !== name) throw new ReplyError(`ERR Function ${fn.name} already exists`);
      }
    } catch (error) {
      this.engine.releaseFunctions(functions);
      throw error;
    }
    this.deleteLibrary(name);
    const library: Library = { name, code: Buffer.from(code), functions };
    this.libraries.set(name, library);
    for (const fn of functions) this.functions.set(fn.name.toLowerCase(), { fn, library });
    return name;
  }

  /**
   * Run a script for a client. Normally it runs to the end at once, as in Redis. A script still
   * running at busy-reply-threshold is suspended instead, and continued in slices on later event
   * loop turns (setImmediate), so the server can answer other clients in between: with -BUSY, but
   * for the allow_busy commands (SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN NOSAVE, MULTI, ...).
   * Nothing else runs between the slices, so the script stays atomic. The calling client is
   * blocked until the script ends. Inside EXEC, or for a client without a socket, the script
   * cannot be suspended and is aborted at the threshold, as before.
   */
  runFor(ctx: CommandContext, argv: Buffer[], isEval: boolean, name: string): HandlerResult {
    if (ctx.client.kind === 'loader') return this.runForLoader(ctx, isEval, name);
    const canSuspend = !ctx.noBlock && ctx.client.socket !== null && !this.closed;
    const protocol = ctx.client.proto;
    this.wrote = false;
    const startedAt = Date.now();
    this.startedAt = startedAt;
    let options: RunOptions;
    if (canSuspend) {
      const o = this.suspendable;
      o.protocol = protocol;
      o.yieldAfterMs = this.timeLimitMs;
      o.startedAt = startedAt;
      options = o;
    } else {
      const o = this.bounded;
      o.protocol = protocol;
      o.timeLimitMs = this.timeLimitMs;
      o.startedAt = startedAt;
      options = o;
    }
    let result: RunResult | undefined;
    this.freezeTime(startedAt);
    try {
      result = this.startPending(options);
    } finally {
      if (result !== SUSPENDED) this.freezeTime(0);
    }
    if (result !== SUSPENDED) return result;
    return this.suspend(ctx, argv, isEval, name);
  }

  /** Keys expire by the script's start time while it runs (0: by the clock again). */
  private freezeTime(at: number): void {
    for (const db of this.server.dbs) db.scriptTime = at;
  }

  /**
   * A script replayed from the AOF: as in Redis, loading never stops it, however long it runs.
   * Past busy-reply-threshold it is suspended and the loader continues it (resumeForLoader).
   */
  private runForLoader(ctx: CommandContext, isEval: boolean, name: string): HandlerResult {
    const protocol = ctx.client.proto;
    this.wrote = false;
    this.startedAt = Date.now();
    const sliced = this.loaderMayYield && this.timeLimitMs > 0;
    const result = this.startPending(sliced ? { protocol, yieldAfterMs: this.timeLimitMs } : { protocol, timeLimitMs: 0 });
    if (result !== SUSPENDED) return result;
    this.loaderSuspended = true;
    // The script's writes stay one unit of effects across its slices.
    this.server.effects.enter();
    this.server.log(
      'warning',
      `Slow script detected: still in execution after ${Date.now() - this.startedAt} milliseconds. ` +
        `You can try killing the script using the ${isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${name}.`,
    );
    return OK;
  }

  /** One more slice of the AOF's suspended script (loaderSuspended); false once it has ended. */
  resumeForLoader(): boolean {
    if (!this.loaderSuspended) return false;
    let result: RunResult;
    try {
      result = this.closed ? new ReplyError('ERR the script engine is closed') : this.engine.resume();
    } catch (error) {
      result = new ReplyError(`ERR ${error instanceof Error ? error.message : String(error)}`);
    }
    if (result === SUSPENDED) return true;
    this.loaderSuspended = false;
    this.server.effects.leave();
    this.server.log('warning', 'Slow script finished.');
    return false;
  }

  private suspend(ctx: CommandContext, argv: Buffer[], isEval: boolean, name: string): HandlerResult {
    const server = this.server;
    const client = ctx.client;
    this.busy = { client, isEval, name, argv: argv.map((a) => Buffer.from(a)), startedAt: this.startedAt, command: client.lastCommand };
    server.busyScript = isEval ? Errors.busy() : Errors.busyFunction();
    client.blocked = true;
    // The script's writes stay one unit of effects (one MULTI/EXEC) across its slices.
    server.effects.enter();
    server.log(
      'warning',
      `Slow script detected: still in execution after ${Date.now() - this.startedAt} milliseconds. ` +
        `You can try killing the script using the ${isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${name}.`,
    );
    setImmediate(() => this.slice());
    return BLOCKED;
  }

  /** One more slice of the busy script; the next is scheduled, or the script ends. */
  private slice(): void {
    if (this.busy === undefined || this.closed) return;
    let result: RunResult;
    try {
      result = this.engine.resume();
    } catch (error) {
      result = new ReplyError(`ERR ${error instanceof Error ? error.message : String(error)}`);
    }
    if (result === SUSPENDED) {
      setImmediate(() => this.slice());
      return;
    }
    this.finish(result);
  }

  private finish(reply: Reply): void {
    const server = this.server;
    const busy = this.busy!;
    this.busy = undefined;
    this.freezeTime(0);
    server.busyScript = undefined;
    busy.client.blocked = false;
    server.effects.leave();
    if (reply instanceof ReplyError) {
      server.stats.command(busy.command).failedCalls++;
      if (!reply.statsCounted) server.stats.errorReply(reply.code);
    }
    server.log('warning', 'Slow script finished.');
    if (!busy.client.closing) server.resume(busy.client, reply);
    // Clients blocked on keys the script wrote are served now that it is over, not before.
    if (server.blocking.hasReady) server.blocking.serveReady();
  }

  /**
   * EVAL under the debugger (SCRIPT DEBUG SYNC). Redis runs the session inside the command,
   * reading the client's socket until the script ends; here the script's coroutine stops at each
   * line the debugger wants, the client's commands reach debugCommand() through
   * server.scriptDebugger, and every other client's commands wait meanwhile (all but the
   * allow_busy ones, which run or get -BUSY as while a slow script runs). The session's last reply
   * (the script's own) closes the connection, as in Redis.
   */
  debug(ctx: CommandContext, body: Buffer, start: (options: RunOptions) => RunResult): HandlerResult {
    const server = this.server;
    const client = ctx.client;
    const ldb = new LuaDebugger(body);
    this.wrote = false;
    this.startedAt = Date.now();
    let result: RunResult | undefined;
    this.freezeTime(this.startedAt);
    try {
      result = start({ protocol: client.proto, debugger: ldb });
    } finally {
      if (result !== SUSPENDED) this.freezeTime(0);
    }
    if (result !== SUSPENDED) {
      // Nothing to stop at (no line of code): the session ends at once.
      client.write(ldb.endSession());
      server.closeAfterReply(client);
      return result;
    }
    this.debugging = { client, ldb };
    server.busyScript = Errors.busy();
    // The script's writes stay one unit of effects across the session.
    server.effects.enter();
    server.scriptDebugger = {
      client,
      command: (argv) => this.debugCommand(argv),
      disconnected: () => this.debuggerLeft(),
    };
    return ldb.takeLog();
  }

  private debugCommand(argv: Buffer[]): void {
    const session = this.debugging;
    if (session === undefined) return;
    const action = session.ldb.command(argv, this.engine.debugTarget());
    if (action === DebugAction.Reply) {
      session.client.write(session.ldb.takeLog());
      return;
    }
    let result: RunResult;
    if (action === DebugAction.Abort) {
      result = this.engine.abortDebugging();
    } else {
      try {
        result = this.engine.resume();
      } catch (error) {
        result = new ReplyError(`ERR ${error instanceof Error ? error.message : String(error)}`);
      }
      if (result === SUSPENDED) {
        session.client.write(session.ldb.takeLog());
        return;
      }
    }
    this.endDebugging(result, true);
  }

  /** The debugging client is gone: as in Redis, the script runs on to its end, stopping no more. */
  private debuggerLeft(): void {
    const session = this.debugging;
    if (session === undefined) return;
    session.ldb.detach();
    let result: RunResult;
    try {
      result = this.engine.resume();
    } catch (error) {
      result = new ReplyError(`ERR ${error instanceof Error ? error.message : String(error)}`);
    }
    // It cannot stop again; if it did anyway, it is dropped where it is.
    if (result === SUSPENDED) result = this.engine.abortDebugging();
    this.endDebugging(result, false);
  }

  /** The session is over: its last log and the script's reply, then the connection closes. */
  private endDebugging(reply: Reply, answer: boolean): void {
    const server = this.server;
    const session = this.debugging;
    if (session === undefined) return;
    this.debugging = undefined;
    this.freezeTime(0);
    server.scriptDebugger = undefined;
    server.busyScript = undefined;
    server.effects.leave();
    server.releaseHeldForDebugger();
    if (answer) {
      session.client.write(session.ldb.endSession());
      if (reply instanceof ReplyError) {
        server.stats.command(session.client.lastCommand).failedCalls++;
        if (!reply.statsCounted) server.stats.errorReply(reply.code);
      }
      session.client.write(reply);
      server.closeAfterReply(session.client);
    }
    if (server.blocking.hasReady) server.blocking.serveReady();
  }

  /** SCRIPT KILL (isEval) and FUNCTION KILL. */
  kill(isEval: boolean): Reply {
    if (this.debugging !== undefined && isEval) {
      // A debugging session holds the server until its client is done: SCRIPT KILL ends it.
      this.endDebugging(this.engine.abortDebugging('ERR Script killed by user with SCRIPT KILL...'), true);
      return OK;
    }
    const busy = this.busy;
    if (busy === undefined) throw NOT_BUSY();
    if (this.wrote) throw Errors.unkillable();
    if (busy.isEval !== isEval) throw busy.isEval ? Errors.busy() : Errors.busyFunction();
    this.engine.kill();
    return OK;
  }

  close(): void {
    this.closed = true;
    this.busy = undefined;
    this.engine.close();
  }
}

export function scriptingOf(server: CommandHost): Scripting {
  let state = server.extensions.get('scripting') as Scripting | undefined;
  if (!state) {
    state = new Scripting(server);
    server.extensions.set('scripting', state);
  }
  return state;
}

/** Figures for INFO (memory section): the Lua heap, cached EVAL scripts and FUNCTION libraries. */
export interface ScriptingStats {
  luaHeapBytes: number;
  cachedScripts: number;
  cachedScriptBytes: number;
  libraries: number;
  functions: number;
  libraryCodeBytes: number;
}

export function scriptingStats(server: CommandHost): ScriptingStats {
  const state = server.extensions.get('scripting') as Scripting | undefined;
  if (!state) return { luaHeapBytes: 0, cachedScripts: 0, cachedScriptBytes: 0, libraries: 0, functions: 0, libraryCodeBytes: 0 };
  let libraryCodeBytes = 0;
  for (const library of state.libraries.values()) libraryCodeBytes += library.code.length;
  return {
    luaHeapBytes: state.engine.memoryUsed,
    cachedScripts: state.engine.scriptCount,
    cachedScriptBytes: state.engine.scriptBytes,
    libraries: state.libraries.size,
    functions: state.functions.size,
    libraryCodeBytes,
  };
}

const LIBRARY_NAME_ERROR =
  'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/**
 * Split a line into words as Redis splits its metadata line (and config lines): blanks separate
 * words, and double quotes (with backslash escapes) or single quotes group characters anywhere in
 * a word. Undefined for unbalanced quotes or a closing quote not followed by a blank.
 */
export function splitArgs(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  for (;;) {
    while (i < line.length && blank(line[i])) i++;
    if (i >= line.length) return words;
    let word = '';
    let quote: '"' | "'" | undefined;
    for (;;) {
      const c = line[i];
      if (quote === '"') {
        if (c === undefined) return undefined;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < line.length) {
          const n = line[++i]!;
          word += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n === 'b' ? '\b' : n === 'a' ? '\x07' : n;
        } else if (c === '"') {
          if (i + 1 < line.length && !blank(line[i + 1])) return undefined;
          quote = undefined;
          i++;
          break;
        } else word += c;
        i++;
      } else if (quote === "'") {
        if (c === undefined) return undefined;
        if (c === '\\' && line[i + 1] === "'") {
          word += "'";
          i += 2;
        } else if (c === "'") {
          if (i + 1 < line.length && !blank(line[i + 1])) return undefined;
          quote = undefined;
          i++;
          break;
        } else {
          word += c;
          i++;
        }
      } else {
        if (c === undefined || blank(c)) break;
        if (c === '"' || c === "'") quote = c;
        else word += c;
        i++;
      }
    }
    words.push(word);
  }
}

/** The library name from a `#!lua name=<name>` first line. */
function libraryName(code: Buffer): string {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) throw new ReplyError('ERR Missing library metadata');
  const end = code.indexOf(0x0a);
  const parts = splitArgs(code.toString('latin1', 0, end === -1 ? code.length : end));
  if (parts === undefined || parts.length === 0) throw new ReplyError('ERR Invalid library metadata');
  const engine = parts[0]!.slice(2);
  if (engine.toLowerCase() !== 'lua') throw new ReplyError(`ERR Engine '${engine}' not found`);
  let name: string | undefined;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('name=')) throw new ReplyError(`ERR Invalid metadata value given: ${part}`);
    if (name !== undefined) throw new ReplyError('ERR Invalid metadata value, name argument was given multiple times');
    name = part.slice(5);
  }
  if (name === undefined) throw new ReplyError('ERR Library name was not given');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ReplyError(LIBRARY_NAME_ERROR);
  return name;
}

const LOG_LEVELS: LogLevel[] = ['debug', 'verbose', 'notice', 'warning'];

/** A command as redis.call runs it: the spec and the facts of its flags it checks per call. */
interface ScriptSpec {
  spec: CommandSpec;
  noScript: boolean;
  write: boolean;
  /** PUBLISH, PFCOUNT, ...: refused in read-only scripts like writes (they reach replicas). */
  mayReplicate: boolean;
}

const scriptSpecs = new WeakMap<CommandSpec, ScriptSpec>();

function scriptSpecOf(spec: CommandSpec): ScriptSpec {
  let entry = scriptSpecs.get(spec);
  if (entry === undefined) {
    const flags = spec.flags;
    entry = {
      spec,
      noScript: flags.includes('noscript'),
      write: flags.includes('write'),
      mayReplicate: flags.includes('may_replicate'),
    };
    scriptSpecs.set(spec, entry);
  }
  return entry;
}

const UNKNOWN_FROM_SCRIPT = 'ERR Unknown Redis command called from script';
const WRONG_ARITY_FROM_SCRIPT = 'ERR Wrong number of args calling Redis command from script';

/**
 * Resolve argv for redis.call and apply the script-only checks. The command-name Buffers the
 * engine passes are shared between calls (see ScriptEngine.commandName), so the result for a plain
 * command (no subcommands) is kept per Buffer object; containers resolve their subcommand each time.
 */
function resolveForScript(server: CommandHost, state: Scripting, argv: Buffer[], readOnly: boolean, caller: CommandSession): ScriptSpec | ReplyError {
  const name = argv[0]!;
  if (state.specTable !== server.table) {
    state.specs.clear();
    state.specTable = server.table;
  }
  let entry = state.specs.get(name);
  if (entry === undefined) {
    const found = server.table.get(name.toString('latin1'));
    if (found === undefined) return new ReplyError(UNKNOWN_FROM_SCRIPT);
    entry = scriptSpecOf(found);
    if (found.subcommands === undefined) {
      if (state.specs.size >= 1024) state.specs.clear();
      state.specs.set(name, entry);
    }
  }
  if (entry.spec.subcommands !== undefined) {
    const resolved = lookupCommand(server.table, argv);
    if (resolved === LookupFailure.wrongArity) return new ReplyError(WRONG_ARITY_FROM_SCRIPT);
    if (typeof resolved === 'number') return new ReplyError(UNKNOWN_FROM_SCRIPT);
    entry = scriptSpecOf(resolved);
  } else if (!arityAllows(entry.spec.arity, argv.length)) {
    return new ReplyError(WRONG_ARITY_FROM_SCRIPT);
  }
  if (entry.noScript && !state.allowNoscript) return new ReplyError('ERR This Redis command is not allowed from script');
  if (readOnly && (entry.write || entry.mayReplicate)) return new ReplyError('ERR Write commands are not allowed from read-only scripts.');
  // -MISCONF after a failed save applies to a script's writes too (src/persistence/rdbfile.ts).
  if (entry.write && server.gated && server.rdb.refusingWrites) return PersistenceErrors.misconf();
  if (server.staleReplica && !entry.spec.flags.includes('stale') && !obeysWithoutChecks(caller)) return new ReplyError('ERR Can not execute the command on a stale replica');
  // On a read-only replica only the master's (or the AOF's) scripts may write.
  if (entry.write && server.readOnlyReplica && !obeysWithoutChecks(caller)) return new ReplyError("READONLY You can't write against a read only replica.");
  // A script without flags finds out about min-replicas-to-write at its first write (not after one).
  if (entry.write && !state.wrote && !server.enoughGoodReplicas() && !obeysWithoutChecks(caller)) return ReplicationErrors.noReplicas();
  return entry;
}

const FROM_SCRIPT = { fromScript: true } as const;
const FROM_SCRIPT_ALLOW_OOM = { fromScript: true, allowOom: true } as const;

/** The master's stream and the AOF replay run what they are given (Redis's mustObeyClient). */
const obeysWithoutChecks = (client: CommandSession) => client.kind === 'master' || client.kind === 'loader';
const MASTERDOWN_SCRIPT = () => new ReplyError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
const READONLY_SCRIPT = () => new ReplyError("READONLY You can't write against a read only replica.");

/**
 * Run a resolved command for redis.call: the dispatcher's execute() minus what cannot apply to the
 * script client (authentication, MULTI queueing, subscribed mode) and minus the second name lookup,
 * since resolveForScript already found the spec. runResolved keeps the memory limit, MONITOR,
 * statistics and the slow log identical to execute() (Server.callResolved is dispatch's runResolved).
 */
function executeFromScript(server: CommandHost, client: CommandSession, entry: ScriptSpec, argv: Buffer[], allowOom: boolean): HandlerResult {
  const options = allowOom ? FROM_SCRIPT_ALLOW_OOM : FROM_SCRIPT;
  if (client.multi !== undefined || client.inSubscribedMode) return server.call(client, argv, options);
  return server.callResolved(client, entry.spec, argv, options);
}

/**
 * redis.call refused a command before running it. As Redis: a known command refused for the
 * script's state (read-only script, not allowed from scripts, ACL, MISCONF) counts as a rejected
 * call and an error there, and the script's own error is not counted again; an unknown command or
 * a wrong arity counts only as the script's error.
 */
function refused(server: CommandHost, argv: Buffer[], error: ReplyError): CallRefused {
  const message = error.message;
  const spec = message === UNKNOWN_FROM_SCRIPT || message === WRONG_ARITY_FROM_SCRIPT ? undefined : server.table.get(argv[0]!.toString('latin1'));
  if (spec === undefined) return new CallRefused(message);
  server.stats.command(spec.name).rejectedCalls++;
  server.stats.errorReply(error.code);
  return new CallRefused(message, true);
}

/**
 * The bridge from redis.call to the dispatcher for a script run. Scripts do not nest and one runs
 * at a time, so Scripting.hostFor reuses one (its fields set per run) unless a script is running
 * or suspended.
 */
export class ScriptCallHost implements ScriptHost {
  constructor(
    private ctx: CommandContext,
    private readonly state: Scripting,
    private readonly client: CommandSession,
    private readOnly: boolean,
    private allowOom: boolean,
  ) {}

  /** Ready the host for a new run (the one it served has ended). */
  reset(ctx: CommandContext, readOnly: boolean, allowOom: boolean): this {
    this.ctx = ctx;
    this.readOnly = readOnly;
    this.allowOom = allowOom;
    return this;
  }

  call(argv: Buffer[], protocol: 2 | 3): Reply {
    const { ctx, state, client } = this;
    const server = ctx.server;
    const entry = resolveForScript(server, state, argv, this.readOnly, ctx.client);
    if (entry instanceof ReplyError) return refused(server, argv, entry);
    // redis.call runs with the caller's ACL user; a denial is logged with the caller's client.
    const user = ctx.client.aclUser;
    if (user !== undefined && !user.unrestricted) {
      const denied = aclDenied(server, ctx.client, entry.spec, argv, 'lua');
      if (denied !== undefined) return refused(server, argv, denied);
    }
    if (entry.write) state.wrote = true;
    client.proto = protocol;
    const result = executeFromScript(server, client, entry, argv, this.allowOom);
    if (result === NO_REPLY || result === BLOCKED) return null;
    return result;
  }

  aclCheck(argv: Buffer[]): boolean | ReplyError {
    const spec = lookupCommand(this.ctx.server.table, argv);
    if (spec === LookupFailure.unknownCommand) return new ReplyError('ERR Invalid command passed to redis.acl_check_cmd()');
    if (typeof spec === 'number') return false;
    const user = this.ctx.client.aclUser;
    return user === undefined || user.unrestricted || user.check(spec, argv).denied === 0;
  }

  log(level: number, message: string): void {
    this.ctx.server.log(LOG_LEVELS[level] ?? 'notice', message);
  }

  setRepl(flags: number): void {
    // Reset when the command's effects are committed; nothing to steer while nothing consumes them.
    const server = this.ctx.server;
    if (server.effects.active) server.effects.target = flags;
  }
}

/** FCALL words a numkeys that is not a number as Redis does, unlike EVAL. */
function parseNumkeys(argv: Buffer[], at: number, fcall = false): number {
  const sent = argv[at]!;
  // One digit (the usual case) needs no decoding.
  const n = sent.length === 1 && sent[0]! >= 0x30 && sent[0]! <= 0x39 ? sent[0]! - 0x30 : tryParseInteger(sent);
  if (n === undefined) throw fcall ? new ReplyError('ERR Bad number of keys provided') : Errors.notInteger();
  if (n < 0) throw new ReplyError("ERR Number of keys can't be negative");
  if (n > argv.length - at - 1) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  return n;
}

/**
 * As Redis: a script that declares its flags (a shebang, or a function) and neither allow-oom nor
 * no-writes is refused while memory is over maxmemory, whatever it would run; a script without
 * flags is checked command by command instead.
 */
function refuseOnOom(ctx: CommandContext, flags: string[], noWrites: boolean): void {
  if (noWrites || flags.includes('allow-oom')) return;
  if (ctx.server.config.number('maxmemory') > 0 && !ctx.server.makeRoomForWrite()) throw Errors.outOfMemory();
}

function evalGeneric(ctx: CommandContext, argv: Buffer[], bySha: boolean, readOnly: boolean): HandlerResult {
  const state = scriptingOf(ctx.server);
  const debug = !readOnly && !ctx.noBlock && ctx.client.socket !== null && state.debugClients.has(ctx.client);
  if (debug && bySha) throw new ReplyError('ERR Please use EVAL instead of EVALSHA for debugging');
  // As Redis: a SHA1 of the wrong length is unknown before numkeys is even looked at.
  if (bySha && argv[1]!.length !== 40) throw Errors.noScript();
  const numkeys = parseNumkeys(argv, 2);
  let script: CachedScript;
  if (bySha) {
    const known = state.knownSha(argv[1]!);
    if (known === undefined) throw Errors.noScript();
    script = known;
  } else {
    script = state.evalScript(argv[1]!);
  }
  const { sha, flags } = script;
  const noWrites = readOnly || script.noWrites;
  const server = ctx.server;
  // A script with a shebang declares whether it writes, so it is refused up front (as FCALL below).
  if (flags !== undefined && !noWrites && server.gated && server.rdb.refusingWrites) throw PersistenceErrors.misconf();
  if (flags !== undefined && !noWrites && server.readOnlyReplica && !obeysWithoutChecks(ctx.client)) throw READONLY_SCRIPT();
  // Flags that do not say no-writes make even EVAL_RO a write for min-replicas-to-write, as Redis.
  if (flags !== undefined && !script.noWrites && !server.enoughGoodReplicas()) throw ReplicationErrors.noReplicas();
  // On a stale replica a script with flags needs allow-stale; one without flags is refused outright (Redis's compatibility mode).
  if (!script.allowStale && server.staleReplica && !obeysWithoutChecks(ctx.client)) throw MASTERDOWN_SCRIPT();
  if (flags !== undefined) refuseOnOom(ctx, flags, noWrites);
  const host = state.hostFor(ctx, noWrites, script.allowOom);
  if (debug) return state.debug(ctx, argv[1]!, (options) => state.engine.runCommand(sha, argv, 3, numkeys, host, options));
  state.pending = sha;
  state.pendingArgv = argv;
  state.pendingNumkeys = numkeys;
  state.pendingHost = host;
  return state.runFor(ctx, argv, true, sha);
}

function fcallGeneric(ctx: CommandContext, argv: Buffer[], readOnly: boolean): HandlerResult {
  const state = scriptingOf(ctx.server);
  const entry = state.functions.get(argv[1]!.toString('latin1').toLowerCase());
  if (!entry) throw new ReplyError('ERR Function not found');
  const numkeys = parseNumkeys(argv, 2, true);
  const noWrites = entry.fn.flags.includes('no-writes');
  if (!noWrites && !ctx.server.enoughGoodReplicas()) throw ReplicationErrors.noReplicas();
  if (readOnly && !noWrites) throw new ReplyError('ERR Can not execute a script with write flag using *_ro command.');
  if (!noWrites && ctx.server.gated && ctx.server.rdb.refusingWrites) throw PersistenceErrors.misconf();
  if (!noWrites && ctx.server.readOnlyReplica && !obeysWithoutChecks(ctx.client)) throw READONLY_SCRIPT();
  if (!entry.fn.flags.includes('allow-stale') && ctx.server.staleReplica && !obeysWithoutChecks(ctx.client)) throw MASTERDOWN_SCRIPT();
  refuseOnOom(ctx, entry.fn.flags, noWrites);
  state.pending = entry.fn;
  state.pendingArgv = argv;
  state.pendingNumkeys = numkeys;
  state.pendingHost = state.hostFor(ctx, noWrites, entry.fn.flags.includes('allow-oom'));
  return state.runFor(ctx, argv, false, entry.fn.name);
}

// ------------------------------------------------------------------------------ SCRIPT

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

type Handler = CommandSpec['handler'];

function sub(
  container: string,
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: Handler,
  categories: readonly string[] = ['@slow', '@scripting'],
): CommandSpec {
  return { name: `${container}|${name}`, arity, flags, firstKey: 0, lastKey: 0, step: 0, categories, handler };
}

function flushMode(argv: Buffer[], command: string): void {
  // As Redis: SCRIPT FLUSH rejects extra arguments with its option error, FUNCTION FLUSH with the
  // subcommand error.
  if (argv.length > 3) {
    if (command === 'script') throw new ReplyError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    throw StreamErrors.unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'FUNCTION');
  }
  if (argv.length === 3) {
    const mode = argv[2]!.toString('latin1').toLowerCase();
    if (mode !== 'sync' && mode !== 'async') {
      throw new ReplyError(
        command === 'script' ? 'ERR SCRIPT FLUSH only support SYNC|ASYNC option' : 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option',
      );
    }
  }
}

const NOT_BUSY = () => new ReplyError('NOTBUSY No scripts in execution right now.');

const scriptSubcommands: CommandSpec[] = [
  sub('script', 'load', 3, ['noscript', 'stale'], (ctx, argv) => scriptingOf(ctx.server).loadScript(argv[2]!)),
  sub('script', 'exists', -3, ['noscript'], (ctx, argv) => {
    const state = scriptingOf(ctx.server);
    return argv.slice(2).map((sha) => (state.engine.has(sha.toString('latin1')) ? 1 : 0));
  }),
  sub('script', 'flush', -2, ['noscript'], (ctx, argv) => {
    flushMode(argv, 'script');
    scriptingOf(ctx.server).flushScripts();
    return OK;
  }),
  // A script past busy-reply-threshold runs in slices, and this runs between two of them.
  sub('script', 'kill', 2, ['noscript', 'allow_busy'], (ctx) => scriptingOf(ctx.server).kill(true)),
  // SYNC only: Redis's YES forks the server so that the session's writes are rolled back, and
  // Tidings does not fork (see README, differences).
  sub('script', 'debug', 3, ['noscript'], (ctx, argv) => {
    const mode = argv[2]!.toString('latin1').toLowerCase();
    if (mode !== 'no' && mode !== 'yes' && mode !== 'sync') throw new ReplyError('ERR Use SCRIPT DEBUG YES/SYNC/NO');
    if (ctx.noBlock) throw new ReplyError('ERR SCRIPT DEBUG must be called outside a pipeline');
    const clients = scriptingOf(ctx.server).debugClients;
    if (mode === 'no') {
      clients.delete(ctx.client);
      return OK;
    }
    if (mode === 'yes') {
      throw new ReplyError(
        'ERR SCRIPT DEBUG YES (a forked session whose changes are rolled back) is not supported by Tidings: use SCRIPT DEBUG SYNC (redis-cli --ldb-sync-mode)',
      );
    }
    clients.add(ctx.client);
    return OK;
  }),
  sub('script', 'help', 2, ['loading', 'stale'], () => SCRIPT_HELP.map((l) => new Status(l))),
];

// ------------------------------------------------------------------------------ FUNCTION

const DUMP_MAGIC = Buffer.from('TIDINGS-FUNCTIONS-1\n');

function functionList(ctx: CommandContext, argv: Buffer[]): Reply {
  let withCode = false;
  let pattern: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i]!.toString('latin1').toLowerCase();
    if (opt === 'withcode' && !withCode) withCode = true;
    else if (opt === 'libraryname' && pattern === undefined && i + 1 < argv.length) pattern = argv[++i]!.toString('latin1');
    else if (opt === 'libraryname' && pattern !== undefined) throw new ReplyError(`ERR Unknown argument ${argv[i]!.toString('latin1')}`);
    else if (opt === 'libraryname') throw new ReplyError('ERR library name argument was not given');
    else throw new ReplyError(`ERR Unknown argument ${argv[i]!.toString('latin1')}`);
  }
  const out: Reply[] = [];
  for (const library of scriptingOf(ctx.server).libraries.values()) {
    if (pattern !== undefined && !globMatch(pattern, library.name)) continue;
    const functions = library.functions.map(
      (fn) =>
        new MapReply(['name', fn.name, 'description', fn.description, 'flags', new SetReply(fn.flags.map((f) => new Status(f)))]),
    );
    const entries: Reply[] = ['library_name', library.name, 'engine', 'LUA', 'functions', functions];
    if (withCode) entries.push('library_code', library.code);
    out.push(new MapReply(entries));
  }
  return out;
}

function functionRestore(ctx: CommandContext, argv: Buffer[]): Reply {
  const state = scriptingOf(ctx.server);
  let policy = 'append';
  if (argv.length > 4) throw StreamErrors.unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'FUNCTION');
  if (argv.length === 4) {
    policy = argv[3]!.toString('latin1').toLowerCase();
    if (policy !== 'append' && policy !== 'replace' && policy !== 'flush') {
      throw new ReplyError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    }
  }
  const payload = argv[2]!;
  const codes: Buffer[] = [];
  const bad = () => new ReplyError('ERR DUMP payload version or checksum are wrong');
  if (payload.length < DUMP_MAGIC.length || !payload.subarray(0, DUMP_MAGIC.length).equals(DUMP_MAGIC)) throw bad();
  let pos = DUMP_MAGIC.length;
  while (pos < payload.length) {
    if (pos + 4 > payload.length) throw bad();
    const len = payload.readUInt32BE(pos);
    pos += 4;
    if (pos + len > payload.length) throw bad();
    codes.push(Buffer.from(payload.subarray(pos, pos + len)));
    pos += len;
  }
  const names = codes.map((code) => libraryName(code));
  if (policy === 'append') {
    for (const name of names) if (state.libraries.has(name)) throw new ReplyError(`ERR Library ${name} already exists`);
  }
  // Restore into a scratch state first is not possible with one VM; keep the old libraries' code
  // so a failure can put them back.
  const previous = [...state.libraries.values()].map((l) => l.code);
  if (policy === 'flush') state.flushFunctions();
  try {
    for (const code of codes) state.loadLibrary(code, true);
  } catch (error) {
    state.flushFunctions();
    for (const code of previous) state.loadLibrary(code, true);
    throw error;
  }
  return OK;
}

const functionSubcommands: CommandSpec[] = [
  sub('function', 'load', -3, ['write', 'denyoom', 'noscript'], (ctx, argv) => {
    let replace = false;
    for (let i = 2; i < argv.length - 1; i++) {
      const opt = argv[i]!.toString('latin1');
      if (opt.toLowerCase() === 'replace') replace = true;
      else throw new ReplyError(`ERR Unknown option given: ${opt}`);
    }
    return scriptingOf(ctx.server).loadLibrary(argv[argv.length - 1]!, replace);
  }, ['@write', '@slow', '@scripting']),
  sub('function', 'delete', 3, ['write', 'noscript'], (ctx, argv) => {
    if (!scriptingOf(ctx.server).deleteLibrary(argv[2]!.toString('latin1'))) throw new ReplyError('ERR Library not found');
    return OK;
  }, ['@write', '@slow', '@scripting']),
  sub('function', 'flush', -2, ['write', 'noscript'], (ctx, argv) => {
    flushMode(argv, 'function');
    scriptingOf(ctx.server).flushFunctions();
    return OK;
  }, ['@write', '@slow', '@scripting']),
  sub('function', 'list', -2, ['noscript'], functionList),
  sub('function', 'dump', 2, ['noscript'], (ctx) => {
    const parts: Buffer[] = [DUMP_MAGIC];
    for (const library of scriptingOf(ctx.server).libraries.values()) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(library.code.length);
      parts.push(len, library.code);
    }
    return Buffer.concat(parts);
  }),
  sub('function', 'restore', -3, ['write', 'denyoom', 'noscript'], functionRestore, ['@write', '@slow', '@scripting']),
  sub('function', 'stats', 2, ['noscript', 'allow_busy'], (ctx) => {
    const state = scriptingOf(ctx.server);
    const busy = state.busy;
    // As Redis: FUNCTION STATS does not describe a running EVAL, it is refused.
    if (busy?.isEval) throw Errors.busy();
    const running =
      busy === undefined
        ? null
        : new MapReply(['name', busy.name, 'command', busy.argv, 'duration_ms', Date.now() - busy.startedAt]);
    return new MapReply([
      'running_script',
      running,
      'engines',
      new MapReply(['LUA', new MapReply(['libraries_count', state.libraries.size, 'functions_count', state.functions.size])]),
    ]);
  }),
  sub('function', 'kill', 2, ['noscript', 'allow_busy'], (ctx) => scriptingOf(ctx.server).kill(false)),
  sub('function', 'help', 2, ['loading', 'stale'], () => FUNCTION_HELP.map((l) => new Status(l))),
];

// ------------------------------------------------------------------------------ specs

const evalFlags = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'] as const;
const evalRoFlags = ['readonly', ...evalFlags] as const;

function evalSpec(name: string, flags: CommandSpec['flags'], handler: Handler): CommandSpec {
  return { name, arity: -3, flags, firstKey: 0, lastKey: 0, step: 0, categories: ['@slow', '@scripting'], handler };
}

export const specs: CommandSpec[] = [
  evalSpec('eval', evalFlags, (ctx, argv) => evalGeneric(ctx, argv, false, false)),
  evalSpec('evalsha', evalFlags, (ctx, argv) => evalGeneric(ctx, argv, true, false)),
  evalSpec('eval_ro', evalRoFlags, (ctx, argv) => evalGeneric(ctx, argv, false, true)),
  evalSpec('evalsha_ro', evalRoFlags, (ctx, argv) => evalGeneric(ctx, argv, true, true)),
  evalSpec('fcall', evalFlags, (ctx, argv) => fcallGeneric(ctx, argv, false)),
  evalSpec('fcall_ro', evalRoFlags, (ctx, argv) => fcallGeneric(ctx, argv, true)),
  {
    name: 'script',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@slow'],
    handler: () => OK,
    subcommands: scriptSubcommands,
  },
  {
    name: 'function',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@slow'],
    handler: () => OK,
    subcommands: functionSubcommands,
  },
];

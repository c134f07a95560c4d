// What the dump file and the append-only file need of the server, so that persistence/ depends on
// nothing above it (issue #9): server/Server implements PersistenceHost. The effects stream's
// shapes are defined here, where the append-only file consumes them (server/effects.ts produces
// them and re-exports these types).
import type { Config } from '../config/config.js';
import type { HandlerResult, ReplyError } from '../protocol/reply.js';
import type { MemoryHost } from '../store/eviction.js';
import type { RdbFile } from './rdbfile.js';

/** One command to propagate, with the database it ran in. */
export interface Effect {
  db: number;
  argv: Buffer[];
  /** Where it propagates when not everywhere (a script's redis.set_repl): PROPAGATE_AOF, PROPAGATE_REPLICAS. */
  to?: number;
}

export interface EffectsConsumer {
  /** One unit of effects: a top-level command's, already wrapped in MULTI/EXEC when needed. */
  feed(effects: readonly Effect[]): void;
}

/** The scripting state as loading and saving use it (commands/scripting.ts's Scripting). */
export interface PersistedScripting {
  readonly libraries: ReadonlyMap<string, { readonly code: Buffer }>;
  /** FUNCTION LOAD of a library read from a dump or an AOF preamble; its name. */
  loadLibrary(code: Buffer, replace: boolean): string;
  /** The AOF replay lets a slow top-level script run in slices (set around the call). */
  loaderMayYield: boolean;
  /** A script the replay started is suspended between slices. */
  readonly loaderSuspended: boolean;
  /** One more slice of that script; false once it has ended. */
  resumeForLoader(): boolean;
}

/** The client the AOF replay runs its commands as. */
export interface LoaderSession {
  multi: Buffer[][] | undefined;
  multiDirty: boolean;
}

export interface PersistenceHost extends MemoryHost {
  readonly config: Config;
  /** Key modifications since start (Redis's server.dirty). */
  dirty: number;
  /** True while commands may be refused before they run (loading, -MISCONF). */
  gated: boolean;
  /** Dispatch must ask admit() for replication's sake (read-only or stale replica, min-replicas). */
  readonly replicaGated: boolean;
  /** Set while the disk refuses writes (MISCONF). */
  writesDenied: ReplyError | undefined;
  /** close() was called: a load across turns stops at its next pause. */
  readonly stopped: boolean;
  readonly rdb: RdbFile;
  /** The append-only file, as far as the dump file looks at it: a rewrite holds BGSAVEs back. */
  readonly aof: { readonly rewriting: boolean };
  /** Run the commands read this turn and write their replies (a background save does before each slice). */
  flushReplies(): void;
  /** netInputBytes and totalConnections: a BGSAVE waits for a turn without input between slices. */
  readonly stats: MemoryHost['stats'] & { forked(startedAt: number): void; readonly netInputBytes: number; readonly totalConnections: number };
  readonly effects: MemoryHost['effects'] & { subscribe(consumer: EffectsConsumer): void; unsubscribe(consumer: EffectsConsumer): void };
  readonly extensions: ReadonlyMap<string, unknown>;
  /** Lua scripting state, created on first use. */
  readonly scripting: PersistedScripting;
  /** The oom_score_adj of a background writer child (oom-score-adj's bgchild class), if any. */
  childOomScore(): number | undefined;
  log(level: 'debug' | 'verbose' | 'notice' | 'warning', message: string, fields?: Record<string, string | number | undefined>): void;
  /** Write queued output (and the AOF's buffer) at the end of this event-loop turn. */
  requestFlush(): void;
  /** The AOF replay: resolve a command by name and arity (the commands' resolver). */
  resolveCommand(argv: Buffer[]): { readonly name: string } | ReplyError;
  createLoaderClient(): LoaderSession;
  call(client: LoaderSession, argv: Buffer[], options: { inExec?: boolean }): HandlerResult;
}

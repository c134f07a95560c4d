// The shape every command group shares. A command group file exports `specs: CommandSpec[]`;
// src/server/table.ts collects them. Metadata is data: it drives dispatch, COMMAND INFO and ACLs.
import type { HandlerResult, Reply } from '../protocol/reply.js';
import type { Database } from '../store/database.js';
import type { CommandHost, CommandSession } from './host.js';

export type { CommandHost, CommandSession };

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'no_multi'
  | 'allow_busy'
  | 'no_async_loading'
  | 'movablekeys';

export interface CommandSpec {
  /** Lower case. Subcommands are named `container|sub`, e.g. `client|kill`. */
  name: string;
  /** Redis convention: N > 0 means exactly N arguments (name included); -N means at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** Key positions as in COMMAND INFO (1-based; 0 = no keys; lastKey -1 = last argument). */
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL categories, e.g. ['@write', '@list', '@slow']. */
  categories: readonly string[];
  /** argv[0] is the command name as sent (argv[1] the subcommand for container commands). */
  handler: (ctx: CommandContext, argv: Buffer[]) => HandlerResult;
  /** For container commands (CLIENT, CONFIG, ...): dispatch goes to the matching subcommand. */
  subcommands?: readonly CommandSpec[];
}

export interface BlockOptions {
  /** latin1 key names in the client's database the command waits on. */
  keys: string[];
  /** Milliseconds; 0 waits forever. */
  timeoutMs: number;
  /** Sent when the timeout fires (null array for BLPOP, null bulk for BLMOVE, ...). */
  timeoutReply: Reply;
  /**
   * Called (with a fresh context) after one of the keys was signalled ready; `readyKey` names it,
   * so a command waiting on several keys can serve from the one that became ready first, as Redis
   * does. Return the reply to serve the client, or undefined to keep waiting in place.
   */
  retry: (ctx: CommandContext, readyKey?: string) => Reply | undefined;
  /** Optional: extra check run when a key is deleted or changes type (XREADGROUP's NOGROUP). */
}

export interface CommandContext {
  /** The server as command groups see it (commands/host.ts). */
  server: CommandHost;
  /** The calling client's session view (commands/host.ts). */
  client: CommandSession;
  /** The client's selected database. */
  db: Database;
  /** True inside EXEC and inside scripts: blocking commands must answer at once (timeout reply). */
  noBlock: boolean;
  /** True when the command was called by a Lua script (redis.call). */
  fromScript: boolean;
  /**
   * Block the client on keys. Returns BLOCKED (return it from the handler), or — when the context
   * cannot block (MULTI, scripts) — the timeout reply, which the handler returns instead.
   */
  block(options: BlockOptions): HandlerResult;
  /** Keyspace notification for a key of ctx.db; `flag` is the class letter: g $ l s h z x e t m. */
  notify(flag: string, event: string, key: string): void;
  /**
   * True when writes are being recorded as effects (an AOF is on). Handlers that build a rewritten
   * form check it first, so the rewrite costs nothing otherwise.
   */
  readonly propagating: boolean;
  /**
   * Record these commands as this call's effect instead of argv as sent (EXPIRE → PEXPIREAT,
   * SPOP → SREM, BLPOP → LPOP, ...). Call it only when the command did write; an empty list
   * records nothing. Several commands become one MULTI/EXEC block.
   */
  propagateAs(...commands: Buffer[][]): void;
  /** Record one more command after this call's own effect (or after the propagateAs list). */
  alsoPropagate(argv: Buffer[]): void;
}

// What ACL needs of the server and of a client, so that security/ depends on nothing above it
// (issue #9). server/Server and net/Client satisfy these structurally, and so do the commands'
// host and session views (commands/host.ts), which pass themselves in.
import type { Config } from '../config/config.js';
import type { AclTable, AclUser } from './acl.js';

/** A command's metadata as ACL reads it (commands/types.ts's CommandSpec satisfies it). */
export interface AclCommandSpec {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  /** Key positions as in COMMAND INFO (1-based; 0 = no keys; lastKey -1 = last argument). */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  /** ACL categories, e.g. ['@write', '@list', '@slow']. */
  readonly categories: readonly string[];
  readonly subcommands?: readonly AclCommandSpec[];
}

/** Finds a command's keys in its arguments (commands/key-positions.ts's keysOf, through the table). */
export type KeyFinder = (spec: AclCommandSpec, argv: Buffer[]) => Buffer[];

/** A client as ACL reads and sets it: who is logged in, what it subscribed to. */
export interface AclSession {
  /** The ACL user logged in; undefined means the default user. */
  aclUser: AclUser | undefined;
  user: string;
  authenticated: boolean;
  /** Queued commands while in MULTI (an AUTH failure inside MULTI is logged as 'multi'). */
  readonly multi: Buffer[][] | undefined;
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  readonly shardChannels: Set<string>;
}

/** The server as ACL and ACL LOG use it. */
export interface AclHost {
  readonly config: Config;
  /** The command specs ACL rules name (the server's command table), and their key finder. */
  readonly table: { all(): ConstructorParameters<typeof AclTable>[0]; keysOf: KeyFinder };
  readonly clients: { values(): Iterable<AclSession> };
  log(level: 'debug' | 'verbose' | 'notice' | 'warning', message: string): void;
  /** Mark the client to be closed once its queued replies are written. */
  closeAfterReply(client: AclSession): void;
  closeClient(client: AclSession): void;
  /** The CLIENT LIST line for a client (ACL LOG's client-info). */
  describeClient(client: AclSession): string;
}

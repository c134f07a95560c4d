// What the server needs of the network layer, so that server/ names nothing in net/ (issue #9).
// net/network.ts implements it: it owns the listeners (TCP, unix socket, TLS), the outbound links
// (MIGRATE's pool, the TLS options of the replica's link) and the client objects, and hands each
// accepted connection to the server (Server.accept, then Server.input/closeClient/outputDrained).
// The entry (src/index.ts, src/cli.ts) wires the two through net/network.ts's createServer.
import type tls from 'node:tls';
import type { Config } from '../config/config.js';
import type { LogLevel, OutboundPool } from '../commands/host.js';
import type { ServerSession } from './session.js';

/** Kinds of client that have no connection behind them. */
export type DetachedKind = 'script' | 'loader' | 'master';

export interface Network {
  /** Address actually bound (after listen): the first TCP address, else the first TLS one. */
  readonly host: string;
  /** TCP port actually bound, 0 without plain TCP. */
  readonly port: number;
  /** TLS port actually bound, 0 without TLS. */
  readonly tlsPort: number;
  /** True while a TCP or unix-socket listener is open (TLS listeners are not counted). */
  readonly listening: boolean;
  /** Cached connections to other servers (MIGRATE). */
  readonly outbound: OutboundPool;
  /** Bind the TCP, TLS and unix-socket listeners the configuration names. */
  listen(): Promise<void>;
  /** CONFIG SET port/tls-port/bind: move the listeners; on failure, restore the old ones and reject. */
  relisten(bind: string, port: number, tlsPort: number): Promise<void>;
  /** Every address listened on: host:port per TCP listener, the unix socket path, then TLS ones. */
  addresses(): string[];
  /** Stop listening; resolves once every listener has closed. */
  stopListening(): Promise<void>;
  /** At shutdown, after the clients were closed: drop TLS handshakes and outbound links. */
  dropConnections(): void;
  /** Options for an outgoing TLS connection (the replica's link with tls-replication yes). */
  tlsClientOptions(): tls.ConnectionOptions;
  /** A client with no connection: a script's, the AOF loader's, the master link's. */
  detachedClient(kind: DetachedKind, addr: string): ServerSession;
}

/** What the network layer calls on the server for each connection (Server implements it). */
export interface ConnectionHost {
  readonly config: Config;
  log(level: LogLevel, message: string): void;
  /** The id for a new client (CLIENT ID), in order of arrival. */
  nextClientId(): number;
  /**
   * A new connection's client, with its peer's address (an IPv4-mapped one unwrapped; undefined
   * on the unix socket): undefined when the server takes it, else the text to write before
   * closing it ('' to close without a word, as over TLS when maxclients is reached).
   */
  accept(client: ServerSession, remoteAddress: string | undefined, encrypted: boolean): string | undefined;
  /** Bytes read from an accepted client's connection. */
  input(client: ServerSession, chunk: Buffer): void;
  /** The connection failed or closed. */
  closeClient(client: ServerSession): void;
  /** The connection's write buffer drained ('drain'): output limits are checked again. */
  outputDrained(client: ServerSession): void;
}

/** How the server is given its network: called once, from the Server constructor. */
export type NetworkFactory = (host: ConnectionHost) => Network;

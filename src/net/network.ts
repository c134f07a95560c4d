// The network layer: listeners (TCP on every bind address, the unix socket, TLS), the clients
// behind accepted connections, and the outbound links (MIGRATE's pool, the replica link's TLS
// options). Each accepted socket becomes a Client handed to the server through ConnectionHost,
// which server/network.ts defines; the server reaches this layer only through its Network
// interface. createServer() is where the two are wired (the entry calls it).
import net from 'node:net';
import type tls from 'node:tls';
import fs from 'node:fs';
import { Client } from './client.js';
import { TlsListeners, clientConnectOptions } from './tls.js';
import { OutboundConnections } from './outbound.js';
import { adoptForSharedReads } from './socket-read.js';
import { Server, type ServerOptions } from '../server/server.js';
import type { ConnectionHost, DetachedKind, Network } from '../server/network.js';

/** A Server with its network: what the entry (startServer, the CLI) runs. */
export function createServer(options: ServerOptions = {}): Server {
  return new Server(options, (host) => new SocketNetwork(host));
}

const UNLIMITED = { maxBulkLen: Infinity, maxQueryBuffer: Infinity };

export class SocketNetwork implements Network {
  host = '127.0.0.1';
  port = 0;
  tlsPort = 0;
  readonly outbound = new OutboundConnections();
  /** TCP and unix-socket listeners. */
  private listeners: net.Server[] = [];
  /** TLS listeners (tls-port), kept apart so that CONFIG SET port/bind leaves them alone. */
  private readonly tlsListeners: net.Server[] = [];
  /** The TLS listeners' shared secure context, rebuilt on CONFIG SET tls-*. */
  readonly tls: TlsListeners;

  constructor(private readonly server: ConnectionHost) {
    this.tls = new TlsListeners(server.config, (level, message) => server.log(level, message));
  }

  get listening(): boolean {
    return this.listeners.length !== 0;
  }

  detachedClient(kind: DetachedKind, addr: string): Client {
    return new Client(0, null, UNLIMITED, addr, '', kind);
  }

  tlsClientOptions(): tls.ConnectionOptions {
    return clientConnectOptions(this.server.config, (level, text) => this.server.log(level, text));
  }

  async listen(): Promise<void> {
    const config = this.server.config;
    const bind = config.string('bind');
    const port = config.number('port');
    const tlsPort = config.number('tls-port');
    // As in Redis, `port 0` beside a tls-port means TLS only; on its own it picks a free port.
    if (port !== 0 || tlsPort === 0) {
      const tcp = await this.listenTcp(bind, port);
      this.listeners.push(...tcp.servers);
      if (tcp.host !== undefined) this.host = tcp.host;
      this.port = tcp.port;
    }
    if (tlsPort !== 0) {
      try {
        const secure = await this.listenTcp(bind, tlsPort, () => this.createTlsListener());
        this.tlsListeners.push(...secure.servers);
        if (this.listeners.length === 0 && secure.host !== undefined) this.host = secure.host;
        this.tlsPort = secure.port;
      } catch (err) {
        this.server.log('warning', `Failed to configure TLS: ${(err as Error).message}`);
        throw err;
      }
    }
    const unixsocket = config.string('unixsocket');
    if (unixsocket) {
      try {
        fs.unlinkSync(unixsocket);
      } catch {
        // no stale socket file
      }
      const srv = this.createListener();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(unixsocket, () => resolve());
      });
      const perm = config.number('unixsocketperm');
      if (perm) fs.chmodSync(unixsocket, perm);
      this.listeners.push(srv);
    }
  }

  addresses(): string[] {
    const show = (l: net.Server) => {
      const a = l.address();
      if (typeof a === 'string' || a === null) return this.server.config.string('unixsocket');
      return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    };
    return [...this.listeners.map(show), ...this.tlsListeners.map((l) => `${show(l)} (TLS)`)];
  }

  /**
   * Listen on every address of `bind` (Redis's syntax) at `port` (0: a free port, the same for
   * all). On failure, the listeners already opened are closed.
   */
  private async listenTcp(
    bind: string,
    port: number,
    create: () => net.Server = () => this.createListener(),
  ): Promise<{ servers: net.Server[]; port: number; host: string | undefined }> {
    const servers: net.Server[] = [];
    let boundPort = port;
    let first: string | undefined;
    const backlog = this.server.config.number('tcp-backlog');
    try {
      for (const address of bind.split(/\s+/).filter(Boolean)) {
        // A leading '-' marks an optional address (Redis: skipped when it is not available).
        const optional = address.startsWith('-');
        // '*' is every IPv4 address and '::*' every IPv6 one (Redis's default bind is "* -::*").
        const named = address.replace(/^-/, '');
        const host = named === '*' ? '0.0.0.0' : named === '::*' ? '::' : named;
        const srv = create();
        try {
          boundPort = await new Promise<number>((resolve, reject) => {
            srv.once('error', reject);
            srv.listen({ host, port: boundPort, exclusive: true, backlog, ipv6Only: host.includes(':') }, () => {
              srv.off('error', reject);
              resolve((srv.address() as net.AddressInfo).port);
            });
          });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) {
            this.server.log('notice', `Skipping optional bind address ${host}: ${code}`);
            continue;
          }
          throw err;
        }
        servers.push(srv);
        first ??= host;
      }
    } catch (err) {
      for (const srv of servers) srv.close();
      throw err;
    }
    return { servers, port: boundPort, host: first };
  }

  /**
   * CONFIG SET port/tls-port/bind: stop listening on the old addresses (connections stay), listen
   * on the new ones; if that fails, listen on the old ones again and reject. As at start, port 0
   * beside a tls-port means no plain TCP, and tls-port 0 means no TLS.
   */
  async relisten(bind: string, port: number, tlsPort: number): Promise<void> {
    const config = this.server.config;
    const isTcp = (l: net.Server) => {
      const a = l.address();
      return a !== null && typeof a !== 'string';
    };
    const previous = { bind: config.string('bind'), port: config.number('port'), tlsPort: config.number('tls-port') };
    const tcpChanged = bind !== previous.bind || port !== previous.port || (port === 0 && tlsPort !== previous.tlsPort);
    const tlsChanged = bind !== previous.bind || tlsPort !== previous.tlsPort;
    const openTcp = async (b: string, p: number, t: number) => (p !== 0 || t === 0 ? this.listenTcp(b, p) : undefined);
    const openTls = async (b: string, t: number) => (t !== 0 ? this.listenTcp(b, t, () => this.createTlsListener()) : undefined);
    const closeTls = () => {
      for (const l of this.tlsListeners.splice(0)) {
        l.close();
        this.tls.forget(l as tls.Server);
      }
    };
    const others = this.listeners.filter((l) => !isTcp(l));
    if (tcpChanged) {
      for (const l of this.listeners.filter(isTcp)) l.close();
      this.listeners = others;
    }
    if (tlsChanged) closeTls();
    try {
      if (tcpChanged) {
        const tcp = await openTcp(bind, port, tlsPort);
        this.listeners = [...(tcp?.servers ?? []), ...others];
        if (tcp?.host !== undefined) this.host = tcp.host;
        this.port = tcp?.port ?? 0;
      }
      if (tlsChanged) {
        const secure = await openTls(bind, tlsPort);
        this.tlsListeners.push(...(secure?.servers ?? []));
        if (secure?.host !== undefined && this.listeners.length === others.length) this.host = secure.host;
        this.tlsPort = secure?.port ?? 0;
      }
      this.server.log('notice', `Listening on ${this.addresses().join(', ')}`);
    } catch (err) {
      if (tcpChanged) {
        for (const l of this.listeners.filter(isTcp)) l.close();
        const back = await openTcp(previous.bind, this.port === 0 ? previous.port : this.port, previous.tlsPort).catch((e: Error) => {
          this.server.log('warning', `Failed to listen again on ${previous.bind} port ${previous.port}: ${e.message}`);
          return undefined;
        });
        this.listeners = [...(back?.servers ?? []), ...others];
        if (back) this.port = back.port;
      }
      if (tlsChanged) {
        closeTls();
        const back = await openTls(previous.bind, previous.tlsPort).catch((e: Error) => {
          this.server.log('warning', `Failed to listen again on ${previous.bind} TLS port ${previous.tlsPort}: ${e.message}`);
          return undefined;
        });
        this.tlsListeners.push(...(back?.servers ?? []));
        if (back) this.tlsPort = back.port;
      }
      throw err;
    }
  }

  stopListening(): Promise<void> {
    const closing = [...this.listeners, ...this.tlsListeners].map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
    return Promise.all(closing).then(() => undefined);
  }

  dropConnections(): void {
    this.tls.destroyAll();
    this.outbound.closeAll();
  }

  private createListener(): net.Server {
    // Paused: the connection is read by the socket adoptForSharedReads builds from its handle.
    return net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const keepalive = this.server.config.number('tcp-keepalive');
      socket.setKeepAlive(keepalive > 0, keepalive * 1000);
      this.onConnection(socket);
    });
  }

  private createTlsListener(): net.Server {
    return this.tls.createServer((socket) => this.onConnection(socket));
  }

  private onConnection(accepted: net.Socket): void {
    const server = this.server;
    let onData = (_chunk: Buffer): void => {};
    const adopted = adoptForSharedReads(accepted, (chunk) => onData(chunk));
    const socket = adopted ?? accepted;
    socket.setNoDelay(true);
    const unix = socket.remoteAddress === undefined;
    const addr = unix ? `${server.config.string('unixsocket')}:0` : `${socket.remoteAddress}:${socket.remotePort}`;
    const laddr = unix ? `${server.config.string('unixsocket')}:0` : `${socket.localAddress}:${socket.localPort}`;
    const client = new Client(
      server.nextClientId(),
      socket,
      {
        maxBulkLen: server.config.number('proto-max-bulk-len'),
        maxQueryBuffer: server.config.number('client-query-buffer-limit'),
      },
      normaliseAddr(addr),
      normaliseAddr(laddr),
      unix ? 'unix' : 'tcp',
    );
    const refusal = server.accept(client, unix ? undefined : normaliseAddr(socket.remoteAddress!), 'encrypted' in socket);
    if (refusal !== undefined) {
      if (refusal === '') {
        socket.on('error', () => {});
        socket.destroy();
      } else refuseConnection(socket, refusal);
      return;
    }
    if (adopted !== undefined) onData = (chunk) => server.input(client, chunk);
    else {
      socket.on('data', (chunk) => server.input(client, chunk));
      // A plain listener's sockets start paused (pauseOnConnect); TLS ones flow already.
      socket.resume();
    }
    socket.on('error', () => server.closeClient(client));
    socket.on('close', () => server.closeClient(client));
    socket.on('drain', () => server.outputDrained(client));
  }
}

function normaliseAddr(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** Write a refusal and close for real: no half-open socket left for a peer that never reads. */
function refuseConnection(socket: net.Socket, text: string): void {
  socket.on('error', () => socket.destroy());
  socket.pause();
  socket.write(text, () => socket.destroy());
  setTimeout(() => socket.destroy(), 5000).unref();
}

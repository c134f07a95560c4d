// The optional HTTP listener: Prometheus /metrics, and the live dashboard when `dashboard yes`.
// Off unless `metrics-port` is set; binds `metrics-bind` (loopback by default). When a connection
// to the broker must AUTH (requirepass, or ACL rules that take `nopass` from the default user),
// every request must carry HTTP Basic credentials the broker would accept: an ACL user's name and
// password, or any other name with the default user's password (requirepass). The user must also
// be allowed what the page shows: INFO for /metrics; INFO, SLOWLOG GET and CLIENT LIST for the
// dashboard; and SUBSCRIBE (PSUBSCRIBE for a pattern) of what the message tap follows.
import http from 'node:http';
import type net from 'node:net';
import type { Server } from '../server/server.js';
import type { CommandSpec } from '../commands/types.js';
import { findSubcommand } from '../commands/lookup.js';
import { aclOf, type AclUser } from '../security/acl.js';
import type { Registry } from 'prom-client';

/** Commands a user must be allowed, by path: [command, subcommand?, ...args]. */
const METRICS_NEEDS: string[][] = [['info']];
const DASHBOARD_NEEDS: string[][] = [['info'], ['slowlog', 'get'], ['client', 'list']];

/** Routes beyond /metrics, added by the dashboard module. */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean | Promise<boolean>;

export class ObserveListener {
  private readonly http: http.Server;
  private readonly routes: Route[] = [];
  private readonly cleanups: (() => void)[] = [];
  port = 0;
  host = '127.0.0.1';

  constructor(
    private readonly server: Server,
    private readonly registry: Registry,
  ) {
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error: ${(err as Error).message}\n`);
      });
    });
  }

  addRoute(route: Route): void {
    this.routes.push(route);
  }

  /** Run on close (timers, taps). */
  onClose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ port, host, exclusive: true }, () => {
        this.http.off('error', reject);
        const address = this.http.address() as net.AddressInfo;
        this.port = address.port;
        this.host = host;
        resolve();
      });
    });
  }

  close(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.http.close();
    this.http.closeAllConnections();
  }

  /**
   * The ACL user a request acts as: the default user when the broker needs no AUTH, else the user
   * its Basic credentials name (an unknown name means the default user, as AUTH with one
   * argument), or undefined when they are missing or wrong.
   */
  private userOf(req: http.IncomingMessage): AclUser | undefined {
    const acl = aclOf(this.server);
    if (!acl.authRequired()) return acl.defaultUser;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64');
    const colon = decoded.indexOf(':');
    if (colon === -1) return undefined;
    const name = decoded.subarray(0, colon).toString('utf8');
    const user = acl.users.get(name) ?? acl.defaultUser;
    return user.checkPassword(decoded.subarray(colon + 1)) ? user : undefined;
  }

  /** May `user` run every one of `needs` ([command, subcommand or first argument, ...])? */
  private allowed(user: AclUser, needs: string[][]): boolean {
    if (user.unrestricted) return true;
    for (const need of needs) {
      let spec: CommandSpec | undefined = this.server.table.get(need[0]!);
      if (spec === undefined) return false;
      if (spec.subcommands !== undefined && need.length > 1) spec = findSubcommand(spec, need[1]!);
      if (spec === undefined) return false;
      if (user.check(spec, need.map((a) => Buffer.from(a, 'latin1'))).denied !== 0) return false;
    }
    return true;
  }

  /** What a path needs the user to be allowed. */
  private needs(url: URL): string[][] {
    if (url.pathname === '/metrics') return METRICS_NEEDS;
    if (url.pathname === '/tap') {
      const name = Buffer.from(url.searchParams.get('name') ?? '', 'utf8').toString('latin1');
      return [...DASHBOARD_NEEDS, [url.searchParams.get('pattern') === '1' ? 'psubscribe' : 'subscribe', name]];
    }
    return DASHBOARD_NEEDS;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const user = this.userOf(req);
    if (user === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="tidings", charset="UTF-8"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!this.allowed(user, this.needs(url))) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`user '${user.name}' has no permission for ${url.pathname}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (url.pathname === '/metrics') {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    for (const route of this.routes) if (await route(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}

/** Start the listener if `metrics-port` is set (called once the broker listens). */
export async function startObserveListener(server: Server): Promise<ObserveListener | undefined> {
  const port = server.config.number('metrics-port');
  if (port === 0) {
    if (server.config.bool('dashboard')) server.log('warning', 'dashboard yes has no effect without metrics-port (the dashboard is served on that port).');
    return undefined;
  }
  // prom-client is loaded only here: importing it costs a fifth of an empty server's start-up.
  const { createRegistry } = await import('./metrics.js');
  const listener = new ObserveListener(server, createRegistry(server));
  if (server.config.bool('dashboard')) {
    const { installDashboard } = await import('./dashboard.js');
    installDashboard(server, listener);
  }
  await listener.listen(port, server.config.string('metrics-bind'));
  const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  server.log('notice', `Metrics on http://${host}:${listener.port}/metrics${server.config.bool('dashboard') ? `, dashboard on http://${host}:${listener.port}/` : ''}`);
  // Closed with the server: Server.close() closes every extension.
  server.extensions.set('observe', listener);
  return listener;
}

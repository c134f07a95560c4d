// The optional HTTP listener: Prometheus /metrics, and the live dashboard when `dashboard yes`.
// Off unless `metrics-port` is set; binds `metrics-bind` (loopback by default); with `requirepass`
// every request must carry it as HTTP Basic auth (any user name).
import http from 'node:http';
import crypto from 'node:crypto';
import type net from 'node:net';
import type { Server } from '../server/server.js';
import { createRegistry } from './metrics.js';

/** Routes beyond /metrics, added by the dashboard module. */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean | Promise<boolean>;

export class ObserveListener {
  private readonly http: http.Server;
  private readonly registry;
  private readonly routes: Route[] = [];
  private readonly cleanups: (() => void)[] = [];
  port = 0;
  host = '127.0.0.1';

  constructor(private readonly server: Server) {
    this.registry = createRegistry(server);
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

  private authorised(req: http.IncomingMessage): boolean {
    const password = this.server.config.string('requirepass');
    if (password === '') return true;
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return false;
    const given = crypto.createHash('sha256').update(decoded.slice(colon + 1)).digest();
    const wanted = crypto.createHash('sha256').update(password).digest();
    return crypto.timingSafeEqual(given, wanted);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.authorised(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="tidings", charset="UTF-8"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
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
  const listener = new ObserveListener(server);
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

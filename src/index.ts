// Public embedding API: start a Tidings server inside a Node process (apps, test suites).
import type { Server, ServerOptions } from './server/server.js';
import { createServer } from './net/network.js';

export { Server, REDIS_VERSION, TIDINGS_VERSION } from './server/server.js';
export { createServer } from './net/network.js';
export type { ServerOptions } from './server/server.js';

export interface StartOptions extends Omit<ServerOptions, 'config'> {
  /** Parameters as in redis.conf / CONFIG SET (`maxmemory`, `notify-keyspace-events`, ...). */
  config?: Record<string, string | number | boolean>;
  /** TCP port; 0 picks a free one. Default: a free port (so a test suite never collides with a local Redis). */
  port?: number;
  /** Address(es) to bind, space separated. Default 127.0.0.1. */
  bind?: string;
  /** Shorthand for config.requirepass. */
  password?: string;
}

export interface RunningServer {
  host: string;
  port: number;
  /** redis://host:port */
  url: string;
  /** The server object, for in-process inspection. */
  server: Server;
  close(): Promise<void>;
  /** `await using broker = await startServer()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config: Record<string, string | number | boolean> = { ...(options.config ?? {}) };
  config.port = options.port ?? config.port ?? 0;
  if (options.bind !== undefined) config.bind = options.bind;
  if (options.password !== undefined) config.requirepass = options.password;
  const loadAtStart = options.loadAtStart ?? ('dir' in config || 'appendonly' in config);
  const server = createServer({ ...options, config, log: options.log ?? false, loadAtStart });
  await server.listen();
  const host = server.host;
  return {
    host,
    port: server.port,
    url: `redis://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
    server,
    close: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
}

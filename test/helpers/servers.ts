// Servers for tests: Tidings in-process (port 0) or as a child process, and a real redis-server
// on a free port for differential tests. Plus the loud-skip rule for missing dependencies.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { startServer, type StartOptions } from '../../src/index.js';
import type { Server } from '../../src/server/server.js';
import { RespClient } from './resp.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SKIP_LOG = path.join(ROOT, 'test-artifacts', 'skipped.txt');

export interface TestServer {
  port: number;
  host: string;
  /** In-process server object (Tidings in-process only). */
  server?: Server;
  connect(): Promise<RespClient>;
  close(): Promise<void>;
}

/** Start Tidings in this process on a free port. */
export async function startTidings(options: StartOptions = {}): Promise<TestServer> {
  const running = await startServer({ port: 0, ...options });
  return {
    port: running.port,
    host: '127.0.0.1',
    server: running.server,
    connect: () => RespClient.connect(running.port),
    close: () => running.close(),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open`);
}

/** Poll PING until the server no longer answers -LOADING. */
async function waitLoaded(port: number, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await RespClient.connect(port);
    const reply = await c.call('PING').finally(() => c.close());
    const loading = reply !== null && typeof reply === 'object' && String((reply as { error?: string }).error).startsWith('LOADING');
    if (!loading) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still loading`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/**
 * Start a real redis-server on a free loopback port (no persistence unless `extra` turns it on).
 * It resolves once the server has loaded its data (a restart with an AOF or dump answers -LOADING
 * for a moment after its port opens); `waitLoaded: false` for tests that want to see that state.
 */
export async function startRedis(extra: string[] = [], options: { waitLoaded?: boolean } = {}): Promise<TestServer> {
  const port = await freePort();
  // Its own directory: a redis-server never loads a dump.rdb left in the working directory, and a
  // replica's copy of its master's data (written even with save '') never lands there.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-ref-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...extra],
    { stdio: 'ignore' },
  );
  await waitForPort(port, child);
  if (options.waitLoaded !== false) await waitLoaded(port);
  return {
    port,
    host: '127.0.0.1',
    connect: () => RespClient.connect(port),
    close: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start Tidings as a child process via its CLI (needs `npm run build`). Like startRedis, without
 * the command line's default save points (`--save ...` in args adds some back).
 */
export async function startTidingsProcess(
  args: string[] = [],
  options: { waitLoaded?: boolean; argv0?: string } = {},
): Promise<TestServer & { child: ChildProcess; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/tidings.js'), '--port', String(port), '--save', '', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.argv0 !== undefined ? { argv0: options.argv0 } : {}),
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitForPort(port, child);
  // It listens before its data is loaded (-LOADING meanwhile): wait for the load unless told not to.
  if (options.waitLoaded !== false) await waitLoaded(port);
  return {
    port,
    host: '127.0.0.1',
    child,
    output: () => output,
    connect: () => RespClient.connect(port),
    close: () => stopChild(child),
  };
}

/** Python with the given modules importable (Debian's /usr/bin/python3 packages). */
export function hasPython(modules: string[]): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', modules.map((m) => `import ${m}`).join('; ')]);
  return r.status === 0;
}

/**
 * Skip a test because a dependency is missing — loudly. The skip is recorded in
 * test-artifacts/skipped.txt (the test runner prints a SKIPPED summary), and when REQUIRE_ALL=1
 * (CI) it is a failure instead.
 */
export function skipLoudly(t: TestContext, what: string): void {
  const message = `SKIPPED: ${t.name}: ${what}`;
  if (process.env.REQUIRE_ALL === '1') throw new Error(`${message} (REQUIRE_ALL=1 forbids skipping)`);
  fs.mkdirSync(path.dirname(SKIP_LOG), { recursive: true });
  fs.appendFileSync(SKIP_LOG, message + '\n');
  console.warn(`\n*** ${message} ***\n`);
  t.skip(message);
}

/** Returns false (after a loud skip) when redis-server is not installed. */
export function requireRedisServer(t: TestContext): boolean {
  if (hasRedisServer()) return true;
  skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
  return false;
}

/** Returns false (after a loud skip) when /usr/bin/python3 lacks the modules. */
export function requirePython(t: TestContext, modules: string[]): boolean {
  if (hasPython(modules)) return true;
  skipLoudly(t, `/usr/bin/python3 lacks ${modules.join(', ')} (apt-get install python3-<module>)`);
  return false;
}

/** Run a Python script with /usr/bin/python3; resolves with its exit code and output. */
export function runPython(
  script: string,
  args: string[] = [],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/python3', [script, ...args], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
      cwd: options.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

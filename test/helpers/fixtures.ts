// Set-ups shared by test files: servers started before a file's tests and closed after them, and
// a server on a temporary directory for one test (the AOF and RDB tests). Each fixture registers
// its own before/after hooks, so a file states what it needs in one line.
import { after, before } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidings, type TestServer } from './servers.js';
import type { RespClient } from './resp.js';

/** Tidings in this process, and redis-server beside it when installed (a loud skip otherwise). */
export interface TidingsAndRedis {
  readonly tidings: TestServer;
  /** Undefined when redis-server is not installed: the comparison is skipped, loudly. */
  readonly redis: TestServer | undefined;
}

/** Start Tidings and (when installed) redis-server before this file's tests; close both after. */
export function tidingsAndRedis(): TidingsAndRedis {
  let tidings: TestServer | undefined;
  let redis: TestServer | undefined;
  before(async (t) => {
    tidings = await startTidings();
    if (requireRedisServer(t as never)) redis = await startRedis();
  });
  after(async () => {
    await Promise.all([tidings?.close(), redis?.close()]);
  });
  return {
    get tidings() {
      return tidings!;
    },
    get redis() {
      return redis;
    },
  };
}

/** Two Tidings servers in this process (per-server state must not leak between them). */
export interface TwoServers {
  readonly a: TestServer;
  readonly b: TestServer;
}

/** Start two in-process Tidings servers before this file's tests; close both after. */
export function twoServers(): TwoServers {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  before(async () => {
    a = await startTidings();
    b = await startTidings();
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });
  return {
    get a() {
      return a!;
    },
    get b() {
      return b!;
    },
  };
}

/**
 * One test's server: `body` gets a connection and the server; the connection and the server are closed
 * whatever happens.
 */
export async function withServer<S extends TestServer>(start: () => Promise<S>, body: (c: RespClient, srv: S) => Promise<void>): Promise<void> {
  const srv = await start();
  try {
    const c = await srv.connect();
    try {
      await body(c, srv);
    } finally {
      c.close();
    }
  } finally {
    await srv.close();
  }
}

/**
 * withServer on a fresh temporary directory, which `start` and `body` get too: removed after a
 * pass, kept after a failure (to look at).
 */
export async function withServerInDir<S extends TestServer>(
  prefix: string,
  start: (dir: string) => Promise<S>,
  body: (c: RespClient, dir: string, srv: S) => Promise<void>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  await withServer(() => start(dir), (c, srv) => body(c, dir, srv));
  fs.rmSync(dir, { recursive: true, force: true });
}

/** One field of an INFO section, as text. */
export async function infoField(c: RespClient, section: string, field: string): Promise<string> {
  const text = String(await c.call('INFO', section));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)![1]!.trim();
}

// Differential harness: send the same commands to Tidings and to a real redis-server and compare
// the replies byte for byte (or after a normalisation where Redis's order is unspecified).
import assert from 'node:assert/strict';
import { after, before, type TestContext } from 'node:test';
import { RespClient, type RespValue } from '../helpers/resp.js';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';

export type Arg = string | Buffer | number;

export interface CheckOptions {
  /** Compare arrays/sets as multisets (sorted), recursively. */
  unordered?: boolean;
  /** Custom normalisation applied to both replies before comparing. */
  normalize?: (v: RespValue) => unknown;
  /** How long to wait for each reply (default: the client's 5 s), for commands Redis itself may be slow at. */
  timeoutMs?: number;
}

/** A readable, comparable rendering of a reply (binary-safe: bulk strings as latin1). */
export function render(v: RespValue, unordered = false): unknown {
  switch (v.type) {
    case 'bulk':
      return `$${v.value.toString('latin1')}`;
    case 'verbatim':
      return `=${v.format}:${v.value.toString('latin1')}`;
    case 'simple':
      return `+${v.value}`;
    case 'error':
      return `-${v.value}`;
    case 'int':
      return `:${v.value}`;
    case 'double':
      return `,${v.value}`;
    case 'bool':
      return `#${v.value}`;
    case 'bignum':
      return `(${v.value}`;
    case 'null':
      return '_null';
    case 'nullarray':
      return '*null';
    case 'map': {
      const pairs: unknown[] = [];
      for (let i = 0; i < v.value.length; i += 2) pairs.push([render(v.value[i]!, unordered), render(v.value[i + 1]!, unordered)]);
      if (unordered) pairs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      return { map: pairs };
    }
    default: {
      const items = v.value.map((x) => render(x, unordered));
      if (unordered) items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      return { [v.type]: items };
    }
  }
}

export class DiffPair {
  constructor(
    readonly tidings: RespClient,
    readonly redis: RespClient,
  ) {}

  /** Send one command to both and assert the replies match. Returns Tidings' reply. */
  async check(args: Arg[], options: CheckOptions = {}): Promise<RespValue> {
    this.tidings.send(...args);
    this.redis.send(...args);
    const [t, r] = await Promise.all([this.tidings.readFrame(options.timeoutMs), this.redis.readFrame(options.timeoutMs)]);
    assert.ok(t && r, `connection closed during ${describe(args)}`);
    if (options.normalize) {
      assert.deepEqual(options.normalize(t.value), options.normalize(r.value), `reply differs for ${describe(args)}`);
    } else if (options.unordered) {
      assert.deepEqual(render(t.value, true), render(r.value, true), `reply differs for ${describe(args)}`);
    } else if (!t.raw.equals(r.raw)) {
      assert.deepEqual(render(t.value), render(r.value), `reply differs for ${describe(args)}`);
      assert.equal(t.raw.toString('latin1'), r.raw.toString('latin1'), `raw bytes differ for ${describe(args)}`);
    }
    return t.value;
  }

  /** Check a sequence of commands in order. */
  async checkAll(commands: Arg[][], options: CheckOptions = {}): Promise<void> {
    for (const args of commands) await this.check(args, options);
  }

  /** Read the next frame (e.g. a pub/sub message) from both and compare. */
  async checkNext(label: string, options: CheckOptions = {}): Promise<void> {
    const [t, r] = await Promise.all([this.tidings.readFrame(), this.redis.readFrame()]);
    assert.ok(t && r, `connection closed waiting for ${label}`);
    if (options.unordered) assert.deepEqual(render(t.value, true), render(r.value, true), label);
    else assert.deepEqual(render(t.value), render(r.value), label);
  }

  close(): void {
    this.tidings.close();
    this.redis.close();
  }
}

function describe(args: Arg[]): string {
  return args
    .map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a)))
    .join(' ')
    .slice(0, 200);
}

export interface DiffServers {
  tidings: TestServer;
  redis: TestServer;
  /** A fresh connection pair (optionally switched to RESP3), with both servers flushed. */
  pair(proto?: 2 | 3): Promise<DiffPair>;
  close(): Promise<void>;
}

/**
 * Start Tidings and redis-server for a test file. Returns undefined (after a loud skip) when
 * redis-server is missing. Call `close()` in `after`.
 */
export async function startDiffServers(t: TestContext): Promise<DiffServers | undefined> {
  if (!requireRedisServer(t)) return undefined;
  const [tidings, redis] = await Promise.all([startTidings(), startRedis()]);
  return {
    tidings,
    redis,
    async pair(proto = 2) {
      const [a, b] = await Promise.all([tidings.connect(), redis.connect()]);
      const p = new DiffPair(a, b);
      await a.call('FLUSHALL');
      await b.call('FLUSHALL');
      if (proto === 3) {
        await a.call('HELLO', '3');
        await b.call('HELLO', '3');
      }
      return p;
    },
    async close() {
      await Promise.all([tidings.close(), redis.close()]);
    },
  };
}

/**
 * A Tidings and a redis-server for the whole file, started before its tests and closed after them;
 * both stay undefined when redis-server is missing (recorded by requireRedisServer) or `available`
 * says no. `startOurs` picks how Tidings runs (in-process by default).
 */
export function serverPair(
  startOurs: () => Promise<TestServer> = () => startTidings(),
  available: () => boolean = () => true,
): { tidings?: TestServer; redis?: TestServer } {
  const pair: { tidings?: TestServer; redis?: TestServer } = {};
  before(async (t) => {
    if (!available() || !requireRedisServer(t as never)) return;
    [pair.tidings, pair.redis] = await Promise.all([startOurs(), startRedis()]);
  });
  after(async () => {
    await Promise.all([pair.tidings?.close(), pair.redis?.close()]);
  });
  return pair;
}

// Connection churn: 200 clients at once connect, subscribe, block, WATCH, pipeline, and vanish
// abruptly (socket.destroy()) mid-command or mid-reply, while others publish and push. Afterwards
// the clients map, blocked clients, pub/sub counts and the WATCH registry are back to baseline and
// the server still serves a subscriber and a blocked client.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { encodeCommand, plain as plainOf, type RespClient } from '../helpers/resp.js';
import { startTidings, type TestServer } from '../helpers/servers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const CLIENTS = 200;

let srv: TestServer;
let admin: RespClient;
const internalErrors: string[] = [];

before(async () => {
  srv = await startTidings({
    log: (line) => {
      if (/internal error/i.test(line)) internalErrors.push(line);
    },
  });
  admin = await srv.connect();
  // A large list and value so that replies span many socket writes (disconnect mid-reply).
  const items = Array.from({ length: 20000 }, (_, i) => `item-${i}`);
  assert.equal(await admin.call('RPUSH', 'big', ...items), items.length);
  assert.equal(await admin.call('SET', 'bigstr', 'x'.repeat(2 * 1024 * 1024)), 'OK');
});

after(async () => {
  admin.close();
  await srv.close();
});

type Step =
  | { kind: 'subscribe'; channels: string[] }
  | { kind: 'psubscribe'; patterns: string[] }
  | { kind: 'blpop'; keys: string[] }
  | { kind: 'xread' }
  | { kind: 'watch'; keys: string[] }
  | { kind: 'multi' }
  | { kind: 'pipeline'; n: number }
  | { kind: 'bigreply' }
  | { kind: 'partial' }
  | { kind: 'publish'; channel: string }
  | { kind: 'push'; key: string };

const chan = fc.constantFrom('c1', 'c2', 'c3', 'news.a', 'news.b');
const key = fc.constantFrom('q1', 'q2', 'q3', 'w1', 'w2');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('subscribe' as const), channels: fc.array(chan, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('psubscribe' as const), patterns: fc.array(fc.constantFrom('c*', 'news.*', '*'), { minLength: 1, maxLength: 2 }) }),
  fc.record({ kind: fc.constant('blpop' as const), keys: fc.array(key, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('xread' as const) }),
  fc.record({ kind: fc.constant('watch' as const), keys: fc.array(key, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('multi' as const) }),
  fc.record({ kind: fc.constant('pipeline' as const), n: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ kind: fc.constant('bigreply' as const) }),
  fc.record({ kind: fc.constant('partial' as const) }),
  fc.record({ kind: fc.constant('publish' as const), channel: chan }),
  fc.record({ kind: fc.constant('push' as const), key }),
);
const plan = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 5 }),
  /** When to destroy: 0 = right after the last write, else after that many ms. */
  delay: fc.constantFrom(0, 0, 1, 5, 20, 60),
});

function encodeStep(s: Step): Buffer {
  switch (s.kind) {
    case 'subscribe':
      return encodeCommand(['SUBSCRIBE', ...s.channels]);
    case 'psubscribe':
      return encodeCommand(['PSUBSCRIBE', ...s.patterns]);
    case 'blpop':
      return encodeCommand(['BLPOP', ...s.keys, '0.05']);
    case 'xread':
      return encodeCommand(['XREAD', 'BLOCK', '50', 'STREAMS', 'churnstream', '$']);
    case 'watch':
      return encodeCommand(['WATCH', ...s.keys]);
    case 'multi':
      return Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'w1']), encodeCommand(['LPUSH', 'q1', 'x'])]);
    case 'pipeline': {
      const parts: Buffer[] = [];
      for (let i = 0; i < s.n; i++) parts.push(encodeCommand(i % 2 ? ['INCR', 'counter'] : ['GET', 'counter']));
      return Buffer.concat(parts);
    }
    case 'bigreply':
      return Buffer.concat([encodeCommand(['LRANGE', 'big', '0', '-1']), encodeCommand(['GET', 'bigstr'])]);
    case 'partial': {
      const b = encodeCommand(['SET', 'partial', 'value-that-never-arrives']);
      return b.subarray(0, b.length - 7);
    }
    case 'publish':
      return encodeCommand(['PUBLISH', s.channel, 'hello']);
    case 'push':
      return encodeCommand(['RPUSH', s.key, 'v']);
  }
}

/**
 * Clients with a delay hang up only after every client has connected and written its commands
 * (`allWritten`), so many are subscribed, blocked or mid-pipeline at the same moment.
 */
function runClient(port: number, p: { steps: Step[]; delay: number }, written: () => void, allWritten: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ port, host: '127.0.0.1' });
    sock.on('error', () => {});
    sock.on('close', () => {
      written();
      resolve();
    });
    sock.on('data', () => {
      // A big reply is arriving: hang up in the middle of it.
      if (p.steps.some((s) => s.kind === 'bigreply')) sock.destroy();
    });
    sock.on('connect', () => {
      // A cut-off command goes last (bytes written after it would complete it).
      const steps = [...p.steps.filter((s) => s.kind !== 'partial'), ...p.steps.filter((s) => s.kind === 'partial').slice(0, 1)];
      for (const s of steps) sock.write(encodeStep(s));
      written();
      if (p.delay === 0) sock.destroy();
      else void allWritten.then(() => setTimeout(() => sock.destroy(), p.delay));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function watchRegistrySize(): number {
  // The WATCH registry is private to the server; Redis 7.0 has no INFO field for it.
  return (srv.server as unknown as { watchers: Map<string, unknown> }).watchers.size;
}

test(`${CLIENTS} clients churning concurrently leave nothing behind`, { timeout: 60000 }, async () => {
  const server = srv.server!;
  const baseline = server.clients.size;
  assert.equal(baseline, 1);
  const plans = fc.sample(plan, { seed: SEED, numRuns: CLIENTS });
  let peakClients = 0;
  let peakBlocked = 0;
  const sampler = setInterval(() => {
    peakClients = Math.max(peakClients, server.clients.size);
    peakBlocked = Math.max(peakBlocked, [...server.clients.values()].filter((c) => (c as unknown as { blocked?: unknown }).blocked).length);
  }, 1);
  let pending = plans.length;
  let release!: () => void;
  const connectionsBefore = server.stats.totalConnections;
  // Released once every client has written its commands and the server has accepted them all.
  const allWritten = new Promise<void>((r) => (release = r)).then(() =>
    waitFor('the server to accept every connection', () => server.stats.totalConnections - connectionsBefore >= CLIENTS),
  );
  const runs = plans.map((p) => {
    let counted = false;
    const written = () => {
      if (counted) return;
      counted = true;
      if (--pending === 0) release();
    };
    return runClient(srv.port, p, written, allWritten);
  });
  await Promise.all(runs);

  clearInterval(sampler);
  console.log(`# churn: peak ${peakClients} connected clients, peak ${peakBlocked} blocked`);
  await waitFor('clients map back to baseline', () => server.clients.size === baseline);
  assert.match(String(await admin.call('INFO', 'clients')), /blocked_clients:0\r\n/);
  assert.deepEqual(await admin.call('PUBSUB', 'NUMSUB', 'c1', 'c2', 'c3', 'news.a', 'news.b'), ['c1', 0, 'c2', 0, 'c3', 0, 'news.a', 0, 'news.b', 0]);
  assert.equal(await admin.call('PUBSUB', 'NUMPAT'), 0);
  assert.deepEqual(await admin.call('PUBSUB', 'CHANNELS'), []);
  assert.equal(watchRegistrySize(), 0);
  assert.deepEqual(internalErrors, []);
  // The partial SET never completed.
  assert.equal(await admin.call('EXISTS', 'partial'), 0);

  // Still fully working: a subscriber gets a message and a blocked client gets served.
  const sub = await srv.connect();
  const blocked = await srv.connect();
  try {
    assert.deepEqual(await sub.call('SUBSCRIBE', 'c1'), ['subscribe', 'c1', 1]);
    assert.equal(await admin.call('PUBLISH', 'c1', 'after-churn'), 1);
    assert.deepEqual(plainOf(await sub.read()), ['message', 'c1', 'after-churn']);
    await admin.call('DEL', 'fresh');
    blocked.send('BLPOP', 'fresh', '5');
    await waitFor('BLPOP to block', async () => /blocked_clients:1\r\n/.test(String(await admin.call('INFO', 'clients'))));
    assert.equal(await admin.call('RPUSH', 'fresh', 'v'), 1);
    assert.deepEqual(plainOf(await blocked.read()), ['fresh', 'v']);
  } finally {
    sub.close();
    blocked.close();
  }
  await waitFor('clients map back to baseline', () => server.clients.size === baseline);
});

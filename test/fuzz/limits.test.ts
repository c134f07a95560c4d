// Edge values that used to take the server down or misbehave, found while fuzzing:
// - SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with a negative count in the billions built the whole
//   reply in memory and killed the process (V8 "invalid size" / heap exhaustion);
// - a blocking timeout above 2^31-1 ms (about 24.8 days) fired after 1 ms, because Node's
//   setTimeout cannot wait that long.
import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import type { Client } from '../../src/net/client.js';
import type { Database } from '../../src/store/database.js';
import { BlockedClients } from '../../src/server/blocked.js';
import type { RespClient } from '../helpers/resp.js';
import { startTidings, type TestServer } from '../helpers/servers.js';

let srv: TestServer;
let c: RespClient;

before(async () => {
  srv = await startTidings();
  c = await srv.connect();
});

after(async () => {
  c.close();
  await srv.close();
});

const TOO_LARGE = { error: 'ERR value is out of range: Tidings replies with at most 4194304 random elements' };

test('random replies with repetitions in the billions are refused, and the server stays up', async () => {
  await c.call('SADD', 's', 'a', 'b');
  await c.call('HSET', 'h', 'f', 'v');
  await c.call('ZADD', 'z', '1', 'm');
  assert.deepEqual(await c.call('SRANDMEMBER', 's', '-2147483649'), TOO_LARGE);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '-2147483649'), TOO_LARGE);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '-4611686018427387903', 'WITHVALUES'), TOO_LARGE);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '-2147483649'), TOO_LARGE);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '-2097153', 'WITHSCORES'), TOO_LARGE);
  assert.deepEqual(await c.call('SRANDMEMBER', 's', '-4194305'), TOO_LARGE);
  // Up to the limit still works, counting fields and values apart.
  assert.equal(((await c.call('HRANDFIELD', 'h', '-3', 'WITHVALUES')) as string[]).length, 6);
  assert.equal(((await c.call('SRANDMEMBER', 's', '-1000')) as string[]).length, 1000);
  // A missing key is still an empty reply, as in Redis, and positive counts are bounded by the data.
  assert.deepEqual(await c.call('SRANDMEMBER', 'nokey', '-2147483649'), []);
  assert.deepEqual(await c.call('HRANDFIELD', 'h', '2147483649'), ['f']);
  assert.equal(await c.call('PING'), 'PONG');
});

async function blockedClients(): Promise<number> {
  const info = String(await c.call('INFO', 'clients'));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

async function waitBlocked(n: number): Promise<void> {
  for (let i = 0; i < 500 && (await blockedClients()) !== n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await blockedClients(), n);
}

test('blocking timeouts longer than 24.8 days block (and are served by data) instead of firing at once', async () => {
  const waiters = await Promise.all([srv.connect(), srv.connect(), srv.connect()]);
  try {
    waiters[0]!.send('BLPOP', 'lk', '3000000');
    waiters[1]!.send('BZPOPMIN', 'zk', '1e10');
    waiters[2]!.send('XREAD', 'BLOCK', '3000000000', 'STREAMS', 'sk', '$');
    await waitBlocked(3);
    // Still blocked after the event loop has had many turns (a timer overflowing to 1 ms is long gone).
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await blockedClients(), 3);
    await c.call('RPUSH', 'lk', 'x');
    await c.call('ZADD', 'zk', '1', 'm');
    await c.call('XADD', 'sk', '1-1', 'f', 'v');
    assert.deepEqual(await waiters[0]!.call(), ['lk', 'x']);
    assert.deepEqual(await waiters[1]!.call(), ['zk', 'm', '1']);
    assert.deepEqual(await waiters[2]!.call(), [['sk', [['1-1', ['f', 'v']]]]]);
    await waitBlocked(0);
  } finally {
    for (const w of waiters) w.close();
  }
});

test('a wait longer than one timer can hold is cut into timers and still times out at the deadline', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const resumed: unknown[] = [];
    const blocking = new BlockedClients({
      contextFor: () => {
        throw new Error('not used');
      },
      resume: (_client, reply) => resumed.push(reply),
    });
    const client = { blocked: false } as unknown as Client;
    const db = { index: 0 } as unknown as Database;
    const day = 24 * 3600 * 1000;
    blocking.block({ client, db, keys: ['k'], timeoutReply: null, retry: () => undefined, timer: undefined, command: 'blpop', argv: [Buffer.from('BLPOP'), Buffer.from('k'), Buffer.from('0')] }, 60 * day);
    mock.timers.tick(25 * day);
    assert.equal(blocking.isBlocked(client), true);
    mock.timers.tick(34 * day);
    assert.equal(blocking.isBlocked(client), true);
    mock.timers.tick(day);
    assert.equal(blocking.isBlocked(client), false);
    assert.deepEqual(resumed, [null]);
  } finally {
    mock.timers.reset();
  }
});

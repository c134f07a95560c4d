// A test file that runs against its own Tidings: `node --test`. No Redis to install, no port clash:
// startServer() picks a free port, and the broker stops with the test file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startServer } from 'tidings';

let broker;
let redis;
before(async () => {
  broker = await startServer();
  redis = new Redis(broker.port);
});
after(async () => {
  redis.disconnect();
  await broker.close();
});

test('a work queue: LPUSH then BRPOP', async () => {
  await redis.lpush('jobs', 'resize:42');
  assert.deepEqual(await redis.brpop('jobs', 1), ['jobs', 'resize:42']);
});

test('pub/sub reaches a subscriber', async () => {
  const sub = new Redis(broker.port);
  await sub.subscribe('news');
  const got = new Promise((resolve) => sub.once('message', (channel, message) => resolve([channel, message])));
  assert.equal(await redis.publish('news', 'hello'), 1);
  assert.deepEqual(await got, ['news', 'hello']);
  sub.disconnect();
});

// node-redis (the `redis` npm package, unchanged) against Tidings over RESP2 and RESP3 (its default):
// subscribe/pSubscribe/sSubscribe, buffer mode, automatic re-subscription after the server kills
// the subscriber, MULTI and pipelines, and under RESP3 commands on a subscribed connection.
// Each case also runs against a real redis-server so the expectations stay Redis's own.
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RESP_TYPES, type RedisClientOptions } from 'redis';
import { startTidings, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';
import { Inbox, waitFor } from './wait.js';

type Target = 'tidings' | 'redis-server';
type Client = ReturnType<typeof createClient>;

interface Ctx {
  srv: TestServer;
  open(options?: Partial<RedisClientOptions>): Promise<Client>;
}

async function withServer(t: TestContext, target: Target, resp: 2 | 3, fn: (ctx: Ctx) => Promise<void>) {
  if (target === 'redis-server' && !hasRedisServer()) {
    skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
    return;
  }
  const srv = target === 'tidings' ? await startTidings() : await startRedis();
  const clients: Client[] = [];
  const open = async (options: Partial<RedisClientOptions> = {}) => {
    const c = createClient({
      socket: { host: '127.0.0.1', port: srv.port, reconnectStrategy: () => 50 },
      RESP: resp,
      ...options,
    } as RedisClientOptions) as Client;
    // A killed connection reports an error before reconnecting; that is expected here.
    c.on('error', () => {});
    clients.push(c);
    await c.connect();
    return c;
  };
  try {
    await fn({ srv, open });
  } finally {
    for (const c of clients) c.destroy();
    await srv.close();
  }
}

for (const target of ['tidings', 'redis-server'] as Target[]) {
  for (const resp of [2, 3] as const) {
    describe(`node-redis (RESP${resp}) against ${target}`, () => {
      test('subscribe, pSubscribe and sSubscribe deliver messages; PUBSUB introspection', (t) =>
        withServer(t, target, resp, async ({ open }) => {
          const sub = await open();
          const pub = await open();
          const got = new Inbox<string[]>();
          await sub.subscribe(['news', 'alerts'], (message, channel) => got.push(['message', channel, message]));
          await sub.pSubscribe('user.*', (message, channel) => got.push(['pmessage', channel, message]));
          await sub.sSubscribe('orders{1}', (message, channel) => got.push(['smessage', channel, message]));

          assert.equal(await pub.publish('news', 'hello'), 1);
          assert.equal(await pub.publish('user.7', 'login'), 1);
          assert.equal(await pub.sPublish('orders{1}', 'order #1'), 1);
          assert.equal(await pub.publish('nobody', 'x'), 0);
          assert.equal(await pub.publish('alerts', 'fire'), 1);
          assert.deepEqual(await got.take(4, 'four messages'), [
            ['message', 'news', 'hello'],
            ['pmessage', 'user.7', 'login'],
            ['smessage', 'orders{1}', 'order #1'],
            ['message', 'alerts', 'fire'],
          ]);

          assert.deepEqual({ ...(await pub.pubSubNumSub(['news', 'none'])) }, { news: 1, none: 0 });
          assert.equal(await pub.pubSubNumPat(), 1);
          assert.deepEqual(((await pub.pubSubChannels()) as string[]).sort(), ['alerts', 'news']);
          assert.deepEqual(await pub.pubSubShardChannels(), ['orders{1}']);
          assert.deepEqual({ ...(await pub.pubSubShardNumSub(['orders{1}'])) }, { 'orders{1}': 1 });

          await sub.unsubscribe('news');
          assert.equal(await pub.publish('news', 'gone'), 0);
          await sub.unsubscribe();
          await sub.pUnsubscribe();
          await sub.sUnsubscribe();
          await waitFor(async () => (await pub.pubSubNumPat()) === 0, 'patterns to be gone');
          // Back out of pub/sub mode, the connection runs ordinary commands again. (node-redis over
          // RESP2 hands this first reply back as a Buffer, with redis-server too — hence String().)
          assert.equal(String(await sub.ping()), 'PONG');
        }));

      test('buffer mode delivers binary channels and payloads byte-exact', (t) =>
        withServer(t, target, resp, async ({ open }) => {
          const sub = await open();
          const pub = await open();
          const got = new Inbox<Buffer[]>();
          const payload = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n$-1\r\n')]);
          const big = Buffer.alloc(300 * 1024, 0x5a);
          await sub.subscribe('bin', (message, channel) => got.push([channel, message]), true);
          await sub.pSubscribe('bi?', (message, channel) => got.push([Buffer.from('pattern'), channel, message]), true);
          assert.equal(await pub.publish('bin', payload), 2);
          assert.equal(await pub.publish(Buffer.from('bin'), big), 2);
          const all = await got.take(4, 'four deliveries');
          const direct = all.filter((m) => m.length === 2);
          const viaPattern = all.filter((m) => m.length === 3);
          for (const m of direct) assert.ok(Buffer.isBuffer(m[1]));
          assert.deepEqual(direct.map((m) => m[1]), [payload, big]);
          assert.deepEqual(viaPattern.map((m) => m[2]), [payload, big]);
        }));

      test('re-subscribes automatically after CLIENT KILL TYPE pubsub', (t) =>
        withServer(t, target, resp, async ({ open }) => {
          const sub = await open();
          const admin = await open();
          const got = new Inbox<string[]>();
          let reconnects = 0;
          sub.on('reconnecting', () => reconnects++);
          await sub.subscribe('jobs', (message, channel) => got.push(['message', channel, message]));
          await sub.pSubscribe('events.*', (message, channel) => got.push(['pmessage', channel, message]));
          await sub.sSubscribe('shard{a}', (message, channel) => got.push(['smessage', channel, message]));

          const killed = await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
          assert.equal(killed, 1, 'exactly the subscriber was killed');
          await waitFor(() => reconnects > 0, 'node-redis to notice the kill and reconnect');
          await waitFor(async () => (await admin.pubSubNumSub('jobs'))['jobs'] === 1, 'SUBSCRIBE to be re-sent');
          await waitFor(async () => (await admin.pubSubNumPat()) === 1, 'PSUBSCRIBE to be re-sent');
          await waitFor(async () => (await admin.pubSubShardNumSub('shard{a}'))['shard{a}'] === 1, 'SSUBSCRIBE to be re-sent');

          assert.equal(await admin.publish('jobs', 'after kill'), 1);
          assert.equal(await admin.publish('events.x', 'pattern after kill'), 1);
          assert.equal(await admin.sPublish('shard{a}', 'shard after kill'), 1);
          assert.deepEqual(await got.take(3, 'messages after re-subscription'), [
            ['message', 'jobs', 'after kill'],
            ['pmessage', 'events.x', 'pattern after kill'],
            ['smessage', 'shard{a}', 'shard after kill'],
          ]);
        }));

      test('MULTI/EXEC, pipelines and connection commands', (t) =>
        withServer(t, target, resp, async ({ open }) => {
          const c = await open({ name: 'interop-node-redis' });
          assert.equal(await c.clientGetName(), 'interop-node-redis');
          assert.deepEqual(await c.multi().ping().echo('in tx').publish('nobody', 'x').exec(), ['PONG', 'in tx', 0]);
          assert.deepEqual(await c.multi().ping().echo('piped').execAsPipeline(), ['PONG', 'piped']);
          // Commands sent without awaiting in between are pipelined on the one connection.
          const replies = await Promise.all([c.ping(), c.echo('a'), c.echo('b'), c.ping('x'), c.dbSize()]);
          assert.deepEqual(replies, ['PONG', 'a', 'b', 'x', 0]);
          await assert.rejects(c.sendCommand(['NOSUCHCOMMAND']), /unknown command 'NOSUCHCOMMAND'/);
          // The transaction is discarded; node-redis reports the queued command's own error.
          await assert.rejects(c.multi().ping().addCommand(['NOSUCHCOMMAND']).exec(), /unknown command 'NOSUCHCOMMAND'/);
          assert.equal(await c.ping(), 'PONG');
          const info = await c.info('server');
          assert.match(info, /redis_version:7\./);
          const [secs, micros] = (await c.sendCommand(['TIME'])) as string[];
          assert.ok(Number(secs) > 1_600_000_000 && Number(micros) < 1_000_000);
          const hello = (await c.hello()) as unknown as Record<string, unknown>;
          assert.equal(Number(hello.proto), resp === 3 ? 3 : 2);
          await c.select(2);
          assert.match(String(await c.sendCommand(['CLIENT', 'INFO'])), / db=2 /);
        }));

      test('data commands through the client API: strings, hashes, lists (BRPOP), sets, zsets, streams, Lua, SCAN, WATCH', (t) =>
        withServer(t, target, resp, async ({ open }) => {
          const c = await open();
          const worker = await open();
          assert.equal(await c.set('greeting', 'héllo', { EX: 100 }), 'OK');
          assert.equal(await c.get('greeting'), 'héllo');
          const ttl = await c.ttl('greeting');
          assert.ok(ttl > 0 && ttl <= 100);
          assert.equal(await c.incrBy('counter', 5), 5);
          assert.equal(await c.set('nx', '1', { NX: true }), 'OK');
          assert.equal(await c.set('nx', '2', { NX: true }), null);
          assert.deepEqual(await c.mGet(['greeting', 'missing', 'counter']), ['héllo', null, '5']);
          const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 13, 10]);
          await c.set('bin', bytes);
          const raw = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
          assert.deepEqual(await raw.get('bin'), bytes);

          assert.equal(await c.hSet('user:1', { name: 'Ada', lang: 'en' }), 2);
          assert.deepEqual({ ...(await c.hGetAll('user:1')) }, { name: 'Ada', lang: 'en' });
          assert.equal(await c.hIncrBy('user:1', 'visits', 3), 3);

          // A worker blocked in BRPOP is woken by the producer's LPUSH.
          const popped = worker.brPop('queue', 0);
          await waitFor(async () => /blocked_clients:1/.test(await c.info('clients')), 'the worker to block');
          assert.equal(await c.lPush('queue', ['job-1', 'job-2']), 2);
          assert.deepEqual({ ...(await popped) }, { key: 'queue', element: 'job-1' });
          assert.deepEqual(await c.lRange('queue', 0, -1), ['job-2']);

          assert.equal(await c.sAdd('tags', ['a', 'b', 'c', 'a']), 3);
          assert.deepEqual([...(await c.sMembers('tags'))].sort(), ['a', 'b', 'c']);
          await c.zAdd('board', [
            { score: 10, value: 'ann' },
            { score: 20, value: 'bob' },
            { score: 15, value: 'cy' },
          ]);
          assert.deepEqual(
            (await c.zRangeWithScores('board', 0, -1)).map((e) => ({ ...e })),
            [
              { value: 'ann', score: 10 },
              { value: 'cy', score: 15 },
              { value: 'bob', score: 20 },
            ],
          );
          assert.equal(await c.zScore('board', 'cy'), 15);

          const id = await c.xAdd('events', '*', { kind: 'signup', user: 'ada' });
          await c.xGroupCreate('events', 'workers', '0');
          const claimed = (await c.xReadGroup('workers', 'w1', { key: 'events', id: '>' }, { COUNT: 1 })) as unknown as {
            name: string;
            messages: { id: string; message: Record<string, string> }[];
          }[];
          // node-redis shapes this reply per protocol: a list of {name, messages} or a map by stream name.
          const entries = Array.isArray(claimed) ? claimed : Object.entries(claimed as object).map(([name, messages]) => ({ name, messages }));
          assert.equal(entries[0]!.messages[0]!.id, id);
          assert.deepEqual({ ...entries[0]!.messages[0]!.message }, { kind: 'signup', user: 'ada' });
          assert.equal(await c.xAck('events', 'workers', id), 1);

          assert.deepEqual(await c.eval('return {KEYS[1], ARGV[1], 3}', { keys: ['k'], arguments: ['v'] }), ['k', 'v', 3]);
          const sha = await c.scriptLoad("return redis.call('INCRBY', KEYS[1], ARGV[1])");
          assert.equal(await c.evalSha(sha, { keys: ['viaSha'], arguments: ['4'] }), 4);

          for (let i = 0; i < 150; i++) await c.set(`scan:${i}`, String(i));
          const seen = new Set<string>();
          for await (const keys of c.scanIterator({ MATCH: 'scan:*', COUNT: 20 })) for (const k of keys) seen.add(k);
          assert.equal(seen.size, 150);

          // WATCH on a connection of its own: a concurrent write makes EXEC fail with WatchError.
          const tx = await open();
          await tx.watch('counter');
          await worker.incr('counter');
          await assert.rejects(tx.multi().incr('counter').exec(), (err: Error) => err.name === 'WatchError' || /watch/i.test(err.message));
          assert.equal(await c.get('counter'), '6');
          assert.deepEqual(await tx.multi().incr('counter').expire('counter', 60).exec(), [7, 1]);
        }));

      if (resp === 3) {
        test('RESP3: a subscribed connection keeps running commands; pushes interleave with replies', (t) =>
          withServer(t, target, resp, async ({ open }) => {
            const c = await open();
            const got = new Inbox<string[]>();
            await c.subscribe('resp3', (message, channel) => got.push([channel, message]));
            assert.equal(await c.ping(), 'PONG');
            assert.equal(await c.publish('resp3', 'to myself'), 1);
            assert.equal(await c.echo('between pushes'), 'between pushes');
            assert.deepEqual({ ...(await c.pubSubNumSub('resp3')) }, { resp3: 1 });
            assert.deepEqual(await got.take(1), [['resp3', 'to myself']]);
          }));
      } else {
        test('RESP2: a subscribed connection refuses ordinary commands (client-side, as with Redis)', (t) =>
          withServer(t, target, resp, async ({ open }) => {
            const c = await open();
            await c.subscribe('resp2', () => {});
            await assert.rejects(async () => c.echo('x'));
            const raw = await open();
            assert.deepEqual({ ...(await raw.pubSubNumSub('resp2')) }, { resp2: 1 });
          }));
      }
    });
  }
}

describe('node-redis across a Tidings restart on the same port', () => {
  for (const resp of [2, 3] as const) {
    test(`RESP${resp}: reconnects, re-subscribes and runs queued commands`, async () => {
      let srv = await startTidings();
      const port = srv.port;
      const options = { socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 }, RESP: resp } as RedisClientOptions;
      const sub = createClient(options) as Client;
      const pub = createClient(options) as Client;
      sub.on('error', () => {});
      pub.on('error', () => {});
      try {
        await sub.connect();
        await pub.connect();
        const got = new Inbox<string[]>();
        await sub.subscribe('restart', (message, channel) => got.push([channel, message]));
        assert.equal(await pub.publish('restart', 'before'), 1);
        assert.deepEqual(await got.take(1), [['restart', 'before']]);

        await srv.close();
        await waitFor(() => !sub.isReady && !pub.isReady, 'both clients to notice the restart');
        // Commands issued while the server is down wait in node-redis's offline queue.
        const queued = pub.echo('queued while down');
        srv = await startTidings({ port });
        assert.equal(await queued, 'queued while down');
        await waitFor(async () => (await pub.pubSubNumSub('restart'))['restart'] === 1, 're-subscription');
        assert.equal(await pub.publish('restart', 'after'), 1);
        assert.deepEqual(await got.take(1), [['restart', 'after']]);
      } finally {
        sub.destroy();
        pub.destroy();
        await srv.close();
      }
    });
  }
});

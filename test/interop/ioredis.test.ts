// ioredis (the npm package, unchanged) against Tidings over RESP2 and RESP3 (ioredis 6 speaks RESP3
// by default): pub/sub in all three flavours, binary messages, automatic re-subscription after the
// server kills the subscriber, pipelines and transactions. Each case also runs against a real
// redis-server so the expectations stay Redis's own.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, type RedisOptions } from 'ioredis';
import { startTidings, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';
import { Inbox, waitFor } from './wait.js';

type Target = 'tidings' | 'redis-server';

async function withServer(t: import('node:test').TestContext, target: Target, fn: (srv: TestServer) => Promise<void>) {
  if (target === 'redis-server' && !hasRedisServer()) {
    skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
    return;
  }
  const srv = target === 'tidings' ? await startTidings() : await startRedis();
  const clients: Redis[] = [];
  const open = (options: RedisOptions = {}) => {
    const c = new Redis({ host: '127.0.0.1', port: srv.port, ...options });
    // Reconnection after CLIENT KILL emits errors on purpose; keep them out of the test output.
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  ctx.open = open;
  try {
    await fn(srv);
  } finally {
    for (const c of clients) c.disconnect();
    await srv.close();
  }
}

// The per-test client factory (set by withServer; tests in a file run one at a time).
const ctx: { open: (options?: RedisOptions) => Redis } = { open: () => { throw new Error('no server'); } };

async function numsub(c: Redis, channel: string): Promise<number> {
  const reply = (await c.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

async function shardnumsub(c: Redis, channel: string): Promise<number> {
  const reply = (await c.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

for (const target of ['tidings', 'redis-server'] as Target[]) {
  for (const protocol of [2, 3] as const) {
    describe(`ioredis (RESP${protocol}) against ${target}`, () => {
      test('subscribe, psubscribe and ssubscribe deliver messages', (t) =>
        withServer(t, target, async () => {
          const sub = ctx.open({ protocol });
          const pub = ctx.open({ protocol });
          const messages = new Inbox<string[]>();
          sub.on('message', (channel: string, message: string) => messages.push(['message', channel, message]));
          sub.on('pmessage', (pattern: string, channel: string, message: string) =>
            messages.push(['pmessage', pattern, channel, message]));
          sub.on('smessage', (channel: string, message: string) => messages.push(['smessage', channel, message]));

          assert.equal(await sub.subscribe('news', 'alerts'), 2);
          assert.equal(await sub.psubscribe('user.*'), 3);
          assert.equal(await sub.ssubscribe('orders{1}'), 1);

          assert.equal(await pub.publish('news', 'hello'), 1);
          assert.equal(await pub.publish('user.42', 'login'), 1);
          assert.equal(await pub.spublish('orders{1}', 'order #1'), 1);
          assert.equal(await pub.publish('nobody', 'x'), 0);
          assert.equal(await pub.publish('alerts', 'fire'), 1);

          assert.deepEqual(await messages.take(4, 'four messages'), [
            ['message', 'news', 'hello'],
            ['pmessage', 'user.*', 'user.42', 'login'],
            ['smessage', 'orders{1}', 'order #1'],
            ['message', 'alerts', 'fire'],
          ]);

          assert.equal(await numsub(pub, 'news'), 1);
          assert.equal(Number(await pub.call('PUBSUB', 'NUMPAT')), 1);
          assert.equal(await shardnumsub(pub, 'orders{1}'), 1);
          assert.deepEqual(((await pub.call('PUBSUB', 'CHANNELS')) as string[]).sort(), ['alerts', 'news']);
          assert.deepEqual(await pub.call('PUBSUB', 'SHARDCHANNELS'), ['orders{1}']);

          assert.equal(await sub.unsubscribe('news'), 2);
          assert.equal(await pub.publish('news', 'gone'), 0);
          // Shard subscriptions are counted apart from channels and patterns (as in Redis 7).
          assert.equal(await sub.unsubscribe('alerts'), 1);
          assert.equal(await sub.punsubscribe('user.*'), 0);
          assert.equal(await sub.sunsubscribe('orders{1}'), 0);
          // Out of subscriber mode: ordinary commands work on the same connection again.
          assert.equal(await sub.ping(), 'PONG');
        }));

      test('binary channels and payloads arrive byte-exact (messageBuffer / pmessageBuffer)', (t) =>
        withServer(t, target, async () => {
          const sub = ctx.open({ protocol });
          const pub = ctx.open({ protocol });
          const got = new Inbox<Buffer[]>();
          sub.on('messageBuffer', (channel: Buffer, message: Buffer) => got.push([channel, message]));
          sub.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => got.push([pattern, channel, message]));
          const channel = Buffer.from([0x62, 0x00, 0xff, 0x0d, 0x0a, 0x63]);
          const payload = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n*1\r\n$0\r\n')]);
          const big = Buffer.alloc(512 * 1024, 0xab);
          await sub.subscribe(channel);
          // Typed as string-only, but ioredis sends Buffers as they are.
          await sub.psubscribe(Buffer.from([0x62, 0x00, 0x2a]) as unknown as string);
          assert.equal(await pub.publish(channel, payload), 2);
          assert.equal(await pub.publish(channel, big), 2);
          assert.equal(await pub.publish(channel, Buffer.alloc(0)), 2);
          const all = await got.take(6, 'six deliveries');
          const direct = all.filter((m) => m.length === 2);
          const viaPattern = all.filter((m) => m.length === 3);
          assert.deepEqual(direct.map((m) => m[0]), [channel, channel, channel]);
          assert.deepEqual(direct.map((m) => m[1]), [payload, big, Buffer.alloc(0)]);
          assert.deepEqual(viaPattern.map((m) => m[2]), [payload, big, Buffer.alloc(0)]);
          // ioredis hands the pattern over as a string even in pmessageBuffer.
          assert.deepEqual(Buffer.from(viaPattern[0]![0]!), Buffer.from([0x62, 0x00, 0x2a]));
        }));

      test('re-subscribes automatically after CLIENT KILL TYPE pubsub', (t) =>
        withServer(t, target, async () => {
          const sub = ctx.open({ protocol, retryStrategy: () => 50 });
          const admin = ctx.open({ protocol });
          const got = new Inbox<string[]>();
          sub.on('message', (channel: string, message: string) => got.push(['message', channel, message]));
          sub.on('pmessage', (_p: string, channel: string, message: string) => got.push(['pmessage', channel, message]));
          sub.on('smessage', (channel: string, message: string) => got.push(['smessage', channel, message]));
          let reconnects = 0;
          sub.on('reconnecting', () => reconnects++);
          await sub.subscribe('jobs');
          await sub.psubscribe('events.*');
          await sub.ssubscribe('shard{a}');

          const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
          assert.equal(killed, 1, 'exactly the subscriber was killed');
          await waitFor(() => reconnects > 0, 'ioredis to notice the kill and reconnect');
          await waitFor(async () => (await numsub(admin, 'jobs')) === 1, 'SUBSCRIBE to be re-sent');
          await waitFor(async () => Number(await admin.call('PUBSUB', 'NUMPAT')) === 1, 'PSUBSCRIBE to be re-sent');
          await waitFor(async () => (await shardnumsub(admin, 'shard{a}')) === 1, 'SSUBSCRIBE to be re-sent');

          assert.equal(await admin.publish('jobs', 'after kill'), 1);
          assert.equal(await admin.publish('events.x', 'pattern after kill'), 1);
          assert.equal(await admin.spublish('shard{a}', 'shard after kill'), 1);
          assert.deepEqual(await got.take(3, 'messages after re-subscription'), [
            ['message', 'jobs', 'after kill'],
            ['pmessage', 'events.x', 'pattern after kill'],
            ['smessage', 'shard{a}', 'shard after kill'],
          ]);
        }));

      test('pipelines, MULTI/EXEC and connection commands', (t) =>
        withServer(t, target, async () => {
          const c = ctx.open({ protocol, connectionName: 'interop-ioredis' });
          const results = await c
            .pipeline()
            .ping()
            .echo('hi')
            .publish('nobody', 'x')
            .call('PUBSUB', 'NUMSUB', 'a')
            .client('GETNAME')
            .exec();
          assert.deepEqual(results, [
            [null, 'PONG'],
            [null, 'hi'],
            [null, 0],
            [null, ['a', 0]],
            [null, 'interop-ioredis'],
          ]);
          // Errors in a pipeline come back per command; the rest still run.
          const mixed = await c.pipeline().ping().call('NOSUCHCOMMAND').echo('after').exec();
          assert.equal(mixed![0]![1], 'PONG');
          assert.match(String(mixed![1]![0]), /unknown command 'NOSUCHCOMMAND'/);
          assert.equal(mixed![2]![1], 'after');

          assert.deepEqual(await c.multi().ping().echo('in tx').exec(), [
            [null, 'PONG'],
            [null, 'in tx'],
          ]);
          // An unknown command aborts the transaction at EXEC; a runtime error stays per command.
          await assert.rejects(c.multi().ping().call('NOSUCHCOMMAND').exec(), /EXECABORT/);
          const partial = await c.multi().ping().call('PING', 'a', 'b').exec();
          assert.deepEqual(partial![0], [null, 'PONG']);
          assert.match(String(partial![1]![0]), /wrong number of arguments for 'ping' command/);

          assert.equal(await c.select(3), 'OK');
          assert.equal(typeof (await c.info('server')), 'string');
          assert.match(await c.info('server'), /redis_version:7\./);
          const [secs] = await c.time();
          assert.ok(Number(secs) > 1_600_000_000);
          assert.equal(await c.dbsize(), 0);
          assert.equal(await c.quit(), 'OK');
        }));

      test('data commands through the client API: strings, hashes, lists (BRPOP), sets, zsets, streams, Lua, SCAN, WATCH', (t) =>
        withServer(t, target, async () => {
          const c = ctx.open({ protocol });
          const worker = ctx.open({ protocol });
          assert.equal(await c.set('greeting', 'héllo', 'EX', 100), 'OK');
          assert.equal(await c.get('greeting'), 'héllo');
          const ttl = await c.ttl('greeting');
          assert.ok(ttl > 0 && ttl <= 100);
          assert.equal(await c.incrby('counter', 5), 5);
          assert.equal(await c.set('nx', '1', 'NX'), 'OK');
          assert.equal(await c.set('nx', '2', 'NX'), null);
          assert.deepEqual(await c.mget('greeting', 'missing', 'counter'), ['héllo', null, '5']);
          const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 13, 10]);
          await c.set(Buffer.from([0xff, 0x00]), bytes);
          assert.deepEqual(await c.getBuffer(Buffer.from([0xff, 0x00])), bytes);

          assert.equal(await c.hset('user:1', { name: 'Ada', lang: 'en' }), 2);
          assert.deepEqual(await c.hgetall('user:1'), { name: 'Ada', lang: 'en' });
          assert.equal(await c.hincrby('user:1', 'visits', 3), 3);

          // A worker blocked in BRPOP is woken by the producer's LPUSH.
          const popped = worker.brpop('queue', 0);
          await waitFor(async () => /blocked_clients:1/.test(await c.info('clients')), 'the worker to block');
          assert.equal(await c.lpush('queue', 'job-1', 'job-2'), 2);
          assert.deepEqual(await popped, ['queue', 'job-1']);
          assert.deepEqual(await c.lrange('queue', 0, -1), ['job-2']);
          assert.deepEqual(await c.blmove('queue', 'done', 'RIGHT', 'LEFT', 1), 'job-2');

          assert.equal(await c.sadd('tags', 'a', 'b', 'c', 'a'), 3);
          assert.deepEqual((await c.smembers('tags')).sort(), ['a', 'b', 'c']);
          await c.zadd('board', 10, 'ann', 20, 'bob', 15, 'cy');
          // ioredis's zrange flattens RESP3's [member, score] pairs (raw `call` would keep the pairs).
          assert.deepEqual(await (c.zrange as (...args: unknown[]) => Promise<string[]>)('board', 0, -1, 'WITHSCORES'), [
            'ann', '10', 'cy', '15', 'bob', '20',
          ]);
          assert.equal(await c.zscore('board', 'cy'), '15');

          const id = await c.xadd('events', '*', 'kind', 'signup', 'user', 'ada');
          const read = (await c.xread('COUNT', 10, 'STREAMS', 'events', '0')) as [string, [string, string[]][]][];
          assert.deepEqual(read, [['events', [[id, ['kind', 'signup', 'user', 'ada']]]]]);
          assert.equal(await c.xgroup('CREATE', 'events', 'workers', '0'), 'OK');
          const claimed = (await c.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 1, 'STREAMS', 'events', '>')) as [string, [string, string[]][]][];
          assert.equal(claimed[0]![1][0]![0], id);
          assert.equal(await c.xack('events', 'workers', id!), 1);

          c.defineCommand('incrCapped', {
            numberOfKeys: 1,
            lua: "local v = redis.call('INCR', KEYS[1]); if v > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]); return tonumber(ARGV[1]) end; return v",
          });
          const capped = c as unknown as { incrCapped(key: string, cap: number): Promise<number> };
          assert.equal(await capped.incrCapped('capped', 2), 1);
          assert.equal(await capped.incrCapped('capped', 2), 2);
          assert.equal(await capped.incrCapped('capped', 2), 2);
          assert.deepEqual(await c.eval('return {KEYS[1], ARGV[1], 3}', 1, 'k', 'v'), ['k', 'v', 3]);

          for (let i = 0; i < 150; i++) await c.set(`scan:${i}`, i);
          const seen = new Set<string>();
          await new Promise<void>((resolve, reject) => {
            const stream = c.scanStream({ match: 'scan:*', count: 20 });
            stream.on('data', (keys: string[]) => keys.forEach((k) => seen.add(k)));
            stream.on('end', resolve);
            stream.on('error', reject);
          });
          assert.equal(seen.size, 150);

          // WATCH: a concurrent write makes EXEC return null.
          await c.watch('counter');
          await worker.incr('counter');
          assert.equal(await c.multi().incr('counter').exec(), null);
          assert.equal(await c.get('counter'), '6');
          assert.deepEqual(await c.multi().incr('counter').expire('counter', 60).exec(), [
            [null, 7],
            [null, 1],
          ]);
        }));

      if (protocol === 3) {
        test('RESP3: HELLO 3 negotiated, pub/sub on the subscriber connection while it keeps running commands', (t) =>
          withServer(t, target, async () => {
            const c = ctx.open({ protocol: 3 });
            const hello = (await c.call('HELLO', '3')) as unknown[];
            const proto = hello[hello.indexOf('proto') + 1];
            assert.equal(proto, 3);
            const got = new Inbox<string[]>();
            c.on('message', (channel: string, message: string) => got.push([channel, message]));
            await c.subscribe('resp3');
            const pub = ctx.open({ protocol: 3 });
            assert.equal(await pub.publish('resp3', 'pushed'), 1);
            assert.deepEqual(await got.take(1), [['resp3', 'pushed']]);
            // Under RESP3 a subscribed connection may run any command; push frames interleave with replies.
            assert.equal(await c.ping(), 'PONG');
            assert.equal(await c.echo('still here'), 'still here');
            assert.equal(await c.publish('resp3', 'to myself'), 1);
            assert.deepEqual(await c.call('PUBSUB', 'NUMSUB', 'resp3'), ['resp3', 1]);
            assert.deepEqual(await got.take(1), [['resp3', 'to myself']]);
          }));
      }
    });
  }
}

describe('ioredis across a Tidings restart on the same port', () => {
  for (const protocol of [2, 3] as const) {
    test(`RESP${protocol}: reconnects, re-subscribes and runs queued commands`, async () => {
      let srv = await startTidings();
      const port = srv.port;
      const sub = new Redis({ host: '127.0.0.1', port, protocol, retryStrategy: () => 50 });
      const pub = new Redis({ host: '127.0.0.1', port, protocol, retryStrategy: () => 50 });
      sub.on('error', () => {});
      pub.on('error', () => {});
      try {
        const got = new Inbox<string[]>();
        sub.on('message', (channel: string, message: string) => got.push([channel, message]));
        await sub.subscribe('restart');
        assert.equal(await pub.publish('restart', 'before'), 1);
        assert.deepEqual(await got.take(1), [['restart', 'before']]);

        await srv.close();
        await waitFor(() => sub.status !== 'ready' && pub.status !== 'ready', 'both clients to notice the restart');
        // Commands issued while the server is down wait in ioredis's offline queue.
        const queued = pub.echo('queued while down');
        srv = await startTidings({ port });
        assert.equal(await queued, 'queued while down');
        await waitFor(async () => ((await pub.call('PUBSUB', 'NUMSUB', 'restart')) as [string, number])[1] === 1, 're-subscription');
        assert.equal(await pub.publish('restart', 'after'), 1);
        assert.deepEqual(await got.take(1), [['restart', 'after']]);
      } finally {
        sub.disconnect();
        pub.disconnect();
        await srv.close();
      }
    });
  }
});

// Pub/sub and connection commands: same sequences to Tidings and redis-server, replies compared.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { render, startDiffServers, type DiffServers } from './harness.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(() => servers?.close());

for (const proto of [2, 3] as const) {
  test(`subscribe/publish sequences match redis-server (RESP${proto})`, async (t) => {
    if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
    const sub = await servers.pair(proto);
    const pub = await servers.pair(proto);
    await sub.check(['SUBSCRIBE', 'a', 'b', 'a']);
    for (let i = 0; i < 2; i++) await sub.checkNext('subscribe confirmations');
    await sub.check(['PSUBSCRIBE', 'a*', 'h[ae]llo', 'x\\*y', '[^z]']);
    for (let i = 0; i < 3; i++) await sub.checkNext('psubscribe confirmations');
    for (const channel of ['a', 'ab', 'hello', 'hallo', 'hillo', 'x*y', 'xzy', 'q', 'z']) {
      await pub.check(['PUBLISH', channel, `payload for ${channel}`]);
      await pub.check(['PUBSUB', 'NUMSUB', channel]);
    }
    // Everything delivered on both servers. Redis does not order pattern deliveries of one PUBLISH
    // (its pattern table is a hash), so compare the whole set of deliveries.
    const collect = async (c: typeof sub.tidings) => {
      const out: unknown[] = [];
      for (let i = 0; i < 8; i++) out.push(render(await c.read()));
      return out.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    };
    assert.deepEqual(await collect(sub.tidings), await collect(sub.redis));
    assert.equal(await sub.tidings.silentFor(50), true);
    await pub.check(['PUBSUB', 'NUMPAT']);
    await pub.check(['PUBSUB', 'CHANNELS'], { unordered: true });
    await pub.check(['PUBSUB', 'CHANNELS', '[ab]'], { unordered: true });
    await sub.check(['PING']);
    await sub.check(['PING', '']);
    await sub.check(['PING', 'x']);
    await sub.check(['ECHO', 'only allowed in RESP3']);
    await sub.check(['UNSUBSCRIBE', 'b', 'nope']);
    await sub.checkNext('unsubscribe 2');
    await sub.check(['PUNSUBSCRIBE']);
    for (let i = 0; i < 3; i++) await sub.checkNext('punsubscribe all');
    await sub.check(['UNSUBSCRIBE']);
    await sub.check(['UNSUBSCRIBE']);
    await sub.check(['PUNSUBSCRIBE']);
    await sub.check(['SSUBSCRIBE', 's1']);
    await pub.check(['SPUBLISH', 's1', 'shard']);
    await sub.checkNext('smessage');
    await pub.check(['PUBSUB', 'SHARDCHANNELS']);
    await pub.check(['PUBSUB', 'SHARDNUMSUB', 's1', 's2']);
    await sub.check(['SUNSUBSCRIBE', 's1']);
    await sub.check(['SUNSUBSCRIBE']);
    await sub.check(['RESET']);
    sub.close();
    pub.close();
  });

  test(`the empty channel name is not matched by any pattern, not even * (RESP${proto})`, async (t) => {
    if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
    const sub = await servers.pair(proto);
    const sub2 = await servers.pair(proto);
    const pub = await servers.pair(proto);
    await sub.check(['PSUBSCRIBE', '*']);
    await sub2.check(['SUBSCRIBE', '']);
    await pub.check(['PUBLISH', '', 'to nobody by pattern']);
    await sub2.checkNext('message on the empty channel');
    await pub.check(['PUBLISH', 'x', 'to the pattern']);
    await sub.checkNext('pmessage for x, not for the empty channel');
    await pub.check(['PUBSUB', 'CHANNELS', '*']);
    await pub.check(['PUBSUB', 'CHANNELS']);
    await pub.check(['PUBSUB', 'NUMSUB', '']);
    await pub.check(['SET', '', 'empty key']);
    await pub.check(['KEYS', '*']);
    await pub.check(['KEYS', '**']);
    await pub.check(['SCAN', '0', 'MATCH', '**', 'COUNT', '1000']);
    await pub.check(['DEL', '']);
    sub.close();
    sub2.close();
    pub.close();
  });
}

test('pub/sub errors and arity match redis-server', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  const p = await servers.pair();
  await p.checkAll([
    ['PUBLISH', 'x'],
    ['SUBSCRIBE'],
    ['PSUBSCRIBE'],
    ['SPUBLISH', 'a'],
    ['PUBSUB'],
    ['PUBSUB', 'NOPE'],
    ['PUBSUB', 'NUMPAT', 'extra'],
    ['PUBSUB', 'NUMSUB'],
    ['PUBSUB', 'CHANNELS', '*', 'extra'],
  ]);
  await p.check(['SUBSCRIBE', 'c']);
  await p.checkAll([['DBSIZE'], ['CLIENT', 'ID'], ['PING', 'a', 'b']]);
  p.close();
});

test('connection and server command replies match redis-server', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  for (const proto of [2, 3] as const) {
    const p = await servers.pair(proto);
    await p.checkAll([
      ['PING'],
      ['PING', 'hello'],
      ['PING', 'a', 'b'],
      ['ECHO', 'x'],
      ['ECHO'],
      ['NOSUCHCOMMAND', 'a', 'b'],
      ['nosuch'],
      ['SELECT', '1'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'abc'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['FLUSHDB'],
      ['FLUSHDB', 'ASYNC'],
      ['FLUSHDB', 'BAD'],
      ['FLUSHALL', 'SYNC'],
      ['AUTH', 'x'],
      ['AUTH', 'a', 'b'],
      ['AUTH', 'a', 'b', 'c'],
      ['HELLO', '4'],
      ['HELLO', 'abc'],
      ['CLIENT'],
      ['CLIENT', 'NOPE'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'bad name'],
      ['CLIENT', 'SETNAME', 'good'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'KILL', '9.9.9.9:1'],
      ['CLIENT', 'KILL', 'ID', '99999'],
      ['CLIENT', 'KILL', 'ID', 'abc'],
      ['CLIENT', 'KILL', 'BOGUS', 'x'],
      ['CLIENT', 'KILL', 'TYPE', 'bogus'],
      ['CLIENT', 'REPLY', 'bogus'],
      ['CLIENT', 'UNBLOCK', '99999'],
      ['CLIENT', 'UNBLOCK', 'abc'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CONFIG'],
      ['CONFIG', 'GET'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'GET', 'nosuchparam'],
      ['CONFIG', 'SET', 'nosuch', 'x'],
      ['CONFIG', 'SET', 'maxclients', 'x'],
      ['CONFIG', 'SET', 'timeout', '-1'],
      ['CONFIG', 'SET', 'maxmemory', '10xb'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Elg'],
      ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['CONFIG', 'SET', 'timeout', '0', 'timeout', '0'],
      ['CONFIG', 'SET', 'maxmemory'],
      ['MULTI'],
      ['PING'],
      ['ECHO', 'queued'],
      ['EXEC'],
      ['EXEC'],
      ['DISCARD'],
      ['MULTI'],
      ['MULTI'],
      ['NOSUCH'],
      ['EXEC'],
      ['MULTI'],
      ['PING'],
      ['EXEC', 'extra'],
      ['EXEC'],
      ['PING'],
      ['WATCH'],
      ['UNWATCH'],
      ['COMMAND', 'GETKEYS', 'nosuch'],
      ['COMMAND', 'GETKEYS', 'nosuch', 'x'],
      ['COMMAND', 'GETKEYS', 'ping', 'x'],
      ['COMMAND', 'INFO', 'nosuch'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'psub*'],
      ['SLOWLOG', 'GET', '-5'],
      ['WAIT', '0', '0'],
    ]);
    await p.check(['CONFIG', 'GET', 'hash-max-*'], { unordered: true });
    await p.check(['CONFIG', 'GET', '*max-*-entries'], { unordered: true });
    p.close();
  }
});

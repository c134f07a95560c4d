// TIDINGS CHANNELS / PATTERNS / SUBSCRIBERS / SLOWSUBSCRIBERS / HELP over TCP, and the Redis-named
// pub/sub fields they sit beside (INFO, CLIENT LIST).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

const readPlain = async (c: RespClient) => plain(await c.read());

/** A RESP2 map (flat array) as an object. */
function obj(flat: unknown): Record<string, unknown> {
  assert.ok(Array.isArray(flat), `expected a flat map, got ${JSON.stringify(flat)}`);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)\r?$`, 'm').exec(info)?.[1];
}

test('TIDINGS CHANNELS counts messages, deliveries, bytes and subscribers per channel', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const pub = await srv.connect();
  a.send('SUBSCRIBE', 'tc:news');
  await readPlain(a);
  b.send('PSUBSCRIBE', 'tc:*');
  await readPlain(b);
  for (let i = 0; i < 5; i++) assert.equal(await pub.call('PUBLISH', 'tc:news', 'hello'), 2);
  assert.equal(await pub.call('PUBLISH', 'tc:quiet', 'xyz'), 1);
  assert.equal(await pub.call('PUBLISH', 'elsewhere', 'x'), 0);

  const rows = (await pub.call('TIDINGS', 'CHANNELS', 'tc:*')) as unknown[];
  const list = rows.map(obj);
  assert.deepEqual(
    list.map((r) => r.channel),
    ['tc:news', 'tc:quiet'],
    'busiest first, filtered by the pattern',
  );
  const news = list[0]!;
  assert.equal(news.kind, 'channel');
  assert.equal(news.subscribers, 1, 'direct subscribers only, as PUBSUB NUMSUB');
  assert.equal(news.messages, 5);
  assert.equal(news.deliveries, 10, 'the channel subscriber and the pattern subscriber, five times');
  assert.equal(news.bytes, 25);
  assert.equal(news.rate_per_sec, String(Math.round((5 / 60) * 1000) / 1000));
  assert.ok(Number(news.last_publish_ms) > 0);
  assert.equal(list[1]!.deliveries, 1);

  // COUNT limits; a channel with no subscribers is counted too.
  const top = ((await pub.call('TIDINGS', 'CHANNELS', 'COUNT', 1)) as unknown[]).map(obj);
  assert.equal(top.length, 1);
  assert.equal(top[0]!.channel, 'tc:news');
  const lonely = ((await pub.call('TIDINGS', 'CHANNELS', 'elsewhere', 'count', 5)) as unknown[]).map(obj);
  assert.deepEqual(lonely.map((r) => [r.channel, r.messages, r.deliveries, r.subscribers]), [['elsewhere', 1, 0, 0]]);

  const patterns = ((await pub.call('TIDINGS', 'PATTERNS')) as unknown[]).map(obj);
  const p = patterns.find((r) => r.pattern === 'tc:*')!;
  assert.deepEqual([p.kind, p.subscribers, p.messages, p.deliveries], ['pattern', 1, 6, 6]);

  // SPUBLISH counts under the shard channel.
  assert.equal(await pub.call('SPUBLISH', 'tc:shard', 'abcd'), 0);
  const shard = ((await pub.call('TIDINGS', 'CHANNELS', 'tc:shard')) as unknown[]).map(obj);
  assert.deepEqual(shard.map((r) => [r.kind, r.messages, r.bytes]), [['shard', 1, 4]]);

  // In RESP3 the rows are maps and the rate a double.
  assert.equal(await pub.call('HELLO', 3).then(() => 'ok'), 'ok');
  const resp3 = await pub.callRaw('TIDINGS', 'CHANNELS', 'tc:news');
  assert.equal(resp3.type, 'array');
  const first = (resp3 as { value: { type: string }[] }).value[0]!;
  assert.equal(first.type, 'map');
  a.close();
  b.close();
  pub.close();
});

test('TIDINGS SUBSCRIBERS names the clients that receive a channel, by channel, pattern or shard', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const s = await srv.connect();
  const c = await srv.connect();
  await a.call('CLIENT', 'SETNAME', 'direct');
  await b.call('CLIENT', 'SETNAME', 'bypattern');
  a.send('SUBSCRIBE', 'ts:one');
  await readPlain(a);
  b.send('PSUBSCRIBE', 'ts:o*');
  await readPlain(b);
  s.send('SSUBSCRIBE', 'ts:one');
  await readPlain(s);
  const rows = ((await c.call('TIDINGS', 'SUBSCRIBERS', 'ts:one')) as unknown[]).map(obj);
  assert.deepEqual(
    rows.map((r) => [r.name, r.via, r.pattern, r.sub, r.psub, r.ssub]),
    [
      ['direct', 'channel', null, 1, 0, 0],
      ['bypattern', 'pattern', 'ts:o*', 0, 1, 0],
      ['', 'shard', null, 0, 0, 1],
    ],
  );
  const ids = rows.map((r) => r.id);
  const list = String(await c.call('CLIENT', 'LIST'));
  for (const id of ids) assert.match(list, new RegExp(`^id=${id} .* name=`, 'm'));
  assert.deepEqual(await c.call('TIDINGS', 'SUBSCRIBERS', 'nobody'), []);

  // The Redis-named fields beside it.
  const info = String(await c.call('INFO'));
  assert.ok(Number(infoField(info, 'pubsub_channels')) >= 1);
  assert.ok(Number(infoField(info, 'pubsub_patterns')) >= 1);
  assert.ok(Number(infoField(info, 'pubsubshard_channels')) >= 1);
  assert.ok(Number(infoField(info, 'pubsub_clients')) >= 3);
  const line = list.split('\n').find((l) => l.includes('name=bypattern'))!;
  assert.match(line, / sub=0 psub=1 ssub=0 /);
  a.close();
  b.close();
  s.close();
  c.close();
});

test('TIDINGS SLOWSUBSCRIBERS ranks by pending bytes and records output-limit disconnects with the reason', async () => {
  const slow = await srv.connect();
  const pub = await srv.connect();
  await slow.call('CLIENT', 'SETNAME', 'sleepy');
  slow.send('SUBSCRIBE', 'slow:feed');
  await readPlain(slow);
  slow.socket.pause();
  await pub.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 4mb 1mb 60');
  const payload = Buffer.alloc(256 * 1024, 97);
  try {
    // Publish until the paused subscriber is over the soft limit (the kernel takes some first).
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      await pub.call('PUBLISH', 'slow:feed', payload);
      const reply = obj(await pub.call('TIDINGS', 'SLOWSUBSCRIBERS', 'COUNT', 3));
      rows = (reply.subscribers as unknown[]).map(obj);
      if (rows[0] && Number(rows[0].soft_limit_hits) > 0) break;
    }
    const top = rows[0]!;
    assert.equal(top.name, 'sleepy');
    assert.ok(Number(top.omem) >= 1024 * 1024, `pending ${top.omem}`);
    assert.ok(Number(top.queued_messages) >= 1);
    assert.equal(top.soft_limit_hits, 1);
    const line = String(await pub.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('name=sleepy'))!;
    assert.ok(Number(/ omem=(\d+)/.exec(line)![1]) >= 1024 * 1024);

    // Past the hard limit it is disconnected, and the disconnect is kept with its reason.
    let reply: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) {
      await pub.call('PUBLISH', 'slow:feed', payload);
      reply = obj(await pub.call('TIDINGS', 'SLOWSUBSCRIBERS'));
      if (Number(reply.disconnects_total) > 0) break;
    }
    assert.equal(reply.disconnects_total, 1, 'the slow subscriber was disconnected');
    assert.equal(await pub.call('PUBLISH', 'slow:feed', 'x'), 0);
    const d = obj((reply.disconnects as unknown[])[0]);
    assert.equal(d.name, 'sleepy');
    assert.equal(d.reason, `hard limit ${4 * 1024 * 1024} bytes`);
    assert.ok(Number(d.omem) >= 4 * 1024 * 1024);
    assert.deepEqual(d.subscriptions, ['slow:feed']);
    assert.equal(d.soft_limit_hits, 1);
  } finally {
    await pub.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60');
    slow.close();
    pub.close();
  }
});

test('TIDINGS errors and HELP', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('TIDINGS', 'CHANNELS', '*', 'COUNT'), { error: 'ERR syntax error' });
  assert.deepEqual(await c.call('TIDINGS', 'CHANNELS', 'LIMIT', 3), { error: 'ERR syntax error' });
  assert.deepEqual(await c.call('TIDINGS', 'CHANNELS', 'COUNT', 'x'), { error: 'ERR value is not an integer or out of range' });
  assert.deepEqual(await c.call('TIDINGS', 'SLOWSUBSCRIBERS', 'COUNT', 0), { error: 'ERR COUNT must be > 0' });
  assert.deepEqual(await c.call('TIDINGS', 'SUBSCRIBERS'), {
    error: "ERR wrong number of arguments for 'tidings|subscribers' command",
  });
  assert.deepEqual(await c.call('TIDINGS', 'NOPE'), { error: "ERR unknown subcommand 'NOPE'. Try TIDINGS HELP." });
  const help = (await c.call('TIDINGS', 'HELP')) as string[];
  assert.match(help[0]!, /^TIDINGS <subcommand>/);
  assert.ok(help.some((l) => l.startsWith('SLOWSUBSCRIBERS')));
  c.close();
});

test('CONFIG RESETSTAT zeroes the channel counters and the disconnect history; subscriptions keep working', async () => {
  const sub = await srv.connect();
  const pub = await srv.connect();
  sub.send('SUBSCRIBE', 'rs:chan');
  await readPlain(sub);
  sub.send('PSUBSCRIBE', 'rs:*');
  await readPlain(sub);
  for (let i = 0; i < 3; i++) assert.equal(await pub.call('PUBLISH', 'rs:chan', 'abc'), 2);
  for (let i = 0; i < 6; i++) await readPlain(sub);
  const before = obj(((await pub.call('TIDINGS', 'CHANNELS', 'rs:chan')) as unknown[])[0]);
  assert.deepEqual([before.messages, before.deliveries, before.bytes], [3, 6, 9]);

  // The SLOWSUBSCRIBERS test above (same server, run before this one) left a disconnect on record.
  const slowBefore = obj(await pub.call('TIDINGS', 'SLOWSUBSCRIBERS'));
  assert.equal(slowBefore.disconnects_total, 1);
  assert.equal(await pub.call('CONFIG', 'RESETSTAT'), 'OK');
  const zeroed = obj(((await pub.call('TIDINGS', 'CHANNELS', 'rs:chan')) as unknown[])[0]);
  assert.deepEqual([zeroed.messages, zeroed.deliveries, zeroed.bytes, zeroed.last_publish_ms, zeroed.rate_per_sec, zeroed.subscribers], [0, 0, 0, 0, '0', 1]);
  const pattern = ((await pub.call('TIDINGS', 'PATTERNS')) as unknown[]).map(obj).find((r) => r.pattern === 'rs:*')!;
  assert.deepEqual([pattern.messages, pattern.deliveries], [0, 0]);
  const slowAfter = obj(await pub.call('TIDINGS', 'SLOWSUBSCRIBERS'));
  assert.equal(slowAfter.disconnects_total, 0);
  assert.deepEqual(slowAfter.disconnects, []);

  // Counting resumes on the same linked counters.
  assert.equal(await pub.call('PUBLISH', 'rs:chan', 'abcd'), 2);
  const after = obj(((await pub.call('TIDINGS', 'CHANNELS', 'rs:chan')) as unknown[])[0]);
  assert.deepEqual([after.messages, after.deliveries, after.bytes], [1, 2, 4]);
  sub.socket.destroy();
  pub.socket.destroy();
});

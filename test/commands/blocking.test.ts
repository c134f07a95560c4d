// Blocking list commands over TCP: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Waiting, serving
// order, timeouts, MULTI/script behaviour, disconnects, CLIENT UNBLOCK and many waiters.
// Reply shapes and error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

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

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const blockedCount = () => srv.server!.blocking.count;

async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  assert.equal(blockedCount(), 0);
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function next(client: RespClient, timeoutMs = 5000): Promise<unknown> {
  return plain(await client.read(timeoutMs));
}

/** A new connection that has sent `args` and is blocked (the server counts it). */
async function blockedClient(...args: string[]): Promise<RespClient> {
  const before = blockedCount();
  const w = await srv.connect();
  w.send(...args);
  await waitFor(() => blockedCount() === before + 1, `${args.join(' ')} blocked`);
  return w;
}

test('BLPOP and BRPOP answer at once when a list has elements, first non-empty key wins', async () => {
  await fresh();
  await c.call('RPUSH', 'b', '1', '2', '3');
  await c.call('RPUSH', 'c', 'x');
  assert.deepEqual(await c.call('BLPOP', 'a', 'b', 'c', '0'), ['b', '1']);
  assert.deepEqual(await c.call('BRPOP', 'a', 'b', 'c', '0'), ['b', '3']);
  assert.deepEqual(await c.call('BRPOP', 'c', 'b', '1'), ['c', 'x']);
  assert.deepEqual(await c.call('BLPOP', 'b', '0'), ['b', '2']);
  assert.equal(srv.server!.dbs[0]!.peek('b'), undefined);
  await c.call('HSET', 'h', 'f', 'v');
  assert.deepEqual(await c.call('BLPOP', 'nokey', 'h', '0'), WRONGTYPE);
  assert.equal(blockedCount(), 0);
});

test('timeout arguments: fractions, errors, and what counts as "forever"', async () => {
  await fresh();
  const notFloat = { error: 'ERR timeout is not a float or out of range' };
  const negative = { error: 'ERR timeout is negative' };
  for (const t of ['x', '', ' 1', '1 ', 'nan', '1.2.3']) assert.deepEqual(await c.call('BLPOP', 'k', t), notFloat, t);
  for (const t of ['-1', '-0.002', 'inf', '1e30', '-inf']) assert.deepEqual(await c.call('BLPOP', 'k', t), negative, t);
  assert.deepEqual(await c.call('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', 'x'), notFloat);
  assert.deepEqual(await c.call('BRPOPLPUSH', 'k', 'd', '-1'), negative);
  assert.deepEqual(await c.call('BLMPOP', 'x', '1', 'k', 'LEFT'), notFloat);
  // Redis rounds seconds × 1000 up: a positive fraction of a millisecond is a 1 ms timeout,
  // while a negative one above -1 ms becomes 0, which waits forever.
  assert.deepEqual(await c.callRaw('BLPOP', 'k', '0.0001'), { type: 'nullarray' });
  assert.deepEqual(await c.callRaw('BZPOPMIN', 'z', '0.0001'), { type: 'nullarray' });
  assert.deepEqual(await c.call('BZPOPMIN', 'z', '-0.0011'), negative);
  const w = await blockedClient('BLPOP', 'k', '-0.0004');
  assert.ok(await w.silentFor(50));
  await c.call('RPUSH', 'k', 'v');
  assert.deepEqual(await next(w), ['k', 'v']);
  w.close();
});

test('a waiter times out with a null array (RESP2 *-1, RESP3 _)', async () => {
  await fresh();
  assert.deepEqual(await c.callRaw('BLPOP', 'k', '0.05'), { type: 'nullarray' });
  assert.deepEqual(await c.callRaw('BRPOP', 'k1', 'k2', '0.02'), { type: 'nullarray' });
  assert.deepEqual(await c.callRaw('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.02'), { type: 'nullarray' });
  assert.deepEqual(await c.callRaw('BRPOPLPUSH', 'k', 'd', '0.02'), { type: 'nullarray' });
  assert.deepEqual(await c.callRaw('BLMPOP', '0.02', '1', 'k', 'LEFT'), { type: 'nullarray' });
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.equal((await r3.callFrame('BLPOP', 'k', '0.02')).raw.toString(), '_\r\n');
  assert.equal((await r3.callFrame('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.02')).raw.toString(), '_\r\n');
  r3.close();
  assert.equal(blockedCount(), 0);
});

test('a blocked BLPOP is served by a later push, on whichever of its keys gets data', async () => {
  await fresh();
  const w = await blockedClient('BLPOP', 'a', 'b', '0');
  assert.ok(await w.silentFor(30));
  assert.equal(await c.call('RPUSH', 'b', 'x', 'y'), 2);
  assert.deepEqual(await next(w), ['b', 'x']);
  assert.deepEqual(await c.call('LRANGE', 'b', '0', '-1'), ['y']);
  const r = await blockedClient('BRPOP', 'q', '5');
  await c.call('LPUSH', 'q', '1', '2');
  assert.deepEqual(await next(r), ['q', '1']);
  assert.equal(blockedCount(), 0);
  w.close();
  r.close();
});

test('many waiters on one key are served first come, first served', async () => {
  await fresh();
  const waiters: RespClient[] = [];
  for (let i = 0; i < 10; i++) waiters.push(await blockedClient(i % 2 === 0 ? 'BLPOP' : 'BRPOP', 'q', '0'));
  // One element per push: each goes to the longest-waiting client.
  for (let i = 0; i < 4; i++) await c.call('RPUSH', 'q', `item${i}`);
  for (let i = 0; i < 4; i++) assert.deepEqual(await next(waiters[i]!), ['q', `item${i}`]);
  // Several elements at once: still in arrival order, one each.
  await c.call('RPUSH', 'q', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
  assert.deepEqual(await next(waiters[4]!), ['q', 'a']); // BLPOP from the head
  assert.deepEqual(await next(waiters[5]!), ['q', 'h']); // BRPOP from the tail
  assert.deepEqual(await next(waiters[6]!), ['q', 'b']);
  assert.deepEqual(await next(waiters[7]!), ['q', 'g']);
  assert.deepEqual(await next(waiters[8]!), ['q', 'c']);
  assert.deepEqual(await next(waiters[9]!), ['q', 'f']);
  assert.deepEqual(await c.call('LRANGE', 'q', '0', '-1'), ['d', 'e']);
  assert.equal(blockedCount(), 0);
  for (const w of waiters) w.close();
});

test('a waiter times out while others stay blocked', async () => {
  await fresh();
  const patient = await blockedClient('BLPOP', 'k', '0');
  const hasty = await blockedClient('BLPOP', 'k', '0.05');
  assert.deepEqual(await hasty.callRaw('PING').catch(() => undefined), { type: 'nullarray' });
  // The PING queued behind the timed-out BLPOP is answered next.
  assert.equal(await next(hasty), 'PONG');
  assert.equal(blockedCount(), 1);
  await c.call('RPUSH', 'k', 'v');
  assert.deepEqual(await next(patient), ['k', 'v']);
  patient.close();
  hasty.close();
});

test('1000 blocked clients each get exactly one element', async () => {
  await fresh();
  const waiters: RespClient[] = [];
  for (let i = 0; i < 1000; i++) {
    const w = await srv.connect();
    w.send('BLPOP', 'jobs', '0');
    waiters.push(w);
  }
  await waitFor(() => blockedCount() === 1000, '1000 clients blocked');
  assert.equal(srv.server!.blocking.keyCount, 1);
  const items = Array.from({ length: 1000 }, (_, i) => `job${i}`);
  for (let i = 0; i < 1000; i += 250) await c.call('RPUSH', 'jobs', ...items.slice(i, i + 250));
  const got = await Promise.all(waiters.map((w) => next(w)));
  // Each client got one job and no job went twice (arrival order across 1000 sockets is the
  // kernel's; first-come-first-served is checked with ordered waiters above).
  assert.deepEqual(got.map((r) => (r as string[])[1]).sort(), [...items].sort());
  assert.equal(blockedCount(), 0);
  assert.equal(srv.server!.blocking.keyCount, 0);
  assert.equal(await c.call('LLEN', 'jobs'), 0);
  for (const w of waiters) w.close();
});

test('a disconnected waiter is forgotten and does not swallow an element', async () => {
  await fresh();
  const gone = await blockedClient('BLPOP', 'k', '0');
  const stays = await blockedClient('BLPOP', 'k', '0');
  gone.close();
  await waitFor(() => blockedCount() === 1, 'disconnect noticed');
  await c.call('RPUSH', 'k', 'v1', 'v2');
  assert.deepEqual(await next(stays), ['k', 'v1']);
  assert.deepEqual(await c.call('LRANGE', 'k', '0', '-1'), ['v2']);
  stays.close();
});

test('CLIENT UNBLOCK with TIMEOUT and ERROR', async () => {
  await fresh();
  const w = await srv.connect();
  const id = (await w.call('CLIENT', 'ID')) as number;
  w.send('BLPOP', 'k', '0');
  await waitFor(() => blockedCount() === 1, 'blocked');
  assert.equal(await c.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), 1);
  assert.deepEqual(await w.callRaw('PING').catch(() => undefined), { type: 'nullarray' });
  assert.equal(await next(w), 'PONG');
  w.send('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0');
  await waitFor(() => blockedCount() === 1, 'blocked again');
  assert.equal(await c.call('CLIENT', 'UNBLOCK', id, 'ERROR'), 1);
  assert.deepEqual(await next(w), { error: 'UNBLOCKED client unblocked via CLIENT UNBLOCK' });
  assert.equal(await c.call('CLIENT', 'UNBLOCK', id), 0, 'no longer blocked');
  await c.call('RPUSH', 'k', 'v');
  assert.equal(await c.call('LLEN', 'k'), 1, 'the unblocked client took nothing');
  w.close();
});

test('BLMOVE reliable queue: a worker moves each job to its processing list', async () => {
  await fresh();
  const worker = await blockedClient('BLMOVE', 'queue', 'processing', 'RIGHT', 'LEFT', '0');
  await c.call('LPUSH', 'queue', 'job1', 'job2');
  assert.equal(await next(worker), 'job1');
  assert.deepEqual(await c.call('LRANGE', 'processing', '0', '-1'), ['job1']);
  assert.deepEqual(await c.call('LRANGE', 'queue', '0', '-1'), ['job2']);
  // Done with job1: acknowledge by removing it from the processing list.
  assert.equal(await worker.call('LREM', 'processing', '1', 'job1'), 1);
  assert.equal(await worker.call('BLMOVE', 'queue', 'processing', 'RIGHT', 'LEFT', '0'), 'job2');
  assert.equal(await worker.call('BRPOPLPUSH', 'queue', 'processing', '0.02'), null);
  assert.deepEqual(await c.call('LRANGE', 'processing', '0', '-1'), ['job2']);
  // A crashed worker's jobs stay in processing; a reaper moves them back.
  assert.equal(await c.call('RPOPLPUSH', 'processing', 'queue'), 'job2');
  worker.close();
});

test('BLMOVE chains: the moved element serves a waiter on the destination', async () => {
  await fresh();
  const mover = await blockedClient('BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0');
  const popper = await blockedClient('BLPOP', 'b', '0');
  const third = await blockedClient('BRPOPLPUSH', 'b', 'c', '0');
  await c.call('RPUSH', 'a', 'x');
  assert.equal(await next(mover), 'x');
  assert.deepEqual(await next(popper), ['b', 'x']);
  assert.ok(await third.silentFor(30));
  await c.call('RPUSH', 'b', 'y');
  assert.equal(await next(third), 'y');
  assert.deepEqual(await c.call('LRANGE', 'c', '0', '-1'), ['y']);
  for (const w of [mover, popper, third]) w.close();
});

test('BLMOVE to the same key rotates; a wrong-type destination fails the waiter', async () => {
  await fresh();
  const rot = await blockedClient('BLMOVE', 'r', 'r', 'LEFT', 'RIGHT', '0');
  await c.call('RPUSH', 'r', '1', '2');
  assert.equal(await next(rot), '1');
  assert.deepEqual(await c.call('LRANGE', 'r', '0', '-1'), ['2', '1']);
  await c.call('HSET', 'h', 'f', 'v');
  const w = await blockedClient('BLMOVE', 'src', 'h', 'LEFT', 'RIGHT', '0');
  await c.call('RPUSH', 'src', 'x');
  assert.deepEqual(await next(w), WRONGTYPE);
  assert.deepEqual(await c.call('LRANGE', 'src', '0', '-1'), ['x'], 'the element stays in the source');
  rot.close();
  w.close();
});

test('BLMPOP blocks and serves with COUNT', async () => {
  await fresh();
  const w = await blockedClient('BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '3');
  await c.call('RPUSH', 'b', '1', '2', '3', '4');
  assert.deepEqual(await next(w), ['b', ['4', '3', '2']]);
  assert.deepEqual(await c.call('BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT', '9'), ['b', ['1']]);
  assert.deepEqual(await c.call('BLMPOP', '0', '0', 'b', 'LEFT'), { error: 'ERR numkeys should be greater than 0' });
  assert.deepEqual(await c.call('BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT', '0'), { error: 'ERR count should be greater than 0' });
  w.close();
});

test('a key of another type does not serve list waiters', async () => {
  await fresh();
  const w = await blockedClient('BLPOP', 'k', '0');
  await c.call('SADD', 'k', 'm');
  assert.ok(await w.silentFor(30));
  await c.call('SREM', 'k', 'm');
  await c.call('RPUSH', 'k', 'v');
  assert.deepEqual(await next(w), ['k', 'v']);
  w.close();
});

test('waiters are served after EXEC, seeing the whole transaction', async () => {
  await fresh();
  const w = await blockedClient('BLPOP', 'k', '0');
  await c.call('MULTI');
  await c.call('RPUSH', 'k', 'a', 'b');
  await c.call('LPOP', 'k');
  assert.deepEqual(await c.call('EXEC'), [2, 'a']);
  assert.deepEqual(await next(w), ['k', 'b']);
  w.close();
});

test('inside MULTI blocking commands answer at once', async () => {
  await fresh();
  await c.call('RPUSH', 'full', 'x');
  await c.call('MULTI');
  await c.call('BLPOP', 'nokey', '0');
  await c.call('BRPOP', 'nokey', '0');
  await c.call('BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0');
  await c.call('BRPOPLPUSH', 'nokey', 'd', '0');
  await c.call('BLMPOP', '0', '1', 'nokey', 'LEFT');
  await c.call('BLPOP', 'full', '0');
  const reply = await c.callRaw('EXEC');
  assert.equal(reply.type, 'array');
  if (reply.type === 'array') {
    assert.deepEqual(
      reply.value.map((v) => v.type),
      ['nullarray', 'nullarray', 'null', 'null', 'nullarray', 'array'],
    );
  }
  assert.equal(blockedCount(), 0);
});

test('from scripts: BLPOP is refused, BLMPOP answers at once', async () => {
  await fresh();
  const refused = await c.call('EVAL', "return redis.pcall('BLPOP', 'k', 0)", '0');
  assert.match(JSON.stringify(refused), /not allowed from script/);
  assert.equal(await c.call('EVAL', "return redis.call('BLMPOP', 0, 1, 'k', 'LEFT')", '0'), null);
  assert.equal(blockedCount(), 0);
});

test('pipelined commands after a blocking pop run once it is served', async () => {
  await fresh();
  const w = await srv.connect();
  w.write(Buffer.from('*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n'));
  await waitFor(() => blockedCount() === 1, 'blocked');
  assert.ok(await w.silentFor(30), 'PING waits behind the blocked BLPOP');
  await c.call('RPUSH', 'k', 'a', 'b');
  assert.deepEqual(await next(w), ['k', 'a']);
  assert.equal(await next(w), 'PONG');
  assert.equal(await next(w), 1);
  w.close();
});

test('served pops emit keyspace events', async () => {
  await fresh();
  const sub = await srv.connect();
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const w = await blockedClient('BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0');
  await c.call('RPUSH', 'a', 'x');
  assert.equal(await next(w), 'x');
  const events: string[] = [];
  for (let i = 0; i < 4; i++) {
    const msg = plain(await sub.read()) as string[];
    events.push(`${msg[2]!.split(':')[1]} ${msg[3]}`);
  }
  assert.deepEqual(events, ['rpush a', 'rpush b', 'lpop a', 'del a']);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
  w.close();
});

test('INFO and CLIENT LIST show blocked clients', async () => {
  await fresh();
  const w = await blockedClient('BLPOP', 'k1', 'k2', '0');
  const info = (await c.call('INFO', 'clients')) as string;
  assert.match(info, /blocked_clients:1/);
  const list = (await c.call('CLIENT', 'LIST')) as string;
  assert.match(list, /flags=b .*cmd=blpop/);
  w.close();
  await waitFor(() => blockedCount() === 0, 'disconnect noticed');
});

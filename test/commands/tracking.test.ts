// Client-side caching over TCP: 'client|tracking', 'client|caching', 'client|getredir',
// 'client|trackinginfo', invalidation on every write path, BCAST, OPTIN/OPTOUT, NOLOOP,
// REDIRECT (RESP2 pub/sub and RESP3 push), broken redirects, INFO and CLIENT LIST fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, startTidingsProcess, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { plain } from '../helpers/resp.js';
import { Tracking, type TrackingHost } from '../../src/server/tracking.js';
import { Client } from '../../src/net/client.js';
import { CommandTable } from '../../src/server/table.js';

let srv: TestServer;
const open: RespClient[] = [];

before(async () => {
  srv = await startTidings();
});
after(async () => {
  for (const c of open) c.close();
  await srv.close();
});

async function connect(proto: 2 | 3 = 2): Promise<RespClient> {
  const c = await srv.connect();
  open.push(c);
  if (proto === 3) await c.call('HELLO', '3');
  return c;
}

async function push(c: RespClient): Promise<unknown> {
  const f = await c.readFrame(2000);
  assert.ok(f, 'connection closed');
  assert.equal(f.value.type, 'push', `expected a push, got ${f.raw.toString('latin1')}`);
  return plain(f.value);
}

async function infoField(c: RespClient, section: string, name: string): Promise<string> {
  const text = String(await c.call('INFO', section));
  const line = text.split('\r\n').find((l) => l.startsWith(`${name}:`));
  assert.ok(line, `${name} in INFO ${section}`);
  return line.slice(name.length + 1);
}

test('RESP3: a key read by a tracking client is invalidated once, when another client writes it', async () => {
  const reader = await connect(3);
  const writer = await connect();
  await writer.call('FLUSHALL');
  assert.equal(await reader.call('CLIENT', 'TRACKING', 'on'), 'OK');
  await reader.call('GET', 'k1');
  await reader.call('MGET', 'k2', 'k3');
  await writer.call('SET', 'k1', 'v');
  assert.deepEqual(await push(reader), ['invalidate', ['k1']]);
  await writer.call('SET', 'k1', 'again'); // no longer tracked: nothing is sent
  await writer.call('MSET', 'k3', 'a', 'k2', 'b');
  assert.deepEqual(await push(reader), ['invalidate', ['k3']]);
  assert.deepEqual(await push(reader), ['invalidate', ['k2']]);
  assert.equal(await reader.silentFor(50), true);
  await reader.call('CLIENT', 'TRACKING', 'off');
});

test('the writer itself gets its invalidation after its reply; NOLOOP suppresses it', async () => {
  const c = await connect(3);
  await c.call('FLUSHALL');
  await c.call('CLIENT', 'TRACKING', 'on');
  await c.call('GET', 'self');
  c.send('SET', 'self', '1');
  const reply = await c.readFrame();
  assert.equal(reply!.raw.toString(), '+OK\r\n');
  assert.deepEqual(await push(c), ['invalidate', ['self']]);
  await c.call('CLIENT', 'TRACKING', 'on', 'NOLOOP');
  await c.call('GET', 'self');
  await c.call('SET', 'self', '2');
  assert.equal(await c.silentFor(50), true);
  // The skipped invalidation still forgot the key, as in Redis: read it again to track it.
  await c.call('GET', 'self');
  const other = await connect();
  await other.call('SET', 'self', '3');
  assert.deepEqual(await push(c), ['invalidate', ['self']]);
  await c.call('CLIENT', 'TRACKING', 'off');
});

test('RESP2 with REDIRECT: messages on __redis__:invalidate; FLUSHALL sends the null invalidation', async () => {
  const sub = await connect();
  const id = (await sub.call('CLIENT', 'ID')) as number;
  await sub.call('SUBSCRIBE', '__redis__:invalidate');
  const reader = await connect();
  const writer = await connect();
  await writer.call('FLUSHALL');
  assert.equal(await reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id)), 'OK');
  assert.equal(await reader.call('CLIENT', 'GETREDIR'), id);
  await reader.call('GET', 'r1');
  await writer.call('SET', 'r1', 'x');
  let f = await sub.readFrame();
  assert.equal(f!.raw.toString(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nr1\r\n');
  await writer.call('FLUSHALL');
  f = await sub.readFrame();
  assert.equal(f!.raw.toString(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
  // FLUSHDB too, and from the tracking client itself (sent after its reply).
  await reader.call('FLUSHDB');
  f = await sub.readFrame();
  assert.equal(f!.raw.toString(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
  const list = String(await reader.call('CLIENT', 'LIST', 'ID', String(await reader.call('CLIENT', 'ID'))));
  assert.match(list, / flags=t /);
  assert.match(list, new RegExp(` redir=${id} `));
  await reader.call('CLIENT', 'TRACKING', 'off');
  assert.equal(await reader.call('CLIENT', 'GETREDIR'), -1);
  assert.match(String(await reader.call('CLIENT', 'INFO')), / redir=-1 /);
});

test('a RESP2 client without a redirect gets nothing (no push in RESP2), but the key is forgotten', async () => {
  const reader = await connect();
  const writer = await connect();
  await writer.call('FLUSHALL');
  await reader.call('CLIENT', 'TRACKING', 'on');
  await reader.call('GET', 'quiet');
  assert.equal(await infoField(writer, 'stats', 'tracking_total_keys'), '1');
  await writer.call('SET', 'quiet', '1');
  assert.equal(await reader.silentFor(50), true);
  assert.equal(await infoField(writer, 'stats', 'tracking_total_keys'), '0');
  await reader.call('CLIENT', 'TRACKING', 'off');
});

test('expiry (lazy and active), DEL, MULTI/EXEC and scripts invalidate', async () => {
  const reader = await connect(3);
  const writer = await connect();
  await writer.call('FLUSHALL');
  await reader.call('CLIENT', 'TRACKING', 'on');
  await writer.call('SET', 'e1', '1', 'PX', '30');
  await reader.call('GET', 'e1');
  assert.deepEqual(await push(reader), ['invalidate', ['e1']]); // the active expiry cycle
  await writer.call('SET', 'e2', '1', 'PX', '40');
  await reader.call('GET', 'e2');
  await new Promise((r) => setTimeout(r, 60));
  await writer.call('GET', 'e2'); // lazy expiry from another client (or the cycle first)
  assert.deepEqual(await push(reader), ['invalidate', ['e2']]);
  await reader.call('GET', 'm1');
  await writer.call('MULTI');
  await writer.call('SET', 'm1', '1');
  await writer.call('EXEC');
  assert.deepEqual(await push(reader), ['invalidate', ['m1']]);
  await reader.call('GET', 's1');
  await writer.call('EVAL', "return redis.call('set', KEYS[1], 'x')", '1', 's1');
  assert.deepEqual(await push(reader), ['invalidate', ['s1']]);
  // Reads inside a script track the keys the script declares (Redis 7.0), not the ones it reads.
  await reader.call('EVAL', "return redis.call('get', 'undeclared')", '1', 'declared');
  await writer.call('MSET', 'undeclared', '1', 'declared', '2');
  assert.deepEqual(await push(reader), ['invalidate', ['declared']]);
  await reader.call('GET', 'd1');
  await writer.call('DEL', 'd1');
  assert.equal(await reader.silentFor(30), true); // DEL of a missing key modifies nothing
  await writer.call('SET', 'd1', '1');
  assert.deepEqual(await push(reader), ['invalidate', ['d1']]);
  assert.equal(await reader.silentFor(30), true);
  await reader.call('CLIENT', 'TRACKING', 'off');
});

test('eviction under maxmemory invalidates', async () => {
  const reader = await connect(3);
  const writer = await connect();
  await writer.call('FLUSHALL');
  await writer.call('SET', 'big', 'x'.repeat(100000));
  await reader.call('CLIENT', 'TRACKING', 'on');
  await reader.call('GET', 'big');
  await writer.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
  await writer.call('CONFIG', 'SET', 'maxmemory', '1');
  try {
    await writer.call('SET', 'other', '1');
    assert.deepEqual(await push(reader), ['invalidate', ['big']]);
  } finally {
    await writer.call('CONFIG', 'SET', 'maxmemory', '0');
    await writer.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  }
  await reader.call('CLIENT', 'TRACKING', 'off');
});

test('BCAST: one message per prefix per event-loop turn, keys sorted; NOLOOP drops the own keys', async () => {
  const bc = await connect(3);
  const writer = await connect();
  await writer.call('FLUSHALL');
  assert.equal(await bc.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'obj:', 'NOLOOP'), 'OK');
  assert.deepEqual(await bc.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'bcast', 'noloop'], 'redirect', 0, 'prefixes', ['obj:', 'user:']]);
  await writer.call('MSET', 'user:2', 'a', 'user:1', 'b', 'obj:9', 'c', 'other', 'd');
  // Prefixes in byte order, as Redis walks its prefix tree.
  assert.deepEqual(await push(bc), ['invalidate', ['obj:9']]);
  assert.deepEqual(await push(bc), ['invalidate', ['user:1', 'user:2']]);
  await bc.call('SET', 'user:3', 'mine');
  assert.equal(await bc.silentFor(50), true);
  assert.equal(await infoField(writer, 'stats', 'tracking_total_prefixes'), '2');
  assert.match(String(await bc.call('CLIENT', 'INFO')), / flags=tB /);
  await bc.call('CLIENT', 'TRACKING', 'off');
  assert.equal(await infoField(writer, 'stats', 'tracking_total_prefixes'), '0');
  // Without prefixes BCAST covers every key.
  await bc.call('CLIENT', 'TRACKING', 'on', 'BCAST');
  await writer.call('SET', 'anything', '1');
  assert.deepEqual(await push(bc), ['invalidate', ['anything']]);
  await bc.call('CLIENT', 'TRACKING', 'off');
});

test('BCAST NOLOOP: a key that expires during a command of the client itself is still reported', async () => {
  const bc = await connect(3);
  await bc.call('FLUSHALL');
  srv.server!.activeExpireEnabled = false;
  try {
    await bc.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
    await bc.call('SET', 'lazy', 'v', 'PX', '10');
    assert.equal(await bc.silentFor(40), true);
    bc.send('GET', 'lazy'); // expires it: that is nobody's write
    assert.equal((await bc.readFrame())!.raw.toString(), '_\r\n');
    assert.deepEqual(await push(bc), ['invalidate', ['lazy']]);
  } finally {
    srv.server!.activeExpireEnabled = true;
    await bc.call('CLIENT', 'TRACKING', 'off');
  }
});

test('OPTIN tracks only after CLIENT CACHING yes (one command or one transaction); OPTOUT the reverse', async () => {
  const c = await connect(3);
  const writer = await connect();
  await writer.call('FLUSHALL');
  await c.call('CLIENT', 'TRACKING', 'on', 'OPTIN');
  await c.call('GET', 'o1');
  assert.equal(await c.call('CLIENT', 'CACHING', 'yes'), 'OK');
  assert.deepEqual(await c.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'optin', 'caching-yes'], 'redirect', 0, 'prefixes', []]);
  await c.call('GET', 'o2');
  await c.call('GET', 'o3');
  await c.call('CLIENT', 'CACHING', 'yes');
  await c.call('MULTI');
  await c.call('GET', 'o4');
  await c.call('GET', 'o5');
  await c.call('EXEC');
  await writer.call('MSET', 'o1', '1', 'o2', '2', 'o3', '3', 'o4', '4', 'o5', '5');
  assert.deepEqual(await push(c), ['invalidate', ['o2']]);
  assert.deepEqual(await push(c), ['invalidate', ['o4']]);
  assert.deepEqual(await push(c), ['invalidate', ['o5']]);
  assert.equal(await c.silentFor(30), true);
  await c.call('CLIENT', 'TRACKING', 'off');
  await c.call('CLIENT', 'TRACKING', 'on', 'OPTOUT');
  await c.call('CLIENT', 'CACHING', 'no');
  await c.call('GET', 'p1');
  await c.call('GET', 'p2');
  await writer.call('MSET', 'p1', '1', 'p2', '2');
  assert.deepEqual(await push(c), ['invalidate', ['p2']]);
  await c.call('CLIENT', 'TRACKING', 'off');
});

test('errors have Redis texts', async () => {
  const c = await connect();
  const cases: [string[], string][] = [
    [['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'], 'ERR PREFIX option requires BCAST mode to be enabled'],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'], "ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap."],
    [['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'], "ERR You can't specify both OPTIN mode and OPTOUT mode"],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTOUT'], 'ERR OPTIN and OPTOUT are not compatible with BCAST'],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'], 'ERR The client ID you want redirect to does not exist'],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'], 'ERR value is not an integer or out of range'],
    [['CLIENT', 'TRACKING', 'maybe'], 'ERR syntax error'],
    [['CLIENT', 'TRACKING', 'on', 'PREFIX'], 'ERR syntax error'],
    [['CLIENT', 'TRACKING'], "ERR wrong number of arguments for 'client|tracking' command"],
    [['CLIENT', 'CACHING', 'yes'], 'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled'],
  ];
  for (const [args, error] of cases) assert.deepEqual(await c.call(...args), { error }, args.join(' '));
  const id = String(await c.call('CLIENT', 'ID'));
  assert.deepEqual(await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'REDIRECT', id), { error: 'ERR A client can only redirect to a single other client' });
  await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab');
  assert.deepEqual(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a'), {
    error: "ERR Prefix 'a' overlaps with an existing prefix 'ab'. Prefixes for a single client must not overlap.",
  });
  assert.deepEqual(await c.call('CLIENT', 'TRACKING', 'on'), {
    error: "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
  });
  await c.call('CLIENT', 'TRACKING', 'off');
  await c.call('CLIENT', 'TRACKING', 'on', 'OPTIN');
  assert.deepEqual(await c.call('CLIENT', 'TRACKING', 'on', 'OPTOUT'), {
    error: "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
  });
  assert.deepEqual(await c.call('CLIENT', 'CACHING', 'no'), { error: 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.' });
  assert.deepEqual(await c.call('CLIENT', 'CACHING', 'maybe'), { error: 'ERR syntax error' });
  await c.call('CLIENT', 'TRACKING', 'off');
  await c.call('CLIENT', 'TRACKING', 'on', 'OPTOUT');
  assert.deepEqual(await c.call('CLIENT', 'CACHING', 'yes'), { error: 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.' });
  await c.call('CLIENT', 'TRACKING', 'off');
});

test('a closed redirect client: tracking-redir-broken push (RESP3), flag R and broken_redirect', async () => {
  const target = await connect();
  const id = (await target.call('CLIENT', 'ID')) as number;
  const c = await connect(3);
  const writer = await connect();
  await writer.call('FLUSHALL');
  await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id));
  await c.call('GET', 'b1');
  target.close();
  await target.waitClosed();
  await new Promise((r) => setTimeout(r, 20));
  await writer.call('SET', 'b1', '1');
  assert.deepEqual(await push(c), ['tracking-redir-broken', id]);
  assert.match(String(await c.call('CLIENT', 'INFO')), / flags=tR /);
  assert.deepEqual(await c.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'broken_redirect'], 'redirect', id, 'prefixes', []]);
  await c.call('CLIENT', 'TRACKING', 'off');
});

test('INFO counts tracking clients, keys and items; RESET and disconnects stop tracking', async () => {
  const a = await connect(3);
  const b = await connect(3);
  const w = await connect();
  await w.call('FLUSHALL');
  const before = Number(await infoField(w, 'clients', 'tracking_clients'));
  await a.call('CLIENT', 'TRACKING', 'on');
  await b.call('CLIENT', 'TRACKING', 'on');
  assert.equal(Number(await infoField(w, 'clients', 'tracking_clients')), before + 2);
  await a.call('MGET', 'i1', 'i2');
  await b.call('GET', 'i1');
  assert.equal(await infoField(w, 'stats', 'tracking_total_keys'), '2');
  assert.equal(await infoField(w, 'stats', 'tracking_total_items'), '3');
  assert.equal(await a.call('RESET'), 'RESET');
  assert.deepEqual(await a.call('CLIENT', 'TRACKINGINFO'), ['flags', ['off'], 'redirect', -1, 'prefixes', []]);
  b.close();
  await b.waitClosed();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(Number(await infoField(w, 'clients', 'tracking_clients')), before);
  await w.call('FLUSHALL');
  assert.equal(await infoField(w, 'stats', 'tracking_total_items'), '0');
  assert.equal(srv.server!.tracking.active, false); // nothing tracks: keyModified returns at once
});

test('CONFIG SET tracking-table-max-keys trims the table at once, with invalidations', async () => {
  const sub = await connect();
  const id = String(await sub.call('CLIENT', 'ID'));
  await sub.call('SUBSCRIBE', '__redis__:invalidate');
  const c = await connect();
  await c.call('FLUSHALL');
  await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'NOLOOP');
  for (let i = 0; i < 250; i++) await c.call('GET', `lim${i}`);
  assert.equal(await c.call('CONFIG', 'SET', 'tracking-table-max-keys', '1'), 'OK');
  try {
    // More than one run's initial effort (100 keys): the limiter retries until under the limit.
    const seen = new Set<string>();
    for (let i = 0; i < 249; i++) {
      const msg = plain((await sub.readFrame(3000))!.value) as [string, string, string[]];
      assert.equal(msg[1], '__redis__:invalidate');
      seen.add(msg[2][0]!);
    }
    assert.equal(seen.size, 249);
    assert.equal(await sub.silentFor(150), true);
    assert.equal(await infoField(c, 'stats', 'tracking_total_keys'), '1');
  } finally {
    await c.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    await c.call('CLIENT', 'TRACKING', 'off');
    await c.call('FLUSHALL');
  }
});

test('tracking-table-max-keys: the table is trimmed before a command, with invalidations', () => {
  const max = 2;
  const clients = new Map<number, Client>();
  const host: TrackingHost = {
    clients,
    deliver: (client, frame) => client.pushRaw(frame),
    scheduleFlush: () => {},
    config: { number: () => max, onChange: () => {} },
  };
  const tracking = new Tracking(host);
  const client = new Client(7, null, { maxBulkLen: Infinity, maxQueryBuffer: Infinity });
  client.proto = 3;
  clients.set(7, client);
  tracking.enable(client, 0, { bcast: false, optin: false, optout: false, noloop: false }, []);
  const get = new CommandTable().get('mget')!;
  tracking.beforeCommand(client);
  tracking.commandStarting(client, get, [Buffer.from('MGET'), Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
  tracking.commandRan(client, get, [Buffer.from('MGET'), Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
  tracking.afterCommand(client, [Buffer.from('MGET')]);
  assert.equal(tracking.totalKeys, 3);
  tracking.beforeCommand(client);
  tracking.afterCommand(client, [Buffer.from('PING')]);
  assert.equal(tracking.totalKeys, max);
  const out = Buffer.concat(client.out.take()).toString('latin1');
  assert.equal(out, '>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n');
});

// BCAST invalidations go out in the turn of the write that caused them (Redis: before sleeping),
// so maxmemory-clients sees their bytes at that turn's flush: a redirect client that never reads
// is evicted before the next command can see it over the limit (Redis's client-eviction test).
test('BCAST invalidations to a redirect client that does not read are counted and evicted in the turn of the write', async () => {
  const own = await startTidingsProcess(['--maxmemory-clients', '3mb', '--enable-debug-command', 'yes']);
  try {
    const r = await own.connect();
    const writer = await own.connect();
    const sleeper = await own.connect();
    const redirected = await own.connect();
    assert.equal(await redirected.call('CLIENT', 'SETNAME', 'redirected'), 'OK');
    const id = Number(await redirected.call('CLIENT', 'ID'));
    redirected.send('SUBSCRIBE', '__redis__:invalidate');
    await redirected.read();
    redirected.socket.pause(); // reads no more: the invalidations pile up in the server
    assert.equal(await writer.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id), 'BCAST'), 'OK');
    // A script names the long key, so that each write is a short command (read in a short read).
    const sha = String(await writer.call('SCRIPT', 'LOAD', `return redis.call('incr', '${'k'.repeat(200 * 1024)}')`));
    let evicted = false;
    for (let i = 0; i < 100 && !evicted; i++) {
      // The write and a DEBUG SLEEP run in the same turn; CLIENT LIST arrives during the sleep, so
      // it is read in the very next turn (where a broadcast left for later would land, unflushed).
      writer.send('EVALSHA', sha, '0');
      sleeper.send('DEBUG', 'SLEEP', '0.03');
      await new Promise((resolve) => setTimeout(resolve, 10));
      r.send('CLIENT', 'LIST');
      assert.equal(plain(await writer.read()), i + 1);
      assert.equal(plain(await sleeper.read()), 'OK');
      const line = String(plain(await r.read()))
        .split('\n')
        .find((l) => l.includes(' name=redirected '));
      if (line === undefined) evicted = true;
      else {
        const totMem = Number(/tot-mem=(\d+)/.exec(line)![1]);
        assert.ok(totMem < 3 * 1024 * 1024, `round ${i}: tot-mem ${totMem} over maxmemory-clients`);
      }
    }
    assert.ok(evicted, 'the redirect client was evicted');
    for (const c of [r, writer, sleeper, redirected]) c.close();
  } finally {
    await own.close();
  }
});

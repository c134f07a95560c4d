// Tidings as a replica (REPLICAOF / SLAVEOF) of Tidings and of redis-server, and redis-server as a
// replica of Tidings: the copy is compared byte for byte (DEBUG DIGEST and DUMP of every key),
// INFO replication / ROLE on both sides, -READONLY, expiry by the master's DEL, WAIT, REPLCONF's
// replies against redis-server's, and a partial resync (+CONTINUE) after a broken link.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { until, field, linkUp, caughtUp } from './wait.js';

const DEBUG = { 'enable-debug-command': 'yes' };
const opened: TestServer[] = [];
after(async () => {
  for (const s of opened.reverse()) await s.close();
});

async function tidings(config: Record<string, string> = {}): Promise<TestServer> {
  const s = await startTidings({ config: { ...DEBUG, ...config } });
  opened.push(s);
  return s;
}

async function redis(extra: string[] = []): Promise<TestServer> {
  const s = await startRedis(['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0', ...extra]);
  opened.push(s);
  return s;
}

/** Every key of every non-empty database, with its DUMP payload: what the two servers hold. */
async function dumpAll(c: RespClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let db = 0; db < 16; db++) {
    await c.call('SELECT', String(db));
    const keys = ((await c.call('KEYS', '*')) as string[]).sort();
    for (const key of keys) {
      const expireAt = await c.call('PEXPIRETIME', key);
      // A set that is a hash table in Redis lists its members in hash order, which two servers
      // need not share: its members are compared sorted instead of its DUMP bytes.
      const type = await c.call('TYPE', key);
      const value = type === 'set' ? JSON.stringify(((await c.call('SMEMBERS', key)) as string[]).sort()) : Buffer.from((await c.callFrame('DUMP', key)).raw).toString('hex');
      out.set(`${db}/${key}`, `${value} ${expireAt}`);
    }
  }
  await c.call('SELECT', '0');
  return out;
}

async function fill(c: RespClient, tag: string): Promise<void> {
  await c.call('SET', `s:${tag}`, 'value');
  await c.call('SET', `n:${tag}`, '12345');
  await c.call('RPUSH', `l:${tag}`, 'a', 'b', 'c');
  await c.call('HSET', `h:${tag}`, 'f1', 'v1', 'f2', 'v2');
  await c.call('SADD', `set:${tag}`, 'x', 'y', '3');
  await c.call('ZADD', `z:${tag}`, '1', 'one', '2.5', 'two');
  await c.call('XADD', `x:${tag}`, '1-1', 'k', 'v');
  await c.call('SET', `ttl:${tag}`, 'v', 'EX', '1000');
  await c.call('SELECT', '5');
  await c.call('INCRBY', `db5:${tag}`, '7');
  await c.call('SELECT', '0');
}

/**
 * The replica holds what its master holds: DUMP of every key and its PEXPIRETIME, and, between two
 * Tidings, DEBUG DIGEST (Tidings' digest is its own, not redis-server's).
 */
async function compareCopies(master: RespClient, replica: RespClient, bothTidings = true): Promise<void> {
  await caughtUp(master, replica);
  if (bothTidings) assert.equal(await replica.call('DEBUG', 'DIGEST'), await master.call('DEBUG', 'DIGEST'));
  const [m, r] = [await dumpAll(master), await dumpAll(replica)];
  assert.ok(m.size > 0);
  assert.deepEqual(r, m);
}

for (const masterKind of ['tidings', 'redis-server'] as const) {
  test(`a Tidings replica of ${masterKind}: full sync, the write stream, the same bytes as its master`, async (t) => {
    if (masterKind === 'redis-server' && !requireRedisServer(t)) return;
    const m = masterKind === 'tidings' ? await tidings() : await redis();
    const r = await tidings();
    const mc = await m.connect();
    const rc = await r.connect();
    await fill(mc, 'before');
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
    await linkUp(rc);
    await fill(mc, 'after');
    await mc.call('MULTI');
    await mc.call('INCR', 'counter');
    await mc.call('LPUSH', 'l:after', 'z');
    await mc.call('EXEC');
    await mc.call('EVAL', "redis.call('SET', KEYS[1], 'from lua'); return 1", '1', 'lua');
    await mc.call('DEL', 's:before');
    await mc.call('EXPIRE', 'n:after', '500');
    await compareCopies(mc, rc, masterKind === 'tidings');

    const info = (await rc.call('INFO', 'replication')) as string;
    assert.equal(field(info, 'role'), 'slave');
    assert.equal(field(info, 'master_host'), '127.0.0.1');
    assert.equal(field(info, 'master_port'), String(m.port));
    assert.equal(field(info, 'master_sync_in_progress'), '0');
    assert.equal(field(info, 'slave_read_only'), '1');
    const masterInfo = (await mc.call('INFO', 'replication')) as string;
    assert.equal(field(info, 'master_replid'), field(masterInfo, 'master_replid'));
    assert.equal(field(info, 'slave_repl_offset'), field(info, 'slave_read_repl_offset'));
    const role = (await rc.call('ROLE')) as unknown[];
    assert.deepEqual(role.slice(0, 4), ['slave', '127.0.0.1', m.port, 'connected']);
    assert.equal(String(role[4]), field(masterInfo, 'master_repl_offset'));
    // The master lists us with the port we announced.
    await until('the master to see the replica online', async () => {
      const mi = (await mc.call('INFO', 'replication')) as string;
      return field(mi, 'connected_slaves') === '1' && new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${r.port},state=online,offset=\\d+,lag=\\d+`).test(mi);
    });

    assert.deepEqual(await rc.call('SET', 'k', 'v'), { error: "READONLY You can't write against a read only replica." });
    await rc.call('MULTI');
    assert.deepEqual(await rc.call('SET', 'k', 'v'), { error: "READONLY You can't write against a read only replica." });
    assert.deepEqual(await rc.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK Already connected to specified master');

    assert.equal(await rc.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    const promoted = (await rc.call('INFO', 'replication')) as string;
    assert.equal(field(promoted, 'role'), 'master');
    assert.equal(field(promoted, 'master_replid2'), field(masterInfo, 'master_replid'));
    assert.notEqual(field(promoted, 'master_replid'), field(masterInfo, 'master_replid'));
    assert.equal(await rc.call('SET', 'k', 'v'), 'OK');
    mc.close();
    rc.close();
  });
}

test('redis-server as a replica of Tidings holds the same bytes; WAIT counts its ACKs', async (t) => {
  if (!requireRedisServer(t)) return;
  const m = await tidings();
  const mc = await m.connect();
  await fill(mc, 'before');
  const r = await redis(['--replicaof', '127.0.0.1', String(m.port)]);
  const rc = await r.connect();
  await linkUp(rc);
  await fill(mc, 'after');
  assert.equal(await mc.call('WAIT', '1', '5000'), 1);
  await compareCopies(mc, rc, false);
  assert.equal(await mc.call('WAIT', '2', '100'), 1, 'one replica only: WAIT times out with the count');
  const role = (await mc.call('ROLE')) as unknown[];
  assert.equal(role[0], 'master');
  assert.deepEqual((role[2] as string[][]).map((x) => x.slice(0, 2)), [['127.0.0.1', String(r.port)]]);
  mc.close();
  rc.close();
});

test('WAIT on a Tidings master with a Tidings replica; WAIT on a replica is refused as in Redis', async () => {
  const m = await tidings();
  const r = await tidings();
  const mc = await m.connect();
  const rc = await r.connect();
  assert.equal(await mc.call('WAIT', '0', '0'), 0);
  await rc.call('SLAVEOF', '127.0.0.1', String(m.port));
  await linkUp(rc);
  await mc.call('SET', 'a', '1');
  assert.equal(await mc.call('WAIT', '1', '0'), 1);
  assert.equal(await rc.call('GET', 'a'), '1');
  const refused = (await rc.call('WAIT', '1', '10')) as { error: string };
  assert.match(refused.error, /^ERR WAIT cannot be used with replica instances/);
  mc.close();
  rc.close();
});

test('on a replica keys expire only by the master: past their time they read as missing but stay until its DEL', async () => {
  const m = await tidings();
  const r = await tidings();
  const mc = await m.connect();
  const rc = await r.connect();
  await rc.call('REPLICAOF', '127.0.0.1', String(m.port));
  await linkUp(rc);
  m.server!.activeExpireEnabled = false;
  await mc.call('SET', 'short', 'v', 'PX', '100');
  await caughtUp(mc, rc);
  assert.equal(await rc.call('GET', 'short'), 'v');
  await new Promise((res) => setTimeout(res, 150));
  assert.equal(await rc.call('GET', 'short'), null);
  assert.equal(await rc.call('EXISTS', 'short'), 0);
  assert.equal(await rc.call('DBSIZE'), 1, 'still held: only the master deletes');
  assert.equal(await mc.call('GET', 'short'), null); // the master expires it and sends DEL
  await caughtUp(mc, rc);
  assert.equal(await rc.call('DBSIZE'), 0);
  m.server!.activeExpireEnabled = true;
  mc.close();
  rc.close();
});

test('a broken link resumes with a partial resync (+CONTINUE) from the backlog', async () => {
  const m = await tidings();
  const r = await tidings();
  const mc = await m.connect();
  const rc = await r.connect();
  await rc.call('REPLICAOF', '127.0.0.1', String(m.port));
  await linkUp(rc);
  await mc.call('SET', 'a', '1');
  await caughtUp(mc, rc);
  const link = r.server!.replicaLink!;
  assert.equal(link.fullSyncs, 1);
  const listed = (await mc.call('CLIENT', 'LIST', 'TYPE', 'replica')) as string;
  assert.match(listed, /^id=\d+ .* flags=S .*cmd=replconf /);
  assert.equal(((await mc.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string).includes('flags=S'), false);
  assert.equal(await mc.call('CLIENT', 'KILL', 'TYPE', 'replica'), 1);
  await mc.call('SET', 'b', '2'); // written while the replica is away: comes from the backlog
  await until('the link to come back', async () => link.state === 'connected' && link.client !== undefined && field((await mc.call('INFO', 'replication')) as string, 'connected_slaves') === '1');
  await caughtUp(mc, rc);
  assert.equal(link.fullSyncs, 1, 'no second full sync');
  assert.equal(await rc.call('GET', 'b'), '2');
  await compareCopies(mc, rc);
  // From the replica's side: CLIENT KILL TYPE master drops the link, which comes back the same way.
  assert.equal(await rc.call('CLIENT', 'KILL', 'TYPE', 'master'), 1);
  await mc.call('SET', 'c', '3');
  await until('the link to come back again', async () => link.state === 'connected' && (await rc.call('GET', 'c')) === '3');
  assert.equal(link.fullSyncs, 1, 'still no second full sync');
  await compareCopies(mc, rc);
  mc.close();
  rc.close();
});

test("REPLCONF, REPLICAOF and SLAVEOF argument errors are redis-server's", async (t) => {
  if (!requireRedisServer(t)) return;
  const servers = [await tidings(), await redis()];
  const cases = [
    ['REPLCONF'],
    ['REPLCONF', 'foo'],
    ['REPLCONF', 'foo', 'bar'],
    ['REPLCONF', 'listening-port', 'abc'],
    ['REPLCONF', 'listening-port', '1234'],
    ['REPLCONF', 'ip-address', '10.0.0.1', 'capa', 'eof', 'capa', 'psync2'],
    ['REPLCONF', 'rdb-only', '2'],
    ['REPLCONF', 'rdb-only', '1'],
    ['REPLICAOF'],
    ['REPLICAOF', 'host'],
    ['REPLICAOF', 'localhost', 'abc'],
    ['SLAVEOF', 'localhost', '70000'],
    ['SLAVEOF', 'localhost', '-1'],
    ['REPLICAOF', 'no', 'one'],
    ['SLAVEOF', 'NO', 'ONE'],
  ];
  const replies: unknown[][] = [];
  for (const s of servers) {
    const c = await s.connect();
    const got: unknown[] = [];
    for (const argv of cases) got.push(await c.call(...argv));
    // ACK and GETACK from a plain client are never answered: the next reply is PING's.
    c.send('REPLCONF', 'ACK', '10');
    c.send('REPLCONF', 'GETACK', '*');
    got.push(await c.call('PING'));
    replies.push(got);
    c.close();
  }
  assert.deepEqual(replies[0], replies[1]);
});

test("a read-only Tidings replica refuses writes, scripts' writes included, as a redis-server replica does", async (t) => {
  if (!requireRedisServer(t)) return;
  const m = await redis();
  const replicas = [await tidings(), await redis()];
  const cases: string[][] = [
    ['SET', 'k', 'v'],
    ['EVAL', "return redis.call('set', 'k', 'v')", '0'],
    ['EVAL', "return redis.pcall('set', 'k', 'v')", '0'],
    ['EVAL', "#!lua\nreturn redis.call('set', 'k', 'v')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'k')", '0'],
    ['MULTI'],
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['EXEC'],
    ['GET', 'k'],
    ['CONFIG', 'SET', 'replica-read-only', 'no'],
    ['SET', 'k', 'local'],
    ['GET', 'k'],
  ];
  const replies: string[][] = [];
  for (const r of replicas) {
    const c = await r.connect();
    await c.call('REPLICAOF', '127.0.0.1', String(m.port));
    await linkUp(c);
    const got: string[] = [];
    for (const argv of cases) got.push(Buffer.from((await c.callFrame(...argv)).raw).toString('latin1'));
    replies.push(got);
    c.close();
  }
  assert.deepEqual(replies[0], replies[1]);
});

test('replica-serve-stale-data no: with the link down only stale commands run, as on a redis-server replica', async (t) => {
  if (!requireRedisServer(t)) return;
  const replicas = [await tidings(), await redis()];
  const library = `#!lua name=stale
redis.register_function{function_name='f1', callback=function() return 'hello' end, flags={'no-writes'}}
redis.register_function{function_name='f2', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}
redis.register_function{function_name='f3', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}`;
  const cases: string[][] = [
    ['GET', 'x'],
    ['PING'],
    ['ECHO', 'e'],
    ['FCALL', 'f1', '0'],
    ['FCALL', 'f2', '0'],
    ['FCALL', 'f3', '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn 1", '0'],
    ['EVAL', "#!lua flags=no-writes,allow-stale\nreturn 1", '0'],
    ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes'],
    ['GET', 'x'],
  ];
  const replies: string[][] = [];
  for (const r of replicas) {
    const c = await r.connect();
    await c.call('FUNCTION', 'LOAD', library);
    await c.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    await c.call('REPLICAOF', '127.0.0.1', '1'); // nothing listens there: the link stays down
    const got: string[] = [];
    for (const argv of cases) got.push(Buffer.from((await c.callFrame(...argv)).raw).toString('latin1'));
    replies.push(got);
    assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    c.close();
  }
  for (let i = 0; i < cases.length; i++) assert.equal(replies[0]![i], replies[1]![i], cases[i]!.join(' '));
  assert.match(replies[0]![0]!, /^-MASTERDOWN /);
});

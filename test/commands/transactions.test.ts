import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

test('MULTI queues, EXEC runs in order', async () => {
  const c = await srv.connect();
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('ECHO', 'a'), 'QUEUED');
  assert.equal(await c.call('PING'), 'QUEUED');
  assert.deepEqual(await c.call('EXEC'), ['a', 'PONG']);
  assert.deepEqual(await c.call('EXEC'), { error: 'ERR EXEC without MULTI' });
  assert.deepEqual(await c.call('DISCARD'), { error: 'ERR DISCARD without MULTI' });
  c.close();
});

test('a queueing error aborts EXEC with EXECABORT', async () => {
  const c = await srv.connect();
  await c.call('MULTI');
  assert.deepEqual(await c.call('NOSUCH'), { error: "ERR unknown command 'NOSUCH', with args beginning with: " });
  assert.deepEqual(await c.call('ECHO'), { error: "ERR wrong number of arguments for 'echo' command" });
  assert.equal(await c.call('PING'), 'QUEUED');
  assert.deepEqual(await c.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
  assert.equal(await c.call('PING'), 'PONG');
  c.close();
});

test('nested MULTI, WATCH inside MULTI, DISCARD', async () => {
  const c = await srv.connect();
  await c.call('MULTI');
  assert.deepEqual(await c.call('MULTI'), { error: 'ERR MULTI calls can not be nested' });
  assert.deepEqual(await c.call('WATCH', 'k'), { error: 'ERR WATCH inside MULTI is not allowed' });
  assert.equal(await c.call('DISCARD'), 'OK');
  assert.equal(await c.call('PING'), 'PONG');
  c.close();
});

test('runtime errors inside EXEC do not stop the other commands', async () => {
  const c = await srv.connect();
  await c.call('MULTI');
  await c.call('SELECT', '99');
  await c.call('ECHO', 'after');
  assert.deepEqual(await c.call('EXEC'), [{ error: 'ERR DB index is out of range' }, 'after']);
  c.close();
});

test('WATCH: a write to a watched key makes EXEC return null', async () => {
  const c = await srv.connect();
  const db = srv.server!.dbs[0]!;
  db.set('w', 'string', Buffer.from('1'));
  assert.equal(await c.call('WATCH', 'w'), 'OK');
  db.set('w', 'string', Buffer.from('2'));
  await c.call('MULTI');
  await c.call('PING');
  const r = await c.callRaw('EXEC');
  assert.equal(r.type, 'nullarray');
  // Unwatched after EXEC: the next transaction goes through.
  await c.call('MULTI');
  await c.call('PING');
  assert.deepEqual(await c.call('EXEC'), ['PONG']);
  // UNWATCH forgets.
  await c.call('WATCH', 'w');
  await c.call('UNWATCH');
  db.set('w', 'string', Buffer.from('3'));
  await c.call('MULTI');
  assert.deepEqual((await c.call('EXEC')) as unknown[], []);
  db.flush();
  c.close();
});

test('WATCH is invalidated by FLUSHALL from another client and by expiry', async () => {
  const c = await srv.connect();
  const other = await srv.connect();
  const db = srv.server!.dbs[0]!;
  db.set('f', 'string', Buffer.from('1'));
  await c.call('WATCH', 'f');
  await other.call('FLUSHALL');
  await c.call('MULTI');
  assert.equal((await c.callRaw('EXEC')).type, 'nullarray');

  // The key must still be alive when WATCH runs (a key already expired at WATCH does not abort
  // EXEC, as in Redis), so its TTL leaves room for a slow machine; then wait until it has passed.
  db.set('e', 'string', Buffer.from('1'));
  const expiresAt = Date.now() + 1000;
  db.setExpire('e', expiresAt);
  await c.call('WATCH', 'e');
  assert.ok(Date.now() < expiresAt, 'WATCH ran before the key expired');
  await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 50));
  await c.call('MULTI');
  assert.equal((await c.callRaw('EXEC')).type, 'nullarray');
  c.close();
  other.close();
});

test('PUBLISH inside MULTI delivers at EXEC', async () => {
  const sub = await srv.connect();
  sub.send('SUBSCRIBE', 'tx');
  await sub.read();
  const c = await srv.connect();
  await c.call('MULTI');
  assert.equal(await c.call('PUBLISH', 'tx', 'queued'), 'QUEUED');
  assert.equal(await sub.silentFor(100), true);
  assert.deepEqual(await c.call('EXEC'), [1]);
  assert.deepEqual(plain(await sub.read()), ['message', 'tx', 'queued']);
  sub.close();
  c.close();
});

test('RESP3 EXEC aborted by WATCH returns null', async () => {
  const c = await srv.connect();
  await c.call('HELLO', '3');
  const db = srv.server!.dbs[0]!;
  db.set('r3', 'string', Buffer.from('1'));
  await c.call('WATCH', 'r3');
  db.set('r3', 'string', Buffer.from('2'));
  await c.call('MULTI');
  assert.equal((await c.callRaw('EXEC')).type, 'null');
  db.flush();
  c.close();
});

test('over maxmemory, queueing is refused with -OOM and EXEC then aborts; DISCARD still works', async () => {
  const c = await srv.connect();
  const admin = await srv.connect();
  const oom = { error: "OOM command not allowed when used memory > 'maxmemory'." };
  try {
    await c.call('DEL', 'foo1', 'foo2');
    await c.call('MULTI');
    assert.equal(await c.call('SET', 'foo1', 'bar1'), 'QUEUED');
    await admin.call('CONFIG', 'SET', 'maxmemory', '1');
    assert.deepEqual(await c.call('LPUSH', 'mylist', 'v'), oom);
    assert.deepEqual(await c.call('PING'), oom); // any command but EXEC/DISCARD/QUIT/RESET
    await admin.call('CONFIG', 'SET', 'maxmemory', '0');
    assert.equal(await c.call('SET', 'foo2', 'bar2'), 'QUEUED');
    assert.deepEqual(await c.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
    assert.equal(await c.call('EXISTS', 'foo1', 'foo2'), 0);

    await admin.call('CONFIG', 'SET', 'maxmemory', '1');
    await c.call('MULTI');
    assert.deepEqual(await c.call('SET', 'x', '1'), oom);
    assert.equal(await c.call('DISCARD'), 'OK');
    await admin.call('CONFIG', 'SET', 'maxmemory', '0');
    assert.equal(await c.call('PING'), 'PONG');
  } finally {
    await admin.call('CONFIG', 'SET', 'maxmemory', '0');
    c.close();
    admin.close();
  }
});

test('over maxmemory, EXEC of only reads runs; EXEC holding a write is aborted with EXECABORT ... OOM', async () => {
  const c = await srv.connect();
  const admin = await srv.connect();
  try {
    await c.call('SET', 'x', 'value');
    await c.call('MULTI');
    await c.call('GET', 'x');
    await c.call('PING');
    await admin.call('CONFIG', 'SET', 'maxmemory', '1');
    assert.deepEqual(await c.call('EXEC'), ['value', 'PONG']);
    await admin.call('CONFIG', 'SET', 'maxmemory', '0');

    await c.call('MULTI');
    await c.call('SET', 'x', '1');
    await c.call('GET', 'x');
    await admin.call('CONFIG', 'SET', 'maxmemory', '1');
    assert.deepEqual(await c.call('EXEC'), {
      error: "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.",
    });
    await admin.call('CONFIG', 'SET', 'maxmemory', '0');
    // The transaction is gone: a new MULTI is allowed.
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('DISCARD'), 'OK');
    assert.equal(await c.call('GET', 'x'), 'value');
  } finally {
    await admin.call('CONFIG', 'SET', 'maxmemory', '0');
    c.close();
    admin.close();
  }
});

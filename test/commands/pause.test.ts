// CLIENT PAUSE / UNPAUSE over TCP: covered commands wait (counted as blocked), others run; the pause
// ends by UNPAUSE or timeout; expiry is held meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

async function blockedClients(c: RespClient): Promise<number> {
  const info = String(await c.call('INFO', 'clients'));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

async function waitBlocked(c: RespClient, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await blockedClients(c)) === n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`blocked_clients never reached ${n}`);
}

test('CLIENT PAUSE argument errors as Redis', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('CLIENT', 'PAUSE', 'abc'), { error: 'ERR timeout is not an integer or out of range' });
  assert.deepEqual(await c.call('CLIENT', 'PAUSE', '-1'), { error: 'ERR timeout is negative' });
  assert.deepEqual(await c.call('CLIENT', 'PAUSE', '10', 'foo'), { error: 'ERR CLIENT PAUSE mode must be WRITE or ALL' });
  assert.deepEqual(await c.call('CLIENT', 'PAUSE', '10', 'write', 'x'), {
    error: "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.",
  });
  assert.deepEqual(await c.call('CLIENT', 'UNPAUSE', 'x'), { error: "ERR wrong number of arguments for 'client|unpause' command" });
  c.close();
});

test('WRITE: reads run, writes and may-replicate commands wait in order until UNPAUSE', async () => {
  const admin = await srv.connect();
  await admin.call('SET', 'k', 'v');
  await admin.call('PFADD', 'hll', 'a');
  assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
  const reader = await srv.connect();
  assert.equal(await reader.call('GET', 'k'), 'v');
  assert.equal(await reader.call('PING'), 'PONG');
  assert.deepEqual(await reader.call('SET', 'k'), { error: "ERR wrong number of arguments for 'set' command" });
  const w1 = await srv.connect();
  const w2 = await srv.connect();
  const w3 = await srv.connect();
  const r1 = w1.call('SET', 'k', 'first');
  await waitBlocked(admin, 1);
  const r2 = w2.call('PFCOUNT', 'hll');
  const r3 = w3.call('PUBLISH', 'ch', 'm');
  await waitBlocked(admin, 3);
  // Pipelined input behind a parked command waits with it.
  const r1b = w1.call('GET', 'k');
  assert.equal(await admin.call('GET', 'k'), 'v');
  assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
  assert.equal(await r1, 'OK');
  assert.equal(await r1b, 'first');
  assert.equal(await r2, 1);
  assert.equal(await r3, 0);
  assert.equal(await blockedClients(admin), 0);
  for (const c of [admin, reader, w1, w2, w3]) c.close();
});

test('WRITE: EXEC waits only when a queued command writes; scripts unless no-writes', async () => {
  const admin = await srv.connect();
  const ro = await srv.connect();
  const rw = await srv.connect();
  assert.equal(await rw.call('MULTI'), 'OK');
  assert.equal(await rw.call('SET', 'tx', '1'), 'QUEUED');
  assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
  assert.equal(await ro.call('MULTI'), 'OK');
  assert.equal(await ro.call('GET', 'tx'), 'QUEUED');
  assert.deepEqual(await ro.call('EXEC'), [null]);
  assert.equal(await ro.call('EVAL', '#!lua flags=no-writes\nreturn 7', '0'), 7);
  assert.equal(await ro.call('EVAL_RO', 'return 8', '0'), 8);
  const exec = rw.call('EXEC');
  await waitBlocked(admin, 1);
  const script = ro.call('EVAL', 'return 9', '0');
  await waitBlocked(admin, 2);
  assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
  assert.deepEqual(await exec, ['OK']);
  assert.equal(await script, 9);
  assert.deepEqual(await ro.call('EVAL_RO', "return redis.call('publish','ch','msg')", '0'), {
    error: 'ERR Write commands are not allowed from read-only scripts. script: ' + (await sha(ro, "return redis.call('publish','ch','msg')")) + ', on @user_script:1.',
  });
  for (const c of [admin, ro, rw]) c.close();
});

async function sha(c: RespClient, body: string): Promise<string> {
  return String(await c.call('SCRIPT', 'LOAD', body));
}

test('ALL pauses every command; the timeout ends the pause', async () => {
  const admin = await srv.connect();
  const other = await srv.connect();
  assert.equal(await admin.call('CLIENT', 'PAUSE', '300', 'ALL'), 'OK');
  const ping = other.call('PING');
  const started = Date.now();
  assert.equal(await ping, 'PONG');
  // Only that it did wait is asserted, never how long.
  assert.ok(Date.now() > started);
  assert.equal(await blockedClients(admin), 0);
  for (const c of [admin, other]) c.close();
});

test('a client that disconnects while paused is forgotten', async () => {
  const admin = await srv.connect();
  const gone = await srv.connect();
  assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
  gone.send('SET', 'gone', '1');
  await waitBlocked(admin, 1);
  gone.close();
  await waitBlocked(admin, 0);
  assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
  assert.equal(await admin.call('EXISTS', 'gone'), 0);
  admin.close();
});

test('expiry is held during a pause: expired keys read as missing but are deleted only after', async () => {
  const admin = await srv.connect();
  const statBefore = Number(/expired_keys:(\d+)/.exec(String(await admin.call('INFO', 'stats')))![1]);
  // The pause starts right after the transaction, so the key cannot expire before it.
  assert.equal(await admin.call('MULTI'), 'OK');
  assert.equal(await admin.call('SET', 'soon', 'x', 'PX', '20'), 'QUEUED');
  assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'QUEUED');
  assert.deepEqual(await admin.call('EXEC'), ['OK', 'OK']);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await admin.call('GET', 'soon'), null);
  assert.equal(await admin.call('EXISTS', 'soon'), 0);
  const during = Number(/expired_keys:(\d+)/.exec(String(await admin.call('INFO', 'stats')))![1]);
  assert.equal(during, statBefore);
  assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
  assert.equal(await admin.call('GET', 'soon'), null);
  const after = Number(/expired_keys:(\d+)/.exec(String(await admin.call('INFO', 'stats')))![1]);
  assert.equal(after, statBefore + 1);
  admin.close();
});

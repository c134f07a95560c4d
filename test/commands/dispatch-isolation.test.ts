// What dispatch remembers between commands (the last command resolved, its flags and records, the
// hot config values, the access clock) belongs to a client or a server, never to the module: two
// servers in one process share none of it, and a closed server is not kept alive by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/servers.js';
import { twoServers } from '../helpers/fixtures.js';
import type { Server } from '../../src/server/server.js';

const servers = twoServers();

function memosOf(server: Server) {
  return [...server.clients.values()].map((c) => c.dispatchMemo).filter((m) => m !== undefined);
}

test('two servers in one process: each client remembers its own server, each server has its own clock', async () => {
  const ca = await servers.a.connect();
  const cb = await servers.b.connect();
  // Interleaved, the same command: a module-level "last command" would be shared by both.
  for (let i = 0; i < 3; i++) {
    assert.equal(await ca.call('SET', 'k', 'a'), 'OK');
    assert.equal(await cb.call('SET', 'k', 'b'), 'OK');
  }
  assert.equal(await ca.call('GET', 'k'), 'a');
  assert.equal(await cb.call('GET', 'k'), 'b');
  const ma = memosOf(servers.a.server!);
  const mb = memosOf(servers.b.server!);
  assert.ok(ma.length > 0 && mb.length > 0);
  for (const m of ma) assert.equal(m.server, servers.a.server);
  for (const m of mb) assert.equal(m.server, servers.b.server);
  assert.notEqual(ma[0]!.state, mb[0]!.state);
  assert.notEqual(ma[0]!.info, mb[0]!.info, 'per-spec records are per server');
  // One access clock per server, shared by its databases.
  const dbsA = servers.a.server!.dbs;
  assert.ok(dbsA.every((db) => db.clock === dbsA[0]!.clock));
  assert.notEqual(dbsA[0]!.clock, servers.b.server!.dbs[0]!.clock);
  // Between commands no clock is held: keys accessed later read the time anew.
  assert.equal(dbsA[0]!.clock.command, -1);
  assert.equal(servers.b.server!.dbs[0]!.clock.command, -1);
  // CONFIG SET on one server changes only its own hot values (the slow log threshold here).
  assert.equal(await ca.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0'), 'OK');
  assert.equal(await ca.call('SLOWLOG', 'RESET'), 'OK');
  assert.equal(await cb.call('SLOWLOG', 'RESET'), 'OK');
  await ca.call('SET', 'x', '1');
  await cb.call('SET', 'x', '1');
  assert.ok(((await ca.call('SLOWLOG', 'GET')) as unknown[]).length >= 1);
  assert.deepEqual(await cb.call('SLOWLOG', 'GET'), []);
  assert.equal(await ca.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000'), 'OK');
  await ca.close();
  await cb.close();
});

test('two servers in one process: each ACL table keeps its own command records and key finder', async () => {
  const a = servers.a;
  const b = servers.b;
  const admin = [await a.connect(), await b.connect()];
  assert.equal(await admin[0]!.call('ACL', 'SETUSER', 'u', 'on', 'nopass', '~a*', '+@all'), 'OK');
  assert.equal(await admin[1]!.call('ACL', 'SETUSER', 'u', 'on', 'nopass', '~b*', '+@all'), 'OK');
  const [ua, ub] = [await a.connect(), await b.connect()];
  assert.equal(await ua.call('AUTH', 'u', 'x'), 'OK');
  assert.equal(await ub.call('AUTH', 'u', 'x'), 'OK');
  const noperm = { error: 'NOPERM this user has no permissions to access one of the keys used as arguments' };
  // Interleaved, the same commands (movable keys: the key finder; fixed: the per-command record).
  for (let i = 0; i < 2; i++) {
    assert.equal(await ua.call('ZUNIONSTORE', 'a:out', '1', 'a:in'), 0);
    assert.deepEqual(await ub.call('ZUNIONSTORE', 'a:out', '1', 'a:in'), noperm);
    assert.deepEqual(await ua.call('ZUNIONSTORE', 'b:out', '1', 'b:in'), noperm);
    assert.equal(await ub.call('ZUNIONSTORE', 'b:out', '1', 'b:in'), 0);
    assert.equal(await ua.call('GET', 'a:k'), null);
    assert.deepEqual(await ub.call('GET', 'a:k'), noperm);
    assert.deepEqual(await ua.call('GET', 'b:k'), noperm);
    assert.equal(await ub.call('GET', 'b:k'), null);
  }
  const { aclOf } = await import('../../src/security/acl.js');
  assert.notEqual(aclOf(a.server!).table, aclOf(b.server!).table);
  for (const c of [...admin, ua, ub]) c.close();
});

test('a closed embedded server is not retained once its last command ran', () => {
  // In a child with --expose-gc: start a server, run commands on it, close it, drop every
  // reference, and check with a WeakRef that it was collected (no other server runs a command).
  const body = `
    import net from 'node:net';
    import { startServer } from './dist/index.js';
    const call = (port, text) => new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => s.write(text));
      s.once('data', (d) => { s.destroy(); resolve(String(d)); });
      s.once('error', reject);
    });
    let running = await startServer({ port: 0 });
    const ref = new WeakRef(running.server);
    const reply = await call(running.port, 'SET k v\\r\\nGET k\\r\\n');
    if (!reply.startsWith('+OK')) throw new Error('unexpected reply ' + JSON.stringify(reply));
    await running.close();
    running = undefined;
    for (let i = 0; i < 20 && ref.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      globalThis.gc();
    }
    console.log(ref.deref() === undefined ? 'collected' : 'retained');
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', body], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'collected');
});

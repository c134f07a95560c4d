// Replica liveness: the master PINGs its replicas in the stream every repl-ping-replica-period
// seconds (the same bytes redis-server sends), drops a replica silent for repl-timeout seconds (as
// redis-server does), and a Tidings replica drops a master silent that long and connects again,
// from bind-source-addr when set.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';
import { until, field } from './wait.js';

const opened: TestServer[] = [];
const sockets: net.Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const s of opened.reverse()) await s.close();
});

/**
 * A replica that syncs, records what the master sends and ACKs once (redis-server starts the stream
 * at a replica's first ACK), then stays silent.
 */
async function silentReplica(port: number): Promise<{ received: () => Buffer; closed: () => boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let closed = false;
  const parts: Buffer[] = [];
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  socket.write(encodeCommand(['REPLCONF', 'listening-port', '4243']));
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.on('data', (d) => {
    if (parts.length === 0) setTimeout(() => socket.write(encodeCommand(['REPLCONF', 'ACK', '0'])), 100);
    parts.push(d);
  });
  socket.write(encodeCommand(['PSYNC', '?', '-1']));
  return { received: () => Buffer.concat(parts), closed: () => closed };
}

const PING = '*1\r\n$4\r\nping\r\n'; // Redis writes it in lower case

for (const kind of ['tidings', 'redis-server'] as const) {
  test(`a ${kind} master PINGs its replica every repl-ping-replica-period and drops it after repl-timeout without ACKs`, async (t) => {
    if (kind === 'redis-server' && !requireRedisServer(t)) return;
    const lines: string[] = [];
    const m =
      kind === 'tidings'
        ? await startTidings({ config: { 'repl-ping-replica-period': '1', 'repl-timeout': '2' }, log: (l) => lines.push(l) })
        : await startRedis(['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1', '--repl-timeout', '2']);
    opened.push(m);
    const replica = await silentReplica(m.port);
    await until('a PING in the stream', () => replica.received().toString('latin1').includes(PING));
    await until('the replica dropped', () => replica.closed());
    if (kind === 'tidings') assert.ok(lines.some((l) => l.includes('Disconnecting timedout replica (streaming sync): 127.0.0.1:4243')), lines.join('\n'));
    const c = await m.connect();
    assert.equal(field((await c.call('INFO', 'replication')) as string, 'connected_slaves'), '0');
    c.close();
  });
}

test('a Tidings replica drops a master silent for repl-timeout seconds and connects again', async () => {
  const m = await startTidings({ config: { 'repl-ping-replica-period': '3600' } });
  opened.push(m);
  const lines: string[] = [];
  const r = await startTidings({ config: { 'repl-timeout': '1' }, log: (l) => lines.push(l) });
  opened.push(r);
  const rc = await r.connect();
  const mc = await m.connect();
  assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
  await until('the timeout', () => lines.some((l) => l.includes('MASTER timeout: no data nor PING received...')));
  // The link comes back (a partial resync from the same master), and the stream flows again.
  await until('the link again', async () => field((await rc.call('INFO', 'replication')) as string, 'master_link_status') === 'up' && lines.some((l) => l.includes('Successful partial resynchronization with master.')));
  await mc.call('SET', 'k', 'v');
  await until('the write', async () => (await rc.call('GET', 'k')) === 'v');
  rc.close();
  mc.close();
});

test('bind-source-addr: a Tidings replica connects to its master from that address', async () => {
  const m = await startTidings({ config: { 'protected-mode': 'no' } });
  opened.push(m);
  const r = await startTidings();
  opened.push(r);
  const rc = await r.connect();
  const mc = await m.connect();
  assert.equal(await rc.call('CONFIG', 'SET', 'bind-source-addr', '127.0.0.2'), 'OK');
  assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
  await until('the link', async () => field((await rc.call('INFO', 'replication')) as string, 'master_link_status') === 'up');
  assert.match(field((await mc.call('INFO', 'replication')) as string, 'slave0') ?? '', /^ip=127\.0\.0\.2,/);
  rc.close();
  mc.close();
});

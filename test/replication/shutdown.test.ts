// SHUTDOWN on a master with a replica behind: it waits (shutdown-timeout) for the replica to ACK
// the whole stream, the caller blocked meanwhile, INFO shutdown_in_milliseconds showing the time
// left; SHUTDOWN ABORT cancels it (the blocked callers get redis-server's error, byte for byte);
// NOW does not wait; a timeout stops the server anyway and logs the lagging replica. The replica is
// a raw connection that ACKs only when told, so "behind" needs no paused process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { RespClient, encodeCommand } from '../helpers/resp.js';
import { until, field } from './wait.js';

const opened: TestServer[] = [];
const sockets: net.Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const s of opened.reverse()) await s.close();
});

/** A replica that syncs, reads and ignores the stream, and ACKs only when asked to. */
async function fakeReplica(port: number): Promise<{ ack(offset: string): void }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.write(encodeCommand(['REPLCONF', 'listening-port', '4242']));
  // redis-server refuses PSYNC while the +OK is still unsent.
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.on('data', () => {});
  socket.write(encodeCommand(['PSYNC', '?', '-1']));
  return { ack: (offset) => socket.write(encodeCommand(['REPLCONF', 'ACK', offset])) };
}

async function masterOffset(c: RespClient): Promise<string> {
  return field((await c.call('INFO', 'replication')) as string, 'master_repl_offset')!;
}

async function withReplica(m: TestServer): Promise<{ c: RespClient; replica: { ack(offset: string): void } }> {
  const c = await m.connect();
  const replica = await fakeReplica(m.port);
  await until('the replica attached', async () => field((await c.call('INFO', 'replication')) as string, 'connected_slaves') === '1');
  replica.ack(await masterOffset(c));
  assert.equal(await c.call('INCR', 'k'), 1);
  return { c, replica };
}

for (const kind of ['tidings', 'redis-server'] as const) {
  test(`SHUTDOWN ABORT while a ${kind} master waits for its replica: the blocked callers' error`, async (t) => {
    if (kind === 'redis-server' && !requireRedisServer(t)) return;
    const m = kind === 'tidings' ? await startTidings() : await startRedis(['--repl-diskless-sync-delay', '0']);
    opened.push(m);
    const { c } = await withReplica(m);
    const [rd1, rd2] = [await m.connect(), await m.connect()];
    rd1.send('SHUTDOWN');
    rd2.send('SHUTDOWN', 'NOSAVE');
    await until('the shutdown waiting', async () => Number(field((await c.call('INFO', 'server')) as string, 'shutdown_in_milliseconds') ?? 0) > 0);
    // Both callers blocked: the second SHUTDOWN may reach the server after the first one started waiting.
    await until('both SHUTDOWN callers blocked', async () => field((await c.call('INFO', 'clients')) as string, 'blocked_clients') === '2');
    const clients = (await c.call('INFO', 'clients')) as string;
    assert.equal(field(clients, 'connected_clients'), '3');
    assert.equal(field(clients, 'blocked_clients'), '2');
    assert.equal(await c.call('SHUTDOWN', 'ABORT'), 'OK');
    for (const rd of [rd1, rd2]) assert.equal((await rd.readFrame())!.raw.toString('latin1'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(field((await c.call('INFO', 'server')) as string, 'shutdown_in_milliseconds'), undefined);
    assert.deepEqual(await c.call('SHUTDOWN', 'ABORT'), { error: 'ERR No shutdown in progress.' });
    // Still serving, writes included.
    assert.equal(await c.call('INCR', 'k'), 2);
    for (const x of [c, rd1, rd2]) x.close();
  });
}

test('a Tidings master stops once its replica ACKs the whole stream, and logs it in sync', async () => {
  const lines: string[] = [];
  const m = await startTidings({ config: { 'shutdown-timeout': '300' }, log: (l) => lines.push(l) });
  opened.push(m);
  const { c, replica } = await withReplica(m);
  const rd = await m.connect();
  rd.send('SHUTDOWN');
  await until('the shutdown waiting', () => lines.some((l) => l.includes('Waiting for replicas before shutting down.')));
  assert.equal(await c.call('PING'), 'PONG');
  replica.ack(await masterOffset(c));
  // The server closes: no reply, the connection ends.
  assert.equal(await rd.readFrame(10000), undefined);
  assert.ok(lines.some((l) => l.includes('1 of 1 replicas are in sync when shutting down.')), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('Lagging replica')));
  assert.ok(lines.some((l) => l.includes('ready to exit, bye bye')));
});

test('shutdown-timeout passes: a Tidings master stops anyway and names the lagging replica; NOW does not wait', async () => {
  const lines: string[] = [];
  const m = await startTidings({ config: { 'shutdown-timeout': '1' }, log: (l) => lines.push(l) });
  opened.push(m);
  const { c } = await withReplica(m);
  const rd = await m.connect();
  rd.send('SHUTDOWN');
  assert.equal(await rd.readFrame(10000), undefined);
  assert.ok(lines.some((l) => /Lagging replica 127\.0\.0\.1:4242 reported offset \d+ behind master, lag=\d+, state=online\./.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('0 of 1 replicas are in sync when shutting down.')));
  c.close();

  const lines2: string[] = [];
  const m2 = await startTidings({ config: { 'shutdown-timeout': '300' }, log: (l) => lines2.push(l) });
  opened.push(m2);
  const second = await withReplica(m2);
  const rd2 = await m2.connect();
  rd2.send('SHUTDOWN', 'NOW');
  assert.equal(await rd2.readFrame(10000), undefined);
  assert.ok(!lines2.some((l) => l.includes('Waiting for replicas')));
  assert.ok(lines2.some((l) => l.includes('0 of 1 replicas are in sync when shutting down.')));
  second.c.close();
});

test('a SIGTERM-style shutdown waits for the replica too', async () => {
  const lines: string[] = [];
  const m = await startTidings({ config: { 'shutdown-timeout': '300' }, log: (l) => lines.push(l) });
  opened.push(m);
  const { c, replica } = await withReplica(m);
  const closed = m.server!.shutdownOnSignal('SIGTERM');
  assert.ok(Number(field((await c.call('INFO', 'server')) as string, 'shutdown_in_milliseconds')) > 0);
  replica.ack(await masterOffset(c));
  assert.equal(await closed, true);
  assert.ok(lines.some((l) => l.includes('1 of 1 replicas are in sync when shutting down.')));
});

for (const kind of ['tidings', 'redis-server'] as const) {
  // Redis refuses to stop only while an AOF rewrite child writes the initial AOF. redis-server
  // serves this fake replica's full sync with a BGSAVE child (to disk: it did not say capa eof),
  // and while that child runs CONFIG SET appendonly yes only schedules the rewrite ("there is
  // already another background operation"): with no AOF child, the shutdown then goes ahead and
  // the server exits. So the scenario first waits for the sync's BGSAVE to end (Tidings serves a
  // full sync without one), and checks that the rewrite really started.
  test(`a ${kind} master waiting for its replica: CONFIG SET appendonly yes (slow base) makes the shutdown fail`, async (t) => {
    if (kind === 'redis-server' && !requireRedisServer(t)) return;
    const lines: string[] = [];
    // Its own dir: CONFIG SET appendonly yes creates appendonlydir there (./ by default).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-repl-shutdown-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const m = kind === 'tidings' ? await startTidings({ config: { dir }, log: (l) => lines.push(l) }) : await startRedis(['--repl-diskless-sync-delay', '0']);
    opened.push(m);
    const { c, replica } = await withReplica(m);
    await until('the full sync over', async () => field((await c.call('INFO', 'persistence')) as string, 'rdb_bgsave_in_progress') === '0');
    const [rd1, rd2] = [await m.connect(), await m.connect()];
    rd1.send('SHUTDOWN');
    rd2.send('SHUTDOWN');
    await until('the shutdown waiting', async () => Number(field((await c.call('INFO', 'server')) as string, 'shutdown_in_milliseconds') ?? 0) > 0);
    assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '30000000'), 'OK');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    assert.equal(field((await c.call('INFO', 'persistence')) as string, 'aof_rewrite_in_progress'), '1');
    replica.ack(await masterOffset(c));
    for (const rd of [rd1, rd2]) assert.equal((await rd.readFrame())!.raw.toString('latin1'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(await c.call('PING'), 'PONG');
    if (kind === 'tidings') {
      for (const text of ['1 of 1 replicas are in sync', "Writing initial AOF, can't exit.", 'Errors trying to shut down the server']) {
        assert.ok(lines.some((l) => l.includes(text)), `logged: ${text}`);
      }
    }
    // The slow base is dropped (CONFIG SET appendonly no), so the server can close.
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    for (const x of [c, rd1, rd2]) x.close();
  });
}

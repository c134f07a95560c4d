// Big values on the replication link: a 16 MB value reaches a Tidings replica in many socket
// chunks, in the full-sync payload (redis-server's diskless `$EOF:` transfer) and in the command
// stream. The replica joins the chunks once per value (it used to join them once per chunk, which
// took Redis's suite's 32 MB pendingquerybuf test past its 120 s limit on a loaded machine); this
// checks the copy is exact: the same SHA1 of the value on both sides, offsets in step.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { field } from './wait.js';

const opened: TestServer[] = [];
after(async () => {
  for (const s of opened.reverse()) await s.close();
});

const SIZE = 16 * 1024 * 1024;
const SHA = "return redis.sha1hex(redis.call('GET', KEYS[1]))";

function bigValue(seed: number): Buffer {
  const v = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4096) v.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return v;
}

/** Wait until the replica's link is up and it has run everything the master produced. */
async function inStep(master: RespClient, replica: RespClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = (await replica.call('INFO', 'replication')) as string;
    const m = field((await master.call('INFO', 'replication')) as string, 'master_repl_offset');
    if (field(r, 'master_link_status') === 'up' && m === field(r, 'slave_repl_offset')) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the replica to catch up');
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function sameValue(master: RespClient, replica: RespClient, key: string, value: Buffer): Promise<void> {
  const expected = await master.call('EVAL', SHA, '1', key);
  assert.equal(await replica.call('STRLEN', key), value.length);
  assert.equal(await replica.call('EVAL', SHA, '1', key), expected);
}

test('a 16 MB value reaches a Tidings replica of Tidings through the command stream, exactly', async () => {
  const master = await startTidings();
  const replica = await startTidings();
  opened.push(master, replica);
  const m = await master.connect();
  const r = await replica.connect();
  await r.call('REPLICAOF', '127.0.0.1', String(master.port));
  await inStep(m, r);
  const value = bigValue(1);
  assert.equal(await m.call('SET', 'big', value), 'OK');
  await inStep(m, r);
  await sameValue(m, r, 'big', value);
  m.close();
  r.close();
});

test('16 MB values reach a Tidings replica of redis-server in the diskless full sync and in the stream', async (t) => {
  if (!requireRedisServer(t)) return;
  const master = await startRedis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
  const replica = await startTidings();
  opened.push(master, replica);
  const m = await master.connect();
  const r = await replica.connect();
  const before = bigValue(2);
  assert.equal(await m.call('SET', 'in-sync', before), 'OK');
  await r.call('REPLICAOF', '127.0.0.1', String(master.port));
  await inStep(m, r);
  await sameValue(m, r, 'in-sync', before);
  const after = bigValue(3);
  assert.equal(await m.call('SET', 'in-stream', after), 'OK');
  await inStep(m, r);
  await sameValue(m, r, 'in-stream', after);
  m.close();
  r.close();
});

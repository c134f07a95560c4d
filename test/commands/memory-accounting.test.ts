// used_memory's dataset part counts key strings and string values exactly as keys are written
// (issue #12): every write path that adds, replaces, moves or removes a string must keep the count,
// so a keyspace brought back to the same contents reads the same MEMORY STATS dataset.bytes, to the
// byte, whatever commands got it there; and the count follows the values' sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

let srv: TestServer;
let c: RespClient;
let dir: string;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-memory-accounting-'));
  srv = await startTidings({ config: { dir, 'enable-debug-command': 'yes' } });
  c = await srv.connect();
});
after(async () => {
  c.close();
  await srv.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function dataset(): Promise<number> {
  const stats = (await c.call('MEMORY', 'STATS')) as unknown[];
  const i = stats.indexOf('dataset.bytes');
  assert.ok(i >= 0, 'dataset.bytes in MEMORY STATS');
  return Number(stats[i + 1]);
}

const KEYS = 300; // above the 256 keys a database was measured exactly up to (the rest sampled)
const valueOf = (i: number): string => 'v'.repeat(i % 70);

async function fill(): Promise<void> {
  await c.call('FLUSHALL');
  for (let i = 0; i < KEYS; i++) c.send('SET', `k:${i}`, valueOf(i));
  for (let i = 0; i < KEYS; i++) assert.equal(plain(await c.read()), 'OK');
}

test('dataset.bytes comes back to the byte after writes that restore the same strings', async () => {
  await fill();
  const start = await dataset();
  const steps: (string | number)[][] = [
    ['SET', 'k:1', 'x'.repeat(5000)],
    ['SET', 'k:1', valueOf(1)],
    ['APPEND', 'k:2', 'abc'],
    ['SET', 'k:2', valueOf(2)],
    ['SETRANGE', 'k:3', 3000, 'x'],
    ['SET', 'k:3', valueOf(3)],
    ['INCR', 'n'],
    ['INCRBY', 'n', 123456],
    ['INCRBYFLOAT', 'n', '0.5'],
    ['DEL', 'n'],
    ['SETBIT', 'k:4', 9000, 1],
    ['BITFIELD', 'k:4', 'SET', 'u8', 200000, 0],
    ['SET', 'k:4', valueOf(4)],
    ['PFADD', 'hll', 'a', 'b', 'c'],
    ['UNLINK', 'hll'],
    ['RENAME', 'k:5', 'elsewhere'],
    ['RENAME', 'elsewhere', 'k:5'],
    ['MOVE', 'k:6', 1],
    ['SWAPDB', 0, 1],
    ['MOVE', 'k:6', 1],
    ['SWAPDB', 0, 1],
    ['COPY', 'k:7', 'copy'],
    ['DEL', 'copy'],
    ['GETDEL', 'k:8'],
    ['SET', 'k:8', valueOf(8)],
    ['DEL', 'k:9'],
    ['RPUSH', 'k:9', 'a', 'b'],
    ['SET', 'k:9', valueOf(9)],
    ['SET', 'gone', 'x'.repeat(100), 'PX', 1],
  ];
  for (const step of steps) {
    const reply = await c.call(...step.map(String));
    assert.ok(!(reply !== null && typeof reply === 'object' && 'error' in reply), `${step.join(' ')}: ${JSON.stringify(reply)}`);
  }
  const dump = ((await c.callRaw('DUMP', 'k:10')) as { value: Buffer }).value;
  await c.call('DEL', 'k:10');
  assert.equal(await c.call('RESTORE', 'k:10', '0', dump), 'OK');
  // The key with a 1 ms TTL goes by lazy expiry, whenever it is looked at after its time.
  while ((await c.call('EXISTS', 'gone')) !== 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await c.call('DBSIZE'), KEYS);
  assert.equal(await dataset(), start);
  // A reload saves and loads every key anew; one that merges into the keys there replaces them
  // (here k:11 gets its saved value back).
  assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
  assert.equal(await dataset(), start);
  assert.equal(await c.call('SET', 'k:11', 'z'.repeat(3000)), 'OK');
  assert.equal(await c.call('DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE', 'NOSAVE'), 'OK');
  assert.equal(await c.call('STRLEN', 'k:11'), valueOf(11).length);
  assert.equal(await dataset(), start);
});

test('dataset.bytes follows the string bytes written and drops to nothing with the keys', async () => {
  await fill();
  const small = await dataset();
  // 300 values 1000 bytes longer each: the count grows by their bytes (the same object layout).
  for (let i = 0; i < KEYS; i++) c.send('SET', `k:${i}`, valueOf(i) + 'y'.repeat(1000));
  for (let i = 0; i < KEYS; i++) assert.equal(plain(await c.read()), 'OK');
  const grown = await dataset();
  assert.ok(Math.abs(grown - small - KEYS * 1000) <= KEYS * 8, `grew by ${grown - small} for ${KEYS * 1000} bytes`);
  for (let i = 0; i < KEYS; i++) c.send('DEL', `k:${i}`);
  for (let i = 0; i < KEYS; i++) assert.equal(plain(await c.read()), 1);
  assert.equal(await dataset(), 0);
});

// DEBUG DIGEST / DIGEST-VALUE over TCP: what Redis's persistence tests use to check that a reload
// brought back exactly the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTidings } from '../helpers/servers.js';
import { datasetCommands } from './rdb-dataset.js';

const ZERO = '0'.repeat(40);

test('DEBUG DIGEST: zeros when empty, unchanged by DEBUG RELOAD, changed by any write', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-digest-'));
  const s = await startTidings({ config: { dir, 'enable-debug-command': 'yes' } });
  try {
    const c = await s.connect();
    assert.equal(await c.call('DEBUG', 'DIGEST'), ZERO);
    assert.deepEqual(await c.call('DEBUG', 'DIGEST-VALUE', 'nokey'), [ZERO]);
    for (const cmd of datasetCommands()) await c.call(...cmd);
    await c.call('SET', 'ttl', 'v', 'EX', '1000');
    const before = (await c.call('DEBUG', 'DIGEST')) as string;
    assert.match(before, /^[0-9a-f]{40}$/);
    assert.notEqual(before, ZERO);
    const values = await c.call('DEBUG', 'DIGEST-VALUE', 'ttl', 's:text', 'nokey');
    assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await c.call('DEBUG', 'DIGEST'), before, 'same data after a save and reload');
    assert.deepEqual(await c.call('DEBUG', 'DIGEST-VALUE', 'ttl', 's:text', 'nokey'), values);
    await c.call('SET', 'one-more', 'x');
    assert.notEqual(await c.call('DEBUG', 'DIGEST'), before);
    await c.call('DEL', 'one-more');
    assert.equal(await c.call('DEBUG', 'DIGEST'), before);
    await c.call('EXPIRE', 'ttl', '2000');
    assert.notEqual(await c.call('DEBUG', 'DIGEST'), before, 'a different TTL is different data');
    assert.deepEqual(await c.call('DEBUG', 'DIGEST', 'extra'), {
      error: "ERR unknown subcommand or wrong number of arguments for 'digest'. Try DEBUG HELP.",
    });
    c.close();
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DEBUG DIGEST does not depend on insertion order or encoding of sets and hashes', async () => {
  const a = await startTidings({ config: { 'enable-debug-command': 'yes' } });
  const b = await startTidings({ config: { 'enable-debug-command': 'yes', 'hash-max-listpack-entries': '1', 'set-max-intset-entries': '1' } });
  try {
    const ca = await a.connect();
    const cb = await b.connect();
    await ca.call('SADD', 's', '1', '2', '3', 'x');
    await cb.call('SADD', 's', 'x', '3', '2', '1');
    await ca.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    await cb.call('HSET', 'h', 'f2', 'v2', 'f1', 'v1');
    assert.equal(await ca.call('DEBUG', 'DIGEST'), await cb.call('DEBUG', 'DIGEST'));
    await cb.call('HSET', 'h', 'f2', 'other');
    assert.notEqual(await ca.call('DEBUG', 'DIGEST'), await cb.call('DEBUG', 'DIGEST'));
    ca.close();
    cb.close();
  } finally {
    await a.close();
    await b.close();
  }
});

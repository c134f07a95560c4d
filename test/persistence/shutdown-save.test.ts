// A shutdown's final save runs in slices (Server.prepareShutdown): no command runs during
// it, as during Redis's, yet signals are heard — a second SIGINT exits at once, removing the temp
// file ("You insist... exiting now.") — and rdb-key-save-delay slows it as it slows Redis's.
// Server processes over TCP, and an in-process server for the failed save.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startTidings, startTidingsProcess } from '../helpers/servers.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-shutdown-'));
}

async function until(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('a second SIGINT during the final save exits at once (status 1), removing the temp file; no command runs meanwhile', async () => {
  const dir = tempDir();
  const srv = await startTidingsProcess(['--dir', dir, '--save', '3600 1']);
  try {
    const c = await srv.connect();
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}`, i);
    // 20 keys at 100 ms each: a 2 s save, as in Redis's own test.
    assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000'), 'OK');
    const temp = path.join(dir, `temp-${srv.child.pid}.rdb`);
    srv.child.kill('SIGINT');
    await until(() => fs.existsSync(temp), 'the final save to start');
    // The save is under way: a command waits, as it would while Redis saves.
    c.send('SET', 'late', '1');
    assert.equal(await c.silentFor(200), true, 'no reply during the final save');
    const code = exited(srv.child);
    srv.child.kill('SIGINT');
    assert.equal(await code, 1);
    assert.match(srv.output(), /Received SIGINT scheduling shutdown/);
    assert.match(srv.output(), /You insist\.\.\. exiting now\./);
    assert.equal(fs.existsSync(temp), false, 'the temp file is removed');
    assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false, 'no dump was completed');
    c.close();
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('one SIGINT with rdb-key-save-delay: the slowed final save completes and the dump has every key', async () => {
  const dir = tempDir();
  const srv = await startTidingsProcess(['--dir', dir, '--save', '3600 1']);
  try {
    const c = await srv.connect();
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}`, i);
    assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000'), 'OK');
    const code = exited(srv.child);
    srv.child.kill('SIGINT');
    assert.equal(await code, 0);
    assert.match(srv.output(), /Saving the final RDB snapshot before exiting\./);
    assert.match(srv.output(), /DB saved on disk/);
    c.close();
  } finally {
    await srv.close();
  }
  const again = await startTidings({ config: { dir } });
  try {
    const c = await again.connect();
    assert.equal(await c.call('DBSIZE'), 20);
    assert.equal(await c.call('GET', 'k19'), '19');
    c.close();
  } finally {
    await again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a final save that fails keeps the server up: SHUTDOWN gets its error, then what others sent meanwhile runs', async () => {
  const dir = tempDir();
  const srv = await startTidings({ config: { dir } });
  try {
    const a = await srv.connect();
    const b = await srv.connect();
    for (let i = 0; i < 5; i++) await a.call('SET', `k${i}`, i);
    // The rename onto dump.rdb fails (a directory is in the way), after a save slowed to ~250 ms.
    fs.mkdirSync(path.join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    assert.equal(await a.call('CONFIG', 'SET', 'rdb-key-save-delay', '50000'), 'OK');
    const order: string[] = [];
    const shutdown = a.call('SHUTDOWN', 'SAVE').then((r) => (order.push('shutdown'), r));
    await until(() => fs.existsSync(path.join(dir, `temp-${process.pid}.rdb`)), 'the final save to start');
    const incr = b.call('INCR', 'n').then((r) => (order.push('incr'), r));
    assert.deepEqual(await shutdown, { error: 'ERR Errors trying to SHUTDOWN. Check logs.' });
    assert.equal(await incr, 1);
    assert.deepEqual(order, ['shutdown', 'incr'], 'INCR ran only once the save was over');
    assert.equal(fs.existsSync(path.join(dir, `temp-${process.pid}.rdb`)), false);
    assert.equal(await a.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'), 'OK');
    assert.equal(await b.call('DBSIZE'), 6);
    a.close();
    b.close();
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

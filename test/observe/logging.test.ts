// Log lines people can read and machines can parse: Redis's format by default, one JSON object a
// line with `log-format json`; a protocol error, an OOM refusal, a slow subscriber's disconnect and
// a write refused because persistence failed each give one line that names the client (id,
// address, name); the persistence failure itself is a line with its own event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTidings, startTidingsProcess } from '../helpers/servers.js';

interface JsonLine {
  time: string;
  pid: number;
  role: string;
  level: string;
  message: string;
  event?: string;
  client_id?: number;
  addr?: string;
  name?: string;
  command?: string;
  held?: number;
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('log-format json: every start-up line is a JSON object, and the ready line is there', async () => {
  const srv = await startTidingsProcess(['--log-format', 'json', '--save', '']);
  try {
    await until(() => srv.output().includes('Ready to accept connections'), 'the ready line');
    const lines = srv.output().trim().split('\n');
    assert.ok(lines.length >= 4, lines.join('\n'));
    for (const raw of lines) {
      const line = JSON.parse(raw) as JsonLine;
      assert.equal(typeof line.message, 'string');
      assert.ok(['debug', 'verbose', 'notice', 'warning'].includes(line.level), raw);
      assert.ok(!Number.isNaN(Date.parse(line.time)), raw);
      assert.equal(line.role, 'master');
      assert.equal(line.pid, srv.child.pid);
    }
    assert.ok(lines.some((l) => (JSON.parse(l) as JsonLine).message === 'Ready to accept connections'));
    // CONFIG GET shows it; CONFIG SET switches format at run time.
    const c = await srv.connect();
    assert.deepEqual(await c.call('CONFIG', 'GET', 'log-format'), ['log-format', 'json']);
    assert.deepEqual(await c.call('CONFIG', 'SET', 'log-format', 'yaml'), {
      error: "ERR CONFIG SET failed (possibly related to argument 'log-format') - argument(s) must be one of the following: redis, json",
    });
    c.socket.destroy();
  } finally {
    await srv.close();
  }
});

test('a protocol error gives one line naming the client, in both formats', async () => {
  for (const format of ['json', 'redis'] as const) {
    const lines: string[] = [];
    const srv = await startTidings({ config: { 'log-format': format, loglevel: 'verbose' }, log: (l) => lines.push(l) });
    try {
      const c = await srv.connect();
      assert.equal(await c.call('CLIENT', 'SETNAME', 'bad-actor'), 'OK');
      const id = await c.call('CLIENT', 'ID');
      c.write('*1\r\n$abc\r\n');
      await until(() => lines.some((l) => l.includes('Protocol error')), 'the protocol error line');
      const hits = lines.filter((l) => l.includes('Protocol error'));
      assert.equal(hits.length, 1);
      if (format === 'json') {
        const line = JSON.parse(hits[0]) as JsonLine;
        assert.equal(line.event, 'protocol-error');
        assert.equal(line.name, 'bad-actor');
        assert.equal(line.client_id, id);
        assert.match(line.addr ?? '', /^127\.0\.0\.1:\d+$/);
        assert.equal(line.level, 'verbose');
      } else {
        assert.match(hits[0], new RegExp(`^\\d+:M \\d\\d \\w{3} \\d{4} [\\d:.]+ - Protocol error \\(invalid bulk length\\) from client: id=${id} addr=127\\.0\\.0\\.1:\\d+ name=bad-actor$`));
      }
      c.socket.destroy();
    } finally {
      await srv.close();
    }
  }
});

test('OOM refusals: one line with the client and command, a flood is counted, not repeated', async () => {
  const lines: string[] = [];
  const srv = await startTidings({
    config: { 'log-format': 'json', maxmemory: '1', 'maxmemory-policy': 'noeviction' },
    log: (l) => lines.push(l),
  });
  try {
    const c = await srv.connect();
    await c.call('CLIENT', 'SETNAME', 'writer');
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await c.call('SET', `k${i}`, 'v'), { error: "OOM command not allowed when used memory > 'maxmemory'." });
    }
    assert.equal(await c.call('GET', 'k0'), null, 'reads are still served');
    const oom = lines.map((l) => JSON.parse(l) as JsonLine).filter((l) => l.event === 'oom-refused');
    assert.equal(oom.length, 1, 'five refusals within 10 s give one line');
    assert.equal(oom[0].name, 'writer');
    assert.equal(oom[0].command, 'set');
    assert.equal(oom[0].level, 'warning');
    assert.match(oom[0].message, /^OOM: refused 'set' from client id=\d+ addr=127\.0\.0\.1:\d+ name=writer/);
    c.socket.destroy();
  } finally {
    await srv.close();
  }
});

test('a slow subscriber disconnected for its output limit gives one line with its name and class', async () => {
  const lines: string[] = [];
  const srv = await startTidings({
    config: { 'log-format': 'json', 'client-output-buffer-limit': 'normal 0 0 0 replica 0 0 0 pubsub 256kb 0 0' },
    log: (l) => lines.push(l),
  });
  try {
    // A subscriber that never reads: its socket is paused once subscribed.
    const slow = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$9\r\nslow-sub1\r\n*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nfeed\r\n');
    await new Promise((r) => slow.once('data', r));
    slow.pause();
    const closed = new Promise((r) => slow.once('close', r));
    const pub = await srv.connect();
    const payload = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && !lines.some((l) => l.includes('output-buffer-limit')); i++) await pub.call('PUBLISH', 'feed', payload);
    const hit = lines.map((l) => JSON.parse(l) as JsonLine).filter((l) => l.event === 'output-buffer-limit');
    assert.equal(hit.length, 1);
    assert.equal(hit[0].name, 'slow-sub1');
    assert.equal((hit[0] as unknown as { class: string }).class, 'pubsub');
    assert.match(hit[0].message, /name=slow-sub1 scheduled to be closed ASAP for overcoming of output buffer limits/);
    slow.resume();
    await closed;
    pub.socket.destroy();
  } finally {
    await srv.close();
  }
});

test('a failed save: one line for the failure, one line naming the client whose write is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-logging-'));
  const lines: string[] = [];
  const srv = await startTidings({ config: { 'log-format': 'json', dir, save: '3600 1' }, log: (l) => lines.push(l) });
  try {
    // The dump's name is taken by a non-empty directory, so the save's final rename fails (even as root).
    fs.mkdirSync(path.join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    const c = await srv.connect();
    await c.call('CLIENT', 'SETNAME', 'billing-worker');
    const id = await c.call('CLIENT', 'ID');
    await c.call('SET', 'x', '1');
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    await until(() => lines.some((l) => l.includes('Background saving error')), 'the failed BGSAVE');
    const parsed = () => lines.map((l) => JSON.parse(l) as JsonLine);
    const failed = parsed().filter((l) => l.event === 'rdb-save-error');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].level, 'warning');
    for (let i = 0; i < 3; i++) assert.match(String(((await c.call('SET', 'x', String(i))) as { error: string }).error), /^MISCONF /);
    const refused = parsed().filter((l) => l.event === 'misconf-refused');
    assert.equal(refused.length, 1, 'three refusals within 10 s give one line');
    assert.equal(refused[0].name, 'billing-worker');
    assert.equal(refused[0].client_id, id);
    assert.equal(refused[0].command, 'set');
    assert.match(refused[0].addr ?? '', /^127\.0\.0\.1:\d+$/);
    assert.match(refused[0].message, /^MISCONF: refused 'set' from client id=\d+ addr=127\.0\.0\.1:\d+ name=billing-worker: the last background save failed/);
    c.socket.destroy();
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed append-only file write: its line, then the refused client named in Redis format', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-logging-'));
  const lines: string[] = [];
  const srv = await startTidings({ config: { appendonly: 'yes', dir }, log: (l) => lines.push(l) });
  const aof = srv.server!.aof;
  const realWrite = aof.io.write;
  try {
    const c = await srv.connect();
    await c.call('CLIENT', 'SETNAME', 'cart');
    await c.call('SET', 'before', '1');
    aof.io.write = () => {
      const err = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      err.code = 'ENOSPC';
      throw err;
    };
    await c.call('SET', 'pending', '1');
    assert.deepEqual(await c.call('SET', 'refused', '1'), { error: 'MISCONF Errors writing to the AOF file: No space left on device' });
    assert.equal(lines.filter((l) => l.includes('Error writing to the AOF file')).length, 1);
    const refused = lines.filter((l) => l.includes('MISCONF: refused'));
    assert.equal(refused.length, 1);
    assert.match(refused[0], /^\d+:M \d\d \w{3} \d{4} [\d:.]+ # MISCONF: refused 'set' from client id=\d+ addr=127\.0\.0\.1:\d+ name=cart: Errors writing to the AOF file: No space left on device$/);
    aof.io.write = realWrite;
    c.socket.destroy();
  } finally {
    aof.io.write = realWrite;
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The multi-part AOF's manifest as Redis 7.0 reads and writes it: the manifests it refuses at
// start (each checked against redis-server on the same files, and with its log wording), the
// interrupted upgrade of an old single-file AOF, file names that need quoting, history kept by
// aof-disable-auto-gc, and BGREWRITEAOF refused or scheduled while another job runs.
// Needs `npm run build` (dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, freePort, hasRedisServer, startTidings } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';
import type { RespClient } from '../helpers/resp.js';
import { readManifest, tempDir, until } from './aof-util.js';
import { withServer, withServerInDir, infoField } from '../helpers/fixtures.js';

const aofDir = (dir: string) => path.join(dir, 'appendonlydir');
const cmd = (...args: string[]) => encodeCommand(args);

/** Run a server until it exits (start-up refused); its exit code and everything it printed. */
function runUntilExit(argv: string[], timeoutMs = 20000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // The log is stdout (what Redis's suite reads); stderr is not looked at.
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A server dir with base 1, incr 1 and incr 3 (each one SET), and the given manifest text. */
function layout(manifest: string): string {
  const dir = tempDir('tidings-manifest-');
  fs.mkdirSync(aofDir(dir));
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof'), cmd('SET', 'k1', 'v1'));
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), cmd('SET', 'k2', 'v2'));
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.3.incr.aof'), cmd('SET', 'k3', 'v3'));
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), manifest);
  return dir;
}

const refused: Array<{ what: string; manifest: string; log: RegExp }> = [
  { what: 'a blank line', manifest: 'file appendonly.aof.1.incr.aof seq 1 type i\n\nfile appendonly.aof.3.incr.aof seq 3 type i\n', log: /Invalid AOF manifest file format/ },
  { what: 'an unknown type', manifest: 'file appendonly.aof.1.base.aof seq 1 type x\nfile appendonly.aof.1.incr.aof seq 1 type i\n', log: /Unknown AOF file type/ },
  { what: 'a missing key', manifest: 'filx appendonly.aof.1.base.aof seq 1 type b\n', log: /Invalid AOF manifest file format/ },
  { what: 'a line too short', manifest: 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof type i\n', log: /Invalid AOF manifest file format/ },
  { what: 'an odd word count', manifest: 'file appendonly.aof.1.incr.aof seq 1 type i newkey\n', log: /Invalid AOF manifest file format/ },
  { what: 'a line too long', manifest: `${'file appendonly.aof.1.base.aof seq 1 type b '.repeat(30)}\n`, log: /The AOF manifest file contains too long line/ },
  { what: 'a last line with no newline', manifest: 'file appendonly.aof.1.base.aof seq 1 type b', log: /The AOF manifest file contains too long line/ },
  { what: 'an empty manifest', manifest: '', log: /Found an empty AOF manifest/ },
  { what: 'a second base', manifest: 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.base.aof seq 2 type b\n', log: /Found duplicate base file information/ },
  { what: 'a decreasing sequence', manifest: 'file appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n', log: /Found a non-monotonic sequence number/ },
  { what: 'a sequence of 0', manifest: 'file appendonly.aof.1.base.aof seq 0 type b\n', log: /Invalid AOF manifest file format/ },
  {
    what: 'a listed file that is missing',
    manifest: 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
    log: /appendonly\.aof\.2\.incr\.aof .*No such file or directory/,
  },
];

for (const { what, manifest, log } of refused) {
  test(`a manifest with ${what} stops start-up, with Redis's log line (redis-server too)`, async () => {
    const port = String(await freePort());
    const servers: Array<{ name: string; argv: (dir: string) => string[] }> = [
      { name: 'tidings', argv: (dir) => [process.execPath, path.join(ROOT, 'bin/tidings.js'), '--port', '0', '--save', '', '--appendonly', 'yes', '--dir', dir] },
    ];
    if (hasRedisServer()) {
      servers.push({ name: 'redis-server', argv: (dir) => ['redis-server', '--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir] });
    }
    for (const server of servers) {
      const dir = layout(manifest);
      const { code, output } = await runUntilExit(server.argv(dir));
      assert.notEqual(code, 0, `${server.name} started`);
      assert.match(output, log, `${server.name}: ${output}`);
      // The message is logged once (the suite counts the lines).
      assert.equal(output.split('\n').filter((l) => log.test(l)).length, 1, `${server.name}: ${output}`);
      // The files are untouched.
      assert.equal(fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1'), manifest);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a manifest line that is refused is quoted in the log with its number', async () => {
  const dir = layout('# comment\nfile appendonly.aof.1.base.aof seq 1 type x\n');
  const { output } = await runUntilExit([process.execPath, path.join(ROOT, 'bin/tidings.js'), '--port', '0', '--save', '', '--appendonly', 'yes', '--dir', dir]);
  assert.match(output, /Reading the manifest file, at line 2/);
  assert.match(output, />>> 'file appendonly\.aof\.1\.base\.aof seq 1 type x'/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('comments, unknown keys and a gap in the sequence are accepted', async () => {
  const dir = layout('# written by hand\nfile appendonly.aof.1.base.aof seq 1 type b newkey newvalue\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
  await withServer(() => startTidings({ config: { appendonly: 'yes', dir } }), async (c) => {
    assert.deepEqual(await c.call('MGET', 'k1', 'k2', 'k3'), ['v1', 'v2', 'v3']);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a manifest with only comments names no data: start from empty with base 1 and incr 1 (as redis-server)', async () => {
  const dir = layout('# nothing here\n');
  await withServer(() => startTidings({ config: { appendonly: 'yes', dir } }), async (c) => {
    assert.equal(await c.call('DBSIZE'), 0);
  });
  assert.deepEqual(readManifest(aofDir(dir)), [
    { name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'b' },
    { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an upgrade interrupted before the old AOF was moved is finished at start', async () => {
  const dir = tempDir('tidings-manifest-');
  fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat([cmd('SET', 'k1', 'v1'), cmd('SET', 'k2', 'v2')]));
  fs.mkdirSync(aofDir(dir));
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'file appendonly.aof seq 1 type b\n');
  await withServer(() => startTidings({ config: { appendonly: 'yes', dir } }), async (c) => {
    assert.deepEqual(await c.call('MGET', 'k1', 'k2'), ['v1', 'v2']);
  });
  assert.equal(fs.existsSync(path.join(dir, 'appendonly.aof')), false);
  assert.equal(fs.existsSync(path.join(aofDir(dir), 'appendonly.aof')), true);
  assert.deepEqual(readManifest(aofDir(dir)), [
    { name: 'appendonly.aof', seq: 1, type: 'b' },
    { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an appendfilename with spaces and newlines is quoted in the manifest and read back', async () => {
  const dir = tempDir('tidings-manifest-');
  const name = ' file seq \n\n.aof ';
  await withServer(() => startTidings({ config: { appendonly: 'yes', dir, appendfilename: name } }), async (c) => {
    await c.call('SET', 'k1', 'v1');
    await c.call('BGREWRITEAOF');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
    await c.call('SET', 'k2', 'v2');
  });
  const text = fs.readFileSync(path.join(aofDir(dir), `${name}.manifest`), 'latin1');
  assert.equal(text, 'file " file seq \\n\\n.aof .2.base.rdb" seq 2 type b\nfile " file seq \\n\\n.aof .2.incr.aof" seq 2 type i\n');
  await withServer(() => startTidings({ config: { appendonly: 'yes', dir, appendfilename: name } }), async (c) => {
    assert.deepEqual(await c.call('MGET', 'k1', 'k2'), ['v1', 'v2']);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

const info = (c: RespClient, field: string) => infoField(c, 'persistence', field);

async function rewriteAndWait(c: RespClient): Promise<void> {
  await c.call('BGREWRITEAOF');
  await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
}

test('aof-disable-auto-gc keeps the history files, newest first; turning it off deletes them', async () => {
  await withServerInDir('tidings-manifest-', (dir) => startTidings({ config: { appendonly: 'yes', dir } }), async (c, dir) => {
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'aof-disable-auto-gc', 'yes');
    await rewriteAndWait(c);
    await rewriteAndWait(c);
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.3.base.rdb', seq: 3, type: 'b' },
      { name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'h' },
      { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'h' },
      { name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'h' },
      { name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'h' },
      { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' },
    ]);
    for (const f of ['appendonly.aof.1.base.rdb', 'appendonly.aof.2.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.2.incr.aof']) {
      assert.equal(fs.existsSync(path.join(aofDir(dir), f)), true, f);
    }
    await c.call('CONFIG', 'SET', 'aof-disable-auto-gc', 'no');
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.3.base.rdb', seq: 3, type: 'b' },
      { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' },
    ]);
    assert.deepEqual(fs.readdirSync(aofDir(dir)).sort(), ['appendonly.aof.3.base.rdb', 'appendonly.aof.3.incr.aof', 'appendonly.aof.manifest']);
    await c.call('DEBUG', 'LOADAOF');
    assert.equal(await c.call('GET', 'k'), 'v');
  });
});

test('rdb-key-save-delay slows a rewrite: a second BGREWRITEAOF is refused until it ends', async () => {
  await withServerInDir('tidings-manifest-', (dir) => startTidings({ config: { appendonly: 'yes', dir } }), async (c) => {
    await c.call('SET', 'k', 'v');
    // Two seconds for its one key; the rewrite keeps that delay (setting 0 now would not shorten it).
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '2000000');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    assert.deepEqual(await c.call('BGREWRITEAOF'), { error: 'ERR Background append only file rewriting already in progress' });
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '1');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0');
    assert.equal(await info(c, 'aof_last_bgrewrite_status'), 'ok');
  });
});

test('BGREWRITEAOF while a BGSAVE runs is scheduled, and runs once the BGSAVE ends', async () => {
  await withServerInDir('tidings-manifest-', (dir) => startTidings({ config: { appendonly: 'yes', dir } }), async (c, dir) => {
    for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
    // 100 ms per key: the BGSAVE takes 5 s unless the delay is lifted.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000');
    await c.call('BGSAVE');
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting scheduled');
    assert.equal(await info(c, 'aof_rewrite_scheduled'), '1');
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '0');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await until(async () => (await info(c, 'aof_rewrite_scheduled')) === '0' && (await info(c, 'aof_rewrite_in_progress')) === '0');
    assert.deepEqual(readManifest(aofDir(dir)), [
      { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' },
      { name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' },
    ]);
  });
});

test('CONFIG SET appendonly no stops a rewrite in flight: no longer in progress, the next one runs', async () => {
  await withServerInDir('tidings-manifest-', (dir) => startTidings({ config: { appendonly: 'yes', dir } }), async (c, dir) => {
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    await c.call('BGREWRITEAOF');
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '1');
    await c.call('CONFIG', 'SET', 'appendonly', 'no');
    assert.equal(await info(c, 'aof_rewrite_in_progress'), '0');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await c.call('SET', 'k2', 'v2');
    await rewriteAndWait(c);
    assert.equal(await info(c, 'aof_last_bgrewrite_status'), 'ok');
    // The stopped rewrite left no temporary file behind.
    assert.deepEqual(fs.readdirSync(aofDir(dir)).filter((f) => f.startsWith('temp-')), []);
  });
});

test('DEBUG LOADAOF with the log off loads the files a BGREWRITEAOF wrote (functions included)', async () => {
  await withServerInDir('tidings-manifest-', (dir) => startTidings({ config: { appendonly: 'no', dir, 'aof-use-rdb-preamble': 'no', 'enable-debug-command': 'yes' } }), async (c) => {
    await c.call('SET', 'k', 'v');
    await c.call('FUNCTION', 'LOAD', "#!lua name=test\nredis.register_function('test', function() return 1 end)");
    await rewriteAndWait(c);
    await c.call('FUNCTION', 'FLUSH');
    await c.call('SET', 'later', 'x');
    assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await c.call('FCALL', 'test', 0), 1);
    assert.deepEqual(await c.call('MGET', 'k', 'later'), ['v', null]);
  });
});

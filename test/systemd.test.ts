// examples/systemd/tidings.service: systemd accepts it (`systemd-analyze verify`, with ExecStart
// pointed at this checkout's bin/tidings.js), and the command line it runs starts Tidings from a
// config file and stops cleanly, saving, on the signal systemd sends (KillSignal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, skipLoudly } from './helpers/servers.js';
import { RespClient } from './helpers/resp.js';

const UNIT = path.join(ROOT, 'examples', 'systemd', 'tidings.service');
const BIN = path.join(ROOT, 'bin', 'tidings.js');

/** `Key=value` lines of the unit's [Service] section (a key may repeat). */
function serviceLines(text: string): [string, string][] {
  const out: [string, string][] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]') {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

test('systemd-analyze verify accepts the unit', (t) => {
  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (analyze.error) return skipLoudly(t, 'systemd-analyze is not installed (Debian package systemd)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-unit-'));
  try {
    const unit = path.join(dir, 'tidings.service');
    fs.writeFileSync(unit, fs.readFileSync(UNIT, 'utf8').replace(/^ExecStart=\/usr\/local\/bin\/tidings /m, `ExecStart=${BIN} `));
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.equal(r.status, 0, `systemd-analyze verify:\n${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), '', 'no warnings');
    // And it does notice a broken unit (so the check above means something).
    fs.writeFileSync(unit, fs.readFileSync(unit, 'utf8').replace('Type=exec', 'Type=bogus'));
    const bad = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.match(bad.stderr, /service type/i, 'a bad Type= is reported');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the unit's ExecStart starts Tidings from a config file and KillSignal stops it with a save", async () => {
  const lines = serviceLines(fs.readFileSync(UNIT, 'utf8'));
  const get = (k: string) => lines.find(([key]) => key === k)?.[1];
  assert.equal(get('KillSignal'), 'SIGTERM');
  assert.equal(get('Type'), 'exec');
  const exec = get('ExecStart')!.split(/\s+/);
  assert.equal(exec[0], '/usr/local/bin/tidings');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-unit-'));
  const port = await freePort();
  const conf = path.join(dir, 'tidings.conf');
  fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsave 3600 1\n`);
  // The unit's arguments, with this checkout's binary, this test's config and a temporary data dir.
  const args = exec.slice(1).map((a) => (a === '/etc/tidings/tidings.conf' ? conf : a === '/var/lib/tidings' ? dir : a));
  assert.deepEqual(args, [conf, '--daemonize', 'no', '--dir', dir]);
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20000;
    while (!output.includes('Ready to accept connections')) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `no ready line:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const c = await RespClient.connect(port);
    assert.equal(await c.call('SET', 'survives', 'restart'), 'OK');
    c.socket.destroy();
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /Received SIGTERM scheduling shutdown/);
    assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')), `dump.rdb written to the unit's dir:\n${output}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

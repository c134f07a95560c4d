// The `tidings` command as users run it (`node bin/tidings.js`, built by `npm test`): the ready line,
// port 0, config file + flags, clear errors with exit code 1, and clean shutdown on SIGTERM, SIGINT
// and the SHUTDOWN command.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startTidingsProcess } from './helpers/servers.js';
import { RespClient } from './helpers/resp.js';

const BIN = path.join(ROOT, 'bin/tidings.js');
const WAIT_MS = 30000;
// Redis's start-up lines: the port (Tidings picks one for port 0), then the line tools wait for.
const READY = /Running mode=standalone, port=(\d+)\.[\s\S]*\* Ready to accept connections$/m;

interface Cli {
  child: ChildProcess;
  output(): string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
// The servers run in a directory of their own: with the default save points a signal's shutdown
// writes dump.rdb to `dir` (./ by default), which must not be the checkout.
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-cli-cwd-'));
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(workDir, { recursive: true, force: true });
});

function runCli(args: string[]): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: workDir });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out + err, stdout: () => out, stderr: () => err, exited };
}

async function waitForOutput(cli: Cli, re: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const m = re.exec(cli.stdout());
    if (m) return m;
    if (cli.child.exitCode !== null) throw new Error(`tidings exited (${cli.child.exitCode}) before printing ${re}:\n${cli.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${cli.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function exitsWithin(cli: Cli): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`tidings did not exit:\n${cli.output()}`)), WAIT_MS);
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-cli-'));
}

describe('starting', () => {
  test('prints the PID line and one ready line with the address (startTidingsProcess)', async () => {
    const srv = await startTidingsProcess();
    try {
      const c = await srv.connect();
      assert.equal(await c.call('PING'), 'PONG');
      c.close();
      const deadline = Date.now() + WAIT_MS;
      while (!READY.test(srv.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const m = READY.exec(srv.output());
      assert.ok(m, `no ready line in:\n${srv.output()}`);
      assert.equal(Number(m[1]), srv.port);
      assert.equal(srv.output().match(/Ready to accept connections/g)!.length, 1);
      assert.match(srv.output(), new RegExp(` PID: ${srv.child.pid}\\b`));
      assert.match(srv.output(), new RegExp(`Listening on 127\\.0\\.0\\.1:${srv.port}`));
      // Redis's log line format: pid:role day month year time.ms level-mark message
      assert.match(srv.output(), new RegExp(`^${srv.child.pid}:M \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\* Ready to accept connections$`, 'm'));
    } finally {
      await srv.close();
    }
  });

  test('--port 0 picks a free port and the ready line says which', async () => {
    const cli = runCli(['--port', '0']);
    const m = await waitForOutput(cli, READY);
    const port = Number(m[1]);
    assert.ok(port > 0 && port < 65536);
    const c = await RespClient.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', '0']);
    c.close();
    cli.child.kill('SIGTERM');
    assert.deepEqual(await exitsWithin(cli), { code: 0, signal: null });
  });

  test('reads a config file; command-line flags override it', async () => {
    const dir = tmpDir();
    const conf = path.join(dir, 'tidings.conf');
    fs.writeFileSync(
      conf,
      [
        '# a redis.conf-style file',
        'port 0',
        '',
        'requirepass "s3cret pass"',
        'maxclients 10',
        'notify-keyspace-events Ex',
        '   databases 4   ',
      ].join('\n'),
    );
    const cli = runCli([conf, '--maxclients', '50']);
    try {
      const port = Number((await waitForOutput(cli, READY))[1]);
      const c = await RespClient.connect(port);
      assert.deepEqual(await c.call('PING'), { error: 'NOAUTH Authentication required.' });
      assert.equal(await c.call('AUTH', 's3cret pass'), 'OK');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '50']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'databases'), ['databases', '4']);
      const events = (await c.call('CONFIG', 'GET', 'notify-keyspace-events')) as string[];
      assert.deepEqual([...events[1]!].sort(), ['E', 'x']);
      assert.deepEqual(await c.call('SELECT', '4'), { error: 'ERR DB index is out of range' });
      c.close();
    } finally {
      cli.child.kill('SIGTERM');
      await exitsWithin(cli);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help and --version print and exit 0', async () => {
    const help = runCli(['--help']);
    assert.deepEqual(await exitsWithin(help), { code: 0, signal: null });
    assert.match(help.stdout(), /Usage: tidings \[\/path\/to\/tidings\.conf\]/);
    const version = runCli(['--version']);
    assert.deepEqual(await exitsWithin(version), { code: 0, signal: null });
    assert.match(version.stdout(), /^Tidings v=\d+\.\d+\.\d+ \(Redis 7\.0\.\d+ compatible\)/);
  });
});

describe('bad input: exit code 1 and a clear message on stderr', () => {
  const dir = tmpDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const badConf = path.join(dir, 'bad.conf');
  fs.writeFileSync(badConf, 'port 0\n# comment\nno-such-option yes\n');
  const badValueConf = path.join(dir, 'bad-value.conf');
  fs.writeFileSync(badValueConf, 'maxclients lots\n');

  const cases: [string, string[], RegExp][] = [
    ['unknown option', ['--no-such-option', 'yes'], /^tidings: command line: unknown option 'no-such-option'$/m],
    ['bad port value', ['--port', 'abc'], /^tidings: command line: invalid value for 'port' in 'port "abc"': argument couldn't be parsed into an integer$/m],
    ['bad yes/no value', ['--port', '0', '--protected-mode', 'maybe'], /invalid value for 'protected-mode' in 'protected-mode "maybe"': argument must be 'yes' or 'no'/],
    ['option without a value', ['--port'], /^tidings: command line: invalid value for 'port' in 'port': wrong number of arguments$/m],
    ['two values for a one-value option', ['--port', '0', '1'], /^tidings: command line: invalid value for 'port' in 'port "0" "1"': wrong number of arguments$/m],
    ['an option value starting with --', ['--port', '--bla', '--loglevel', 'verbose'], /invalid value for 'port' in 'port "--bla"': argument couldn't be parsed/],
    ['stray argument after the config file', ['/dev/null', 'extra'], /^tidings: command line: unknown option 'extra'$/m],
    ['value out of range', ['--hz', '-1'], /invalid value for 'hz' in 'hz "-1"': argument must be between 0 and 2147483647 inclusive/],
    ['memory value', ['--maxmemory', '1.5gb'], /invalid value for 'maxmemory' in 'maxmemory "1.5gb"': argument must be a memory value/],
    ['missing config file', [path.join(dir, 'missing.conf')], /^tidings: cannot read config file '.*missing\.conf': /m],
    ['unknown option in a config file (with file:line)', [badConf], /bad\.conf:3: unknown option 'no-such-option'/],
    ['bad value in a config file', [badValueConf], /bad-value\.conf:1: invalid value for 'maxclients'/],
  ];
  for (const [name, args, re] of cases) {
    test(name, async () => {
      const cli = runCli(args);
      const { code } = await exitsWithin(cli);
      assert.equal(code, 1, `exit code for ${args.join(' ')}:\n${cli.output()}`);
      assert.match(cli.stderr(), re);
      assert.match(cli.stderr(), /Run `tidings --help` for usage\./);
      assert.doesNotMatch(cli.output(), /Ready to accept connections/);
      assert.doesNotMatch(cli.stderr(), /at .*\.js:\d+/, 'no stack trace');
    });
  }

  test('a bad append-only file: the PID line comes first (the port is bound), then the error and exit 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-cli-aof-'));
    const aofDir = path.join(dir, 'appendonlydir');
    fs.mkdirSync(aofDir);
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), '*1\r\n$4\r\nPING\r\n!!!');
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
    try {
      const cli = runCli(['--port', '0', '--appendonly', 'yes', '--dir', dir]);
      const { code } = await exitsWithin(cli);
      assert.equal(code, 1, cli.output());
      const out = cli.stdout();
      const pid = out.search(new RegExp(` PID: ${cli.child.pid}\\b`));
      const bad = out.indexOf('Bad file format reading the append only file');
      assert.ok(pid >= 0 && bad > pid, out);
      assert.doesNotMatch(out, /Ready to accept connections/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('port already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const cli = runCli(['--port', String(port)]);
      const { code } = await exitsWithin(cli);
      assert.equal(code, 1, cli.output());
      assert.match(cli.stderr(), /^tidings: could not listen: .*EADDRINUSE/m);
      // The line Redis's test suite looks for to retry on another port.
      assert.match(cli.stdout(), new RegExp(`Failed listening on port ${port} \\(TCP\\), aborting\\.`));
      assert.doesNotMatch(cli.stdout(), / PID: /);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe('stopping', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} closes connections and exits 0`, async () => {
      const cli = runCli(['--port', '0']);
      const port = Number((await waitForOutput(cli, READY))[1]);
      const c = await RespClient.connect(port);
      assert.equal(await c.call('PING'), 'PONG');
      cli.child.kill(signal);
      assert.deepEqual(await exitsWithin(cli), { code: 0, signal: null });
      await c.waitClosed(WAIT_MS);
      assert.match(cli.stdout(), new RegExp(`Received ${signal} scheduling shutdown\\.\\.\\.`));
      // The port is free again.
      const again = net.createServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((r) => again.close(r));
    });
  }

  test('the SHUTDOWN command stops the process with exit code 0', async () => {
    const cli = runCli(['--port', '0']);
    const port = Number((await waitForOutput(cli, READY))[1]);
    const other = await RespClient.connect(port);
    const c = await RespClient.connect(port);
    c.send('SHUTDOWN', 'NOSAVE');
    assert.deepEqual(await exitsWithin(cli), { code: 0, signal: null });
    await c.waitClosed(WAIT_MS);
    await other.waitClosed(WAIT_MS);
  });
});

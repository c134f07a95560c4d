// Configuration as redis-server does it: every Redis 7.0 parameter listed by CONFIG GET *, with the
// same defaults; CONFIG SET of several parameters at once, atomic, with Redis's error texts;
// CONFIG REWRITE editing the file in place; Debian's redis.conf starting Tidings unchanged;
// daemonize and pidfile; values Tidings cannot honour refused at start-up.
// Runs the built CLI (`node bin/tidings.js`, built by `npm test`) and, for differences, redis-server.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, requireRedisServer, startRedis, startTidings, type TestServer } from './helpers/servers.js';
import { RespClient } from './helpers/resp.js';
import { Config, PARAMS } from '../src/config/config.js';
import { argvToLines, loadConfig, rewriteConfigText } from '../src/config/file.js';
import { splitConfigLine } from '../src/config/values.js';

const BIN = path.join(ROOT, 'bin/tidings.js');
const WAIT_MS = 30000;

const started: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-config-'));
  dirs.push(dir);
  return dir;
}

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function run(command: string, args: string[], cwd = ROOT): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

const tidings = (args: string[], cwd?: string) => run(process.execPath, [BIN, ...args], cwd);

async function waitFor(proc: Proc, re: RegExp): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!re.test(proc.output())) {
    if (proc.child.exitCode !== null) throw new Error(`exited (${proc.child.exitCode}) before ${re}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function exitCode(proc: Proc): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not exit:\n${proc.output()}`)), WAIT_MS);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  await exitCode(proc);
}

function pairs(reply: unknown): Map<string, string> {
  const list = reply as string[];
  const map = new Map<string, string>();
  for (let i = 0; i < list.length; i += 2) map.set(list[i]!, list[i + 1]!);
  return map;
}

describe('reading config lines as redis-server does', () => {
  test('words, quotes and escapes; unbalanced quotes', () => {
    assert.deepEqual(splitConfigLine('  save 900   1 '), ['save', '900', '1']);
    assert.deepEqual(splitConfigLine('requirepass "a b\\"c\\x41\\n"'), ['requirepass', 'a b"cA\n']);
    assert.deepEqual(splitConfigLine("requirepass 'it\\'s'"), ['requirepass', "it's"]);
    assert.deepEqual(splitConfigLine('notify-keyspace-events ""'), ['notify-keyspace-events', '']);
    assert.equal(splitConfigLine('requirepass "abc'), undefined);
    assert.equal(splitConfigLine('requirepass "abc"def'), undefined);
  });

  test('command-line arguments become directives as redis-server groups them', () => {
    assert.deepEqual(argvToLines(['--port', '6380', '--save', '--loglevel', 'verbose']), ['port "6380" ', 'save ""', 'loglevel "verbose" ']);
    assert.deepEqual(argvToLines(['--port', '--bla', '--loglevel', 'verbose']), ['port "--bla" ', 'loglevel "verbose" ']);
    // Name and value in one argument; a bare word after it is one more value (so: too many).
    assert.deepEqual(argvToLines(['--maxmemory 700mb', '--loglevel', 'x']), ['maxmemory 700mb ', 'loglevel "x" ']);
    assert.deepEqual(argvToLines(['--maxmemory 700mb', 'loglevel']), ['maxmemory 700mb "loglevel" ']);
    assert.deepEqual(argvToLines(['loglevel', 'verbose', '--port', '1']), ['"loglevel" "verbose" ', 'port "1" ']);
  });
});

describe('CONFIG GET', () => {
  test('lists every parameter redis-server 7.0 lists, with the same defaults', async (t) => {
    if (!requireRedisServer(t)) return;
    const redis = await startRedis();
    const ours = await startTidings({ config: { save: '' } });
    try {
      const r = await redis.connect();
      const c = await ours.connect();
      const theirs = pairs(await r.call('CONFIG', 'GET', '*'));
      const mine = pairs(await c.call('CONFIG', 'GET', '*'));
      assert.ok(theirs.size > 150, `redis-server listed ${theirs.size} parameters`);
      // Tidings' own parameters (the /metrics and dashboard listener) come on top of Redis's.
      const own = new Set(['metrics-port', 'metrics-bind', 'dashboard', 'log-format']);
      assert.deepEqual([...mine.keys()].filter((n) => !own.has(n)).sort(), [...theirs.keys()].sort());
      // Values: the same except where the server necessarily differs (its port, its directory).
      for (const [name, value] of theirs) {
        if (name === 'port' || name === 'dir') continue;
        assert.equal(mine.get(name), value, `default of ${name}`);
      }
      // Hidden parameters: not in '*', answered when asked by name (as Redis).
      for (const client of [r, c]) {
        assert.equal(pairs(await client.call('CONFIG', 'GET', '*')).has('key-load-delay'), false);
        assert.deepEqual(await client.call('CONFIG', 'GET', 'key-load-delay'), ['key-load-delay', '0']);
      }
      r.close();
      c.close();
    } finally {
      await redis.close();
      await ours.close();
    }
  });

  test('several patterns, aliases and no duplicates', async () => {
    const ours = await startTidings();
    try {
      const c = await ours.connect();
      const res = pairs(await c.call('CONFIG', 'GET', 'maxmemory', 'maxmemory*', 'bind', '*of'));
      for (const name of ['maxmemory', 'maxmemory-samples', 'maxmemory-clients', 'bind', 'replicaof', 'slaveof']) assert.ok(res.has(name), name);
      assert.equal(((await c.call('CONFIG', 'GET', 'maxmemory', 'maxmemory*')) as string[]).filter((x) => x === 'maxmemory').length, 1);
      c.close();
    } finally {
      await ours.close();
    }
  });
});

/** The same CONFIG commands against both servers, replies compared exactly. */
async function compareSequence(redis: TestServer, ours: TestServer, commands: string[][]): Promise<void> {
  const r = await redis.connect();
  const c = await ours.connect();
  for (const cmd of commands) {
    const expected = await r.call(...cmd);
    const actual = await c.call(...cmd);
    assert.deepEqual(actual, expected, `${cmd.join(' ')}`);
  }
  r.close();
  c.close();
}

describe('CONFIG SET (compared with redis-server)', () => {
  test('types, ranges, units, enums and the values as CONFIG GET prints them', async (t) => {
    if (!requireRedisServer(t)) return;
    const redis = await startRedis();
    const ours = await startTidings({ config: { save: '' } });
    try {
      const set = (...a: string[]) => ['CONFIG', 'SET', ...a];
      const get = (name: string) => ['CONFIG', 'GET', name];
      await compareSequence(redis, ours, [
        set('maxmemory', '700mb'), get('maxmemory'),
        set('maxmemory', '1.5gb'), set('maxmemory', '-1'), set('maxmemory', '10KB'), get('maxmemory'), set('maxmemory', '0'),
        set('proto-max-bulk-len', '100'),
        set('timeout', '+5'), set('timeout', '05'), set('timeout', 'x'), set('timeout', '30'), get('timeout'), set('timeout', '0'),
        set('hz', '-1'), set('maxclients', '0'), set('maxclients', '99999999999'),
        set('slowlog-log-slower-than', '-2'), set('slowlog-max-len', '9223372036854775808'), set('acllog-max-len', '9223372036854775807'), get('acllog-max-len'),
        set('protected-mode', 'YES'), set('protected-mode', 'maybe'), get('protected-mode'),
        set('loglevel', 'NOTICE'), set('loglevel', 'loud'), set('appendfsync', 'sometimes'), set('maxmemory-policy', 'lru'),
        set('notify-keyspace-events', 'KEA'), get('notify-keyspace-events'), set('notify-keyspace-events', 'Ex'), get('notify-keyspace-events'),
        set('notify-keyspace-events', 'Q'), set('notify-keyspace-events', ''),
        set('client-output-buffer-limit', 'pubsub 64mb 16mb 30'), get('client-output-buffer-limit'),
        set('client-output-buffer-limit', 'replica 1mb 1mb 1'), get('client-output-buffer-limit'),
        set('client-output-buffer-limit', 'bogus 1 1 1'), set('client-output-buffer-limit', 'pubsub 1 1'),
        set('save', '100 10 50 5'), get('save'), set('save', '100'), set('save', '100 x'), set('save', ''), get('save'),
        set('shutdown-on-sigint', 'nosave force now'), get('shutdown-on-sigint'), set('shutdown-on-sigint', 'save nosave'),
        set('shutdown-on-sigint', 'default now'), get('shutdown-on-sigint'), set('shutdown-on-sigint', 'default'),
        set('latency-tracking-info-percentiles', '50 99.90 100'), get('latency-tracking-info-percentiles'),
        set('latency-tracking-info-percentiles', '101'), set('latency-tracking-info-percentiles', 'x'),
        set('maxmemory-clients', '50%'), get('maxmemory-clients'), set('maxmemory-clients', '200%'), set('maxmemory-clients', '-5'), set('maxmemory-clients', '0'),
        set('oom-score-adj-values', '1 2'), set('oom-score-adj-values', '1 2 3'), get('oom-score-adj-values'), set('oom-score-adj-values', '0 200 800'),
        set('proc-title-template', '{nosuch}'),
        set('hash-max-ziplist-entries', '100'), get('hash-max-listpack-entries'), get('hash-max-ziplist-entries'),
      ]);
    } finally {
      await redis.close();
      await ours.close();
    }
  });

  test('several at once: atomic, rolled back on the first bad value, with the errors Redis gives', async (t) => {
    if (!requireRedisServer(t)) return;
    const redis = await startRedis();
    const ours = await startTidings({ config: { save: '' } });
    try {
      const set = (...a: string[]) => ['CONFIG', 'SET', ...a];
      const get = (...names: string[]) => ['CONFIG', 'GET', ...names];
      await compareSequence(redis, ours, [
        set('maxmemory', '10000001', 'timeout', '7', 'save', '3000 5'),
        get('maxmemory'), get('timeout'), get('save'),
        // A bad value in the middle: nothing changes, the error names the first bad argument.
        set('maxmemory', '10000002', 'maxmemory-clients', '200%', 'client-query-buffer-limit', 'invalid'),
        get('maxmemory'), get('maxmemory-clients'), get('client-query-buffer-limit'),
        set('timeout', '9', 'hz', 'fast'), get('timeout'),
        // Name checks come before any value is looked at.
        set('maxmemory', '1', 'maxmemory', '2'),
        set('maxmemory', '1', 'nosuch', '2'),
        set('nosuch', '1', 'maxmemory', 'bad'),
        set('maxmemory', 'bad', 'daemonize', 'yes'),
        set('daemonize', 'no'),
        set('databases', '16'),
        set('dir', '/tmp'),
        set('dbfilename', 'x.rdb'),
        set('Maxmemory', 'bad'),
        set('Hash-Max-Ziplist-Entries', 'x'),
        set('Nosuch', '1'),
        set('maxmemory', '1', 'MAXMEMORY', '2'),
        set('Daemonize', 'yes'),
        ['CONFIG', 'SET', 'maxmemory', '1', 'timeout'],
        ['CONFIG', 'SET', 'maxmemory'],
        get('maxmemory'),
        set('hash-max-listpack-entries', '1', 'hash-max-ziplist-entries', '2'), get('hash-max-listpack-entries'),
        ['CONFIG', 'REWRITE'],
        ['CONFIG', 'NOSUCH'],
        // No save points left behind: redis-server would write dump.rdb into the checkout at exit.
        set('save', ''),
      ]);
    } finally {
      await redis.close();
      await ours.close();
    }
  });

  test('every parameter can be set to the value CONFIG GET shows (Redis suite: CONFIG sanity)', async () => {
    const ours = await startTidings({ config: { save: '', 'enable-protected-configs': 'yes' } });
    try {
      const c = await ours.connect();
      const before = pairs(await c.call('CONFIG', 'GET', '*'));
      const skipped = ['daemonize', 'databases', 'unixsocket', 'unixsocketperm', 'logfile', 'pidfile', 'requirepass'];
      for (const [name, value] of before) {
        const reply = await c.call('CONFIG', 'SET', name, value);
        if ((reply as { error?: string }).error?.endsWith("can't set immutable config")) continue;
        if (skipped.includes(name)) continue;
        assert.equal(reply, 'OK', `CONFIG SET ${name} ${JSON.stringify(value)}: ${JSON.stringify(reply)}`);
      }
      assert.deepEqual(pairs(await c.call('CONFIG', 'GET', '*')), before);
      c.close();
    } finally {
      await ours.close();
    }
  });

  test('a parameter Tidings does not apply is accepted and logged', async () => {
    const lines: string[] = [];
    const ours = await startTidings({ log: (l) => lines.push(l) });
    try {
      const c = await ours.connect();
      assert.equal(await c.call('CONFIG', 'SET', 'activedefrag', 'yes'), 'OK');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'activedefrag'), ['activedefrag', 'yes']);
      assert.ok(lines.some((l) => /# CONFIG SET activedefrag: accepted, but it has no effect in Tidings: /.test(l)), lines.join('\n'));
      c.close();
    } finally {
      await ours.close();
    }
  });

  test('port and bind change while running, as in Redis; a port in use changes nothing', async (t) => {
    if (!requireRedisServer(t)) return;
    const busy = await startRedis();
    const ours = await startTidings({ config: { save: '' } });
    try {
      const c = await ours.connect();
      const [, shown] = (await c.call('CONFIG', 'GET', 'port')) as string[];
      assert.equal(await c.call('CONFIG', 'SET', 'port', shown!), 'OK');
      // The port of a running redis-server: the error Redis gives, and no other value changed.
      assert.deepEqual(await c.call('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(busy.port), 'timeout', '5'), {
        error: "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
      });
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '0']);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'timeout'), ['timeout', '0']);
      const still = await RespClient.connect(ours.port);
      assert.equal(await still.call('PING'), 'PONG');
      still.close();
      // A free port: new connections go there, existing ones stay.
      const port = await freePort();
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(port), 'maxmemory', '10000001'), 'OK');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', String(port)]);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '10000001']);
      assert.equal(await c.call('PING'), 'PONG');
      const moved = await RespClient.connect(port);
      assert.equal(await moved.call('PING'), 'PONG');
      // bind: an address this host does not have fails as in Redis, and the old ones still listen.
      assert.deepEqual(await moved.call('CONFIG', 'SET', 'bind', '127.0.0.1 192.0.2.1'), {
        error: "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.",
      });
      assert.deepEqual(await moved.call('CONFIG', 'GET', 'bind'), ['bind', '127.0.0.1']);
      const again = await RespClient.connect(port);
      assert.equal(await again.call('PING'), 'PONG');
      // Inside MULTI the change cannot wait for the new listener: refused, nothing changes.
      assert.equal(await again.call('MULTI'), 'OK');
      assert.equal(await again.call('CONFIG', 'SET', 'port', String(ours.port)), 'QUEUED');
      const [reply] = (await again.call('EXEC')) as { error: string }[];
      assert.match(reply!.error, /cannot change inside MULTI or a script/);
      again.close();
      moved.close();
      c.close();
    } finally {
      await ours.close();
      await busy.close();
    }
  });
});

describe('CONFIG REWRITE', () => {
  const ORIGINAL = [
    '# Tidings test configuration',
    'port PORT',
    'bind 127.0.0.1',
    '',
    '# memory',
    'maxmemory 100mb',
    'maxmemory-policy noeviction',
    '# events',
    'notify-keyspace-events ""',
    'save 900 1',
    'save 300 10',
    'client-output-buffer-limit pubsub 32mb 8mb 60',
    'hash-max-ziplist-entries 100',
    'timeout 0',
    '',
  ].join('\n');
  const CHANGES = [
    'maxmemory', '2gb', 'notify-keyspace-events', 'KEA', 'save', '3600 1', 'timeout', '30', 'hash-max-listpack-entries', '200',
    'client-output-buffer-limit', 'pubsub 64mb 16mb 30', 'maxmemory-clients', '10%', 'slowlog-max-len', '1000',
  ];

  async function rewriteWith(command: string, bin: string[], dir: string, port: number): Promise<string> {
    const file = path.join(dir, 'server.conf');
    fs.writeFileSync(file, ORIGINAL.replace('PORT', String(port)));
    const proc = run(command, [...bin, file, '--daemonize', 'no', '--appendonly', 'no'], dir);
    try {
      await waitFor(proc, /Ready to accept connections/);
      const c = await RespClient.connect(port);
      assert.equal(await c.call('CONFIG', 'SET', ...CHANGES), 'OK');
      assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
      c.close();
    } finally {
      await stop(proc);
    }
    return fs.readFileSync(file, 'utf8');
  }

  test('edits the file in place, keeps comments and order, appends under the marker; a restart reads it back', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const text = await rewriteWith(process.execPath, [BIN], dir, port);
    const lines = text.split('\n');
    // Comments and blank lines where they were; changed values on their own lines.
    assert.deepEqual(lines.slice(0, 14), [
      '# Tidings test configuration',
      `port ${port}`,
      'bind 127.0.0.1',
      '',
      '# memory',
      'maxmemory 2gb',
      'maxmemory-policy noeviction',
      '# events',
      'notify-keyspace-events "AKE"',
      'save 3600 1',
      '',
      'client-output-buffer-limit normal 0 0 0',
      'hash-max-listpack-entries 200',
      'timeout 30',
    ]);
    const tail = lines.slice(lines.indexOf('# Generated by CONFIG REWRITE') + 1).filter(Boolean);
    assert.equal(lines[lines.indexOf('# Generated by CONFIG REWRITE') - 1], '');
    assert.deepEqual(tail.sort(), [
      'client-output-buffer-limit pubsub 64mb 16mb 30',
      `dir ${JSON.stringify(fs.realpathSync(dir))}`,
      'latency-tracking-info-percentiles 50 99 99.9',
      'maxmemory-clients 10%',
      'slowlog-max-len 1000',
      // As Redis: the users are written too when they are not in an aclfile.
      'user default on nopass ~* &* +@all',
    ]);
    // The file starts the server with the values set before.
    const again = tidings([path.join(dir, 'server.conf')], dir);
    try {
      await waitFor(again, /Ready to accept connections/);
      const c = await RespClient.connect(port);
      const got = pairs(await c.call('CONFIG', 'GET', 'maxmemory', 'notify-keyspace-events', 'save', 'timeout', 'hash-max-listpack-entries', 'client-output-buffer-limit', 'maxmemory-clients', 'slowlog-max-len'));
      assert.deepEqual(Object.fromEntries(got), {
        maxmemory: '2147483648',
        'notify-keyspace-events': 'AKE',
        save: '3600 1',
        timeout: '30',
        'hash-max-listpack-entries': '200',
        'client-output-buffer-limit': 'normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 30',
        'maxmemory-clients': '10%',
        'slowlog-max-len': '1000',
      });
      assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
      assert.match(fs.readFileSync(path.join(dir, 'server.conf'), 'utf8'), /^# Tidings test configuration\n/);
      c.close();
    } finally {
      await stop(again);
    }
  });

  test('writes what redis-server writes for the same file and changes (up to the order of appended lines)', async (t) => {
    if (!requireRedisServer(t)) return;
    const ours = await rewriteWith(process.execPath, [BIN], tmpDir(), await freePort());
    const theirs = await rewriteWith('redis-server', [], tmpDir(), await freePort());
    const normalise = (text: string) => {
      const lines = text.split('\n').filter((l) => !/^(port|dir|user) /.test(l));
      const at = lines.indexOf('# Generated by CONFIG REWRITE');
      return [...lines.slice(0, at + 1), ...lines.slice(at + 1).sort()];
    };
    assert.deepEqual(normalise(ours), normalise(theirs));
  });

  test('forcing every parameter (DEBUG CONFIG-REWRITE-FORCE-ALL) writes a file that loads back to the same values', () => {
    const config = new Config({
      maxmemory: '1gb',
      'notify-keyspace-events': 'KEA',
      save: '100 1 50 5',
      requirepass: 'a "quoted" pass\\',
      'client-output-buffer-limit': 'pubsub 1mb 2mb 3',
      unixsocketperm: '700',
      'shutdown-on-sigterm': 'nosave now',
      'latency-tracking-info-percentiles': '',
      'maxmemory-clients': '5%',
      'proc-title-template': '{title} x',
    });
    const file = path.join(tmpDir(), 'all.conf');
    const text = rewriteConfigText(config, '# everything\n', true);
    fs.writeFileSync(file, text);
    const loaded = loadConfig([file]).config;
    for (const p of PARAMS) {
      const expected = p.name === 'dir' ? path.resolve(config.show('dir')) : config.show(p.name);
      assert.equal(loaded.show(p.name), expected, `${p.name} in:\n${text}`);
    }
    assert.match(text, /^unixsocketperm 700$/m);
    assert.match(text, /^requirepass "a \\"quoted\\" pass\\\\"$/m);
  });

  test('without a config file: the error Redis gives', async () => {
    const ours = await startTidings();
    try {
      const c = await ours.connect();
      assert.deepEqual(await c.call('CONFIG', 'REWRITE'), { error: 'ERR The server is running without a config file' });
      c.close();
    } finally {
      await ours.close();
    }
  });
});

describe('start-up', () => {
  test("Debian's /etc/redis/redis.conf, unchanged, starts Tidings; each ignored directive is logged once", async (t) => {
    const debian = '/etc/redis/redis.conf';
    if (!fs.existsSync(debian)) {
      if (!requireRedisServer(t)) return;
      throw new Error(`${debian} is missing although redis-server is installed`);
    }
    const dir = tmpDir();
    const conf = path.join(dir, 'redis.conf');
    fs.copyFileSync(debian, conf);
    const port = await freePort();
    const proc = tidings([conf, '--port', String(port), '--daemonize', 'no', '--dir', dir, '--pidfile', path.join(dir, 'p'), '--logfile', ''], dir);
    try {
      await waitFor(proc, /Ready to accept connections/);
      const c = await RespClient.connect(port);
      assert.equal(await c.call('PING'), 'PONG');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'client-output-buffer-limit'), [
        'client-output-buffer-limit',
        'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
      ]);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'repl-diskless-sync-delay'), ['repl-diskless-sync-delay', '5']);
      c.close();
      assert.equal(fs.readFileSync(path.join(dir, 'p'), 'utf8').trim(), String(proc.child.pid));
      const out = proc.output();
      for (const name of ['jemalloc-bg-thread', 'repl-diskless-sync', 'dynamic-hz', 'disable-thp', 'activerehashing']) {
        const logged = out.match(new RegExp(`# Ignoring '${name}' \\(accepted for compatibility, no effect in Tidings\\): \\S`, 'g')) ?? [];
        assert.equal(logged.length, 1, `${name} logged once:\n${out}`);
      }
      // Parameters Tidings applies are not reported as ignored.
      for (const name of ['port', 'maxmemory-policy', 'timeout', 'appendonly', 'save', 'notify-keyspace-events', 'hz', 'lazyfree-lazy-eviction', 'oom-score-adj', 'set-proc-title']) {
        assert.doesNotMatch(out, new RegExp(`Ignoring '${name}'`));
      }
    } finally {
      await stop(proc);
    }
    assert.equal(fs.existsSync(path.join(dir, 'p')), false, 'pidfile removed at exit');
  });

  test('daemonize yes: the command returns once the server is ready; pidfile and logfile', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const pidfile = path.join(dir, 'tidings.pid');
    const logfile = path.join(dir, 'tidings.log');
    const proc = tidings(['--port', String(port), '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile], dir);
    assert.equal(await exitCode(proc), 0, proc.output());
    const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
    assert.ok(pid > 0 && pid !== proc.child.pid, `pid ${pid}`);
    try {
      const c = await RespClient.connect(port);
      assert.equal(await c.call('PING'), 'PONG');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'daemonize'), ['daemonize', 'yes']);
      const log = fs.readFileSync(logfile, 'utf8');
      assert.match(log, new RegExp(`^${pid}:M .* \\* Ready to accept connections$`, 'm'));
      assert.match(log, new RegExp(` PID: ${pid}\\b`));
      c.send('SHUTDOWN', 'NOSAVE');
      await c.waitClosed(WAIT_MS);
    } catch (err) {
      process.kill(pid, 'SIGKILL');
      throw err;
    }
    const deadline = Date.now() + WAIT_MS;
    while (fs.existsSync(pidfile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(fs.existsSync(pidfile), false, 'pidfile removed at exit');
  });

  test('daemonize yes with a failing start: the command reports it and exits 1', async () => {
    const dir = tmpDir();
    const proc = tidings(['--port', '0', '--daemonize', 'yes', '--pidfile', path.join(dir, 'p'), '--logfile', path.join(dir, 'no-such-dir', 'log')], dir);
    assert.equal(await exitCode(proc), 1);
    assert.match(proc.output(), /tidings: Can't open the log file: /);
  });

  const refused: [string, string[], string, RegExp][] = [
    ['cluster-enabled yes', ['--cluster-enabled', 'yes'], '', /command line: Tidings cannot start with 'cluster-enabled "yes"': Tidings runs standalone: Redis Cluster is not implemented/],
    ['loadmodule', [], '# modules\nloadmodule /usr/lib/redis/modules/x.so\n', /:2: Tidings cannot start with 'loadmodule .*': Tidings cannot load Redis modules/],
    ['a user directive with a bad rule', [], 'user alice on >pw ~* +@all\nuser bob on +nosuch\n', /tidings: .*:2: Error in applying operation '\+nosuch': Unknown command or category name in ACL\. WARNING: ACL errors detected/],
    ['user directives and an aclfile', ['--aclfile', '/nonexistent/users.acl'], 'user alice on >pw ~* +@all\n', /Configuring Redis with users defined in redis\.conf and at the same setting an ACL file path is invalid/],
    ['an aclfile that cannot be read', ['--aclfile', '/nonexistent/users.acl'], '', /Error loading ACLs, opening file '\/nonexistent\/users\.acl': No such file or directory/],
    ['a bad value in an ignored parameter', [], 'cluster-node-timeout soon\n', /:1: invalid value for 'cluster-node-timeout' in 'cluster-node-timeout soon': argument couldn't be parsed into an integer/],
    ['unbalanced quotes', [], 'requirepass "abc\n', /:1: unbalanced quotes in 'requirepass "abc'/],
  ];
  for (const [name, args, file, re] of refused) {
    test(`refused at start-up: ${name}`, async () => {
      const dir = tmpDir();
      const conf = path.join(dir, 'redis.conf');
      fs.writeFileSync(conf, file);
      const proc = tidings([conf, '--port', '0', ...args], dir);
      assert.equal(await exitCode(proc), 1, proc.output());
      assert.match(proc.output(), re);
      assert.doesNotMatch(proc.output(), /Ready to accept/);
    });
  }

  test('replicaof and masterauth in the file: Tidings starts as a replica and authenticates to its master', async (t) => {
    if (!requireRedisServer(t)) return;
    const master = await startRedis(['--requirepass', 'sekrit', '--repl-diskless-sync-delay', '0']);
    const dir = tmpDir();
    const port = await freePort();
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(conf, `replicaof 127.0.0.1 ${master.port}\nmasterauth sekrit\n`);
    const proc = tidings([conf, '--port', String(port)], dir);
    try {
      await waitFor(proc, /MASTER <-> REPLICA sync: Finished with success/);
      const c = await RespClient.connect(port);
      const info = (await c.call('INFO', 'replication')) as string;
      assert.match(info, /role:slave\r\n/);
      assert.match(info, new RegExp(`master_port:${master.port}\r\n`));
      assert.match(info, /master_link_status:up\r\n/);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'masterauth'), ['masterauth', 'sekrit']);
      c.close();
    } finally {
      await stop(proc);
      await master.close();
    }
  });

  test("redis-server's argument rules: option and value in one argument, values starting with --, --save alone", async () => {
    const dir = tmpDir();
    const port = await freePort();
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(conf, 'save 900 1\n');
    const proc = tidings(
      [conf, '--port', String(port), '--maxmemory 700mb', '--proc-title-template', '--my--title--{title}', '--shutdown-on-sigint', 'nosave', 'force', 'now', '--save', '100', '100'],
      dir,
    );
    try {
      await waitFor(proc, /Ready to accept connections/);
      const c = await RespClient.connect(port);
      const got = pairs(await c.call('CONFIG', 'GET', 'maxmemory', 'proc-title-template', 'shutdown-on-sigint', 'save'));
      assert.deepEqual(Object.fromEntries(got), {
        maxmemory: '734003200',
        'proc-title-template': '--my--title--{title}',
        'shutdown-on-sigint': 'nosave now force',
        // The first `save` of the file replaces the defaults; the command line adds to it.
        save: '900 1 100 100',
      });
      c.close();
    } finally {
      await stop(proc);
    }
    const empty = tidings(['--port', '0', '--save', '--loglevel', 'verbose'], dir);
    try {
      await waitFor(empty, /Running mode=standalone, port=(\d+)\.[\s\S]*Ready to accept connections/);
      const p = Number(/port=(\d+)\./.exec(empty.output())![1]);
      const c = await RespClient.connect(p);
      assert.deepEqual(Object.fromEntries(pairs(await c.call('CONFIG', 'GET', 'save', 'loglevel'))), { save: '', loglevel: 'verbose' });
      c.close();
    } finally {
      await stop(empty);
    }
  });

  test("config lines from stdin with '-' (echo 'port 7000' | tidings -)", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, '-', '--maxclients', '12'], { stdio: ['pipe', 'pipe', 'pipe'], cwd: tmpDir() });
    started.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const proc: Proc = { child, output: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    child.stdin!.end(`port ${port}\nmaxclients 5\n`);
    try {
      await waitFor(proc, /Ready to accept connections/);
      const c = await RespClient.connect(port);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '12']);
      assert.deepEqual(await c.call('CONFIG', 'REWRITE'), { error: 'ERR The server is running without a config file' });
      c.close();
    } finally {
      await stop(proc);
    }
  });

  test('rename-command renames or disables a command; include reads another file', async () => {
    const dir = tmpDir();
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'extra.conf'), 'maxclients 77\n');
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(conf, `include ${path.join(dir, 'extra.conf')}\nrename-command FLUSHALL ""\nrename-command config cfg\n`);
    const proc = tidings([conf, '--port', String(port)], dir);
    try {
      await waitFor(proc, /Ready to accept connections/);
      const c = await RespClient.connect(port);
      assert.deepEqual(await c.call('FLUSHALL'), { error: "ERR unknown command 'FLUSHALL', with args beginning with: " });
      assert.deepEqual(((await c.call('CONFIG', 'GET', 'maxclients')) as { error: string }).error.startsWith('ERR unknown command'), true);
      assert.deepEqual(await c.call('CFG', 'GET', 'maxclients'), ['maxclients', '77']);
      c.close();
    } finally {
      await stop(proc);
    }
  });
});

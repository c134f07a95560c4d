// Shared helpers for the benchmarks: start/stop Tidings and redis-server on free loopback ports,
// CPU time of a process from /proc/<pid>/stat, redis-benchmark runs, a minimal RESP reader, stats.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';

export const ROOT = path.resolve(import.meta.dirname, '..');
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** Every server process started here, so an exit handler can stop them. */
const started = new Set();
function stopAllSync() {
  for (const child of started) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', stopAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stopAllSync();
    process.exit(130);
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on 127.0.0.1 (bind to 0, read the port, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Wait until something accepts connections on the port. */
export async function waitForPort(port, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on port ${port}`);
    await sleep(50);
  }
}

/** Build dist/ with tsc (skip with BENCH_NO_BUILD=1). */
export function build() {
  if (process.env.BENCH_NO_BUILD === '1') return;
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status === 0) return;
  // tsc still emits JavaScript on type errors; benchmark that, loudly, rather than nothing.
  if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) throw new Error('build failed');
  console.error('WARNING: tsc reported errors (above); benchmarking the JavaScript it emitted anyway.');
}

function openssl(dir, args) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}

/**
 * A CA and a server certificate for 127.0.0.1 made by openssl in a temporary directory:
 * { dir, ca, cert, key } (paths). Remove `dir` when done.
 */
export function makeCerts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-bench-tls-'));
  openssl(dir, ['genrsa', '-out', 'ca.key', '2048']);
  openssl(dir, ['req', '-x509', '-new', '-nodes', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/CN=Tidings Bench CA', '-out', 'ca.crt']);
  openssl(dir, ['genrsa', '-out', 'server.key', '2048']);
  openssl(dir, ['req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.crt']);
  const at = (f) => path.join(dir, f);
  return { dir, ca: at('ca.crt'), cert: at('server.crt'), key: at('server.key') };
}

/**
 * Start a server. kind: 'tidings' | 'redis'. Returns { kind, name, port, tlsPort, pid, stop() }.
 * With `certs` (from makeCerts) it also listens for TLS on tlsPort (no client certificates asked).
 * `root` is the checkout whose bin/tidings.js runs (another build, for before/after comparisons);
 * `args` are added to the server's command line (e.g. ['--dir', tmp]).
 * TIDINGS_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to node for profiling.
 */
export async function startServer(kind, { certs, root = ROOT, args = [] } = {}) {
  const port = await freePort();
  const tlsPort = certs ? await freePort() : undefined;
  const tlsArgs = certs
    ? ['--tls-port', String(tlsPort), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']
    : [];
  let child;
  if (kind === 'tidings') {
    const nodeArgs = (process.env.TIDINGS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin/tidings.js'), '--port', String(port), '--save', '', ...tlsArgs, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } else {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning', ...tlsArgs, ...args],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  started.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForPort(port);
  if (tlsPort !== undefined) await waitForPort(tlsPort);
  return {
    kind,
    name: kind === 'tidings' ? 'Tidings' : 'Redis',
    port,
    tlsPort,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        started.delete(child);
        return;
      }
      // SIGINT lets node write a --cpu-prof profile; redis-server exits on it too.
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      started.delete(child);
    },
  };
}

/** User+system CPU seconds consumed so far by a process (all threads), from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name (which is in parentheses and may contain spaces).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / CLK_TCK;
}

/** Send one command and read one reply line/blob (enough for FLUSHALL, CONFIG SET, ...). */
export function command(port, args) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const reader = new RespReader();
    s.on('data', (chunk) => {
      reader.push(chunk);
      const v = reader.next();
      if (v !== undefined) {
        s.destroy();
        resolve(v);
      }
    });
    s.on('error', reject);
    s.write(encodeCommand(args));
  });
}

export function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  const parts = [];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`${out}$${b.length}\r\n`), b);
    out = '\r\n';
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/**
 * Run redis-benchmark against a port; returns { rps, p50, p99 } or { error }.
 * `test` is either a -t test name (ping_mbulk, set, ...) or an array for a custom command.
 */
export function redisBenchmark(port, test, { clients = 50, requests = 100000, pipeline = 1, keyspace = 0 } = {}) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', String(clients), '-n', String(requests), '-P', String(pipeline), '--csv'];
  if (keyspace > 0) args.push('-r', String(keyspace));
  if (Array.isArray(test)) args.push(...test);
  else args.push('-t', test);
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: Number(process.env.BENCH_TIMEOUT_MS ?? 120000) });
  if (r.error) return { error: r.error.message };
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  if (lines.length === 0) return { error: (r.stderr || r.stdout || 'no output').trim().split('\n').slice(-1)[0] };
  const cols = lines[0].split(',').map((c) => c.replace(/"/g, ''));
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]) };
}

/** Check that a command works on a server (so rows for missing commands are skipped, marked). */
export async function commandWorks(port, args) {
  const v = await command(port, args);
  if (v instanceof Error) return v.message;
  return true;
}

/**
 * Minimal incremental RESP2/RESP3 reader for benchmark clients: returns parsed values, errors as
 * Error objects. Bulk strings come back as Buffers (views; copy before keeping).
 */
export class RespReader {
  constructor() {
    this.buf = Buffer.alloc(0);
    this.pos = 0;
  }
  push(chunk) {
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }
  /** Next complete value, or undefined. */
  next() {
    const start = this.pos;
    const v = this.parse();
    if (v === NEED) {
      this.pos = start;
      return undefined;
    }
    return v;
  }
  parse() {
    const buf = this.buf;
    if (this.pos >= buf.length) return NEED;
    const lf = buf.indexOf(10, this.pos);
    if (lf === -1) return NEED;
    const type = buf[this.pos];
    const line = buf.latin1Slice(this.pos + 1, lf - 1);
    this.pos = lf + 1;
    switch (type) {
      case 43: // +
        return line;
      case 45: // -
        return new Error(line);
      case 58: // :
        return Number(line);
      case 36: {
        // $
        const n = Number(line);
        if (n < 0) return null;
        if (this.pos + n + 2 > buf.length) return NEED;
        const v = buf.subarray(this.pos, this.pos + n);
        this.pos += n + 2;
        return v;
      }
      case 42: // *
      case 62: {
        // >
        const n = Number(line);
        if (n < 0) return null;
        const arr = new Array(n);
        for (let i = 0; i < n; i++) {
          const v = this.parse();
          if (v === NEED) return NEED;
          arr[i] = v;
        }
        return arr;
      }
      default:
        return line;
    }
  }
}
const NEED = Symbol('need');

/** Percentile of a sorted numeric array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Latency samples with bounded memory (reservoir sampling). Values in ms. */
export class Samples {
  constructor(cap = 200000) {
    this.cap = cap;
    this.values = new Float64Array(cap);
    this.n = 0;
    this.seen = 0;
  }
  add(v) {
    this.seen++;
    if (this.n < this.cap) this.values[this.n++] = v;
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.values[j] = v;
    }
  }
  toArray() {
    return Array.from(this.values.subarray(0, this.n));
  }
}

export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

/** Machine facts for the report. */
export function machineFacts() {
  const cpus = os.cpus();
  let redisVersion = '';
  try {
    redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    redisVersion = 'redis-server not found';
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: redisVersion,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };
}

export function fmtInt(n) {
  if (!Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRatio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}x`;
}

/** Microseconds with 2 decimals. */
export function fmtUs(seconds) {
  if (!Number.isFinite(seconds)) return '—';
  return (seconds * 1e6).toFixed(2);
}

/** Replace (or append) a section between markers in BENCHMARKS.md. */
export function writeSection(file, name, text) {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const block = `${begin}\n${text.trim()}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i !== -1 && j !== -1) doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  else doc = (doc.trimEnd() + '\n\n' + block + '\n').trimStart();
  fs.writeFileSync(file, doc);
}

/** A raw pipelined connection: send many commands in one write, await their replies in order. */
export class Pipe {
  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Pipe(socket)));
      socket.once('error', reject);
    });
  }
  constructor(socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.reader = new RespReader();
    this.waiting = [];
    socket.on('data', (chunk) => {
      this.reader.push(chunk);
      for (;;) {
        const v = this.reader.next();
        if (v === undefined) break;
        const w = this.waiting.shift();
        if (w) w(v);
      }
    });
  }
  /** Send commands in one write; resolves with their replies in order. */
  batch(commands) {
    const replies = commands.map(() => new Promise((resolve) => this.waiting.push(resolve)));
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
    return Promise.all(replies);
  }
  close() {
    this.socket.destroy();
  }
}

/**
 * BENCH_RESIDENT=N (e.g. 1000000): the number of keys to load into each server before a benchmark,
 * so it runs with a real dataset in memory (#12) instead of an empty server. 0 (default) = none.
 */
export const RESIDENT = Math.max(0, Math.floor(Number(process.env.BENCH_RESIDENT ?? 0)));

/** What loadResident puts in, for the tables' captions. */
export function residentLabel(n = RESIDENT) {
  if (n === 0) return 'empty server';
  const s = Math.floor(n * 0.6);
  const h = Math.floor(n * 0.2);
  return `${fmtInt(n)} keys resident: ${fmtInt(s)} strings of 64 B, ${fmtInt(h)} hashes of 10 fields, ${fmtInt(n - s - h)} lists of 10 elements`;
}

/**
 * Load the resident dataset of residentLabel(n) with pipelined writes (keys `resident:*`, which no
 * benchmark touches). Every reply of SET/HSET/RPUSH is one line, so replies are counted by CRLF.
 */
export async function loadResident(port, n = RESIDENT) {
  if (n === 0) return;
  const strings = Math.floor(n * 0.6);
  const hashes = Math.floor(n * 0.2);
  const value = 'v'.repeat(64);
  const commandFor = (i) => {
    if (i < strings) return encodeCommand(['SET', `resident:s:${i}`, value]);
    if (i < strings + hashes) {
      const args = ['HSET', `resident:h:${i}`];
      for (let f = 0; f < 10; f++) args.push(`field:${f}`, `value:${i}:${f}`);
      return encodeCommand(args);
    }
    const args = ['RPUSH', `resident:l:${i}`];
    for (let e = 0; e < 10; e++) args.push(`element:${i}:${e}`);
    return encodeCommand(args);
  };
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const BATCH = 2000;
  let next = 0;
  let replies = 0;
  let sentInBatch = 0;
  await new Promise((resolve, reject) => {
    const sendBatch = () => {
      const parts = [];
      const end = Math.min(n, next + BATCH);
      for (; next < end; next++) parts.push(commandFor(next));
      sentInBatch = parts.length;
      sock.write(Buffer.concat(parts));
    };
    let pending = 0;
    sock.on('data', (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === 0x2d /* '-' */ && (i === 0 || chunk[i - 1] === 0x0a)) {
          reject(new Error(`loading the resident dataset: ${chunk.subarray(i, i + 80).toString()}`));
          return;
        }
        if (chunk[i] === 0x0a) pending++;
      }
      while (pending >= sentInBatch && sentInBatch > 0) {
        replies += sentInBatch;
        pending -= sentInBatch;
        sentInBatch = 0;
        if (next < n) sendBatch();
        else resolve();
      }
    });
    sock.once('error', reject);
    sendBatch();
  });
  sock.destroy();
  if (replies !== n) throw new Error(`loading the resident dataset: ${replies} replies for ${n} commands`);
}

const MGET_KEYS = Array.from({ length: 10 }, (_, i) => `mget:${i}`);

/**
 * The data commands of the per-op benchmarks (cpu-per-op, callgrind-per-op): label, redis-benchmark
 * test (a -t name or a custom command), commands to run first, and for RPOP what fills the list.
 */
export const DATA_COMMAND_ROWS = [
  { label: 'SET', test: 'set' },
  { label: 'GET', test: 'get', setup: [['SET', 'key:__rand_int__', 'xxx']] },
  { label: 'INCR', test: 'incr' },
  { label: 'LPUSH', test: 'lpush' },
  { label: 'RPOP', test: 'rpop', fill: 'lpush' },
  { label: 'HSET', test: 'hset' },
  { label: 'MGET (10 keys)', test: ['MGET', ...MGET_KEYS], setup: [['MSET', ...MGET_KEYS.flatMap((k) => [k, 'x'.repeat(16)])]] },
];

// Scripts measured by bench/scripting.mjs and bench/callgrind-per-op.mjs (its EVALSHA rows).
export const SCRIPTS = {
  incr: "return redis.call('INCR', KEYS[1])",
  loop: 'local s = 0 for i = 1, 1000 do s = s + i end return s',
  // redis-benchmark's CSV output quotes the command; a comma in it would split the row, hence `;`.
  evalIncr: "return redis.call(unpack({'INCR'; KEYS[1]}))",
  // A queue-library-like script: several commands of different kinds per call and a MessagePack
  // value to decode (stored once in bench:mp by `setup`: redis-benchmark passes arguments as
  // UTF-8 text, which would mangle MessagePack bytes).
  multi:
    "local o = cmsgpack.unpack(redis.call('GET', KEYS[4])) redis.call('HINCRBY', KEYS[1], 'n', 1) " +
    "redis.call('ZADD', KEYS[2], o.p, 'm') redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'a', 'b') " +
    "return redis.call('HMSET', KEYS[1], 'x', o.s)",
  setup: "return redis.call('SET', 'bench:mp', cmsgpack.pack({s = 'job', p = 5, t = 1700000000000, a = {1, 2}}))",
};
export const scriptSha = (body) => createHash('sha1').update(body).digest('hex');

/** EVALSHA rows for bench/callgrind-per-op.mjs (run when BENCH_ONLY names them, e.g. BENCH_ONLY=evalsha). */
export const SCRIPT_ROWS = [
  { label: 'EVALSHA INCR script', test: ['EVALSHA', scriptSha(SCRIPTS.incr), '1', 'bench:counter'], setup: [['SCRIPT', 'LOAD', SCRIPTS.incr]] },
  { label: 'EVALSHA 1,000-step loop', test: ['EVALSHA', scriptSha(SCRIPTS.loop), '0'], setup: [['SCRIPT', 'LOAD', SCRIPTS.loop]] },
  {
    label: 'EVALSHA GET+cmsgpack+4 writes',
    test: ['EVALSHA', scriptSha(SCRIPTS.multi), '4', 'bench:h', 'bench:z', 'bench:s', 'bench:mp'],
    setup: [['SCRIPT', 'LOAD', SCRIPTS.multi], ['EVAL', SCRIPTS.setup, '0']],
  },
];

/** A build's server started in this process (no listener used) and a socketless client of it: the command path without sockets. */
export async function inProcessServer(root) {
  const dist = (file) => pathToFileURL(path.join(root, 'dist', file)).href;
  const { startServer } = await import(dist('index.js'));
  const { Client } = await import(dist('net/client.js'));
  const { execute } = await import(dist('server/dispatch.js'));
  const running = await startServer({ port: 0, bind: '127.0.0.1' });
  const client = new Client(1, null, { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 }, '127.0.0.1:1', '127.0.0.1:2', 'tcp');
  return { running, server: running.server, client, execute };
}

/** The datasets of bench/huge-key.mjs: one key named `big`. */
export const HUGE_KEY_TYPES = ['hash', 'set', 'zset', 'list', 'stream', 'stream-pel'];

const HUGE_FILL = {
  hash: (i) => ['HSET', 'big', ...Array.from({ length: 100 }, (_, j) => [`field:${i + j}`, `value:${i + j}`]).flat()],
  set: (i) => ['SADD', 'big', ...Array.from({ length: 100 }, (_, j) => `member:${i + j}`)],
  zset: (i) => ['ZADD', 'big', ...Array.from({ length: 100 }, (_, j) => [String(i + j), `member:${i + j}`]).flat()],
  list: (i) => ['RPUSH', 'big', ...Array.from({ length: 100 }, (_, j) => `element:${i + j}`)],
};

/**
 * Make the key `big` of `n` elements of `type` (HUGE_KEY_TYPES; stream-pel: a stream whose group `g`
 * has every entry pending, read by 7 consumers).
 */
export async function fillHugeKey(port, type, n) {
  const pipe = await Pipe.open(port);
  if (type.startsWith('stream')) {
    for (let i = 0; i < n; i += 5000) await pipe.batch(Array.from({ length: 5000 }, (_, k) => ['XADD', 'big', `${1000 + i + k}-1`, 'f', `v${i + k}`]));
    if (type === 'stream-pel') {
      await command(port, ['XGROUP', 'CREATE', 'big', 'g', '0']);
      for (let i = 0; i < n; i += 10000) await pipe.batch([['XREADGROUP', 'GROUP', 'g', `c${(i / 10000) % 7}`, 'COUNT', '10000', 'STREAMS', 'big', '>']]);
    }
  } else {
    for (let i = 0; i < n; i += 5000) await pipe.batch(Array.from({ length: 50 }, (_, k) => HUGE_FILL[type](i + k * 100)));
  }
  pipe.close();
}

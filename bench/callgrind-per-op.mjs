// User-space instructions per data command, counted by valgrind's callgrind: repeatable on a loaded
// machine, where CPU time per op moves by ±20% between identical builds. Each server runs under
// callgrind with instrumentation off; per row the command is warmed up (JIT) uninstrumented, then
// counted over a fixed number of pipelined requests (redis-benchmark -c 50 -P 16).
//
//   node bench/callgrind-per-op.mjs                       # this checkout and redis-server
//   BENCH_BASE=/tmp/base node bench/callgrind-per-op.mjs  # also another build (a dir with bin/ and dist/)
//   BENCH_ROOT=/tmp/other ...                             # measure that build instead of this checkout
//
// Knobs: BENCH_REQUESTS (15000 counted per window), BENCH_WINDOWS (3: the median is reported),
// BENCH_WARMUP (100000), BENCH_ONLY=set,get, BENCH_KEYSPACE (0: one key per command, as
// redis-benchmark without -r; 100000: random keys, as bench/run.mjs's SET/GET/INCR/HSET rows),
// BENCH_NO_BUILD=1, BENCH_PIPELINE (16), BENCH_ONLY=ping,publish,zadd,mset or BENCH_ONLY=evalsha (rows not
// run by default: the network path alone; ZADD and MSET of 10 keys; scripts from lib.mjs's SCRIPTS).
// Kernel time (the socket syscalls) is not counted: it is the same number of
// read/write calls for both servers. Prints a Markdown table; writes nothing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, build, command, freePort, machineFacts, redisBenchmark, waitForPort, DATA_COMMAND_ROWS, SCRIPT_ROWS } from './lib.mjs';

const REQUESTS = Math.max(1000, Number(process.env.BENCH_REQUESTS ?? 15000));
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? 100000));
const WINDOWS = Math.max(1, Number(process.env.BENCH_WINDOWS ?? 3));
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
// BENCH_KEYSPACE=100000: redis-benchmark -r, as bench/run.mjs sends SET/GET/INCR/HSET (random keys).
const KEYSPACE = Math.max(0, Number(process.env.BENCH_KEYSPACE ?? 0));
// BENCH_PIPELINE=1: one request per read and one reply per write (the per-write cost shows).
const PIPELINE = Math.max(1, Number(process.env.BENCH_PIPELINE ?? 16));
// PING and PUBLISH (no subscribers) only when BENCH_ONLY names them: the network path alone.
const NETWORK_ROWS = [
  { label: 'PING', test: 'ping_mbulk' },
  { label: 'PUBLISH', test: ['PUBLISH', 'channel', 'xxx'] },
];
// ZADD (random members of one sorted set, -r 100000 as bench/run.mjs) and MSET (10 keys) on request too.
const EXTRA_ROWS = [
  { label: 'ZADD', test: 'zadd' },
  { label: 'MSET (10 keys)', test: 'mset' },
];
const ROWS = [...DATA_COMMAND_ROWS, ...(ONLY.length === 0 ? [] : [...EXTRA_ROWS, ...NETWORK_ROWS, ...SCRIPT_ROWS])].filter(
  (r) => ONLY.length === 0 || ONLY.some((o) => r.label.toLowerCase().includes(o)),
);

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function startUnderCallgrind(name, argv, dir) {
  const port = await freePort();
  const args = ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${path.join(dir, 'cg.%p')}`, ...argv(port)];
  const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'ignore'] });
  children.add(child);
  await waitForPort(port, 180000);
  return { name, port, pid: child.pid, dir, child, dumps: 0 };
}

function control(server, ...flags) {
  const r = spawnSync('callgrind_control', [...flags, String(server.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`callgrind_control ${flags.join(' ')}: ${r.stderr || r.stdout}`);
}

/** Instructions counted since the last zeroing: dump, read the new file's totals. */
function dumpTotal(server) {
  control(server, '-d');
  server.dumps++;
  const file = path.join(server.dir, `cg.${server.pid}.${server.dumps}`);
  const text = fs.readFileSync(file, 'latin1');
  const m = /^(?:totals|summary): (\d+)/m.exec(text);
  fs.rmSync(file);
  if (!m) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

function bench(server, test, requests) {
  const r = redisBenchmark(server.port, test, { clients: 50, requests, pipeline: PIPELINE, keyspace: KEYSPACE });
  if (r.error) throw new Error(`${server.name}: ${r.error}`);
}

async function measure(server, row) {
  await command(server.port, ['FLUSHALL']);
  for (const c of row.setup ?? []) await command(server.port, c);
  if (row.fill) bench(server, row.fill, WARMUP + WINDOWS * REQUESTS);
  if (WARMUP > 0) bench(server, row.test, WARMUP);
  control(server, '-i', 'on');
  const perOp = [];
  for (let w = 0; w < WINDOWS; w++) {
    control(server, '-z');
    bench(server, row.test, REQUESTS);
    perOp.push(dumpTotal(server) / REQUESTS);
  }
  control(server, '-i', 'off');
  // A window may hold a major GC or a JIT recompilation: the median of the windows.
  process.stderr.write(`${server.name} ${row.label} windows: ${perOp.map(Math.round).join(' / ')}\n`);
  perOp.sort((x, y) => x - y);
  return perOp[perOp.length >> 1];
}

if (!process.env.BENCH_NO_BUILD) build();
const facts = machineFacts();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-callgrind-'));
// TIDINGS_NODE_ARGS: node flags for both Tidings builds (e.g. --single-threaded: no concurrent JIT or
// parallel GC threads, steadier counts).
const nodeArgs = (process.env.TIDINGS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const tidings = (root) => (port) => [process.execPath, ...nodeArgs, path.join(root, 'bin/tidings.js'), '--port', String(port), '--save', ''];
const redis = (port) => ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
const plan = [];
if (process.env.BENCH_BASE) plan.push(['Tidings before', tidings(process.env.BENCH_BASE)]);
plan.push([process.env.BENCH_BASE ? 'Tidings after' : 'Tidings', tidings(process.env.BENCH_ROOT ?? ROOT)]);
plan.push(['Redis', redis]);

const results = plan.map(() => new Map());
try {
  for (let i = 0; i < plan.length; i++) {
    const [name, argv] = plan[i];
    const server = await startUnderCallgrind(name, argv, dir);
    try {
      for (const row of ROWS) {
        const ir = await measure(server, row);
        results[i].set(row.label, ir);
        process.stderr.write(`${name} ${row.label}: ${Math.round(ir)} instructions/op\n`);
      }
    } finally {
      server.child.kill('SIGKILL');
      children.delete(server.child);
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const redisIdx = plan.length - 1;
const head = ['Command', ...plan.map(([n]) => `${n} instr/op`), ...plan.slice(0, -1).map(([n]) => `${n}/Redis`)];
if (process.env.BENCH_BASE) head.push('after/before');
console.log(`Load average at start: ${facts.load}; ${facts.date}; node flags: ${nodeArgs.join(' ') || 'none'}; keyspace: ${KEYSPACE || 'one key'}; callgrind, median of ${WINDOWS} windows of ${REQUESTS} counted requests per row after ${WARMUP} uncounted, -c 50 -P ${PIPELINE}\n`);
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
for (const row of ROWS) {
  const v = results.map((r) => r.get(row.label));
  const cells = [row.label, ...v.map((x) => Math.round(x).toLocaleString('en-US')), ...v.slice(0, -1).map((x) => `${(x / v[redisIdx]).toFixed(2)}x`)];
  if (process.env.BENCH_BASE) cells.push(`${(v[1] / v[0]).toFixed(2)}x`);
  console.log(`| ${cells.join(' | ')} |`);
}

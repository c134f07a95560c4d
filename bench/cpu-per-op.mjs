// CPU per data command, pipelined: server utime+stime (/proc/<pid>/stat) over a fixed number of
// redis-benchmark requests, median of several rounds, servers alternating within each round.
// Meant for before/after comparisons on a loaded machine, where req/s is meaningless but CPU time
// per op of a fixed amount of work stays usable.
//
//   node bench/cpu-per-op.mjs                      # this checkout vs redis-server
//   BENCH_BASE=/tmp/base node bench/cpu-per-op.mjs # also another build (a dir with bin/ and dist/)
//   BENCH_ROOT=/tmp/other ...                      # measure that build instead of this checkout
//
// Knobs: BENCH_ROUNDS (5), BENCH_REQUESTS (300000), BENCH_ONLY=set,get, BENCH_PIPELINE (16), BENCH_NO_BUILD=1.
// Prints a Markdown table; writes nothing.
import { build, cpuSeconds, command, machineFacts, redisBenchmark, startServer, DATA_COMMAND_ROWS } from './lib.mjs';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const REQUESTS = Math.max(1000, Number(process.env.BENCH_REQUESTS ?? 300000));
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const PIPELINE = Math.max(1, Number(process.env.BENCH_PIPELINE ?? 16));

const ROWS = DATA_COMMAND_ROWS.filter((r) => ONLY.length === 0 || ONLY.some((o) => r.label.toLowerCase().includes(o)));

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function prepare(server, row) {
  await command(server.port, ['FLUSHALL']);
  for (const c of row.setup ?? []) await command(server.port, c);
  // RPOP needs a list at least as long as the run.
  if (row.fill) redisBenchmark(server.port, row.fill, { clients: 50, requests: REQUESTS, pipeline: 16 });
}

async function measure(server, row) {
  await prepare(server, row);
  const before = cpuSeconds(server.pid);
  const r = redisBenchmark(server.port, row.test, { clients: 50, requests: REQUESTS, pipeline: PIPELINE });
  const after = cpuSeconds(server.pid);
  if (r.error) throw new Error(`${server.name} ${row.label}: ${r.error}`);
  return ((after - before) / REQUESTS) * 1e6;
}

if (!process.env.BENCH_NO_BUILD) build();
const facts = machineFacts();
const servers = [];
if (process.env.BENCH_BASE) servers.push({ ...(await startServer('tidings', { root: process.env.BENCH_BASE })), name: 'Tidings before' });
servers.push({ ...(await startServer('tidings', process.env.BENCH_ROOT ? { root: process.env.BENCH_ROOT } : {})), name: process.env.BENCH_BASE ? 'Tidings after' : 'Tidings' });
servers.push(await startServer('redis'));

try {
  // Warm-up: one untimed run of every row (JIT), so the rounds measure steady state.
  for (const row of ROWS) for (const s of servers) await measure(s, row);
  const results = new Map();
  for (const row of ROWS) {
    const samples = servers.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => i);
      if (round % 2) order.reverse();
      for (const i of order) samples[i].push(await measure(servers[i], row));
    }
    results.set(row.label, samples);
    process.stderr.write(`${row.label}: ${samples.map((s, i) => `${servers[i].name} ${s.map((v) => v.toFixed(2)).join('/')}`).join('; ')}\n`);
  }
  const redisIdx = servers.length - 1;
  const head = ['Command', ...servers.map((s) => `${s.name} µs/op`), ...servers.slice(0, -1).map((s) => `${s.name}/Redis`)];
  if (process.env.BENCH_BASE) head.push('after/before');
  console.log(`Load average at start: ${facts.load}; ${facts.date}; ${REQUESTS} requests per run, -c 50 -P ${PIPELINE}, median of ${ROUNDS}\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const [label, samples] of results) {
    const med = samples.map(median);
    const cells = [label, ...med.map((v) => v.toFixed(2)), ...med.slice(0, -1).map((v) => `${(v / med[redisIdx]).toFixed(2)}x`)];
    if (process.env.BENCH_BASE) cells.push(`${(med[1] / med[0]).toFixed(2)}x`);
    console.log(`| ${cells.join(' | ')} |`);
  }
} finally {
  for (const s of servers) await s.stop();
}

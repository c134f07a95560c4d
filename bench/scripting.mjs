#!/usr/bin/env node
// Scripting benchmark, Tidings and redis-server side by side in the same run: redis-benchmark
// sending EVALSHA of `return redis.call('INCR', KEYS[1])` (one key, and random keys), plain INCR
// for reference, EVAL of the same body (sha lookup of the body on every call), and a script that
// spends its time in Lua (a 1,000-step loop), and a script calling four commands of different kinds
// with a MessagePack argument (as queue libraries do). Without pipelining and with -P 16.
// Prints a table with Tidings/Redis ratios and writes a section of BENCHMARKS.md.
//
// Environment: BENCH_SCALE=0.2 (fewer requests), BENCH_NO_BUILD=1, BENCH_ROUNDS=N (best of N),
// BENCH_NO_DRAFT=1 (do not write BENCHMARKS.md), BENCH_ONLY=loop,one key (rows whose label contains
// one of these), BENCH_PIPELINES=16 (only these pipeline depths), BENCH_BASE=/tmp/base (also
// another build, a directory with its bin/ and dist/, measured in the same run: "before" columns).
import path from 'node:path';
import {
  ROOT,
  build,
  startServer,
  cpuSeconds,
  redisBenchmark,
  command,
  machineFacts,
  fmtInt,
  fmtRatio,
  writeSection,
  SCRIPTS,
  scriptSha,
} from './lib.mjs';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const DRAFT = path.join(ROOT, 'BENCHMARKS.md');
const CLIENTS = 50;
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean).map((o) => o.toLowerCase());
const PIPELINES = (process.env.BENCH_PIPELINES ?? '1,16').split(',').map(Number);
const BASE = process.env.BENCH_BASE;

const INCR_SCRIPT = SCRIPTS.incr;
const LOOP_SCRIPT = SCRIPTS.loop;
const EVAL_SCRIPT = SCRIPTS.evalIncr;
const MULTI_SCRIPT = SCRIPTS.multi;
const SETUP_SCRIPT = SCRIPTS.setup;
const sha = scriptSha;

const ALL_ROWS = [
  { label: 'INCR (reference, no script)', test: ['INCR', 'bench:plain'] },
  { label: 'EVALSHA INCR script, one key', test: ['EVALSHA', sha(INCR_SCRIPT), '1', 'bench:counter'] },
  { label: 'EVALSHA INCR script, random keys', test: ['EVALSHA', sha(INCR_SCRIPT), '1', 'bench:c:__rand_int__'], keyspace: 100000 },
  { label: 'EVAL of an INCR script (body sent each call)', test: ['EVAL', EVAL_SCRIPT, '1', 'bench:counter2'] },
  { label: 'EVALSHA 1,000-step Lua loop', test: ['EVALSHA', sha(LOOP_SCRIPT), '0'] },
  {
    label: 'EVALSHA GET+cmsgpack.unpack+HINCRBY+ZADD+XADD+HMSET',
    test: ['EVALSHA', sha(MULTI_SCRIPT), '4', 'bench:h', 'bench:z', 'bench:s', 'bench:mp'],
  },
];

const ROWS = ALL_ROWS.filter((r) => ONLY.length === 0 || ONLY.some((o) => r.label.toLowerCase().includes(o)));

function requestsFor(pipeline) {
  return Math.max(1000, Math.round((pipeline === 1 ? 100000 : 300000) * SCALE));
}

async function cell(server, row, pipeline) {
  let best;
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = cpuSeconds(server.pid);
    const result = redisBenchmark(server.port, row.test, {
      clients: CLIENTS,
      requests: requestsFor(pipeline),
      pipeline,
      keyspace: row.keyspace ?? 0,
    });
    const cpu = cpuSeconds(server.pid) - cpu0;
    if (result.error) return { error: result.error };
    const value = { ...result, cpu };
    if (!best || value.rps > best.rps) best = value;
  }
  return best;
}

async function main() {
  build();
  const facts = machineFacts();
  const servers = {};
  const kinds = BASE ? ['tidings', 'base', 'redis'] : ['tidings', 'redis'];
  for (const kind of kinds) {
    servers[kind] = kind === 'base' ? await startServer('tidings', { root: BASE }) : await startServer(kind);
    for (const body of [INCR_SCRIPT, LOOP_SCRIPT, MULTI_SCRIPT]) {
      const loaded = await command(servers[kind].port, ['SCRIPT', 'LOAD', body]);
      if (loaded instanceof Error) throw loaded;
    }
    const setup = await command(servers[kind].port, ['EVAL', SETUP_SCRIPT, '0']);
    if (setup instanceof Error) throw setup;
  }
  const lines = [];
  const show = (c) => (c.error ? c.error : fmtInt(c.rps).padStart(9));
  try {
    for (const pipeline of PIPELINES) {
      for (const row of ROWS) {
        // Rotate which server goes first per row so none always runs on a cooler machine.
        const order = kinds.map((_, i) => kinds[(i + lines.length) % kinds.length]);
        const res = {};
        for (const kind of order) res[kind] = await cell(servers[kind], row, pipeline);
        lines.push({ label: row.label, pipeline, t: res.tidings, b: res.base, r: res.redis });
        const t = res.tidings;
        const r = res.redis;
        console.log(
          `${row.label.padEnd(52)} -P ${String(pipeline).padEnd(2)}  Tidings ${show(t)} rps   ` +
            (res.base ? `before ${show(res.base)} rps   ` : '') +
            `Redis ${show(r)} rps   ratio ${t.error || r.error ? '—' : fmtRatio(t.rps, r.rps)}`,
        );
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }

  let md = '## Scripting (EVAL/EVALSHA)\n\n';
  md += `redis-benchmark, ${CLIENTS} clients; best of ${ROUNDS}; ${facts.cpu}, ${facts.cores} cores, node ${facts.node}, ${facts.redis.split(' ').slice(0, 3).join(' ')}; load ${facts.load}; ${facts.date}.\n`;
  md += 'Ratio = Tidings rps / Redis rps. CPU = server CPU seconds for the cell.';
  md += BASE ? ' "Before" is the build in BENCH_BASE, measured in the same run.\n\n' : '\n\n';
  const before = (c) => (c.error ? c.error : fmtInt(c.rps));
  md += `| Command | Pipeline | Tidings rps |${BASE ? ' Before rps |' : ''} Redis rps | Ratio | Tidings p50 ms | Redis p50 ms | Tidings CPU s |${BASE ? ' Before CPU s |' : ''} Redis CPU s |\n`;
  md += `| --- | --- | ---: |${BASE ? ' ---: |' : ''} ---: | ---: | ---: | ---: | ---: |${BASE ? ' ---: |' : ''} ---: |\n`;
  for (const l of lines) {
    const t = l.t;
    const r = l.r;
    md += `| ${l.label} | ${l.pipeline} | ${t.error ? t.error : fmtInt(t.rps)} |${BASE ? ` ${before(l.b)} |` : ''} ${r.error ? r.error : fmtInt(r.rps)} | ${
      t.error || r.error ? '—' : fmtRatio(t.rps, r.rps)
    } | ${t.p50 ?? '—'} | ${r.p50 ?? '—'} | ${t.cpu?.toFixed(2) ?? '—'} |${BASE ? ` ${l.b.cpu?.toFixed(2) ?? '—'} |` : ''} ${r.cpu?.toFixed(2) ?? '—'} |\n`;
  }
  console.log('\n' + md);
  if (process.env.BENCH_NO_DRAFT !== '1') writeSection(DRAFT, 'scripting', md);
}

await main();

#!/usr/bin/env node
// `npm run bench`: redis-benchmark against Tidings and redis-server side by side (same machine,
// same run, servers alternating per row), then a producer/consumer queue benchmark (LPUSH
// producers, BRPOP consumers), then the pub/sub fan-out benchmark (bench/fanout.mjs).
// Results are printed and written to BENCHMARKS.md.
//
// Options (environment): BENCH_SCALE=0.2 (fewer requests, quicker), BENCH_ONLY=ping,set (rows),
// BENCH_NO_BUILD=1, BENCH_NO_FANOUT=1, BENCH_NO_QUEUE=1, BENCH_ROUNDS=N (best of N per cell),
// BENCH_RESIDENT=1000000 (load that many keys into both servers first: the resident-dataset variant,
// written to its own sections of BENCHMARKS.md).
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  ROOT,
  build,
  startServer,
  cpuSeconds,
  redisBenchmark,
  command,
  encodeCommand,
  RespReader,
  Samples,
  summarize,
  machineFacts,
  fmtInt,
  fmtRatio,
  fmtUs,
  writeSection,
  sleep,
  RESIDENT,
  residentLabel,
  loadResident,
} from './lib.mjs';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.toLowerCase().split(',') : undefined;
const CLIENTS = 50;
const DRAFT = path.join(ROOT, 'BENCHMARKS.md');

/** Rows: label, redis-benchmark test (or custom command), probe command proving it exists. */
const ROWS = [
  { label: 'PING (inline)', test: 'ping_inline', probe: ['PING'] },
  { label: 'PING (multibulk)', test: 'ping_mbulk', probe: ['PING'] },
  { label: 'PUBLISH (no subscribers)', test: ['publish', 'bench:ch', 'hello'], probe: ['PUBLISH', 'bench:probe', 'x'] },
  { label: 'SET', test: 'set', probe: ['SET', 'bench:probe', 'x'], keyspace: 100000 },
  { label: 'GET', test: 'get', probe: ['GET', 'bench:probe'], keyspace: 100000 },
  { label: 'INCR', test: 'incr', probe: ['INCR', 'bench:probe:n'], keyspace: 100000 },
  { label: 'LPUSH', test: 'lpush', probe: ['LPUSH', 'bench:probe:l', 'x'] },
  { label: 'RPOP', test: 'rpop', probe: ['RPOP', 'bench:probe:l'] },
  { label: 'HSET', test: 'hset', probe: ['HSET', 'bench:probe:h', 'f', 'v'], keyspace: 100000 },
  { label: 'ZADD', test: 'zadd', probe: ['ZADD', 'bench:probe:z', '1', 'm'], keyspace: 100000 },
  { label: 'SADD', test: 'sadd', probe: ['SADD', 'bench:probe:s', 'm'], keyspace: 100000 },
  // HGET reads the hash redis-benchmark's HSET row writes (`myhash`, fields element:<r>), filled first.
  {
    label: 'HGET',
    test: ['HGET', 'myhash', 'element:__rand_int__'],
    probe: ['HGET', 'bench:probe:h', 'f'],
    keyspace: 100000,
    fill: { test: 'hset', requests: 300000 },
  },
  // As redis-benchmark's lrange_100, without its LPUSH pass inside the measured run: a list of 100 elements.
  {
    label: 'LRANGE_100',
    test: ['LRANGE', 'mylist', '0', '99'],
    probe: ['LRANGE', 'bench:probe:l', '0', '99'],
    setup: [['DEL', 'mylist'], ['RPUSH', 'mylist', ...Array(100).fill('xxx')]],
  },
  { label: 'MSET (10 keys)', test: 'mset', probe: ['MSET', 'bench:probe:m', 'x'], keyspace: 100000 },
  { label: 'XADD', test: ['XADD', 'mystream', '*', 'myfield', 'xxx'], probe: ['XADD', 'bench:probe:x', '*', 'f', 'v'] },
];

function requestsFor(pipeline) {
  return Math.max(1000, Math.round((pipeline === 1 ? 100000 : 500000) * SCALE));
}

/** A row's data, made before its measured run (not counted): setup commands, then a fill run. */
async function prepareRow(server, row) {
  for (const c of row.setup ?? []) await command(server.port, c);
  if (row.fill) {
    const r = redisBenchmark(server.port, row.fill.test, {
      clients: CLIENTS,
      requests: row.fill.requests,
      pipeline: 16,
      keyspace: row.keyspace ?? 0,
    });
    if (r.error) throw new Error(`${server.name} ${row.label} fill: ${r.error}`);
  }
}

async function benchCell(server, row, pipeline) {
  const requests = requestsFor(pipeline);
  let best;
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = cpuSeconds(server.pid);
    const t0 = process.hrtime.bigint();
    const res = redisBenchmark(server.port, row.test, { clients: CLIENTS, requests, pipeline, keyspace: row.keyspace ?? 0 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(server.pid) - cpu0;
    if (res.error) return { error: res.error };
    const cell = { rps: res.rps, p50: res.p50, p99: res.p99, cpuPerOp: cpu / requests, cpuShare: cpu / wall };
    if (best === undefined || cell.rps > best.rps) best = cell;
  }
  return best;
}

async function probe(server, args) {
  try {
    const v = await command(server.port, args);
    return v instanceof Error ? v.message : true;
  } catch (err) {
    return err.message;
  }
}

// ---------------------------------------------------------------- queue benchmark

/**
 * Producer/consumer queue: P producer connections LPUSH jobs (payload = send time in ns) with a
 * bounded backlog; C consumer connections loop on BRPOP. Returns jobs/s and latency p50/p99.
 */
async function queueBench(server, { producers = 4, consumers = 16, seconds = 3, backlog = 256, window = 16 } = {}) {
  const key = 'bench:queue';
  await command(server.port, ['DEL', key]);
  const samples = new Samples();
  let produced = 0;
  let consumed = 0;
  let running = true;
  const sockets = [];
  const connect = () =>
    new Promise((resolve, reject) => {
      const s = net.connect(server.port, '127.0.0.1');
      s.setNoDelay(true);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
      sockets.push(s);
    });

  const cons = [];
  for (let i = 0; i < consumers; i++) {
    const s = await connect();
    const reader = new RespReader();
    const brpop = encodeCommand(['BRPOP', key, '1']);
    s.on('data', (chunk) => {
      reader.push(chunk);
      let v;
      while ((v = reader.next()) !== undefined) {
        if (Array.isArray(v)) {
          const sent = BigInt(v[1].latin1Slice(0, v[1].length));
          samples.add(Number(process.hrtime.bigint() - sent) / 1e6);
          consumed++;
          kick();
        } else if (v instanceof Error) {
          throw v;
        }
        if (running) s.write(brpop);
      }
    });
    cons.push({ s, brpop });
  }
  const prods = [];
  const kick = () => {
    for (const p of prods) p.pump();
  };
  for (let i = 0; i < producers; i++) {
    const s = await connect();
    const reader = new RespReader();
    const p = {
      inflight: 0,
      pump() {
        if (!running) return;
        let batch = [];
        while (p.inflight < window && produced - consumed < backlog) {
          batch.push(encodeCommand(['LPUSH', key, String(process.hrtime.bigint())]));
          p.inflight++;
          produced++;
        }
        if (batch.length) s.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
      },
    };
    s.on('data', (chunk) => {
      reader.push(chunk);
      let v;
      while ((v = reader.next()) !== undefined) {
        if (v instanceof Error) throw v;
        p.inflight--;
      }
      p.pump();
    });
    prods.push(p);
  }
  const cpu0 = cpuSeconds(server.pid);
  const t0 = process.hrtime.bigint();
  for (const c of cons) c.s.write(c.brpop);
  kick();
  await sleep(seconds * 1000);
  running = false;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(server.pid) - cpu0;
  const done = consumed;
  for (const s of sockets) s.destroy();
  await command(server.port, ['DEL', key]);
  const lat = summarize(samples.toArray());
  return { jobsPerSec: done / wall, p50: lat.p50, p99: lat.p99, cpuPerJob: cpu / done };
}

// ---------------------------------------------------------------- main

async function main() {
  build();
  const facts = machineFacts();
  const servers = [await startServer('tidings'), await startServer('redis')];
  const [tid, red] = servers;
  const results = [];
  for (const s of servers) {
    const t0 = Date.now();
    await loadResident(s.port);
    if (RESIDENT > 0) console.log(`${s.name}: ${residentLabel()} (loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const suffix = RESIDENT > 0 ? '-resident' : '';
  let queue;
  try {
    const rows = ROWS.filter((r) => !ONLY || ONLY.some((o) => r.label.toLowerCase().includes(o)));
    let flip = false;
    for (const row of rows) {
      const t = await probe(tid, row.probe);
      const entry = { row, cells: {} };
      results.push(entry);
      if (t !== true) {
        entry.skipped = `Tidings: ${t}`;
        console.log(`${row.label}: skipped (${entry.skipped})`);
        continue;
      }
      for (const pipeline of [1, 16]) {
        const order = flip ? [red, tid] : [tid, red];
        flip = !flip;
        const cell = {};
        for (const s of order) {
          // With a resident dataset nothing is flushed: keys written by earlier cells stay too.
          if (RESIDENT === 0) await command(s.port, ['FLUSHALL']);
          await prepareRow(s, row);
          cell[s.kind] = await benchCell(s, row, pipeline);
        }
        entry.cells[pipeline] = cell;
        const a = cell.tidings;
        const b = cell.redis;
        console.log(
          `${row.label.padEnd(26)} -P ${String(pipeline).padEnd(2)}  Tidings ${fmtInt(a.rps).padStart(10)}  Redis ${fmtInt(b.rps).padStart(10)}  ` +
            `ratio ${fmtRatio(a.rps, b.rps)}  cpu/op ${fmtUs(a.cpuPerOp)}µs vs ${fmtUs(b.cpuPerOp)}µs`,
        );
      }
    }
    if (process.env.BENCH_NO_QUEUE !== '1') {
      const t = await probe(tid, ['BRPOP', 'bench:probe:nolist', '0.01']);
      if (t !== true && t !== null) queue = { skipped: `Tidings: ${t}` };
      else {
        queue = {};
        for (const s of [tid, red]) {
          if (RESIDENT === 0) await command(s.port, ['FLUSHALL']);
          queue[s.kind] = await queueBench(s, { seconds: Math.max(1, 3 * Math.min(1, SCALE * 2)) });
          const q = queue[s.kind];
          console.log(
            `queue ${s.name.padEnd(8)} ${fmtInt(q.jobsPerSec)} jobs/s  p50 ${q.p50.toFixed(3)} ms  p99 ${q.p99.toFixed(3)} ms  cpu/job ${fmtUs(q.cpuPerJob)}µs`,
          );
        }
      }
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  if (RESIDENT === 0) writeSection(DRAFT, 'machine', machineSection(facts));
  writeSection(DRAFT, `commands${suffix}`, commandsSection(results, queue, facts));
  if (process.env.BENCH_NO_FANOUT !== '1') {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/fanout.mjs')], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_NO_BUILD: '1' },
    });
    if (r.status !== 0) process.exitCode = 1;
  }
}

function machineSection(f) {
  return [
    '## Machine',
    '',
    `- CPU: ${f.cpu}, ${f.cores} cores (shared with other work; numbers are noisy: compare ratios within a run)`,
    `- Memory: ${f.memGiB} GiB; ${f.kernel}; Node ${f.node}; ${f.redis}`,
    `- Load average at start: ${f.load}; run at ${f.date}`,
    '- Everything on 127.0.0.1; client tools run on the same 2 cores as the servers.',
  ].join('\n');
}

function commandsSection(results, queue, facts) {
  const lines = [
    RESIDENT > 0 ? `## Commands with ${fmtInt(RESIDENT)} keys resident (redis-benchmark)` : '## Commands (redis-benchmark)',
    '',
    `Dataset: ${residentLabel()}` +
      (RESIDENT > 0
        ? ', loaded into both servers before the first cell; no FLUSHALL between cells, so the keys each cell writes (up to 100,000 per row) stay too.'
        : ', FLUSHALL before each cell.') +
      (RESIDENT > 0 ? ` Run at ${facts.date}, load average at start ${facts.load}.` : ''),
    '',
    `\`redis-benchmark -c ${CLIENTS} -n <N> -P <1|16> --csv\` per row, Tidings and Redis alternating; ` +
      `N = ${requestsFor(1)} for -P 1 and ${requestsFor(16)} for -P 16` +
      (ROUNDS > 1 ? `, best of ${ROUNDS}` : '') +
      '. CPU per op = server process utime+stime (from /proc/<pid>/stat) over the run / N.',
    '',
    'Keys: SET, GET, INCR, HSET, HGET, ZADD, SADD and MSET run with `-r 100000` (redis-benchmark\'s `key:__rand_int__`, ' +
      'so SET/INCR/MSET write across up to 100,000 keys, HSET/HGET use one hash of up to 100,000 fields, ZADD/SADD one ' +
      'zset/set of up to 100,000 members, and GET on an emptied database misses); HGET first gets 300,000 HSETs (not ' +
      'measured); LRANGE_100 reads a list of 100 three-byte elements; LPUSH, RPOP and XADD use one key.',
    '',
    '| Command | -P | Tidings req/s | Redis req/s | Tidings/Redis | Tidings CPU/op (µs) | Redis CPU/op (µs) | CPU ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { row, cells, skipped } of results) {
    if (skipped) {
      lines.push(`| ${row.label} | — | skipped | | | | | (${skipped.replace(/\|/g, '/')}) |`);
      continue;
    }
    for (const p of [1, 16]) {
      const c = cells[p];
      if (!c) continue;
      const a = c.tidings;
      const b = c.redis;
      if (a.error || b.error) {
        lines.push(`| ${row.label} | ${p} | ${a.error ?? fmtInt(a.rps)} | ${b.error ?? fmtInt(b.rps)} | — | | | |`);
        continue;
      }
      lines.push(
        `| ${row.label} | ${p} | ${fmtInt(a.rps)} | ${fmtInt(b.rps)} | **${fmtRatio(a.rps, b.rps)}** | ${fmtUs(a.cpuPerOp)} | ${fmtUs(b.cpuPerOp)} | ${fmtRatio(a.cpuPerOp, b.cpuPerOp)} |`,
      );
    }
  }
  lines.push('');
  lines.push('### Producer/consumer queue (LPUSH producers, BRPOP consumers)');
  lines.push('');
  if (!queue) lines.push('Not run.');
  else if (queue.skipped) lines.push(`Skipped: ${queue.skipped}`);
  else {
    lines.push('4 producer connections (LPUSH, up to 16 in flight each, backlog capped at 256 jobs), 16 consumer connections looping on `BRPOP q 1`; payload = send timestamp; latency = LPUSH sent → BRPOP reply received.');
    lines.push('');
    lines.push('| Server | jobs/s | p50 latency (ms) | p99 latency (ms) | CPU/job (µs) |');
    lines.push('|---|---:|---:|---:|---:|');
    for (const k of ['tidings', 'redis']) {
      const q = queue[k];
      lines.push(`| ${k === 'tidings' ? 'Tidings' : 'Redis'} | ${fmtInt(q.jobsPerSec)} | ${q.p50.toFixed(3)} | ${q.p99.toFixed(3)} | ${fmtUs(q.cpuPerJob)} |`);
    }
    lines.push(`| Tidings/Redis | **${fmtRatio(queue.tidings.jobsPerSec, queue.redis.jobsPerSec)}** | | | ${fmtRatio(queue.tidings.cpuPerJob, queue.redis.cpuPerJob)} |`);
  }
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

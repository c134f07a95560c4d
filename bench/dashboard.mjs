#!/usr/bin/env node
// What an open dashboard costs (issue #13's target: under 5%). Three Tidings configurations, runs
// interleaved, CPU per request of the Tidings process from /proc (steadier than throughput on a
// shared machine):
//   off      no HTTP listener (the default)
//   idle     `metrics-port` + `dashboard yes`, nobody watching
//   watched  the same with a dashboard open: the /events stream (a snapshot a second), a message
//            tap following the benchmarked channel, and a Prometheus scrape of /metrics every second
// Workloads: redis-benchmark -P 16, 50 clients: SET on 100k random keys, and PUBLISH to a channel
// with one subscriber reading. Dataset: ~170k string keys loaded before the runs (so the snapshot's
// keyspace sampling has something to walk). Result written to BENCHMARKS.md (section dashboard).
// Usage: node bench/dashboard.mjs   (BENCH_ROUNDS=N rounds per cell, default 3; BENCH_SCALE)
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import { ROOT, build, freePort, waitForPort, cpuSeconds, redisBenchmark, machineFacts, writeSection, sleep } from './lib.mjs';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const REQUESTS = Math.max(10000, Math.round(500000 * SCALE));

async function startTidings(mode) {
  const port = await freePort();
  const args = [path.join(ROOT, 'bin/tidings.js'), '--port', String(port), '--save', ''];
  let httpPort = 0;
  if (mode !== 'off') {
    httpPort = await freePort();
    args.push('--metrics-port', String(httpPort), '--dashboard', 'yes');
  }
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  const stops = [];
  if (mode === 'watched') {
    await waitForPort(httpPort);
    stops.push(openStream(httpPort, '/events'));
    stops.push(openStream(httpPort, '/tap?name=bench%3Ach&pattern=0'));
    const scrape = setInterval(() => http.get({ port: httpPort, host: '127.0.0.1', path: '/metrics' }, (res) => res.resume()), 1000);
    stops.push(() => clearInterval(scrape));
  }
  return {
    port,
    pid: child.pid,
    async stop() {
      for (const s of stops) s();
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** An SSE reader that consumes everything (as a browser tab would), closed by the returned function. */
function openStream(port, pathname) {
  const req = http.get({ port, host: '127.0.0.1', path: pathname }, (res) => res.on('data', () => {}));
  req.on('error', () => {});
  return () => req.destroy();
}

/** A subscriber on bench:ch that reads and discards, so PUBLISH delivers to one client. */
async function subscriber(port) {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  s.write('*2\r\n$9\r\nSUBSCRIBE\r\n$8\r\nbench:ch\r\n');
  s.on('data', () => {});
  return s;
}

async function cell(mode, workload) {
  const srv = await startTidings(mode);
  try {
    redisBenchmark(srv.port, 'set', { requests: 400000, pipeline: 16, keyspace: 200000 });
    const sub = await subscriber(srv.port);
    await sleep(1500); // a dashboard snapshot or two before measuring
    const cpu0 = cpuSeconds(srv.pid);
    const r =
      workload === 'set'
        ? redisBenchmark(srv.port, 'set', { requests: REQUESTS, pipeline: 16, keyspace: 100000 })
        : redisBenchmark(srv.port, ['publish', 'bench:ch', 'hello'], { requests: REQUESTS, pipeline: 16 });
    const cpu = cpuSeconds(srv.pid) - cpu0;
    sub.destroy();
    if (r.error) throw new Error(`${mode} ${workload}: ${r.error}`);
    return { rps: r.rps, cpuUs: (cpu * 1e6) / REQUESTS };
  } finally {
    await srv.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

build();
const modes = ['off', 'idle', 'watched'];
const results = {};
for (const workload of ['set', 'publish']) {
  for (const m of modes) results[`${workload}:${m}`] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of modes) {
      const r = await cell(m, workload);
      results[`${workload}:${m}`].push(r);
      console.log(`${workload} ${m} round ${round + 1}: ${Math.round(r.rps)} req/s, ${r.cpuUs.toFixed(3)} µs CPU/req`);
    }
  }
}

const rows = [];
for (const workload of ['set', 'publish']) {
  const base = results[`${workload}:off`];
  const baseCpu = median(base.map((r) => r.cpuUs));
  const baseRps = median(base.map((r) => r.rps));
  for (const m of modes) {
    const rs = results[`${workload}:${m}`];
    const cpu = median(rs.map((r) => r.cpuUs));
    const rps = median(rs.map((r) => r.rps));
    rows.push(
      `| ${workload === 'set' ? 'SET -P 16' : 'PUBLISH -P 16, 1 subscriber'} | ${m} | ${Math.round(rps)} | ${((rps / baseRps - 1) * 100).toFixed(1)}% | ${cpu.toFixed(3)} | ${((cpu / baseCpu - 1) * 100).toFixed(1)}% |`,
    );
  }
}
const f = machineFacts();
const text = `### What an open dashboard costs (\`node bench/dashboard.mjs\`)

${f.date}, ${f.cpu} × ${f.cores}, Node ${f.node}; load average at the start ${f.load}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}. Tidings only (the
dashboard is Tidings'): ${REQUESTS} requests per cell, redis-benchmark 50 clients -P 16, ~170k string keys
resident, medians of ${ROUNDS} interleaved rounds. *off*: no HTTP listener; *idle*: \`metrics-port\` and
\`dashboard yes\`, nobody watching; *watched*: the /events stream open, a message tap on the
benchmarked channel and a /metrics scrape every second. Differences are against *off* (target: under 5%).

| workload | dashboard | req/s | vs off | CPU µs/req | vs off |
| --- | --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
console.log('\n' + text);
writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'dashboard', text);

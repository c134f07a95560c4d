#!/usr/bin/env node
// What the per-channel statistics cost on the publish path (issue #13's target: under 3%).
// Tidings only, two configurations, runs interleaved (on, off, off, on, ...):
//   on   the default: every PUBLISH updates its channel's (and matching patterns') counters
//   off  TIDINGS_PUBSUB_STATS=0 in the server's environment: the same publish path without them
// Workloads (each on a fresh server):
//   publish  redis-benchmark -P 16, 50 clients, PUBLISH bench:ch hello, one subscriber reading
//   fanout   bench/fanout.mjs's 100subs-1ch scenario: one publisher → 100 subscribers, 64 B
//   pattern  bench/fanout.mjs's 100psubs scenario: 100 PSUBSCRIBE bench:p:* subscribers, 64 B
// The figure is CPU per request (or per delivery) of the Tidings process from /proc: steadier than
// throughput on a shared machine. Medians of BENCH_ROUNDS (default 5) rounds per cell.
// Usage: node bench/pubsub-stats.mjs   (BENCH_ROUNDS, BENCH_SECONDS for the fan-out cells)
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, build, startServer, cpuSeconds, redisBenchmark, machineFacts, writeSection, sleep, fmtInt } from './lib.mjs';
import { runScenario, SCENARIOS } from './fanout.mjs';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const REQUESTS = 400000;

async function withTidings(stats, fn) {
  const saved = process.env.TIDINGS_PUBSUB_STATS;
  process.env.TIDINGS_PUBSUB_STATS = stats ? '1' : '0';
  const server = await startServer('tidings');
  if (saved === undefined) delete process.env.TIDINGS_PUBSUB_STATS;
  else process.env.TIDINGS_PUBSUB_STATS = saved;
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

async function publishCell(server) {
  const sub = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => sub.once('connect', r));
  sub.write('*2\r\n$9\r\nSUBSCRIBE\r\n$8\r\nbench:ch\r\n');
  sub.on('data', () => {});
  await sleep(200);
  const cpu0 = cpuSeconds(server.pid);
  const r = redisBenchmark(server.port, ['publish', 'bench:ch', 'hello'], { requests: REQUESTS, pipeline: 16 });
  const cpu = cpuSeconds(server.pid) - cpu0;
  sub.destroy();
  if (r.error) throw new Error(`publish: ${r.error}`);
  return { rate: r.rps, cpuUs: (cpu * 1e6) / REQUESTS };
}

async function fanoutCell(server, name) {
  const sc = SCENARIOS.find((s) => s.name === name);
  const x = await runScenario(server, sc);
  return { rate: x.deliveredPerSec, cpuUs: x.cpuPerDelivery * 1e6 };
}

const WORKLOADS = [
  { key: 'publish', label: 'PUBLISH -P 16, 50 clients, 1 subscriber', unit: 'req', run: publishCell },
  { key: 'fanout', label: '1 publisher → 100 subscribers, 1 channel, 64 B', unit: 'delivery', run: (s) => fanoutCell(s, '100subs-1ch') },
  { key: 'pattern', label: '1 publisher → 100 pattern subscribers, 64 B', unit: 'delivery', run: (s) => fanoutCell(s, '100psubs') },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

build();
const start = machineFacts();
const results = {};
for (const w of WORKLOADS) {
  results[w.key] = { on: [], off: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const stats of order) {
      const r = await withTidings(stats, (s) => w.run(s));
      results[w.key][stats ? 'on' : 'off'].push(r);
      console.log(`${w.key} stats ${stats ? 'on ' : 'off'} round ${round + 1}: ${fmtInt(r.rate)}/s, ${r.cpuUs.toFixed(3)} µs CPU/${w.unit}`);
    }
  }
}

const rows = [];
for (const w of WORKLOADS) {
  const { on, off } = results[w.key];
  const cpuOn = median(on.map((r) => r.cpuUs));
  const cpuOff = median(off.map((r) => r.cpuUs));
  const rateOn = median(on.map((r) => r.rate));
  const rateOff = median(off.map((r) => r.rate));
  rows.push(
    `| ${w.label} | ${fmtInt(rateOff)} | ${fmtInt(rateOn)} | ${((rateOn / rateOff - 1) * 100).toFixed(1)}% | ${cpuOff.toFixed(3)} | ${cpuOn.toFixed(3)} | ${((cpuOn / cpuOff - 1) * 100).toFixed(1)}% |`,
  );
}
const text = `### What the per-channel statistics cost (\`node bench/pubsub-stats.mjs\`)

${start.date}, ${start.cpu} × ${start.cores}, Node ${start.node}; load average at the start ${start.load}, at the end ${os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}. Tidings only, empty dataset, a fresh server per cell, medians of ${ROUNDS} interleaved rounds.
*off* is the same publish path without the channel and pattern counters (\`TIDINGS_PUBSUB_STATS=0\`, a
benchmark-only switch). Rates are messages published/s (PUBLISH row) or deliveries/s (fan-out rows);
CPU is the Tidings process's utime+stime per request or per delivery (target: under 3% more with
statistics on).

| workload | rate, off | rate, on | rate on vs off | CPU µs, off | CPU µs, on | CPU on vs off |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
console.log('\n' + text);
writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'pubsub-stats', text);

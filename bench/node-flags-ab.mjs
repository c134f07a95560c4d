#!/usr/bin/env node
// Node flags A/B for the Tidings process: two fresh servers per round, one with Node's defaults (A)
// and one with the flags given (B, e.g. a smaller young generation), each sent the same
// redis-benchmark rows (-c 50 -P 16 -n 400000); CPU per op from /proc, medians of ROUNDS rounds
// (3), the order alternating. Uses the existing dist/ (run `npm run build` first).
// Usage: node bench/node-flags-ab.mjs --max-semi-space-size=2
import { startServer, cpuSeconds, redisBenchmark } from './lib.mjs';
const B = process.argv.slice(2).join(' ') || '--max-semi-space-size=2';
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const rows = [
  ['SET -r', 'set', 100000], ['GET', 'get', 0], ['INCR -r', 'incr', 100000], ['LPUSH', 'lpush', 0], ['HSET -r', 'hset', 100000],
  ['ZADD -r', 'zadd', 100000], ['MSET', 'mset', 100000], ['PING', 'ping_mbulk', 0], ['XADD', ['XADD', 'mystream', '*', 'f', 'xxx'], 0],
];
const res = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const variant of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    process.env.TIDINGS_NODE_ARGS = variant === 'B' ? B : '';
    const s = await startServer('tidings');
    try {
      for (const [label, test, keyspace] of rows) {
        const n = 400000;
        const c0 = cpuSeconds(s.pid);
        const out = redisBenchmark(s.port, test, { clients: 50, requests: n, pipeline: 16, keyspace });
        const us = ((cpuSeconds(s.pid) - c0) / n) * 1e6;
        ((res[label] ??= { A: [], B: [] })[variant]).push({ us, rps: out.rps });
      }
    } finally { await s.stop(); }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`B = ${B}; medians of ${ROUNDS} rounds (CPU µs/op, req/s)`);
for (const [label, v] of Object.entries(res)) {
  const a = med(v.A.map((x) => x.us)), b = med(v.B.map((x) => x.us));
  const ra = med(v.A.map((x) => x.rps)), rb = med(v.B.map((x) => x.rps));
  console.log(`${label.padEnd(8)} A ${a.toFixed(2)} µs ${Math.round(ra)}/s   B ${b.toFixed(2)} µs ${Math.round(rb)}/s   B/A cpu ${(b / a).toFixed(2)} rps ${(rb / ra).toFixed(2)}`);
}

#!/usr/bin/env node
// Issue 10's `appendfsync always` target alone: SET/s and the server's CPU per SET with the
// append-only file on and every write synced before its reply, Tidings (and BENCH_BASE's build)
// against redis-server, same dir's disk, rounds alternating the servers; medians.
//   node bench/aof-always.mjs                 # appendfsync always, 50 clients, -P 1, 100,000 SETs, 3 rounds
//   BENCH_BASE=/tmp/base BENCH_FSYNC=everysec BENCH_ROUNDS=5 node bench/aof-always.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, cpuSeconds, machineFacts, redisBenchmark, startServer } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SETS = Number(process.env.BENCH_SETS ?? 100_000);
const FSYNC = process.env.BENCH_FSYNC ?? 'always';
if (!process.env.BENCH_NO_BUILD) build();

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const kinds = [...(process.env.BENCH_BASE ? [['Tidings before', 'tidings', process.env.BENCH_BASE]] : []), ['Tidings', 'tidings', undefined], ['Redis', 'redis', undefined]];
const results = new Map(kinds.map(([name]) => [name, { rate: [], cpu: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 ? [...kinds].reverse() : kinds;
  for (const [name, kind, root] of order) {
    // A fresh directory for each run, in the temp dir as bench/persistence.mjs (check it is a disk).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-aof-${kind}-`));
    const srv = await startServer(kind, { root, args: ['--dir', dir, '--appendonly', 'yes', '--appendfsync', FSYNC] });
    try {
      const before = cpuSeconds(srv.pid);
      const r = redisBenchmark(srv.port, 'set', { clients: 50, requests: SETS, pipeline: 1, keyspace: 100_000 });
      const after = cpuSeconds(srv.pid);
      if (r.error) throw new Error(`${name}: ${r.error}`);
      results.get(name).rate.push(r.rps);
      results.get(name).cpu.push(((after - before) / SETS) * 1e6);
    } finally {
      await srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
const facts = machineFacts();
console.log(`appendfsync ${FSYNC}: redis-benchmark SET, 50 clients, -P 1, ${SETS.toLocaleString('en-US')} requests over 100,000 keys; ${ROUNDS} rounds alternating; ${facts.date}, load ${facts.load}\n`);
console.log('| server | SET/s, median | each round | CPU per SET (µs), median | / Redis (SET/s) |');
console.log('| --- | ---: | --- | ---: | ---: |');
const redisRate = median(results.get('Redis').rate);
for (const [name, r] of results) {
  console.log(`| ${name} | ${Math.round(median(r.rate)).toLocaleString('en-US')} | ${r.rate.map((x) => Math.round(x).toLocaleString('en-US')).join(', ')} | ${median(r.cpu).toFixed(1)} | ${(median(r.rate) / redisRate).toFixed(2)}x |`);
}

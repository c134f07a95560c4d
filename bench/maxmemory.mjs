#!/usr/bin/env node
// Writes at the maxmemory limit (issue #12: "maxmemory means what it says"): a fresh Tidings and a
// fresh redis-server, each with `maxmemory 100mb` and `allkeys-lru`, are sent 350k pipelined SETs
// of 1000-byte values (batches of 2000; about three times what fits, so most writes evict). Per
// server: SET/s, CPU per SET (utime+stime from /proc), RSS growth over the empty process (peak
// sampled every 50 ms, and at the end) as a multiple of maxmemory, and the longest round trip of a
// PING sent every 10 ms on a second connection while the writes run.
// Usage: node bench/maxmemory.mjs [--write]   (--write puts the table into BENCHMARKS.md, section
// maxmemory; BENCH_NO_BUILD=1 skips tsc; BENCH_ROUNDS=N runs the pair N times, servers alternating;
// BENCH_TIDINGS_ROOT=<another checkout with its dist/> measures that build as Tidings.)
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { build, command, cpuSeconds, fmtInt, machineFacts, Pipe, ROOT, startServer, writeSection } from './lib.mjs';

const MAXMEMORY_MB = 100;
const KEYS = 350_000;
const BATCH = 2000;
const VALUE = 'v'.repeat(1000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const MB = 1024 * 1024;

function rss(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))[1]) * 1024;
}

/** PING every 10 ms on its own connection; `stop()` resolves with the longest round trip (ms). */
async function pinger(port) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  let longest = 0;
  let sentAt = 0;
  let stopped = false;
  let timer;
  const send = () => {
    sentAt = performance.now();
    socket.write('PING\r\n');
  };
  socket.on('data', () => {
    longest = Math.max(longest, performance.now() - sentAt);
    if (!stopped) timer = setTimeout(send, 10);
  });
  send();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      socket.destroy();
      return longest;
    },
  };
}

async function measure(kind) {
  const server = await startServer(kind, { root: process.env.BENCH_TIDINGS_ROOT ?? ROOT });
  try {
    for (const args of [
      ['CONFIG', 'SET', 'maxmemory', `${MAXMEMORY_MB}mb`],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
    ]) {
      const reply = await command(server.port, args);
      if (reply !== 'OK') throw new Error(`${kind}: ${args.join(' ')} answered ${JSON.stringify(reply)}`);
    }
    const pipe = await Pipe.open(server.port);
    await pipe.batch([['PING']]);
    const baseline = rss(server.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid))), 50);
    const ping = await pinger(server.port);
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    for (let i = 0; i < KEYS; i += BATCH) {
      const commands = [];
      for (let j = i; j < Math.min(KEYS, i + BATCH); j++) commands.push(['SET', `key:${j}`, VALUE]);
      const replies = await pipe.batch(commands);
      if (replies.some((r) => r !== 'OK')) throw new Error(`${kind}: a SET was refused: ${JSON.stringify(replies.find((r) => r !== 'OK'))}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(server.pid) - cpu0;
    const longestPing = ping.stop();
    clearInterval(sampler);
    const end = rss(server.pid);
    peak = Math.max(peak, end);
    const info = String(await command(server.port, ['INFO', 'stats']));
    const evicted = Number(/evicted_keys:(\d+)/.exec(info)?.[1] ?? NaN);
    pipe.close();
    return {
      setsPerSecond: KEYS / seconds,
      cpuUsPerSet: (cpu / KEYS) * 1e6,
      peakGrowth: (peak - baseline) / (MAXMEMORY_MB * MB),
      endGrowth: (end - baseline) / (MAXMEMORY_MB * MB),
      baselineMb: baseline / MB,
      longestPing,
      evicted,
    };
  } finally {
    await server.stop();
  }
}

if (process.env.BENCH_NO_BUILD !== '1') build();
const facts = machineFacts();
const runs = { tidings: [], redis: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? ['tidings', 'redis'] : ['redis', 'tidings']) {
    const r = await measure(kind);
    runs[kind].push(r);
    console.error(`${kind}: ${fmtInt(r.setsPerSecond)} SET/s, ${r.cpuUsPerSet.toFixed(1)} µs CPU/SET, RSS growth peak ${r.peakGrowth.toFixed(2)}x / end ${r.endGrowth.toFixed(2)}x maxmemory, longest PING ${r.longestPing.toFixed(1)} ms, evicted ${fmtInt(r.evicted)}`);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (name, rs) =>
  `| ${name} | ${fmtInt(median(rs.map((r) => r.setsPerSecond)))} | ${median(rs.map((r) => r.cpuUsPerSet)).toFixed(1)} | ${median(rs.map((r) => r.peakGrowth)).toFixed(2)}x | ${median(rs.map((r) => r.endGrowth)).toFixed(2)}x | ${median(rs.map((r) => r.longestPing)).toFixed(1)} | ${fmtInt(median(rs.map((r) => r.evicted)))} |`;
const t = median(runs.tidings.map((r) => r.setsPerSecond));
const r = median(runs.redis.map((r) => r.setsPerSecond));
const tc = median(runs.tidings.map((r) => r.cpuUsPerSet));
const rc = median(runs.redis.map((r) => r.cpuUsPerSet));
const table = `Writes at the limit: \`maxmemory ${MAXMEMORY_MB}mb\`, \`allkeys-lru\`, ${fmtInt(KEYS)} pipelined SETs (batches of ${BATCH}) of
1000-byte values into a fresh server; medians of ${ROUNDS} round(s), servers alternating. ${facts.date}, Node ${facts.node},
${facts.redis.split(' ').slice(0, 3).join(' ')}, load average at the end ${facts.load}. \`node bench/maxmemory.mjs\`.

| Server | SET/s | CPU µs per SET | RSS growth, peak (x maxmemory) | RSS growth, end | Longest PING (ms) | Keys evicted |
|---|---|---|---|---|---|---|
${row('Tidings', runs.tidings)}
${row('Redis', runs.redis)}

Tidings/Redis: ${(t / r).toFixed(2)}x the SETs per second at ${(tc / rc).toFixed(2)}x the CPU per SET.`;
console.log(table);
if (process.argv.includes('--write')) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'maxmemory', table);

#!/usr/bin/env node
// Sorted set benchmarks, Tidings and redis-server side by side on the same machine in the same run:
//   1. ZADD with redis-benchmark into one key (random members and scores from a 100,000 keyspace),
//      without pipelining (-P 1) and with -P 16;
//   2. a leaderboard of BENCH_BIG members (default 1,000,000): ZADD (score update), ZRANK,
//      ZREVRANGE 0 9 WITHSCORES, ZRANGEBYSCORE ... LIMIT 0 10 and ZINCRBY latencies, compared with
//      the same operations on a 1,000-member set. They should stay nearly flat: O(log n), no scans.
// Prints a table with Tidings/Redis ratios and writes a section of BENCHMARKS.md.
//
// Environment: BENCH_SCALE=0.2 (fewer requests), BENCH_NO_BUILD=1, BENCH_BIG=1000000,
// BENCH_NO_DRAFT=1 (do not write BENCHMARKS.md).
import path from 'node:path';
import {
  ROOT,
  build,
  startServer,
  cpuSeconds,
  redisBenchmark,
  command,
  encodeCommand,
  RespReader,
  summarize,
  machineFacts,
  fmtInt,
  fmtRatio,
  writeSection,
  Pipe,
} from './lib.mjs';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const BIG = Number(process.env.BENCH_BIG ?? 1_000_000);
const DRAFT = path.join(ROOT, 'BENCHMARKS.md');
const SAMPLES = 2000;


/** Deterministic pseudo-random score for member i (same data on both servers). */
const scoreOf = (i) => ((i * 2654435761) % 1_000_003) / 7;

/** ZADD `n` members (100 pairs per command, 50 commands per write). */
async function fill(port, key, n) {
  const pipe = await Pipe.open(port);
  const PER_COMMAND = 100;
  const PER_WRITE = 50;
  for (let i = 0; i < n; i += PER_COMMAND * PER_WRITE) {
    const cmds = [];
    for (let c = i; c < Math.min(n, i + PER_COMMAND * PER_WRITE); c += PER_COMMAND) {
      const args = ['ZADD', key];
      for (let j = c; j < Math.min(n, c + PER_COMMAND); j++) args.push(String(scoreOf(j)), `player:${j}`);
      cmds.push(args);
    }
    const replies = await pipe.batch(cmds);
    const bad = replies.find((r) => r instanceof Error);
    if (bad) throw bad;
  }
  pipe.close();
}

/** Latency (ms) of `SAMPLES` sequential commands made by `make(i)`. */
async function latencies(port, make) {
  const pipe = await Pipe.open(port);
  const values = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    const [reply] = await pipe.batch([make(i)]);
    values.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (reply instanceof Error) throw reply;
  }
  pipe.close();
  return summarize(values);
}

async function zaddBench(server, pipeline) {
  await command(server.port, ['FLUSHALL']);
  const requests = Math.max(2000, Math.round((pipeline === 1 ? 100000 : 500000) * SCALE));
  const cpu0 = cpuSeconds(server.pid);
  const r = redisBenchmark(server.port, ['zadd', 'bench:z', '__rand_int__', 'element:__rand_int__'], {
    clients: 50,
    requests,
    pipeline,
    keyspace: 100000,
  });
  const cpu = cpuSeconds(server.pid) - cpu0;
  return { ...r, cpuPerOpUs: (cpu / requests) * 1e6 };
}

/** The leaderboard operations on a set of `size` members stored at `key`. */
async function leaderboard(port, key, size) {
  const member = (i) => `player:${(i * 7919) % size}`;
  return {
    zadd: await latencies(port, (i) => ['ZADD', key, String(scoreOf(i + 17)), member(i)]),
    zincrby: await latencies(port, (i) => ['ZINCRBY', key, '1.5', member(i + 3)]),
    zrank: await latencies(port, (i) => ['ZREVRANK', key, member(i + 5)]),
    top: await latencies(port, () => ['ZREVRANGE', key, '0', '9', 'WITHSCORES']),
    window: await latencies(port, (i) => ['ZRANGEBYSCORE', key, String(scoreOf(i)), '+inf', 'LIMIT', '0', '10']),
  };
}

async function leaderboardBench(server) {
  await command(server.port, ['FLUSHALL']);
  await fill(server.port, 'small', 1000);
  // One unmeasured pass first, so the 1,000-member numbers are not the JIT warm-up.
  await leaderboard(server.port, 'small', 1000);
  const small = await leaderboard(server.port, 'small', 1000);
  const t0 = process.hrtime.bigint();
  await fill(server.port, 'big', BIG);
  const fillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const big = await leaderboard(server.port, 'big', BIG);
  const card = await command(server.port, ['ZCARD', 'big']);
  if (card !== BIG) throw new Error(`${server.name}: ZCARD big is ${card}, expected ${BIG}`);
  return { fillRate: BIG / fillSeconds, small, big };
}

const fmtMs = (v) => (Number.isFinite(v) ? v.toFixed(3) : '—');

async function main() {
  build();
  const facts = machineFacts();
  console.log(`Machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memGiB} GiB, ${facts.kernel}; node ${facts.node}; ${facts.redis}`);
  const tidings = await startServer('tidings');
  const redis = await startServer('redis');
  const rows = [];
  try {
    for (const pipeline of [1, 16]) {
      const t = await zaddBench(tidings, pipeline);
      const r = await zaddBench(redis, pipeline);
      if (t.error || r.error) throw new Error(`redis-benchmark failed: ${t.error ?? r.error}`);
      rows.push([`ZADD one key, random members (redis-benchmark -c 50 -P ${pipeline})`, t.rps, r.rps, 'req/s']);
      console.log(
        `ZADD -P ${pipeline}: Tidings ${fmtInt(t.rps)} req/s (p50 ${t.p50} ms, ${t.cpuPerOpUs.toFixed(2)} µs CPU/op), Redis ${fmtInt(r.rps)} req/s (p50 ${r.p50} ms)`,
      );
    }
    const tb = await leaderboardBench(tidings);
    const rb = await leaderboardBench(redis);
    const lines = [];
    lines.push(`| Leaderboard operation | Tidings p50 / p99 ms | Redis p50 / p99 ms |`);
    lines.push('|---|---|---|');
    lines.push(`| fill ${fmtInt(BIG)} members (pipelined ZADD, 100 pairs each) | ${fmtInt(tb.fillRate)} members/s | ${fmtInt(rb.fillRate)} members/s |`);
    const ops = [
      ['zadd', 'ZADD (score update)'],
      ['zincrby', 'ZINCRBY'],
      ['zrank', 'ZREVRANK'],
      ['top', 'ZREVRANGE 0 9 WITHSCORES'],
      ['window', 'ZRANGEBYSCORE <score> +inf LIMIT 0 10'],
    ];
    for (const [op, label] of ops) {
      for (const [size, t, r] of [
        ['1,000', tb.small[op], rb.small[op]],
        [fmtInt(BIG), tb.big[op], rb.big[op]],
      ]) {
        lines.push(`| ${label}, ${size} members | ${fmtMs(t.p50)} / ${fmtMs(t.p99)} | ${fmtMs(r.p50)} / ${fmtMs(r.p99)} |`);
      }
    }
    const table = [
      '| Sorted set benchmark | Tidings | Redis | Tidings/Redis |',
      '|---|---|---|---|',
      ...rows.map(([label, t, r, unit]) => `| ${label} | ${fmtInt(t)} ${unit} | ${fmtInt(r)} ${unit} | ${fmtRatio(t, r)} |`),
    ];
    const text = [
      `Sorted sets (${facts.date}; ${facts.cpu}, ${facts.cores} cores; node ${facts.node}; ${facts.redis}; load ${facts.load})`,
      '',
      ...table,
      '',
      ...lines,
      '',
      'Single-command latencies are measured one at a time over one connection (round trip included).',
    ].join('\n');
    console.log('\n' + text);
    if (process.env.BENCH_NO_DRAFT !== '1') writeSection(DRAFT, 'zsets', text);
  } finally {
    await tidings.stop();
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

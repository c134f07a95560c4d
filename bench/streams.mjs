#!/usr/bin/env node
// Stream benchmarks, Tidings and redis-server side by side on the same machine in the same run:
//   1. XADD with redis-benchmark, without pipelining (-P 1) and with -P 16;
//   2. consumer-group throughput: consumers (ioredis) loop XREADGROUP COUNT 100 + XACK until a
//      pre-filled stream is drained;
//   3. a 1,000,000-entry stream: XADD and XRANGE-from-an-ID latencies at 1M entries compared with
//      the same operations on a 1,000-entry stream (they should stay flat: no scans).
// Prints a table with Tidings/Redis ratios and writes a section of BENCHMARKS.md.
//
// Environment: BENCH_SCALE=0.2 (fewer requests), BENCH_NO_BUILD=1, BENCH_BIG=1000000 (size of the
// big stream), BENCH_NO_DRAFT=1 (do not write BENCHMARKS.md).
import path from 'node:path';
import Redis from 'ioredis';
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


/** Append `n` entries with explicit IDs starting at ms `from` (pipelined, 1000 per write). */
async function fill(port, key, n, from = 1) {
  const pipe = await Pipe.open(port);
  const BATCH = 1000;
  for (let i = 0; i < n; i += BATCH) {
    const cmds = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) cmds.push(['XADD', key, `${from + j}-1`, 'field', `value-${j}`]);
    const replies = await pipe.batch(cmds);
    const bad = replies.find((r) => r instanceof Error);
    if (bad) throw bad;
  }
  pipe.close();
}

/** Latency (ms) of `samples` sequential commands made by `make(i)`. */
async function latencies(port, samples, make) {
  const pipe = await Pipe.open(port);
  const values = [];
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const [reply] = await pipe.batch([make(i)]);
    values.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (reply instanceof Error) throw reply;
  }
  pipe.close();
  return summarize(values);
}

async function xaddBench(server, pipeline) {
  await command(server.port, ['FLUSHALL']);
  const requests = Math.max(2000, Math.round((pipeline === 1 ? 100000 : 500000) * SCALE));
  const cpu0 = cpuSeconds(server.pid);
  const r = redisBenchmark(server.port, ['xadd', 'bench:stream', '*', 'field', 'value'], { clients: 50, requests, pipeline });
  const cpu = cpuSeconds(server.pid) - cpu0;
  return { ...r, cpuPerOpUs: (cpu / requests) * 1e6 };
}

async function consumerBench(server) {
  await command(server.port, ['FLUSHALL']);
  const total = Math.max(10000, Math.round(200000 * SCALE));
  await fill(server.port, 'bench:q', total);
  await command(server.port, ['XGROUP', 'CREATE', 'bench:q', 'g', '0']);
  const CONSUMERS = 4;
  const clients = Array.from({ length: CONSUMERS }, () => new Redis({ port: server.port, host: '127.0.0.1' }));
  await Promise.all(clients.map((c) => c.ping()));
  let consumed = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c, n) => {
      for (;;) {
        const r = await c.xreadgroup('GROUP', 'g', `c${n}`, 'COUNT', '100', 'STREAMS', 'bench:q', '>');
        if (r === null) return;
        const ids = r[0][1].map((e) => e[0]);
        consumed += ids.length;
        await c.xack('bench:q', 'g', ...ids);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const pending = await clients[0].xpending('bench:q', 'g');
  for (const c of clients) c.disconnect();
  if (consumed !== total || pending[0] !== 0) throw new Error(`consumed ${consumed}/${total}, pending ${pending[0]}`);
  return { rate: consumed / seconds, total };
}

async function bigStreamBench(server) {
  await command(server.port, ['FLUSHALL']);
  const SAMPLES = 2000;
  // Small stream first, as the baseline.
  await fill(server.port, 'small', 1000);
  const smallAdd = await latencies(server.port, SAMPLES, (i) => ['XADD', 'small', `${100000 + i}-1`, 'f', 'v']);
  const smallRange = await latencies(server.port, SAMPLES, (i) => ['XRANGE', 'small', `${1 + ((i * 7919) % 1000)}`, '+', 'COUNT', '10']);
  const t0 = process.hrtime.bigint();
  await fill(server.port, 'big', BIG);
  const fillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bigAdd = await latencies(server.port, SAMPLES, (i) => ['XADD', 'big', `${BIG + 10 + i}-1`, 'f', 'v']);
  const bigRange = await latencies(server.port, SAMPLES, (i) => ['XRANGE', 'big', `${1 + ((i * 7919) % BIG)}`, '+', 'COUNT', '10']);
  const bigRevRange = await latencies(server.port, SAMPLES, (i) => ['XREVRANGE', 'big', `${1 + ((i * 104729) % BIG)}`, '-', 'COUNT', '10']);
  const len = await command(server.port, ['XLEN', 'big']);
  return { fillRate: BIG / fillSeconds, smallAdd, smallRange, bigAdd, bigRange, bigRevRange, len };
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
      const t = await xaddBench(tidings, pipeline);
      const r = await xaddBench(redis, pipeline);
      rows.push([`XADD * f v (redis-benchmark -c 50 -P ${pipeline})`, t.rps, r.rps, 'req/s']);
      console.log(`XADD -P ${pipeline}: Tidings ${fmtInt(t.rps)} req/s (p50 ${t.p50} ms, ${t.cpuPerOpUs.toFixed(2)} µs CPU/op), Redis ${fmtInt(r.rps)} req/s (p50 ${r.p50} ms)`);
    }
    const tc = await consumerBench(tidings);
    const rc = await consumerBench(redis);
    rows.push([`XREADGROUP COUNT 100 + XACK, 4 ioredis consumers (${fmtInt(tc.total)} entries)`, tc.rate, rc.rate, 'msg/s']);
    console.log(`Consumer group: Tidings ${fmtInt(tc.rate)} msg/s, Redis ${fmtInt(rc.rate)} msg/s`);

    const tb = await bigStreamBench(tidings);
    const rb = await bigStreamBench(redis);
    const lines = [];
    lines.push(`| ${fmtInt(BIG)}-entry stream | Tidings p50 / p99 ms | Redis p50 / p99 ms |`);
    lines.push('|---|---|---|');
    lines.push(`| fill rate (pipelined XADD, explicit IDs) | ${fmtInt(tb.fillRate)} entries/s | ${fmtInt(rb.fillRate)} entries/s |`);
    for (const [label, a, b] of [
      ['XADD on a 1,000-entry stream', tb.smallAdd, rb.smallAdd],
      [`XADD on a ${fmtInt(BIG)}-entry stream`, tb.bigAdd, rb.bigAdd],
      ['XRANGE <id> + COUNT 10, 1,000 entries', tb.smallRange, rb.smallRange],
      [`XRANGE <id> + COUNT 10, ${fmtInt(BIG)} entries`, tb.bigRange, rb.bigRange],
      [`XREVRANGE <id> - COUNT 10, ${fmtInt(BIG)} entries`, tb.bigRevRange, rb.bigRevRange],
    ]) {
      lines.push(`| ${label} | ${fmtMs(a.p50)} / ${fmtMs(a.p99)} | ${fmtMs(b.p50)} / ${fmtMs(b.p99)} |`);
    }
    if (tb.len < BIG) throw new Error(`Tidings big stream has ${tb.len} entries`);

    const table = [
      '| Stream benchmark | Tidings | Redis | Tidings/Redis |',
      '|---|---|---|---|',
      ...rows.map(([label, t, r, unit]) => `| ${label} | ${fmtInt(t)} ${unit} | ${fmtInt(r)} ${unit} | ${fmtRatio(t, r)} |`),
    ];
    const text = [
      `Streams (${facts.date}; ${facts.cpu}, ${facts.cores} cores; node ${facts.node}; ${facts.redis}; load ${facts.load})`,
      '',
      ...table,
      '',
      ...lines,
      '',
      'Single-command latencies are measured one at a time over one connection (round trip included).',
    ].join('\n');
    console.log('\n' + text);
    if (process.env.BENCH_NO_DRAFT !== '1') writeSection(DRAFT, 'streams', text);
  } finally {
    await tidings.stop();
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

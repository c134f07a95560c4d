#!/usr/bin/env node
// The unit/memefficiency workload (issue #12/#14), measured: FLUSHALL, then 10,000 keys `key:<j>`
// SET to values of random length in [0, range), pipelined. For each range and round it reports,
// per key, the written bytes (key + value + 2, as the Redis test counts them), INFO used_memory's
// growth, and for Tidings the real heap growth (node_heap_used + node_external after two full
// collections: MEMORY PURGE runs one when node has --expose-gc), next to Redis's used_memory growth
// for the same value lengths. efficiency = written / used_memory growth (the test's figure).
// Usage: node bench/memefficiency.mjs [--rounds 3] [--ranges 32,64,128,1024] [--keys 10000]
//   BENCH_BASE=<checkout> measures that build's Tidings as well (before/after in one run).
import { build, startServer, Pipe } from './lib.mjs';

const argv = process.argv.slice(2);
function flag(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
}
const ROUNDS = Number(flag('rounds', 3));
const RANGES = flag('ranges', '32,64,128,1024').split(',').map(Number);
const KEYS = Number(flag('keys', 10_000));
const BATCH = 500;

/** Deterministic value lengths per range and round, so every server gets the same workload. */
function lengths(range, round) {
  let s = (range * 7919 + round * 104729) >>> 0 || 1;
  const out = [];
  for (let j = 0; j < KEYS; j++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(Math.floor((s / 2 ** 32) * range));
  }
  return out;
}

async function info(pipe) {
  const [text] = await pipe.batch([['INFO', 'memory']]);
  const field = (name) => {
    const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(String(text));
    return m ? Number(m[1]) : NaN;
  };
  return { used: field('used_memory'), heap: field('node_heap_used') + field('node_external') };
}

async function settled(pipe) {
  await pipe.batch([['MEMORY', 'PURGE']]);
  await pipe.batch([['MEMORY', 'PURGE']]);
  return info(pipe);
}

async function run(kind, root) {
  if (kind !== 'redis' && !(process.env.TIDINGS_NODE_ARGS ?? '').includes('--expose-gc')) {
    process.env.TIDINGS_NODE_ARGS = `${process.env.TIDINGS_NODE_ARGS ?? ''} --expose-gc`.trim();
  }
  const srv = await startServer(kind === 'redis' ? 'redis' : 'tidings', root === undefined ? {} : { root });
  const out = [];
  try {
    const pipe = await Pipe.open(srv.port);
    for (const range of RANGES) {
      for (let round = 0; round < ROUNDS; round++) {
        await pipe.batch([['FLUSHALL']]);
        const before = await settled(pipe);
        const lens = lengths(range, round);
        let written = 0;
        let batch = [];
        const pending = [];
        for (let j = 0; j < KEYS; j++) {
          const key = `key:${j}`;
          written += key.length + lens[j] + 2;
          batch.push(['SET', key, 'A'.repeat(lens[j])]);
          if (batch.length === BATCH || j === KEYS - 1) {
            pending.push(pipe.batch(batch));
            batch = [];
          }
        }
        await Promise.all(pending);
        // used_memory as the test reads it: right after the writes, before any collection.
        const raw = await info(pipe);
        const after = await settled(pipe);
        out.push({
          range,
          round,
          written: written / KEYS,
          used: (raw.used - before.used) / KEYS,
          heap: (after.heap - before.heap) / KEYS,
          efficiency: written / (raw.used - before.used),
        });
      }
    }
    pipe.close();
  } finally {
    await srv.stop();
  }
  return out;
}

if (process.env.BENCH_NO_BUILD !== '1') build();
const servers = [['redis'], ['tidings']];
if (process.env.BENCH_BASE) servers.push(['base', process.env.BENCH_BASE]);
const results = {};
for (const [kind, root] of servers) results[kind] = await run(kind, root);

const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const lines = [
  `| range | written B/key | Redis used_memory B/key (eff.) | Tidings used_memory B/key (eff.) | Tidings heap B/key | used/heap |${process.env.BENCH_BASE ? ' base used B/key (eff.) | base heap B/key |' : ''}`,
  `|---:|---:|---:|---:|---:|---:|${process.env.BENCH_BASE ? '---:|---:|' : ''}`,
];
for (let i = 0; i < results.tidings.length; i++) {
  const t = results.tidings[i];
  const r = results.redis[i];
  const b = results.base?.[i];
  lines.push(
    `| ${t.range} (round ${t.round}) | ${f(t.written)} | ${f(r.used)} (${f(r.efficiency, 3)}) | ${f(t.used)} (${f(t.efficiency, 3)}) | ${f(t.heap)} | ${f(t.used / t.heap, 2)} |` +
      (b ? ` ${f(b.used)} (${f(b.efficiency, 3)}) | ${f(b.heap)} |` : ''),
  );
}
console.log(lines.join('\n'));

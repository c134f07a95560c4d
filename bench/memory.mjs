#!/usr/bin/env node
// Memory per element (issue #12): a fresh Tidings (node bin/tidings.js, from dist/) and a fresh
// redis-server per dataset, loaded with the same pipelined commands; reported is each process's RSS
// growth (VmRSS from /proc/<pid>/status, after a settle: MEMORY PURGE, which runs a full GC in
// Tidings when node has --expose-gc, then RSS sampled until it stops falling; see settle()) and
// Tidings/Redis. Also INFO's used_memory.
// Datasets (N elements each, default 1M):
//   strings  N keys `key:<i>` with 64-byte values (SET)
//   list     one list of N elements `elem-<i>` (RPUSH, 100 a command)
//   hash     one hash of N fields `field:<i>` → `value:<i>` (HSET, 100 fields a command)
//   hashes   N/5 small hashes `hash:<k>` of 5 fields `field:<j>` → `value:<i>` (HSET, one a key)
//   set      one set of N members `member:<i>` (SADD, 100 a command)
//   sets     N/5 small sets `set:<k>` of 5 members `member:<i>` (SADD, one a key)
//   zset     one sorted set of N members `member:<i>` with score i (ZADD, 100 a command)
//   stream   one stream of N entries `field` → `value:<i>` with automatic IDs (XADD)
// Usage: node bench/memory.mjs [--n 1000000] [--only list,strings] [--write]
//   --write puts the table into BENCHMARKS.md (section memory). BENCH_NO_BUILD=1 skips tsc.
import fs from 'node:fs';
import { build, startServer, Pipe, sleep, machineFacts, writeSection, ROOT } from './lib.mjs';
import path from 'node:path';

const argv = process.argv.slice(2);
function flag(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
}
const N = Number(flag('n', 1_000_000));
const ONLY = flag('only', '')
  .split(',')
  .filter(Boolean);
const WRITE = argv.includes('--write');
const PER_COMMAND = 100;
const SMALL = 5; // fields in each of the small hashes, members in each of the small sets
const BATCH = 200; // commands per pipelined write

const value64 = Buffer.alloc(64, 'x');
const IDLE_MS = Number(process.env.MEMORY_IDLE_MS ?? 6000);

const datasets = {
  strings: (i) => ['SET', `key:${i}`, value64],
  list: (i, n) => ['RPUSH', 'list', ...range(i, n, (j) => `elem-${j}`)],
  hash: (i, n) => ['HSET', 'hash', ...range(i, n, (j) => [`field:${j}`, `value:${j}`]).flat()],
  hashes: (i, n) => ['HSET', `hash:${i / SMALL}`, ...range(i, n, (j) => [`field:${j - i}`, `value:${j}`]).flat()],
  set: (i, n) => ['SADD', 'set', ...range(i, n, (j) => `member:${j}`)],
  sets: (i, n) => ['SADD', `set:${i / SMALL}`, ...range(i, n, (j) => `member:${j}`)],
  zset: (i, n) => ['ZADD', 'zset', ...range(i, n, (j) => [String(j), `member:${j}`]).flat()],
  stream: (i) => ['XADD', 'stream', '*', 'field', `value:${i}`],
};
const perCommand = { strings: 1, list: PER_COMMAND, hash: PER_COMMAND, hashes: SMALL, set: PER_COMMAND, sets: SMALL, zset: PER_COMMAND, stream: 1 };

function range(from, count, f) {
  const out = [];
  for (let j = from; j < from + count; j++) out.push(f(j));
  return out;
}

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

// V8 gives back its young generation (up to 32 MB of semi-spaces grown during the load) at a
// collection that finds the allocation rate of its last ~5 s low but not zero. A purge right after
// the idle still has the load's last young allocations (up to 16 MB) in that window, so a fixed
// 6 s idle and two purges caught the shrink in some runs and not in others (set: 64 vs 94 MB for
// the same heap). So the settle idles IDLE_MS, purges (a full GC in Tidings; a jemalloc purge in
// Redis), purges again PURGE_AGAIN_S later, when the window holds only the idle time, and samples
// RSS once a second until it has not fallen by more than SETTLE_SLACK over the last
// SETTLE_STABLE_S seconds (at most SETTLE_MAX_S): what is measured is the footprint of a server at
// rest, for both servers alike. More purges are not better: each full GC of a large Map leaves a
// few MB more of malloc'd memory behind in Tidings (RSS rose 175 → 204 MB over six purges of the
// 1M-field hash). `seconds` records how long the sampling took.
const PURGE_AGAIN_S = 6;
const SETTLE_STABLE_S = 10;
const SETTLE_MAX_S = 40;
const SETTLE_SLACK = 1 << 20;
async function settle(pipe, pid) {
  await sleep(IDLE_MS);
  const samples = [];
  while (samples.length <= SETTLE_MAX_S) {
    if (samples.length === 0 || samples.length === PURGE_AGAIN_S) await pipe.batch([['MEMORY', 'PURGE']]);
    await sleep(1000);
    samples.push(rssBytes(pid));
    const window = samples.slice(-SETTLE_STABLE_S - 1);
    if (samples.length > PURGE_AGAIN_S && window.length > SETTLE_STABLE_S && window[0] - Math.min(...window) <= SETTLE_SLACK) break;
  }
  if (process.env.MEMORY_DEBUG) console.error(samples.map((b) => (b / 1e6).toFixed(1)).join(' '));
  return { rss: samples.at(-1), seconds: samples.length - 1 };
}

/** INFO memory's used_memory, and (Tidings) the V8 heap plus external memory in use. */
async function usedMemory(pipe) {
  const [info] = await pipe.batch([['INFO', 'memory']]);
  const field = (name) => {
    const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(String(info));
    return m ? Number(m[1]) : NaN;
  };
  return { used: field('used_memory'), heap: field('node_heap_used') + field('node_external') };
}

async function measure(kind, name) {
  if (kind === 'tidings' && !(process.env.TIDINGS_NODE_ARGS ?? '').includes('--expose-gc')) {
    process.env.TIDINGS_NODE_ARGS = `${process.env.TIDINGS_NODE_ARGS ?? ''} --expose-gc`.trim();
  }
  const srv = await startServer(kind);
  try {
    const pipe = await Pipe.open(srv.port);
    const { rss: before } = await settle(pipe, srv.pid);
    const usedBefore = await usedMemory(pipe);
    const make = datasets[name];
    const step = perCommand[name];
    let batch = [];
    let pending = [];
    for (let i = 0; i < N; i += step) {
      batch.push(make(i, Math.min(step, N - i)));
      if (batch.length === BATCH) {
        pending.push(pipe.batch(batch));
        batch = [];
        // Bound what is in flight so the client does not hold the whole dataset.
        if (pending.length >= 8) {
          for (const r of await Promise.all(pending)) checkReplies(r);
          pending = [];
        }
      }
    }
    if (batch.length) pending.push(pipe.batch(batch));
    for (const r of await Promise.all(pending)) checkReplies(r);
    const { rss: after, seconds } = await settle(pipe, srv.pid);
    const usedAfter = await usedMemory(pipe);
    pipe.close();
    return { growth: after - before, used: usedAfter.used - usedBefore.used, heap: usedAfter.heap - usedBefore.heap, seconds };
  } finally {
    await srv.stop();
  }
}

function checkReplies(replies) {
  for (const r of replies) if (r instanceof Error || (typeof r === 'string' && r.startsWith('ERR'))) throw new Error(`load failed: ${r}`);
}

const mb = (b) => (b / 1e6).toFixed(1);

build();
const names = Object.keys(datasets).filter((n) => ONLY.length === 0 || ONLY.includes(n));
const rows = [];
for (const name of names) {
  const redis = await measure('redis', name);
  const tidings = await measure('tidings', name);
  const row = {
    name,
    redis: mb(redis.growth),
    tidings: mb(tidings.growth),
    ratio: (tidings.growth / redis.growth).toFixed(2),
    perElem: `${(tidings.growth / N).toFixed(0)} / ${(redis.growth / N).toFixed(0)}`,
    usedT: mb(tidings.used),
    usedR: mb(redis.used),
    heapT: mb(tidings.heap),
    usedVsHeap: (tidings.used / tidings.heap).toFixed(2),
    settle: `${tidings.seconds} / ${redis.seconds}`,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

const facts = machineFacts();
const table = [
  `| dataset (N = ${N.toLocaleString('en')}) | Redis RSS growth MB | Tidings RSS growth MB | Tidings/Redis | bytes/element T / R | used_memory growth T / R MB | Tidings heap growth MB (used_memory/heap) | settle s T / R |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.redis} | ${r.tidings} | ${r.ratio} | ${r.perElem} | ${r.usedT} / ${r.usedR} | ${r.heapT} (${r.usedVsHeap}) | ${r.settle} |`),
].join('\n');
console.log(table);
if (WRITE) {
  writeSection(
    path.join(ROOT, 'BENCHMARKS.md'),
    'memory',
    `Measured ${facts.date}, ${facts.cpu} × ${facts.cores}, ${facts.node}, ${facts.redis}; load average ${facts.load}.\n\n${table}`,
  );
}

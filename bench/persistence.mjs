#!/usr/bin/env node
// Persistence costs, Tidings against redis-server on the same machine in the same run:
//  1. BGSAVE of 1,000,000 keys (DEBUG POPULATE, 16-byte values): how long it takes, the longest
//     wait a client sees meanwhile (one PING at a time, the largest round trip, and the 99th
//     percentile), after a settling second and a quiet second measured the same way, and the extra
//     memory (Tidings: peak RSS over the RSS before; Redis: the fork's copy-on-write, as INFO's
//     rdb_last_cow_size says; the child's pages shared with its parent are not counted).
//     Then each server starts on the file it wrote: seconds until INFO says loading:0.
//     The same for BGREWRITEAOF of that dataset (an RDB-preamble base; Redis: aof_last_cow_size).
//  2. CPU per SET without the append-only file and with it on (everysec, always): the server's user+system CPU
//     (/proc) over a redis-benchmark SET run, divided by the SETs.
// Usage: node bench/persistence.mjs   (BENCH_KEYS=200000 for a quicker run; BENCH_WRITE=1 writes
// its section of BENCHMARKS.md; TIDINGS_NODE_ARGS="--trace-gc" passes node flags to Tidings, its
// output then goes to this process's stdout). Benchmarks, not tests: numbers move with the
// machine's load.
// BENCH_ONLY=load: only the start-ups (issue 10's load target), BENCH_ROUNDS rounds (default 5), the
// servers alternating within each round; the files come from SAVE after DEBUG POPULATE (Tidings'
// file serves both Tidings builds). BENCH_BASE=<another checkout, built> adds that build's
// bin/tidings.js as a third server (before/after in the same run).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, command, cpuSeconds, freePort, machineFacts, redisBenchmark, ROOT, sleep, waitForPort, writeSection } from './lib.mjs';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const SETS = Number(process.env.BENCH_SETS ?? 100_000);
const NODE_ARGS = (process.env.TIDINGS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

const BASE = process.env.BENCH_BASE ? path.resolve(process.env.BENCH_BASE) : undefined;
/** Where each Tidings build's bin/tidings.js is: this checkout's, and BENCH_BASE's as 'base'. */
const ROOTS = { tidings: ROOT, base: BASE };

async function start(kind, extra, dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-persist-${kind}-`))) {
  const port = await freePort();
  const common = ['--port', String(port), '--save', '', '--dir', dir, '--enable-debug-command', 'yes', ...extra];
  const child =
    kind !== 'redis'
      ? spawn(process.execPath, [...NODE_ARGS, path.join(ROOTS[kind], 'bin/tidings.js'), ...common], { stdio: NODE_ARGS.length > 0 ? ['ignore', 'inherit', 'inherit'] : 'ignore' })
      : spawn('redis-server', [...common, '--bind', '127.0.0.1', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  await waitForPort(port, 30000);
  return {
    kind,
    port,
    pid: child.pid,
    dir,
    async stop({ keepDir = false } = {}) {
      const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      child.kill('SIGKILL');
      await exited;
      if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

function infoField(text, name) {
  const m = new RegExp(`\\r\\n${name}:([^\\r]*)`).exec(String(text));
  return m ? m[1] : undefined;
}

async function info(port) {
  const v = await command(port, ['INFO', 'persistence']);
  return Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
}

/** Round trip of one PING (or of `argv`), in ms. */
async function pingMs(port, argv = ['PING']) {
  const t = performance.now();
  await command(port, argv);
  return performance.now() - t;
}

/** BGSAVE (`what` save) or BGREWRITEAOF (rewrite) of KEYS keys: duration, the waits a PING client sees, extra memory. */
async function background(kind, what) {
  const [cmd, running, cowField, statusField] =
    what === 'save'
      ? ['BGSAVE', 'rdb_bgsave_in_progress', 'rdb_last_cow_size', 'rdb_last_bgsave_status']
      : ['BGREWRITEAOF', 'aof_rewrite_in_progress', 'aof_last_cow_size', 'aof_last_bgrewrite_status'];
  const srv = await start(kind, ['--appendonly', 'no']);
  let saved = false;
  try {
    await command(srv.port, ['DEBUG', 'POPULATE', String(KEYS), 'key', '16']);
    // A second to settle, not measured: the young generation's next collection promotes the last
    // populated keys (10-20 ms with 1M keys, once); a BGSAVE does not cause it.
    for (const end = performance.now() + 1000; performance.now() < end; ) await pingMs(srv.port);
    // The quiet baseline: the same probe for a second before.
    let baseline = 0;
    for (const end = performance.now() + 1000; performance.now() < end; ) baseline = Math.max(baseline, await pingMs(srv.port));
    const rssBefore = rssBytes(srv.pid);
    let rssPeak = rssBefore;
    const waits = [];
    const t0 = performance.now();
    waits.push(await pingMs(srv.port, [cmd]));
    for (;;) {
      waits.push(await pingMs(srv.port));
      rssPeak = Math.max(rssPeak, rssBytes(srv.pid));
      if (infoField(await info(srv.port), running) === '0') break;
    }
    const seconds = (performance.now() - t0) / 1000;
    waits.sort((a, b) => a - b);
    const stall = waits.at(-1);
    const p99 = waits[Math.floor(0.99 * (waits.length - 1))];
    const persistence = await info(srv.port);
    const cow = Number(infoField(persistence, cowField) ?? 0);
    const extra = kind === 'tidings' ? rssPeak - rssBefore : cow;
    const ok = infoField(persistence, statusField);
    saved = ok === 'ok' && what === 'save';
    return { seconds, stall, p99, baseline, extra, rssBefore, ok, dir: srv.dir };
  } finally {
    await srv.stop({ keepDir: saved });
  }
}

/** Start a server on the dump.rdb a BGSAVE left in `dir`: seconds from spawn until INFO says loading:0 with every key in. */
async function loadTime(kind, dir) {
  const t0 = performance.now();
  const srv = await start(kind, ['--appendonly', 'no'], dir);
  try {
    // DBSIZE too: a server may answer INFO before its load begins (older Tidings builds did, while
    // a second listener was still binding), and that is not the end of the load.
    let keys = 0;
    for (;;) {
      if (infoField(await info(srv.port), 'loading') === '0') {
        const n = await command(srv.port, ['DBSIZE']);
        if (typeof n === 'number' && n > 0) {
          keys = n;
          break;
        }
      }
      await sleep(5);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, keys };
  } finally {
    await srv.stop();
  }
}

/** An empty server's start: seconds from spawn until it answers (what loadTime pays without a file). */
async function startTime(kind) {
  const t0 = performance.now();
  const srv = await start(kind, ['--appendonly', 'no']);
  await info(srv.port);
  const seconds = (performance.now() - t0) / 1000;
  await srv.stop();
  return seconds;
}

async function aofCpu(kind, fsync) {
  const srv = await start(kind, fsync === 'off' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync]);
  try {
    await sleep(200);
    const before = cpuSeconds(srv.pid);
    const r = redisBenchmark(srv.port, 'set', { clients: 50, requests: SETS, keyspace: 100000 });
    const cpu = cpuSeconds(srv.pid) - before;
    return { usPerSet: (cpu / SETS) * 1e6, rps: r.rps ?? NaN };
  } finally {
    await srv.stop();
  }
}

/** A dump file of KEYS DEBUG POPULATE keys written by SAVE; returns its directory. */
async function populatedDump(kind) {
  const srv = await start(kind, ['--appendonly', 'no']);
  await command(srv.port, ['DEBUG', 'POPULATE', String(KEYS), 'key', '16']);
  await command(srv.port, ['SAVE']);
  await srv.stop({ keepDir: true });
  return srv.dir;
}

/** BENCH_ONLY=load: start-up on the file and empty, ROUNDS rounds alternating the servers; medians. */
async function loadRounds() {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const kinds = BASE ? ['base', 'tidings', 'redis'] : ['tidings', 'redis'];
  const dirs = { tidings: await populatedDump('tidings'), redis: await populatedDump('redis') };
  dirs.base = dirs.tidings;
  const loads = Object.fromEntries(kinds.map((k) => [k, []]));
  const cpus = Object.fromEntries(kinds.map((k) => [k, []]));
  const empties = Object.fromEntries(kinds.map((k) => [k, []]));
  const loadAverages = [];
  // The floor under every Tidings start: node itself starting and exiting (with this environment:
  // NODE_EXTRA_CA_CERTS, when set, is read and parsed by every node process at start).
  const bareNode = [];
  try {
    for (let r = 0; r < rounds; r++) {
      loadAverages.push(os.loadavg()[0]);
      const t = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      bareNode.push((performance.now() - t) / 1000);
      for (const kind of kinds) {
        // keepDir: the next round loads the same file.
        const t0 = performance.now();
        const srv = await start(kind, ['--appendonly', 'no'], dirs[kind]);
        for (;;) {
          if (infoField(await info(srv.port), 'loading') === '0' && (await command(srv.port, ['DBSIZE'])) === KEYS) break;
          await sleep(5);
        }
        loads[kind].push((performance.now() - t0) / 1000);
        // The server's own CPU (all its threads) until then: steadier than wall time on a busy machine.
        cpus[kind].push(cpuSeconds(srv.pid));
        await srv.stop({ keepDir: true });
        empties[kind].push(await startTime(kind));
      }
    }
  } finally {
    fs.rmSync(dirs.tidings, { recursive: true, force: true });
    fs.rmSync(dirs.redis, { recursive: true, force: true });
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const list = (a) => a.map((x) => x.toFixed(2)).join(', ');
  const names = { tidings: BASE ? 'Tidings (this checkout)' : 'Tidings', base: `Tidings (BENCH_BASE ${path.basename(BASE ?? '')})`, redis: 'Redis' };
  const rows = [`Start-up on a ${KEYS.toLocaleString('en-US')}-key dump until INFO says loading:0, and empty; ${rounds} rounds, servers alternating; load average (1 min) at each round's start: ${loadAverages.map((x) => x.toFixed(1)).join(', ')}.`, ''];
  rows.push('| server | load, median (s) | load / Redis | each round (s) | server CPU during the load, median (s) | each round (s) | empty start, median (s) | each round (s) |');
  rows.push('| --- | ---: | ---: | --- | ---: | --- | ---: | --- |');
  for (const kind of kinds) {
    rows.push(`| ${names[kind]} | ${median(loads[kind]).toFixed(2)} | ${(median(loads[kind]) / median(loads.redis)).toFixed(2)}x | ${list(loads[kind])} | ${median(cpus[kind]).toFixed(2)} | ${list(cpus[kind])} | ${median(empties[kind]).toFixed(2)} | ${list(empties[kind])} |`);
  }
  rows.push('');
  rows.push(`\`node -e 0\` (spawn to exit), median ${median(bareNode).toFixed(2)} s (${list(bareNode)}); NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'}.`);
  console.log(rows.join('\n'));
}

build();
if (process.env.BENCH_ONLY === 'load') {
  await loadRounds();
  process.exit(0);
}
const facts = machineFacts();
const rows = [];
const save = {};
const load = {};
const empty = {};
const rewrite = {};
for (const kind of ['tidings', 'redis']) {
  save[kind] = await background(kind, 'save');
  rewrite[kind] = await background(kind, 'rewrite');
  empty[kind] = await startTime(kind);
  if (save[kind].ok === 'ok') load[kind] = await loadTime(kind, save[kind].dir);
}
const aof = {};
const FSYNCS = ['off', 'everysec', 'always'];
for (const fsync of FSYNCS) for (const kind of ['tidings', 'redis']) aof[`${kind}:${fsync}`] = await aofCpu(kind, fsync);

const mb = (b) => (b / 2 ** 20).toFixed(1);
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '—');
rows.push(`## Persistence: BGSAVE and the append-only file (${facts.date.slice(0, 16).replace('T', ' ')} UTC)`);
rows.push('');
rows.push(`Machine: ${facts.cpu}, ${facts.cores} cores, load average ${facts.load} at the end (other work ran meanwhile: noisy). ${facts.redis}; node ${facts.node}.`);
rows.push(`Dataset: ${KEYS.toLocaleString('en-US')} keys from DEBUG POPULATE (string values of 16 bytes), no writes during the save; AOF: redis-benchmark SET, 50 clients, ${SETS.toLocaleString('en-US')} requests, 100,000 random keys.`);
rows.push('');
rows.push('| BGSAVE | Tidings | Redis | Tidings / Redis |');
rows.push('| --- | ---: | ---: | ---: |');
const t = save.tidings;
const r = save.redis;
rows.push(`| duration (s) | ${t.seconds.toFixed(2)} | ${r.seconds.toFixed(2)} | ${ratio(t.seconds, r.seconds)} |`);
rows.push(`| longest PING round trip during the save (ms) | ${t.stall.toFixed(1)} | ${r.stall.toFixed(1)} | ${ratio(t.stall, r.stall)} |`);
rows.push(`| 99th percentile PING round trip during the save (ms) | ${t.p99.toFixed(2)} | ${r.p99.toFixed(2)} | |`);
rows.push(`| longest PING round trip in the second before (ms) | ${t.baseline.toFixed(1)} | ${r.baseline.toFixed(1)} | |`);
rows.push(`| extra memory (MiB; Tidings: peak RSS over ${mb(t.rssBefore)} MiB before; Redis: rdb_last_cow_size) | ${mb(t.extra)} | ${mb(r.extra)} | ${ratio(t.extra, r.extra)} |`);
if (load.tidings && load.redis) {
  rows.push(`| start-up on that file until INFO says loading:0 (s; keys loaded) | ${load.tidings.seconds.toFixed(2)} (${load.tidings.keys}) | ${load.redis.seconds.toFixed(2)} (${load.redis.keys}) | ${ratio(load.tidings.seconds, load.redis.seconds)} |`);
  rows.push(`| start-up of an empty server (s) | ${empty.tidings.toFixed(2)} | ${empty.redis.toFixed(2)} | |`);
}
rows.push('');
rows.push('| BGREWRITEAOF of the same dataset (RDB-preamble base) | Tidings | Redis | Tidings / Redis |');
rows.push('| --- | ---: | ---: | ---: |');
const tw = rewrite.tidings;
const rw = rewrite.redis;
rows.push(`| duration (s) | ${tw.seconds.toFixed(2)} | ${rw.seconds.toFixed(2)} | ${ratio(tw.seconds, rw.seconds)} |`);
rows.push(`| longest round trip during the rewrite, BGREWRITEAOF's own reply included (ms) | ${tw.stall.toFixed(1)} | ${rw.stall.toFixed(1)} | ${ratio(tw.stall, rw.stall)} |`);
rows.push(`| 99th percentile PING round trip during the rewrite (ms) | ${tw.p99.toFixed(2)} | ${rw.p99.toFixed(2)} | |`);
rows.push(`| extra memory (MiB; Tidings: peak RSS over ${mb(tw.rssBefore)} MiB before; Redis: aof_last_cow_size) | ${mb(tw.extra)} | ${mb(rw.extra)} | ${ratio(tw.extra, rw.extra)} |`);
rows.push('');
rows.push('| AOF: CPU per SET (µs, user+system of the server) | Tidings | Redis | Tidings / Redis |');
rows.push('| --- | ---: | ---: | ---: |');
for (const fsync of FSYNCS) {
  const a = aof[`tidings:${fsync}`];
  const b = aof[`redis:${fsync}`];
  const label = fsync === 'off' ? 'appendonly no' : `appendfsync ${fsync}`;
  rows.push(`| ${label} | ${a.usPerSet.toFixed(1)} (${Math.round(a.rps)} SET/s) | ${b.usPerSet.toFixed(1)} (${Math.round(b.rps)} SET/s) | ${ratio(a.usPerSet, b.usPerSet)} |`);
}
const off = aof['tidings:off'].rps;
const every = aof['tidings:everysec'].rps;
rows.push('');
rows.push(`Tidings with appendfsync everysec keeps ${((every / off) * 100).toFixed(0)}% of its own SET/s without persistence (Redis: ${((aof['redis:everysec'].rps / aof['redis:off'].rps) * 100).toFixed(0)}%); with always, Tidings' SET/s is ${ratio(aof['tidings:always'].rps, aof['redis:always'].rps)} Redis's.`);
const text = rows.join('\n');
console.log(text);
if (process.env.BENCH_WRITE === '1') writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'persistence', text);

#!/usr/bin/env node
// Persistence costs, Tidings against redis-server on the same machine in the same run:
//  1. BGSAVE of 1,000,000 keys (DEBUG POPULATE, 16-byte values): how long it takes, the longest
//     wait a client sees meanwhile (one PING at a time, the largest round trip), and the extra
//     memory (Tidings: peak RSS over the RSS before; Redis: the fork's copy-on-write, as INFO's
//     rdb_last_cow_size says; the child's pages shared with its parent are not counted).
//  2. CPU per SET with the append-only file on (everysec, always): the server's user+system CPU
//     (/proc) over a redis-benchmark SET run, divided by the SETs.
// Usage: node bench/persistence.mjs   (BENCH_KEYS=200000 for a quicker run; BENCH_WRITE=1 writes
// its section of BENCHMARKS.md). Benchmarks, not tests: numbers move with the machine's load.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, command, cpuSeconds, freePort, machineFacts, redisBenchmark, ROOT, sleep, waitForPort, writeSection } from './lib.mjs';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const SETS = Number(process.env.BENCH_SETS ?? 100_000);

async function start(kind, extra) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-persist-${kind}-`));
  const common = ['--port', String(port), '--save', '', '--dir', dir, '--enable-debug-command', 'yes', ...extra];
  const child =
    kind === 'tidings'
      ? spawn(process.execPath, [path.join(ROOT, 'bin/tidings.js'), ...common], { stdio: 'ignore' })
      : spawn('redis-server', [...common, '--bind', '127.0.0.1', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  await waitForPort(port, 30000);
  return {
    kind,
    port,
    pid: child.pid,
    async stop() {
      const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
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

/** Round trip of one PING, in ms. */
async function pingMs(port) {
  const t = performance.now();
  await command(port, ['PING']);
  return performance.now() - t;
}

async function bgsave(kind) {
  const srv = await start(kind, ['--appendonly', 'no']);
  try {
    await command(srv.port, ['DEBUG', 'POPULATE', String(KEYS), 'key', '16']);
    // The quiet baseline: the same probe for a second before.
    let baseline = 0;
    for (const end = performance.now() + 1000; performance.now() < end; ) baseline = Math.max(baseline, await pingMs(srv.port));
    const rssBefore = rssBytes(srv.pid);
    let rssPeak = rssBefore;
    let stall = 0;
    const t0 = performance.now();
    await command(srv.port, ['BGSAVE']);
    for (;;) {
      stall = Math.max(stall, await pingMs(srv.port));
      rssPeak = Math.max(rssPeak, rssBytes(srv.pid));
      if (infoField(await info(srv.port), 'rdb_bgsave_in_progress') === '0') break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const persistence = await info(srv.port);
    const cow = Number(infoField(persistence, 'rdb_last_cow_size') ?? 0);
    const extra = kind === 'tidings' ? rssPeak - rssBefore : cow;
    return { seconds, stall, baseline, extra, rssBefore, ok: infoField(persistence, 'rdb_last_bgsave_status') };
  } finally {
    await srv.stop();
  }
}

async function aofCpu(kind, fsync) {
  const srv = await start(kind, ['--appendonly', 'yes', '--appendfsync', fsync]);
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

build();
const facts = machineFacts();
const rows = [];
const save = {};
for (const kind of ['tidings', 'redis']) save[kind] = await bgsave(kind);
const aof = {};
for (const fsync of ['everysec', 'always']) for (const kind of ['tidings', 'redis']) aof[`${kind}:${fsync}`] = await aofCpu(kind, fsync);

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
rows.push(`| longest PING round trip in the second before (ms) | ${t.baseline.toFixed(1)} | ${r.baseline.toFixed(1)} | |`);
rows.push(`| extra memory (MiB; Tidings: peak RSS over ${mb(t.rssBefore)} MiB before; Redis: rdb_last_cow_size) | ${mb(t.extra)} | ${mb(r.extra)} | ${ratio(t.extra, r.extra)} |`);
rows.push('');
rows.push('| AOF: CPU per SET (µs, user+system of the server) | Tidings | Redis | Tidings / Redis |');
rows.push('| --- | ---: | ---: | ---: |');
for (const fsync of ['everysec', 'always']) {
  const a = aof[`tidings:${fsync}`];
  const b = aof[`redis:${fsync}`];
  rows.push(`| appendfsync ${fsync} | ${a.usPerSet.toFixed(1)} (${Math.round(a.rps)} SET/s) | ${b.usPerSet.toFixed(1)} (${Math.round(b.rps)} SET/s) | ${ratio(a.usPerSet, b.usPerSet)} |`);
}
const text = rows.join('\n');
console.log(text);
if (process.env.BENCH_WRITE === '1') writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'persistence', text);

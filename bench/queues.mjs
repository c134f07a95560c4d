#!/usr/bin/env node
// End-to-end job-queue benchmarks, Tidings and redis-server side by side in the same run:
//   1. BullMQ (Queue.add -> Worker -> 'completed'): a batch of jobs at worker concurrency 1 and 16
//      (jobs/s, add->completed latency under load), and jobs added one at a time on an idle queue
//      (add->completed latency seen by the Worker and by a QueueEvents listener);
//   2. a plain list queue with ioredis: producers LPUSH, consumers BRPOP (jobs/s, push->pop latency);
//   3. RQ (Debian's /usr/bin/python3, python3-rq): enqueue N jobs, then a burst SimpleWorker drains
//      them; Celery (python3-celery, Redis broker and result backend, solo worker): N tasks and their
//      results, then tasks one at a time (bench/queues-python.py); skipped when /usr/bin/python3
//      cannot import rq / celery.
// Every measurement also reports the server's CPU time per job (utime+stime from /proc/<pid>/stat,
// before/after). Each server is started fresh for every round and warmed up (300 BullMQ jobs,
// 10,000 list jobs, 100 RQ jobs, 20 Celery tasks; not measured); rounds alternate the server order, and
// the table reports the median of the rounds with min–max spread.
//
// Environment: BENCH_ROUNDS=4, BENCH_SCALE=1 (multiplies job counts), BENCH_ONLY=bullmq,list,rq,celery,
// BENCH_BACKLOG=100, BENCH_SERVERS=tidings,redis, BENCH_NO_BUILD=1, BENCH_NO_WARMUP=1,
// BENCH_NO_DRAFT=1 (do not write the draft file),
// TIDINGS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (profile the Tidings process).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { ROOT, build, startServer, cpuSeconds, summarize, machineFacts, fmtInt, fmtRatio, writeSection } from './lib.mjs';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
const ONLY = (process.env.BENCH_ONLY ?? 'bullmq,list,rq,celery').split(',').map((s) => s.trim());
const SERVERS = (process.env.BENCH_SERVERS ?? 'tidings,redis').split(',').map((s) => s.trim());
const DRAFT = path.join(ROOT, 'BENCHMARKS.md');
const PYTHON = '/usr/bin/python3';

const BULL_JOBS = Math.max(50, Math.round(2000 * SCALE));
const BULL_SEQ_JOBS = Math.max(20, Math.round(300 * SCALE));
const LIST_JOBS = Math.max(1000, Math.round(100_000 * SCALE));
/** Most jobs produced but not yet consumed/completed at any time (batch and list runs). */
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100);
const LIST_PRODUCERS = 4;
const LIST_CONSUMERS = 4;
const WARMUP = process.env.BENCH_NO_WARMUP !== '1';
const RQ_JOBS = Math.max(20, Math.round(500 * SCALE));
const CELERY_JOBS = Math.max(50, Math.round(1000 * SCALE));
const CELERY_SEQ = Math.max(20, Math.round(300 * SCALE));
/** Per-measurement time limit: a stuck run fails loudly instead of hanging. */
const LIMIT_MS = 180_000;

function withTimeout(promise, ms, what) {
  let t;
  const timer = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no result after ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

/** Measure a workload: wall time, server CPU (s), client CPU (s), plus whatever fn returns. */
async function measure(server, fn) {
  const cpu0 = cpuSeconds(server.pid);
  const client0 = process.cpuUsage();
  const r = await fn();
  const cpu1 = cpuSeconds(server.pid);
  const client1 = process.cpuUsage(client0);
  return { ...r, serverCpu: cpu1 - cpu0, clientCpu: (client1.user + client1.system) / 1e6 };
}

// ---------------------------------------------------------------------------------------------
// 1. BullMQ

const jobOpts = { removeOnComplete: true, removeOnFail: 1000 };

/** Run `n` async tasks with at most `width` in flight. */
async function pool(n, width, task) {
  let next = 0;
  async function lane() {
    while (next < n) await task(next++);
  }
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
}

/**
 * Bounds the backlog (jobs produced but not yet completed): producers `await gate.enter()` before
 * each job, consumers call `gate.leave()` when one completes. Without a bound, producers that are
 * faster than the consumers pile up the whole batch and the latency only measures the pile.
 */
class Gate {
  constructor(limit) {
    this.limit = limit;
    this.open = 0;
    this.waiters = [];
  }
  enter() {
    if (this.open < this.limit) {
      this.open++;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  leave() {
    const next = this.waiters.shift();
    if (next) next();
    else this.open--;
  }
}

/**
 * A batch of `jobs` added with up to 32 Queue.add calls in flight (and at most BACKLOG jobs added but
 * not completed) while a Worker drains them.
 */
async function bullBatch(server, concurrency, jobs) {
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const name = `bench-batch-c${concurrency}-${Date.now()}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  const lat = [];
  let done = 0;
  let failed = 0;
  let resolveDone;
  const allDone = new Promise((r) => (resolveDone = r));
  const worker = new Worker(name, async (job) => job.data.i, { connection, concurrency });
  const gate = new Gate(BACKLOG);
  worker.on('completed', (job) => {
    gate.leave();
    lat.push(performance.now() - job.data.t);
    if (++done + failed === jobs) resolveDone();
  });
  worker.on('failed', () => {
    gate.leave();
    if (done + ++failed === jobs) resolveDone();
  });
  await worker.waitUntilReady();
  try {
    return await measure(server, async () => {
      const t0 = performance.now();
      await pool(jobs, 32, async (i) => {
        await gate.enter();
        await queue.add('job', { i, t: performance.now() }, jobOpts);
      });
      await withTimeout(allDone, LIMIT_MS, `BullMQ batch c=${concurrency}`);
      const secs = (performance.now() - t0) / 1000;
      if (failed) throw new Error(`${failed} BullMQ jobs failed`);
      return { jobs, secs, rate: jobs / secs, ...summarize(lat) };
    });
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** Jobs added one at a time on an idle queue: add -> Worker 'completed' and -> QueueEvents 'completed'. */
async function bullSequential(server, jobs) {
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const name = `bench-seq-${Date.now()}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await queue.waitUntilReady();
  await events.waitUntilReady();
  const worker = new Worker(name, async (job) => job.data.i, { connection, concurrency: 1 });
  await worker.waitUntilReady();
  const pending = new Map(); // jobId -> { t0, worker?: ms, events?: ms, resolve }
  const settle = (id, which) => {
    const p = pending.get(id);
    if (!p) return;
    p[which] = performance.now() - p.t0;
    if (p.worker !== undefined && p.events !== undefined) p.resolve();
  };
  worker.on('completed', (job) => settle(job.id, 'worker'));
  events.on('completed', ({ jobId }) => settle(jobId, 'events'));
  // Let the QueueEvents XREAD BLOCK and the worker's blocking wait start.
  await new Promise((r) => setTimeout(r, 200));
  const viaWorker = [];
  const viaEvents = [];
  try {
    return await measure(server, async () => {
      const t0 = performance.now();
      for (let i = 0; i < jobs; i++) {
        const entry = { t0: performance.now() };
        const done = new Promise((r) => (entry.resolve = r));
        // The id is chosen here so the entry exists before any event can arrive.
        const jobId = `j${i}`;
        pending.set(jobId, entry);
        await queue.add('job', { i }, { ...jobOpts, jobId });
        await withTimeout(done, 30_000, `BullMQ job ${jobId}`);
        viaWorker.push(entry.worker);
        viaEvents.push(entry.events);
        pending.delete(jobId);
      }
      const secs = (performance.now() - t0) / 1000;
      const w = summarize(viaWorker);
      const e = summarize(viaEvents);
      return { jobs, secs, rate: jobs / secs, p50: w.p50, p99: w.p99, evP50: e.p50, evP99: e.p99 };
    });
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Plain list queue: LPUSH producers, BRPOP consumers (ioredis)

async function listQueue(server, jobs) {
  const key = `bench:list:${Date.now()}`;
  const opts = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null, enableOfflineQueue: true };
  const producers = Array.from({ length: LIST_PRODUCERS }, () => new Redis(opts));
  const consumers = Array.from({ length: LIST_CONSUMERS }, () => new Redis(opts));
  await Promise.all([...producers, ...consumers].map((c) => c.ping()));
  const pad = 'x'.repeat(64);
  const lat = [];
  let consumed = 0;
  let tEnd = 0;
  const gate = new Gate(BACKLOG);
  try {
    return await measure(server, async () => {
      const t0 = performance.now();
      const perProducer = Math.ceil(jobs / LIST_PRODUCERS);
      const produce = producers.map(async (p, k) => {
        const n = Math.min(perProducer, jobs - k * perProducer);
        for (let i = 0; i < n; i++) {
          await gate.enter();
          await p.lpush(key, `${performance.now()}|${k}:${i}|${pad}`);
        }
      });
      let stop = false;
      const consume = consumers.map(async (c) => {
        while (!stop) {
          const r = await c.brpop(key, 1);
          if (r === null) continue;
          const now = performance.now();
          gate.leave();
          lat.push(now - Number(r[1].slice(0, r[1].indexOf('|'))));
          if (++consumed === jobs) {
            tEnd = now;
            stop = true;
          }
        }
      });
      // Consumers still parked in BRPOP when the last job is taken return within their 1 s timeout.
      await withTimeout(Promise.all(produce), LIMIT_MS, 'list producers');
      await withTimeout(
        new Promise((resolve) => {
          const check = () => (consumed >= jobs ? resolve() : setTimeout(check, 5));
          check();
        }),
        LIMIT_MS,
        'list consumers',
      );
      stop = true;
      const secs = (tEnd - t0) / 1000;
      // Do not count the consumers' trailing BRPOP timeouts in the CPU figure (they cost next to
      // nothing, but the wall clock would); disconnecting ends them.
      for (const c of consumers) c.disconnect();
      await Promise.allSettled(consume);
      return { jobs, secs, rate: jobs / secs, ...summarize(lat) };
    });
  } finally {
    for (const c of [...producers, ...consumers]) c.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. RQ through Debian's python3

/** true, or why `module` cannot be used from Debian's python3. */
function pythonHas(module) {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', `import ${module}, redis`], { encoding: 'utf8' });
  return r.status === 0 ? true : (r.stderr || `import ${module} failed`).trim().split('\n').slice(-1)[0];
}

/** Run bench/queues-python.py in a mode; it measures the server's CPU over its measured phase itself. */
function python(server, mode, extra) {
  const r = spawnSync(
    PYTHON,
    [path.join(ROOT, 'bench/queues-python.py'), mode, '--port', String(server.port), '--server-pid', String(server.pid), ...extra],
    { encoding: 'utf8', timeout: LIMIT_MS },
  );
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`queues-python.py ${mode} failed: ${why}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function rqRoundTrip(server, jobs) {
  const out = python(server, 'rq', ['--jobs', String(jobs)]);
  const secs = out.enqueue_s + out.work_s;
  return {
    jobs,
    secs,
    rate: jobs / secs,
    enqueueRate: jobs / out.enqueue_s,
    workRate: jobs / out.work_s,
    p50: NaN,
    p99: NaN,
    serverCpu: out.server_cpu,
    clientCpu: NaN,
  };
}

async function celeryRoundTrip(server, jobs, seq) {
  const out = python(server, 'celery', ['--jobs', String(jobs), '--seq', String(seq)]);
  return {
    jobs,
    secs: out.batch_s,
    rate: jobs / out.batch_s,
    p50: out.p50,
    p99: out.p99,
    seqRate: seq / out.seq_s,
    seqCpu: out.seq_server_cpu / seq,
    serverCpu: out.server_cpu,
    clientCpu: NaN,
  };
}

// ---------------------------------------------------------------------------------------------

const WORKLOADS = [
  { id: 'bull-c1', group: 'bullmq', title: `BullMQ batch, ${fmtInt(BULL_JOBS)} jobs, worker concurrency 1`, run: (s) => bullBatch(s, 1, BULL_JOBS) },
  { id: 'bull-c16', group: 'bullmq', title: `BullMQ batch, ${fmtInt(BULL_JOBS)} jobs, worker concurrency 16`, run: (s) => bullBatch(s, 16, BULL_JOBS) },
  { id: 'bull-seq', group: 'bullmq', title: `BullMQ one job at a time (idle queue), ${fmtInt(BULL_SEQ_JOBS)} jobs`, run: (s) => bullSequential(s, BULL_SEQ_JOBS) },
  {
    id: 'list',
    group: 'list',
    title: `List queue: ${LIST_PRODUCERS} LPUSH producers, ${LIST_CONSUMERS} BRPOP consumers, ${fmtInt(LIST_JOBS)} jobs`,
    run: (s) => listQueue(s, LIST_JOBS),
  },
  { id: 'rq', group: 'rq', title: `RQ: enqueue ${fmtInt(RQ_JOBS)} jobs, then a burst SimpleWorker drains them`, run: (s) => rqRoundTrip(s, RQ_JOBS) },
  {
    id: 'celery',
    group: 'celery',
    title: `Celery (Redis broker + result backend, solo worker): ${fmtInt(CELERY_JOBS)} tasks, all results awaited; latency: ${fmtInt(CELERY_SEQ)} tasks one at a time`,
    run: (s) => celeryRoundTrip(s, CELERY_JOBS, CELERY_SEQ),
  },
];

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function spread(xs, fmt) {
  const s = xs.filter(Number.isFinite);
  if (s.length === 0) return '—';
  if (s.length === 1) return fmt(s[0]);
  return `${fmt(Math.min(...s))}–${fmt(Math.max(...s))}`;
}

const ms = (v) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '—');
const us = (v) => (Number.isFinite(v) ? (v * 1e6).toFixed(v * 1e6 < 100 ? 1 : 0) : '—');

async function main() {
  build();
  const py = { rq: ONLY.includes('rq') ? pythonHas('rq') : false, celery: ONLY.includes('celery') ? pythonHas('celery') : false };
  const workloads = WORKLOADS.filter((w) => ONLY.includes(w.group) && (py[w.group] === undefined || py[w.group] === true));
  for (const [g, ok] of Object.entries(py)) if (ONLY.includes(g) && ok !== true) console.log(`${g} skipped: ${ok}`);
  const facts = machineFacts();
  const t0 = Date.now();
  /** results[workload][server] = [round results] */
  const results = {};
  for (const w of workloads) results[w.id] = Object.fromEntries(SERVERS.map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    for (const kind of order) {
      const server = await startServer(kind);
      try {
        // Warm-up, not measured: the JIT (Tidings) and BullMQ's script cache (both servers) settle
        // first, so the rows compare steady states rather than the first seconds after startup.
        if (WARMUP) {
          const groups = new Set(workloads.map((w) => w.group));
          if (groups.has('bullmq')) await bullBatch(server, 16, 300);
          if (groups.has('list')) await listQueue(server, 10_000);
          if (groups.has('rq')) await rqRoundTrip(server, 100);
          // Celery: queues-python.py runs 20 tasks itself before measuring (the worker starts per run).
        }
        for (const w of workloads) {
          try {
            const r = await w.run(server);
            results[w.id][kind].push(r);
            console.log(
              `round ${round + 1} ${server.name.padEnd(7)} ${w.id.padEnd(8)} ${fmtInt(r.rate).padStart(8)} jobs/s  ` +
                `p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  server CPU ${us(r.serverCpu / r.jobs)} µs/job  client CPU ${us(r.clientCpu / r.jobs)} µs/job` +
                (r.evP50 !== undefined ? `  QueueEvents p50 ${ms(r.evP50)} p99 ${ms(r.evP99)} ms` : ''),
            );
          } catch (err) {
            console.log(`round ${round + 1} ${server.name} ${w.id}: FAILED ${err.message}`);
            results[w.id][kind].push({ error: err.message });
          }
        }
      } finally {
        await server.stop();
      }
    }
  }
  const elapsed = (Date.now() - t0) / 1000;

  // Table: one row per workload and server, then a ratio row.
  const lines = [];
  lines.push('## Job queues end to end (BullMQ, list queue, RQ, Celery)');
  lines.push('');
  lines.push('Reproduce: `node bench/queues.mjs` (builds `dist/` first; `BENCH_ROUNDS`, `BENCH_SCALE`, `BENCH_ONLY=bullmq,list,rq,celery` adjust it).');
  lines.push('');
  lines.push(
    `Machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memGiB} GiB, ${facts.kernel}; Node ${facts.node}; ${facts.redis}. ` +
      `Load average at start ${facts.load} (the 2 cores were shared with other work, so absolute numbers are noisy). ` +
      `Run ${facts.date}, ${ROUNDS} rounds per server alternating the order, ${elapsed.toFixed(0)} s in all. ` +
      'Servers: `node bin/tidings.js --port N` and `redis-server --save "" --appendonly no`, each started fresh per round on a free 127.0.0.1 port and warmed up first (300 BullMQ jobs, 10,000 list jobs, 100 RQ jobs, 20 Celery tasks; not measured); ' +
      'clients (BullMQ 5 / ioredis 6 in one Node process; RQ 1.13 and Celery 5.2 on Debian Python 3.11) run on the same machine.',
  );
  lines.push('');
  lines.push(
    'Values are the median of the rounds, with the min–max over rounds in brackets. In the batch and list rows the producers keep at most ' +
      `${BACKLOG} jobs added but not yet completed/popped (a backlog bound, so the latency is not just the length of a pile-up). ` +
      'Latency is from just before `Queue.add`/`LPUSH` ' +
      'to the Worker `completed` event / the `BRPOP` reply, in ms. CPU is the server process\'s utime+stime (from `/proc/<pid>/stat`) during ' +
      'the measurement divided by the number of jobs, in µs per job. Ratio = Tidings / Redis (jobs/s: higher is better for Tidings; latency and CPU: lower is better).',
  );
  lines.push('');
  lines.push('| Workload | Server | jobs/s | p50 ms | p99 ms | server CPU µs/job |');
  lines.push('|---|---|---:|---:|---:|---:|');
  const med = {};
  for (const w of workloads) {
    med[w.id] = {};
    for (const kind of SERVERS) {
      const rs = results[w.id][kind].filter((r) => !r.error);
      const errs = results[w.id][kind].filter((r) => r.error);
      const name = kind === 'tidings' ? 'Tidings' : 'Redis';
      if (rs.length === 0) {
        lines.push(`| ${w.title} | ${name} | failed: ${errs[0]?.error ?? 'no runs'} | | | |`);
        med[w.id][kind] = {};
        continue;
      }
      const m = {
        rate: median(rs.map((r) => r.rate)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        cpu: median(rs.map((r) => r.serverCpu / r.jobs)),
      };
      med[w.id][kind] = m;
      const cell = (v, xs, f) => (Number.isFinite(v) ? `${f(v)} (${spread(xs, f)})` : '—');
      lines.push(
        `| ${w.title} | ${name} | ${cell(m.rate, rs.map((r) => r.rate), fmtInt)} | ${cell(m.p50, rs.map((r) => r.p50), ms)} | ` +
          `${cell(m.p99, rs.map((r) => r.p99), ms)} | ${cell(m.cpu, rs.map((r) => r.serverCpu / r.jobs), us)} |` +
          (errs.length ? ` (${errs.length} failed round(s))` : ''),
      );
    }
    const a = med[w.id].tidings ?? {};
    const b = med[w.id].redis ?? {};
    if (SERVERS.length === 2)
      lines.push(`| | **ratio** | ${fmtRatio(a.rate, b.rate)} | ${fmtRatio(a.p50, b.p50)} | ${fmtRatio(a.p99, b.p99)} | ${fmtRatio(a.cpu, b.cpu)} |`);
  }
  lines.push('');
  // Extra columns that do not fit the main table.
  if (results['bull-seq']) {
    lines.push('BullMQ one-at-a-time, latency to the `completed` event seen by a separate QueueEvents connection (XREAD BLOCK on the events stream), p50 / p99 ms:');
    for (const kind of SERVERS) {
      const rs = results['bull-seq'][kind].filter((r) => !r.error);
      if (rs.length)
        lines.push(`- ${kind === 'tidings' ? 'Tidings' : 'Redis'}: ${ms(median(rs.map((r) => r.evP50)))} / ${ms(median(rs.map((r) => r.evP99)))} (rounds: ${rs.map((r) => `${ms(r.evP50)}/${ms(r.evP99)}`).join(', ')})`);
    }
    lines.push('');
  }
  if (results.rq) {
    lines.push('RQ split (median): enqueue rate / burst-worker rate, jobs/s:');
    for (const kind of SERVERS) {
      const rs = results.rq[kind].filter((r) => !r.error);
      if (rs.length)
        lines.push(`- ${kind === 'tidings' ? 'Tidings' : 'Redis'}: ${fmtInt(median(rs.map((r) => r.enqueueRate)))} / ${fmtInt(median(rs.map((r) => r.workRate)))}`);
    }
    lines.push('');
  } else if (ONLY.includes('rq')) {
    lines.push(`RQ: skipped (${py.rq}).`);
    lines.push('');
  }
  if (results.celery) {
    lines.push('Celery one-at-a-time (`delay` then `get`, results via the backend\'s pub/sub), median tasks/s and server CPU µs/task:');
    for (const kind of SERVERS) {
      const rs = results.celery[kind].filter((r) => !r.error);
      if (rs.length)
        lines.push(`- ${kind === 'tidings' ? 'Tidings' : 'Redis'}: ${fmtInt(median(rs.map((r) => r.seqRate)))} tasks/s, ${us(median(rs.map((r) => r.seqCpu)))} µs/task`);
    }
    lines.push('');
  } else if (ONLY.includes('celery')) {
    lines.push(`Celery: skipped (${py.celery}).`);
    lines.push('');
  }
  const nodeWorkloads = workloads.filter((w) => w.group !== 'rq' && w.group !== 'celery');
  if (nodeWorkloads.length) lines.push('Client CPU per job (the Node process running BullMQ/ioredis, same machine), median µs/job:');
  for (const w of nodeWorkloads) {
    const parts = SERVERS.map((kind) => {
      const rs = results[w.id][kind].filter((r) => !r.error);
      return `${kind === 'tidings' ? 'Tidings' : 'Redis'} ${us(median(rs.map((r) => r.clientCpu / r.jobs)))}`;
    });
    lines.push(`- ${w.title}: ${parts.join(', ')}`);
  }
  const text = lines.join('\n');
  console.log('\n' + text);
  if (process.env.BENCH_NO_DRAFT !== '1') {
    writeSection(DRAFT, 'queues', text);
    console.log(`\nwrote ${path.relative(ROOT, DRAFT)}`);
  }
}

export { bullBatch, bullSequential, listQueue, rqRoundTrip, celeryRoundTrip };

// Run only when executed directly (the workloads can be imported, e.g. for a profile).
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

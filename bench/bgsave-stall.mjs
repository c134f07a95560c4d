#!/usr/bin/env node
// Issue 10's question, measured: how long a client waits during a BGSAVE of 1M keys, and why.
// One PING at a time (a second client writes, with BENCH_SAVE_WRITES=1), first for IDLE seconds
// without a save, then during a BGSAVE; the server runs with bench/bgsave-stall-trace.mjs, which
// logs its GC pauses and its save slices, so each long round trip is shown with what overlapped it.
// Rounds alternate this build and the one in BENCH_BASE (a copy with dist/, bin/ and package.json).
//
//   node bench/bgsave-stall.mjs                       # strings (DEBUG POPULATE, 16 B), 2 rounds
//   BENCH_MIXED=1 BENCH_SAVE_WRITES=1 BENCH_BASE=/tmp/base node bench/bgsave-stall.mjs
//   BENCH_HUGE=stream node bench/bgsave-stall.mjs   # one key of BENCH_KEYS elements (hash set zset list stream stream-pel)
//   BENCH_RT=1 ...   # as root: server and probe SCHED_FIFO while measured (chrt), so that a loaded
//                    # machine's scheduling does not dominate the round trips; say so with numbers
// Knobs: BENCH_KEYS (1000000), BENCH_ROUNDS (2), BENCH_IDLE_S (2), BENCH_THRESHOLD_MS (10),
// BENCH_CONNECT=1 (a new connection per PING, as bench/persistence.mjs), BENCH_SHOW (5: the
// slowest PINGs shown with what the server did meanwhile), TIDINGS_NODE_ARGS, BENCH_SERVER_LOG.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, command, fillHugeKey, freePort, loadResident, Pipe, ROOT, residentLabel, sleep, waitForPort } from './lib.mjs';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 2);
const THRESHOLD = Number(process.env.BENCH_THRESHOLD_MS ?? 10);
const MIXED = process.env.BENCH_MIXED === '1';
// BENCH_HUGE=<type>: the dataset is one key of BENCH_KEYS elements instead (bench/huge-key.mjs's types).
const HUGE = process.env.BENCH_HUGE;
const WRITES = process.env.BENCH_SAVE_WRITES === '1';
const RT = process.env.BENCH_RT === '1';
// A new connection for every PING, as bench/persistence.mjs probes (accept, read, reply, close).
const CONNECT = process.env.BENCH_CONNECT === '1';
const now = () => performance.timeOrigin + performance.now();
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))[1]) / 1024;
const infoField = (text, name) => new RegExp(`\\r\\n${name}:([^\\r]*)`).exec(String(text))?.[1];

async function run(label, root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgsave-stall-'));
  const trace = path.join(dir, 'trace.txt');
  const port = await freePort();
  // TIDINGS_NODE_ARGS: node flags for the server (e.g. --trace-gc-nvp); its output then goes to
  // $BENCH_SERVER_LOG.<label> (default: discarded).
  const nodeArgs = (process.env.TIDINGS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const args = [...nodeArgs, '--import', path.join(ROOT, 'bench/bgsave-stall-trace.mjs'), path.join(root, 'bin/tidings.js')];
  args.push('--port', String(port), '--save', '', '--dir', dir, '--appendonly', 'no', '--enable-debug-command', 'yes');
  const log = process.env.BENCH_SERVER_LOG ? fs.openSync(`${process.env.BENCH_SERVER_LOG}.${label.replace(/\W+/g, '-')}`, 'w') : 'ignore';
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], env: { ...process.env, STALL_TRACE_FILE: trace } });
  if (typeof log === 'number') fs.closeSync(log);
  const ping = [];
  let writer;
  try {
    await waitForPort(port, 30000);
    if (HUGE) await fillHugeKey(port, HUGE, KEYS);
    else if (MIXED) await loadResident(port, KEYS);
    else await command(port, ['DEBUG', 'POPULATE', String(KEYS), 'key', '16']);
    // The probe one priority above the server: at equal SCHED_FIFO priority a probe woken on the
    // server's CPU waits for the running slice to end although its reply was already sent.
    if (RT) for (const [pid, prio] of [[child.pid, 20], [process.pid, 21]]) execFileSync('chrt', ['-a', '-f', '-p', String(prio), String(pid)]);
    const probe = await Pipe.open(port);
    ping.push(probe);
    const timed = async (stop) => {
      const out = [];
      while (!(await stop())) {
        const t = now();
        if (CONNECT) await command(port, ['PING']);
        else await probe.batch([['PING']]);
        out.push([t, now() - t]);
      }
      return out;
    };
    let writing = WRITES;
    let writes = 0;
    const load = (async () => {
      if (!writing) return;
      writer = await Pipe.open(port);
      while (writing) {
        const batch = [];
        for (let i = 0; i < 10; i++) {
          const k = Math.floor(Math.random() * KEYS);
          batch.push(MIXED ? ['SET', `resident:s:${Math.floor(k * 0.6)}`, 'x'.repeat(64)] : ['SET', `key:${k}`, 'y'.repeat(16)]);
        }
        await writer.batch(batch);
        writes += batch.length;
      }
    })();
    // A settling second, then the quiet phase: the first young collection after loading promotes
    // the last keys loaded (once, 10-20 ms), which is not the save's doing.
    let end = now() + 1000;
    await timed(async () => now() > end);
    end = now() + IDLE_S * 1000;
    const idle = await timed(async () => now() > end);
    const rssBefore = rssMiB(child.pid);
    let rssPeak = rssBefore;
    const t0 = now();
    await command(port, ['BGSAVE']);
    let checks = 0;
    const save = await timed(async () => {
      rssPeak = Math.max(rssPeak, rssMiB(child.pid));
      if (++checks % 5 !== 0) return false;
      return infoField(await command(port, ['INFO', 'persistence']), 'rdb_bgsave_in_progress') === '0';
    });
    const seconds = (now() - t0) / 1000;
    writing = false;
    await load;
    const status = infoField(await command(port, ['INFO', 'persistence']), 'rdb_last_bgsave_status');
    await sleep(300); // the trace file is flushed every 200 ms
    return { idle, save, seconds, extra: rssPeak - rssBefore, status, writes, events: readTrace(trace) };
  } finally {
    for (const p of ping) p.close();
    writer?.close();
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readTrace(file) {
  return fs
    .readFileSync(file, 'latin1')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [kind, t, d, x] = l.split(' ');
      return { kind, t: Number(t), d: Number(d), x };
    });
}

function report(label, r) {
  const within = (pings) => {
    const t0 = pings[0][0];
    const t1 = pings.at(-1)[0] + pings.at(-1)[1];
    return r.events.filter((e) => e.t + e.d >= t0 && e.t <= t1);
  };
  const summary = (pings) => {
    const sorted = pings.map((p) => p[1]).sort((a, b) => a - b);
    const gcs = within(pings).filter((e) => e.kind === 'gc');
    const byKind = {};
    for (const g of gcs) {
      const k = (byKind[g.x] ??= { n: 0, max: 0 });
      k.n++;
      k.max = Math.max(k.max, g.d);
    }
    const kinds = Object.entries(byKind).map(([k, v]) => `${v.n} ${k} (max ${v.max.toFixed(1)} ms)`).join(', ') || 'no GC';
    const timers = within(pings).filter((e) => e.kind === 'interval' || e.kind === 'timeout');
    const timer = timers.length === 0 ? '' : `; longest timer ${Math.max(...timers.map((e) => e.d)).toFixed(1)} ms`;
    const tail = kinds + timer;
    return `max ${sorted.at(-1).toFixed(1)} ms, p99 ${sorted[Math.floor(0.99 * (sorted.length - 1))].toFixed(1)} ms, ${pings.filter((p) => p[1] > THRESHOLD).length}/${pings.length} over ${THRESHOLD} ms; ${tail}`;
  };
  // The server's part of each round trip: from the PING's sending to the server's write of its
  // reply (+PONG, 7 bytes), without the delivery to the probe (its own scheduling).
  const replies = r.events.filter((e) => e.kind === 'reply' && e.x === '7').map((e) => e.t);
  // And how many slices began after the PING was sent and before its reply was written (0 when
  // a request waits at most for the slice it arrived in): a count the machine's load does not move.
  const starts = r.events.filter((e) => e.kind === 'slice').map((e) => e.t);
  const served = (pings) => {
    const waits = [];
    const extra = [0, 0, 0];
    let j = 0;
    let k = 0;
    for (const [t, rtt] of pings) {
      while (j < replies.length && replies[j] < t) j++;
      if (j >= replies.length || replies[j] > t + rtt + 1) continue;
      waits.push(replies[j] - t);
      while (k < starts.length && starts[k] < t) k++;
      let n = 0;
      while (k + n < starts.length && starts[k + n] < replies[j]) n++;
      extra[Math.min(n, 2)]++;
    }
    waits.sort((a, b) => a - b);
    if (waits.length === 0) return 'no replies traced';
    const slicesWaited = starts.length === 0 ? '' : `; slices begun meanwhile 0/1/2+: ${extra.join('/')}`;
    return `request to reply written: max ${waits.at(-1).toFixed(1)} ms, p99 ${waits[Math.floor(0.99 * (waits.length - 1))].toFixed(1)} ms, ${waits.filter((w) => w > THRESHOLD).length} over ${THRESHOLD} ms${slicesWaited}`;
  };
  const slices = within(r.save).filter((e) => e.kind === 'slice').map((e) => e.d).sort((a, b) => a - b);
  console.log(`${label}: save ${r.seconds.toFixed(2)} s (${r.status}), extra RSS ${r.extra.toFixed(1)} MiB${WRITES ? `, ${r.writes} writes` : ''}`);
  console.log(`  quiet: ${summary(r.idle)}`);
  console.log(`  save:  ${summary(r.save)}; ${slices.length} slices, median ${slices[slices.length >> 1]?.toFixed(2)} ms, max ${slices.at(-1)?.toFixed(2)} ms`);
  console.log(`  server side, quiet: ${served(r.idle)}`);
  console.log(`  server side, save:  ${served(r.save)}`);
  for (const [t, rtt] of [...r.save].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    const over = r.events.filter((e) => e.t + e.d >= t && e.t <= t + rtt);
    const name = (e) => (e.kind === 'gc' ? e.x : ['read', 'reply', 'pipe'].includes(e.kind) ? `${e.kind}(${e.x})` : e.kind);
    const at = (e) => `${e.t - t >= 0 ? '+' : ''}${(e.t - t).toFixed(1)}`;
    console.log(`    ${rtt.toFixed(1)} ms: ${over.map((e) => `${name(e)} at ${at(e)}${e.d > 0 ? ` for ${e.d.toFixed(1)}` : ''}`).join(', ') || 'nothing of the server (scheduling)'}`);
  }
}

build();
const builds = [['this build', ROOT]];
if (process.env.BENCH_BASE) builds.push(['base', path.resolve(process.env.BENCH_BASE)]);
console.log(`${HUGE ? `one ${HUGE} key of ${KEYS} elements` : MIXED ? residentLabel(KEYS) : `${KEYS} keys from DEBUG POPULATE (16 B strings)`}${WRITES ? ', a client writing meanwhile' : ''}${RT ? ', SCHED_FIFO while measured' : ''}; load average ${os.loadavg()[0].toFixed(1)}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const [label, root] of round % 2 === 1 ? builds : [...builds].reverse()) report(`round ${round}, ${label}`, await run(`${label}-${round}`, root));
}

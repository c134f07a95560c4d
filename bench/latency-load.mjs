#!/usr/bin/env node
// Latency under load (issue #12): with 1M keys resident (lib.mjs loadResident: strings, hashes,
// lists) and a steady 50,000 SET/s of 64-byte values over 100,000 random keys, how long does a PING
// client wait? Per server (fresh, alternating): load the dataset, start the SET load (a child
// process, 4 connections, a batch every 10 ms, paced to the target rate: a batch is not sent while
// more than a second's worth of SETs is unanswered, so a slow server gets fewer, not a backlog) and
// a PING client (another child process: one PING in flight at a time, the next 1 ms after each
// reply, round trips on the monotonic clock). After a warm-up the PING round trips are recorded;
// since one PING is always in flight or 1 ms away, the longest round trip is the longest pause a
// client saw (garbage collection included). Also: the SET rate reached and the server's CPU.
// Usage: node bench/latency-load.mjs [--write]   (--write puts the table into BENCHMARKS.md,
// section latency-load). Knobs: BENCH_RESIDENT (default 1000000), BENCH_RATE (SET/s, 50000),
// BENCH_SECONDS (measured seconds per server, 20), BENCH_ROUNDS (1), BENCH_NO_BUILD=1.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, command, cpuSeconds, encodeCommand, fmtInt, loadResident, machineFacts, percentile, ROOT, residentLabel, startServer, writeSection } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const WARMUP_MS = 3000;

// ------------------------------------------------------------------ children

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** The SET load: prints {sent, answered, seconds} as JSON when its time is up. */
async function loadChild(port, rate, ms) {
  const CONNS = 4;
  const TICK = 10;
  const value = 'x'.repeat(64);
  const socks = await Promise.all(Array.from({ length: CONNS }, () => connect(port)));
  let answered = 0;
  for (const s of socks) {
    // Every reply is +OK\r\n: count line ends.
    s.on('data', (chunk) => {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) answered++;
    });
  }
  let sent = 0;
  const t0 = performance.now();
  let tick = 0;
  await new Promise((resolve) => {
    const step = () => {
      const now = performance.now() - t0;
      if (now >= ms) return resolve();
      // Send what the schedule asks for up to now, unless a second's worth is unanswered.
      const target = Math.floor((now / 1000) * rate);
      if (target > sent && sent - answered < rate) {
        const per = Math.ceil((target - sent) / CONNS);
        for (let c = 0; c < CONNS; c++) {
          const n = Math.min(per, target - sent);
          if (n <= 0) break;
          const parts = [];
          for (let i = 0; i < n; i++) parts.push(encodeCommand(['SET', `load:${Math.floor(Math.random() * 100000)}`, value]));
          socks[c].write(Buffer.concat(parts));
          sent += n;
        }
      }
      tick++;
      setTimeout(step, Math.max(0, tick * TICK - (performance.now() - t0)));
    };
    step();
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const s of socks) s.destroy();
  process.stdout.write(JSON.stringify({ sent, answered, seconds }) + '\n');
}

/** The PING client: prints {n, p50, p99, p999, max, over50} (ms) as JSON after warm-up + ms. */
async function pingChild(port, ms) {
  const s = await connect(port);
  const rtts = [];
  let sentAt = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const send = () => {
      sentAt = performance.now();
      s.write('PING\r\n');
    };
    s.on('data', () => {
      const now = performance.now();
      if (now - t0 >= WARMUP_MS) rtts.push(now - sentAt);
      if (now - t0 >= WARMUP_MS + ms) return resolve();
      setTimeout(send, 1);
    });
    send();
  });
  s.destroy();
  const sorted = Float64Array.from(rtts).sort();
  process.stdout.write(
    JSON.stringify({
      n: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted[sorted.length - 1],
      over50: rtts.filter((v) => v > 50).length,
    }) + '\n',
  );
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--child', ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${args[0]} exited ${code}`))));
  });
}

// ------------------------------------------------------------------ parent

async function measure(kind, resident, rate, seconds) {
  const server = await startServer(kind);
  try {
    const t = Date.now();
    await loadResident(server.port, resident);
    console.error(`${kind}: ${residentLabel(resident)} loaded in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    // Let the load's garbage settle the same way on both: a second of quiet.
    await new Promise((r) => setTimeout(r, 1000));
    const ms = seconds * 1000;
    const load = runChild(['load', server.port, rate, WARMUP_MS + ms + 500]);
    const ping = runChild(['ping', server.port, ms]);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    const p = await ping;
    const cpu = cpuSeconds(server.pid) - cpu0;
    const wall = (performance.now() - t0) / 1000;
    const l = await load;
    const info = String(await command(server.port, ['DBSIZE']));
    return { ...p, setRate: l.answered / l.seconds, cpuShare: cpu / wall, dbsize: info };
  } finally {
    await server.stop();
  }
}

async function main() {
  const resident = Number(process.env.BENCH_RESIDENT ?? 1_000_000);
  const rate = Number(process.env.BENCH_RATE ?? 50_000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  if (process.env.BENCH_NO_BUILD !== '1') build();
  const facts = machineFacts();
  const runs = { tidings: [], redis: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? ['tidings', 'redis'] : ['redis', 'tidings']) {
      const r = await measure(kind, resident, rate, seconds);
      runs[kind].push(r);
      console.error(
        `${kind}: PING p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} p99.9 ${r.p999.toFixed(3)} max ${r.max.toFixed(1)} ms, >50 ms: ${r.over50}, ${r.n} PINGs; ${fmtInt(r.setRate)} SET/s; server CPU ${(r.cpuShare * 100).toFixed(0)}%`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = (kind, f) => median(runs[kind].map(f));
  const row = (kind, name) =>
    `| ${name} | ${fmtInt(m(kind, (r) => r.setRate))} | ${(m(kind, (r) => r.cpuShare) * 100).toFixed(0)}% | ${fmtInt(m(kind, (r) => r.n))} | ${m(kind, (r) => r.p50).toFixed(3)} | ${m(kind, (r) => r.p99).toFixed(3)} | ${m(kind, (r) => r.p999).toFixed(2)} | ${m(kind, (r) => r.max).toFixed(1)} | ${m(kind, (r) => r.over50)} |`;
  const ratio = (f) => (m('tidings', f) / m('redis', f)).toFixed(2);
  const table = `Latency under load: ${residentLabel(resident)}, then ${fmtInt(rate)} SET/s asked (64-byte values, 100,000
random keys, 4 connections, a batch every 10 ms) while one client sends PING, one at a time, 1 ms after each reply;
${seconds} s measured after a ${WARMUP_MS / 1000} s warm-up, fresh servers, medians of ${rounds} round(s), servers alternating.
${facts.date}, Node ${facts.node} (no extra flags), ${facts.redis.split(' ').slice(0, 3).join(' ')}, load average at the start ${facts.load}.
\`node bench/latency-load.mjs\`.

| Server | SET/s reached | Server CPU | PINGs | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | PINGs over 50 ms |
|---|---|---|---|---|---|---|---|---|
${row('tidings', 'Tidings')}
${row('redis', 'Redis')}

Tidings/Redis: p99 ${ratio((r) => r.p99)}x, max ${ratio((r) => r.max)}x (target: at most 2x, and no pause over 50 ms).`;
  console.log(table);
  if (process.argv.includes('--write')) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'latency-load', table);
}

if (process.argv[2] === '--child') {
  const [, , , mode, port, a, b] = process.argv;
  if (mode === 'load') await loadChild(Number(port), Number(a), Number(b));
  else await pingChild(Number(port), Number(a));
} else {
  await main();
}

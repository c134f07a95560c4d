#!/usr/bin/env node
// Pub/sub fan-out benchmark, Tidings and redis-server side by side.
//
// One publisher (this process, raw socket, a bounded window of PUBLISH commands in flight) and
// subscribers on raw sockets spread over 2 child processes with a minimal frame reader. The
// payload starts with the send time (process.hrtime, CLOCK_MONOTONIC, comparable across
// processes), so subscribers measure delivery latency. Per scenario and server: delivered
// messages/s, losses (sum of PUBLISH receiver counts minus messages received), p50/p99 latency,
// and the server's CPU time per delivered message (/proc/<pid>/stat).
//
// Usage: node bench/fanout.mjs [scenario-name ...]; BENCH_SECONDS=3 per scenario per server;
// BENCH_RESIDENT=1000000 loads that many keys into both servers first (see lib.mjs loadResident);
// BENCH_TLS=1 connects publisher and subscribers over TLS (certificates made by openssl at run
// time; the 64 B and 16 KiB one-channel scenarios by default; written to the `fanout-tls` section).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import {
  ROOT,
  build,
  startServer,
  cpuSeconds,
  command,
  redisBenchmark,
  Samples,
  summarize,
  fmtInt,
  fmtRatio,
  fmtUs,
  writeSection,
  sleep,
  RESIDENT,
  residentLabel,
  loadResident,
  makeCerts,
  machineFacts,
} from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const CHILDREN = 2;
const DRAFT = path.join(ROOT, 'BENCHMARKS.md');
const TLS = process.env.BENCH_TLS === '1';
// BENCH_AFTER_WRITES=1: before the scenarios, each server takes a write-heavy redis-benchmark run
// (AFTER_WRITES_TESTS below) and keeps what it left (keys and garbage): fan-out "right after a
// write-heavy benchmark" (#12). Written to the fanout-after-writes section.
const AFTER_WRITES = process.env.BENCH_AFTER_WRITES === '1';
const AFTER_WRITES_TESTS = 'set,incr,lpush,hset,sadd,zadd';
const AFTER_WRITES_REQUESTS = 200_000;
const AFTER_WRITES_KEYSPACE = 200_000;
/** Scenarios run over TLS when none are named. */
const TLS_DEFAULT = ['100subs-1ch', '100subs-16k'];

/**
 * Connect to the server (TCP, or TLS when `ca` is given); resolves with the socket once it is ready
 * to write (after the handshake for TLS).
 */
function dial(port, ca) {
  return new Promise((resolve, reject) => {
    const s = ca ? tls.connect({ port, host: '127.0.0.1', ca }) : net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.once(ca ? 'secureConnect' : 'connect', () => resolve(s));
    s.once('error', reject);
  });
}

const SCENARIOS = [
  {
    name: '100subs-1ch',
    label: '1 publisher → 100 subscribers, 1 channel, 64 B',
    subscribers: 100,
    subscribe: (i) => ['SUBSCRIBE', 'bench:ch:0'],
    channels: ['bench:ch:0'],
    payload: 64,
    window: 32,
  },
  {
    name: '1000subs-100ch',
    label: '1 publisher → 1000 subscribers over 100 channels (10 each), 64 B',
    subscribers: 1000,
    subscribe: (i) => ['SUBSCRIBE', `bench:ch:${i % 100}`],
    channels: Array.from({ length: 100 }, (_, i) => `bench:ch:${i}`),
    payload: 64,
    window: 32,
  },
  {
    name: '100psubs',
    label: '1 publisher → 100 pattern subscribers (PSUBSCRIBE bench:p:*), 64 B',
    subscribers: 100,
    subscribe: (i) => ['PSUBSCRIBE', 'bench:p:*'],
    channels: ['bench:p:0'],
    payload: 64,
    window: 32,
  },
  {
    name: '100subs-16k',
    label: '1 publisher → 100 subscribers, 1 channel, 16 KiB',
    subscribers: 100,
    subscribe: (i) => ['SUBSCRIBE', 'bench:ch:0'],
    channels: ['bench:ch:0'],
    payload: 16384,
    window: 4,
  },
];

// ====================================================================== subscriber child

function subscriberMain() {
  let conns = [];
  let received = 0;
  let confirmed = 0;
  let lastRecv = 0;
  const samples = new Samples(100000);
  let sampleEvery = 1;
  let sampleTick = 0;

  function nowNs() {
    const t = process.hrtime();
    return t[0] * 1e9 + t[1];
  }

  /** Streaming reader for push frames: counts messages, reads the payload's timestamp, skips the rest. */
  function makeReader() {
    let pending = null;
    let skip = 0;
    return function onChunk(chunk) {
      const now = nowNs();
      let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      pending = null;
      let pos = 0;
      const len = buf.length;
      while (pos < len) {
        if (skip > 0) {
          const n = Math.min(skip, len - pos);
          pos += n;
          skip -= n;
          continue;
        }
        const start = pos;
        const r = parseFrame(buf, pos, now);
        if (r < 0) {
          pending = Buffer.from(buf.subarray(start));
          break;
        }
        pos = r;
      }
    };

    function readInt(buf, pos) {
      // buf[pos] is the type byte; returns [value, next] or null.
      let i = pos + 1;
      let neg = false;
      if (buf[i] === 45) {
        neg = true;
        i++;
      }
      let v = 0;
      for (; i < buf.length; i++) {
        const c = buf[i];
        if (c === 13) {
          if (i + 1 >= buf.length) return null;
          return [neg ? -v : v, i + 2];
        }
        v = v * 10 + (c - 48);
      }
      return null;
    }

    function parseFrame(buf, pos, now) {
      const head = readInt(buf, pos);
      if (head === null) return -1;
      const k = head[0];
      pos = head[1];
      let kindLen = 0;
      for (let e = 0; e < k - 1; e++) {
        if (pos >= buf.length) return -1;
        const b = readInt(buf, pos);
        if (b === null) return -1;
        pos = b[1];
        if (e === 0) kindLen = b[0];
        // a bulk element: skip its bytes + CRLF (headers are small; require them whole)
        if (pos + b[0] + 2 > buf.length) return -1;
        pos += b[0] + 2;
      }
      if (pos >= buf.length) return -1;
      if (buf[pos] === 58 /* : */) {
        const c = readInt(buf, pos);
        if (c === null) return -1;
        confirmed++;
        return c[1];
      }
      const m = readInt(buf, pos);
      if (m === null) return -1;
      pos = m[1];
      const size = m[0];
      const stampLen = Math.min(size, 20);
      if (pos + stampLen > buf.length) return -1;
      if (kindLen === 7 /* message */ || kindLen === 8 /* pmessage, smessage */) {
        let t = 0;
        for (let i = pos; i < pos + stampLen; i++) {
          const c = buf[i];
          if (c < 48 || c > 57) break;
          t = t * 10 + (c - 48);
        }
        received++;
        lastRecv = now;
        if (++sampleTick >= sampleEvery) {
          sampleTick = 0;
          samples.add((now - t) / 1e6);
        }
      }
      const total = size + 2;
      const avail = buf.length - pos;
      if (avail >= total) return pos + total;
      skip = total - avail;
      return buf.length;
    }
  }

  process.on('message', async (msg) => {
    if (msg.type === 'start') {
      sampleEvery = msg.sampleEvery ?? 1;
      const expected = msg.subs.length;
      const ca = msg.ca ? fs.readFileSync(msg.ca) : undefined;
      const batch = 100;
      for (let i = 0; i < msg.subs.length; i += batch) {
        const part = msg.subs.slice(i, i + batch);
        await Promise.all(
          part.map(async (args) => {
            const s = await dial(msg.port, ca);
            s.on('error', () => {});
            s.on('data', makeReader());
            let cmd = `*${args.length}\r\n`;
            for (const a of args) cmd += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
            s.write(cmd);
            conns.push(s);
          }),
        );
      }
      while (confirmed < expected) await sleep(5);
      process.send({ type: 'ready' });
    } else if (msg.type === 'poll') {
      process.send({ type: 'count', received, lastRecv, closed: conns.filter((s) => s.destroyed).length });
    } else if (msg.type === 'finish') {
      for (const s of conns) s.destroy();
      conns = [];
      // Exit only once the reply is handed to the IPC channel: a fixed delay lost it under load,
      // and the parent waited forever.
      process.send({ type: 'done', received, lastRecv, samples: samples.toArray() }, () => process.exit(0));
    }
  });
}

// ====================================================================== parent (publisher)

/** Ask a subscriber child for something; fails (never hangs) if the child goes away or stays silent. */
function request(child, msg, replyType, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const done = () => {
      child.off('message', on);
      child.off('disconnect', onExit);
      clearTimeout(timer);
    };
    const on = (m) => {
      if (m.type !== replyType) return;
      done();
      resolve(m);
    };
    // 'disconnect' (the IPC channel closed), not 'exit': it comes after every message the child sent.
    const onExit = () => {
      done();
      reject(new Error(`subscriber child went away before its '${replyType}' reply`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`subscriber child sent no '${replyType}' reply within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('message', on);
    child.once('disconnect', onExit);
    child.send(msg);
  });
}

/**
 * One scenario against one server; with `certs` (from makeCerts) every connection goes to the
 * server's TLS port.
 */
async function runScenario(server, sc, seconds = SECONDS, certs = undefined) {
  const port = certs ? server.tlsPort : server.port;
  if (RESIDENT === 0 && !AFTER_WRITES) await command(server.port, ['FLUSHALL']);
  const children = [];
  for (let c = 0; c < CHILDREN; c++) {
    children.push(fork(import.meta.filename, ['--subscriber'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  const exits = children.map((ch) => new Promise((resolve) => ch.once('exit', resolve)));
  try {
    const subs = children.map(() => []);
    for (let i = 0; i < sc.subscribers; i++) subs[i % CHILDREN].push(sc.subscribe(i));
    await Promise.all(children.map((ch, c) => request(ch, { type: 'start', port, ca: certs?.ca, subs: subs[c] }, 'ready')));

    // Publisher.
    const sock = await dial(port, certs ? fs.readFileSync(certs.ca) : undefined);
    const templates = sc.channels.map((ch) => {
      const head = Buffer.from(`*3\r\n$7\r\nPUBLISH\r\n$${ch.length}\r\n${ch}\r\n$${sc.payload}\r\n`, 'latin1');
      const t = Buffer.alloc(head.length + sc.payload + 2, 'x'.charCodeAt(0));
      head.copy(t);
      t[t.length - 2] = 13;
      t[t.length - 1] = 10;
      return { t, at: head.length };
    });
    let next = 0;
    let inflight = 0;
    let published = 0;
    let expected = 0;
    let running = true;
    let replyBuf = '';
    const pump = () => {
      if (!running) return;
      const parts = [];
      while (inflight < sc.window) {
        const { t, at } = templates[next];
        next = (next + 1) % templates.length;
        const frame = Buffer.allocUnsafe(t.length);
        t.copy(frame);
        const stamp = process.hrtime.bigint().toString().padStart(20, '0');
        frame.write(stamp, at, 'latin1');
        parts.push(frame);
        inflight++;
        published++;
      }
      if (parts.length) sock.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    };
    let drained;
    const allReplied = new Promise((resolve) => (drained = resolve));
    sock.on('data', (chunk) => {
      replyBuf += chunk.toString('latin1');
      let i;
      let from = 0;
      while ((i = replyBuf.indexOf('\r\n', from)) !== -1) {
        expected += Number(replyBuf.slice(from + 1, i));
        inflight--;
        from = i + 2;
      }
      replyBuf = replyBuf.slice(from);
      if (running) pump();
      else if (inflight === 0) drained();
    });

    const cpu0 = cpuSeconds(server.pid);
    const t0 = process.hrtime();
    const t0ns = t0[0] * 1e9 + t0[1];
    pump();
    await sleep(seconds * 1000);
    running = false;
    if (inflight > 0) await Promise.race([allReplied, sleep(10000)]);
    // Wait until every expected delivery arrived, or nothing moved for 500 ms.
    let last = -1;
    let stableSince = Date.now();
    let total = 0;
    let closed = 0;
    for (;;) {
      const counts = await Promise.all(children.map((ch) => request(ch, { type: 'poll' }, 'count')));
      total = counts.reduce((a, c) => a + c.received, 0);
      closed = counts.reduce((a, c) => a + c.closed, 0);
      if (total >= expected) break;
      if (total !== last) {
        last = total;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 500) break;
      await sleep(50);
    }
    const cpu = cpuSeconds(server.pid) - cpu0;
    sock.destroy();
    const finals = await Promise.all(children.map((ch) => request(ch, { type: 'finish' }, 'done')));
    const received = finals.reduce((a, c) => a + c.received, 0);
    const lastRecv = Math.max(...finals.map((c) => c.lastRecv));
    const samples = finals.flatMap((c) => c.samples);
    const lat = summarize(samples);
    const elapsed = (lastRecv - t0ns) / 1e9;
    return {
      published,
      expected,
      received,
      lost: Math.max(0, expected - received),
      disconnected: closed,
      deliveredPerSec: received / elapsed,
      p50: lat.p50,
      p99: lat.p99,
      cpuPerDelivery: cpu / received,
      cpuShare: cpu / elapsed,
    };
  } finally {
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
    await Promise.all(exits);
  }
}

async function parentMain() {
  build();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length === 0 && TLS ? TLS_DEFAULT : wanted;
  const scenarios = SCENARIOS.filter((s) => names.length === 0 || names.includes(s.name));
  const certs = TLS ? makeCerts() : undefined;
  const servers = [await startServer('tidings', { certs }), await startServer('redis', { certs })];
  const results = [];
  const facts = machineFacts();
  try {
    for (const s of servers) {
      const t0 = Date.now();
      await loadResident(s.port);
      if (RESIDENT > 0) console.log(`${s.name}: ${residentLabel()} (loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      if (AFTER_WRITES) {
        for (const test of AFTER_WRITES_TESTS.split(',')) {
          const w = redisBenchmark(s.port, test, { clients: 50, requests: AFTER_WRITES_REQUESTS, pipeline: 16, keyspace: AFTER_WRITES_KEYSPACE });
          if (w.error) throw new Error(`${s.name}: the write run ${test} failed: ${w.error}`);
        }
        console.log(`${s.name}: after the write runs, ${await command(s.port, ['DBSIZE'])} keys`);
      }
    }
    let flip = false;
    for (const sc of scenarios) {
      const r = { sc };
      for (let round = 0; round < ROUNDS; round++) {
        const order = flip ? [servers[1], servers[0]] : servers;
        flip = !flip;
        for (const s of order) {
          const x = await runScenario(s, sc, SECONDS, certs);
          // Best of the rounds by delivered rate (the machine is shared; slow rounds are noise).
          if (r[s.kind] === undefined || x.deliveredPerSec > r[s.kind].deliveredPerSec) r[s.kind] = x;
          console.log(
            `${sc.name.padEnd(16)} ${s.name.padEnd(8)} delivered ${fmtInt(x.deliveredPerSec).padStart(10)}/s  lost ${x.lost}  ` +
              `p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms  cpu/delivery ${fmtUs(x.cpuPerDelivery)}µs  (published ${x.published})`,
          );
        }
      }
      console.log(
        `${sc.name.padEnd(16)} ratio    delivered ${fmtRatio(r.tidings.deliveredPerSec, r.redis.deliveredPerSec)}  cpu/delivery ${fmtRatio(r.tidings.cpuPerDelivery, r.redis.cpuPerDelivery)}`,
      );
      results.push(r);
    }
  } finally {
    for (const s of servers) await s.stop();
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  }
  if (wanted.length === 0) {
    const loadAfter = machineFacts().load;
    const section = TLS ? 'fanout-tls' : AFTER_WRITES ? 'fanout-after-writes' : RESIDENT > 0 ? 'fanout-resident' : 'fanout';
    writeSection(DRAFT, section, fanoutSection(results, { facts, loadAfter }));
  }
}

function fanoutSection(results, { facts, loadAfter }) {
  const lines = [
    TLS
      ? '### Pub/sub fan-out over TLS (`BENCH_TLS=1 node bench/fanout.mjs`)'
      : AFTER_WRITES
        ? '## Pub/sub fan-out right after a write-heavy benchmark (`BENCH_AFTER_WRITES=1 node bench/fanout.mjs`)'
        : RESIDENT > 0
          ? `## Pub/sub fan-out with ${fmtInt(RESIDENT)} keys resident`
          : '## Pub/sub fan-out',
    '',
    ...(AFTER_WRITES
      ? [
          `${facts.date}; load average at the start ${facts.load}, at the end ${loadAfter}; ${facts.node}. Before the first scenario each server ` +
            `took \`redis-benchmark -c 50 -P 16 -n ${fmtInt(AFTER_WRITES_REQUESTS)} -r ${fmtInt(AFTER_WRITES_KEYSPACE)}\` for each of ` +
            `${AFTER_WRITES_TESTS.split(',').join(', ')}, and kept what it left (nothing is flushed between scenarios).`,
          '',
        ]
      : []),
    ...(TLS
      ? [
          `${facts.date}, ${facts.cpu}, ${facts.cores} cores; load average at the start ${facts.load}, at the end ${loadAfter}; ${facts.node}. ` +
            'Publisher and subscribers connect to the TLS port (TLS 1.3, server certificate only); the rest as below.',
          '',
        ]
      : []),
    `Dataset: ${AFTER_WRITES && RESIDENT === 0 ? 'what the write runs left' : residentLabel()}${RESIDENT > 0 ? ', loaded into both servers before the first scenario' : ''}. ` +
      `Each scenario runs ${SECONDS} s per server (alternating which server goes first)` +
      (ROUNDS > 1 ? `, best of ${ROUNDS} rounds by delivered rate` : '') +
      '. Publisher: one raw-socket connection ' +
      'with a bounded window of PUBLISH commands in flight (32, or 4 for 16 KiB). Subscribers: raw sockets in 2 child ' +
      'processes with a minimal frame reader. Latency = publisher send time (in the payload) → frame read by the subscriber. ' +
      'Lost = Σ PUBLISH receiver counts − messages received. CPU/delivery = server utime+stime / messages received.',
    '',
    '| Scenario | Server | delivered msg/s | lost | p50 (ms) | p99 (ms) | CPU/delivery (µs) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const k of ['tidings', 'redis']) {
      const x = r[k];
      lines.push(
        `| ${r.sc.label} | ${k === 'tidings' ? 'Tidings' : 'Redis'} | ${fmtInt(x.deliveredPerSec)} | ${x.lost} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} | ${fmtUs(x.cpuPerDelivery)} |`,
      );
    }
    lines.push(
      `| | **Tidings/Redis** | **${fmtRatio(r.tidings.deliveredPerSec, r.redis.deliveredPerSec)}** | | | | **${fmtRatio(r.tidings.cpuPerDelivery, r.redis.cpuPerDelivery)}** |`,
    );
  }
  return lines.join('\n');
}

export { runScenario, SCENARIOS };

if (process.argv.includes('--subscriber')) subscriberMain();
else if (path.resolve(process.argv[1] ?? '') === import.meta.filename)
  parentMain().catch((err) => {
    console.error(err);
    process.exit(1);
  });

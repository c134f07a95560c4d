// In-process microbenchmark for bench/pubsub-stats.mjs (issue #13): the nanoseconds the per-channel
// and per-pattern counters add to one PUBLISH, which the side-by-side server runs cannot resolve
// (their round-to-round spread, ±10%, is larger than the effect).
//
// Two PubSubHub instances from dist/ in one process: one built with the counters on (the default),
// one with TIDINGS_PUBSUB_STATS=0 (the same publish path without them). Subscribers are real
// Client objects without sockets; delivery queues the shared frame on the client's output buffer
// and notes the client, and after each publish the noted buffers are emptied as a flush would
// (no socket write). Short
// batches (a few ms) alternate on/off, each timed with the monotonic clock; per mode the fastest
// batch and the 25th percentile are reported. On a shared machine most batches are slowed by other
// processes (preemption, caches); the fast end of the distribution is the undisturbed cost, and
// alternating batches gives both modes the same chances.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;

async function makeHub(stats) {
  const saved = process.env.TIDINGS_PUBSUB_STATS;
  process.env.TIDINGS_PUBSUB_STATS = stats ? '1' : '0';
  const { PubSubHub } = await import(dist('pubsub/hub.js'));
  const { Client } = await import(dist('net/client.js'));
  const clients = [];
  // As the server's deliver(): queue the frame, note the client for the flush.
  const pending = [];
  const hub = new PubSubHub({
    deliver: (client, frame) => {
      client.pushRaw(frame);
      if (!client.flushScheduled) {
        client.flushScheduled = true;
        pending.push(client);
      }
    },
  });
  if (saved === undefined) delete process.env.TIDINGS_PUBSUB_STATS;
  else process.env.TIDINGS_PUBSUB_STATS = saved;
  const newClient = () => {
    const c = new Client(clients.length + 1, null, { maxBulkLen: Infinity, maxQueryBuffer: Infinity });
    clients.push(c);
    return c;
  };
  return { hub, clients, pending, newClient };
}

/** Workloads: how subscribers are set up, and the channels published to (round-robin). */
export const MICRO_WORKLOADS = [
  { key: 'none', label: 'PUBLISH to a channel nobody subscribes to', setup: () => {}, channels: ['bench:none'], n: 20000 },
  { key: 'one', label: 'PUBLISH, 1 subscriber', setup: (h) => h.hub.subscribe(h.newClient(), 'bench:ch'), channels: ['bench:ch'], n: 5000 },
  {
    key: 'hundred',
    label: 'PUBLISH, 100 subscribers on the channel',
    setup: (h) => {
      for (let i = 0; i < 100; i++) h.hub.subscribe(h.newClient(), 'bench:ch');
    },
    channels: ['bench:ch'],
    n: 200,
  },
  {
    key: 'patterns',
    label: 'PUBLISH, 100 pattern subscribers (bench:p:*)',
    setup: (h) => {
      for (let i = 0; i < 100; i++) h.hub.psubscribe(h.newClient(), 'bench:p:*');
    },
    channels: ['bench:p:0'],
    n: 200,
  },
  {
    key: 'many',
    label: 'PUBLISH over 1000 channels, 1 subscriber each',
    setup: (h) => {
      for (let i = 0; i < 1000; i++) h.hub.subscribe(h.newClient(), `bench:ch:${i}`);
    },
    channels: Array.from({ length: 1000 }, (_, i) => `bench:ch:${i}`),
    n: 5000,
  },
];

function timePublishes(h, channels, message, n) {
  const { hub, pending } = h;
  const names = channels.map((c) => Buffer.from(c, 'latin1'));
  const k = names.length;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    hub.publish(names[i % k], message);
    // The flush, minus the socket write.
    for (let j = 0; j < pending.length; j++) {
      const c = pending[j];
      c.flushScheduled = false;
      c.out.take();
    }
    pending.length = 0;
  }
  return Number(process.hrtime.bigint() - t0) / n; // ns per publish
}

/** The q-quantile (0..1) of the values. */
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/**
 * Run every workload; returns rows { label, n, off: { min, p25 }, on: { min, p25 } } in ns per
 * PUBLISH over `batches` alternating batches per mode.
 */
export async function runMicro({ batches = 300, log = console.log } = {}) {
  const message = Buffer.alloc(64, 'x');
  const rows = [];
  for (const w of MICRO_WORKLOADS) {
    const on = await makeHub(true);
    const off = await makeHub(false);
    w.setup(on);
    w.setup(off);
    // Warm-up: both paths optimized before anything is timed.
    for (let i = 0; i < 20; i++) {
      timePublishes(on, w.channels, message, w.n);
      timePublishes(off, w.channels, message, w.n);
    }
    const res = { on: [], off: [] };
    for (let r = 0; r < batches; r++) {
      const order = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const mode of order) res[mode].push(timePublishes(mode === 'on' ? on : off, w.channels, message, w.n));
    }
    const stat = (xs) => ({ min: Math.min(...xs), p25: quantile(xs, 0.25) });
    const row = { label: w.label, n: w.n, off: stat(res.off), on: stat(res.on) };
    const f = (x) => x.toFixed(0).padStart(6);
    log(`${w.key.padEnd(9)} off min ${f(row.off.min)} p25 ${f(row.off.p25)} ns   on min ${f(row.on.min)} p25 ${f(row.on.p25)} ns`);
    rows.push(row);
  }
  return rows;
}

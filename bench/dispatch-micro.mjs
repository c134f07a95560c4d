// The command path without sockets, in-process: parser → execute → reply writer for pipelined
// data commands, on a socketless client of a server started from a build's dist/. Several builds
// load side by side (BENCH_BASE=/tmp/base adds one: a directory holding its dist/), batches
// alternate between them, and the fastest batch of each is reported (the least disturbed by other
// work on a loaded machine), in ns of CPU (process.cpuUsage) per command.
//
//   BENCH_BASE=/tmp/base node bench/dispatch-micro.mjs
//   BENCH_ROOT=/tmp/other ...   # that build instead of this checkout's
//
// Knobs: BENCH_BATCHES (30 per build and command), BENCH_BATCH (20000 commands), BENCH_NO_BUILD=1,
// BENCH_ONLY=set,get (rows whose label starts with one of these).
// Kernel time (socket reads and writes) is not part of it. Prints a Markdown table.
import { ROOT, build, encodeCommand, inProcessServer } from './lib.mjs';

const BATCHES = Math.max(3, Number(process.env.BENCH_BATCHES ?? 30));
const BATCH = Math.max(1000, Number(process.env.BENCH_BATCH ?? 20000));
const MGET_KEYS = Array.from({ length: 10 }, (_, i) => `mget:${i}`);
const ONLY = (process.env.BENCH_ONLY ?? '').toLowerCase().split(',').filter(Boolean);

const ROWS = [
  // PING: the dispatch path alone (lookup, checks, context, statistics, reply), no keyspace.
  { label: 'PING', argv: ['PING'] },
  { label: 'SET', argv: ['SET', 'key:000000000042', 'xxx'] },
  { label: 'GET', argv: ['GET', 'key:000000000042'], setup: [['SET', 'key:000000000042', 'xxx']] },
  { label: 'INCR', argv: ['INCR', 'counter:000000000042'] },
  { label: 'LPUSH', argv: ['LPUSH', 'mylist', 'xxx'] },
  { label: 'RPOP', argv: ['RPOP', 'mylist'], refill: ['LPUSH', 'mylist', 'xxx'] },
  { label: 'HSET', argv: ['HSET', 'myhash', 'element:000000000042', 'xxx'] },
  { label: 'MGET (10 keys)', argv: ['MGET', ...MGET_KEYS], setup: [['MSET', ...MGET_KEYS.flatMap((k) => [k, 'x'.repeat(16)])]] },
  // As bench/run.mjs sends them (redis-benchmark -r 100000): __rand_int__ is a random 12-digit
  // number below 100,000, so these write (or read) across up to 100,000 keys.
  { label: 'SET -r 100000', argv: ['SET', 'key:__rand_int__', 'xxx'] },
  { label: 'GET -r 100000', argv: ['GET', 'key:__rand_int__'], fill: ['SET', 'key:__rand_int__', 'xxx'] },
  { label: 'INCR -r 100000', argv: ['INCR', 'counter:__rand_int__'] },
  { label: 'HSET -r 100000', argv: ['HSET', 'myhash', 'element:__rand_int__', 'xxx'] },
];

/** Chunks of 16 commands with __rand_int__ replaced as redis-benchmark -r 100000 does; one chunk for a row without it. */
function chunksFor(argv) {
  const random = argv.some((a) => a.includes('__rand_int__'));
  const make = () => encodeCommand(argv.map((a) => a.replace('__rand_int__', String(Math.floor(Math.random() * 100000)).padStart(12, '0'))));
  return Array.from({ length: random ? 512 : 1 }, () => Buffer.concat(Array.from({ length: 16 }, make)));
}

async function load(name, root) {
  const { running, server, client, execute } = await inProcessServer(root);
  const run = (argv) => {
    const result = execute(server, client, argv.map((a) => Buffer.from(a)));
    client.out.take();
    return result;
  };
  /** What processInput + runFromNetwork do for one received chunk, without the socket. */
  const feed = (bytes) => {
    const parser = client.parser;
    parser.push(bytes);
    for (;;) {
      const argv = parser.next();
      if (argv === undefined) break;
      const result = execute(server, client, argv);
      if (typeof result !== 'symbol') client.write(result);
    }
    client.out.take();
  };
  return { name, running, run, feed };
}

const builds = [];
if (!process.env.BENCH_NO_BUILD) build();
if (process.env.BENCH_BASE) builds.push(await load('before', process.env.BENCH_BASE));
builds.push(await load(process.env.BENCH_BASE ? 'after' : 'this build', process.env.BENCH_ROOT ?? ROOT));

const results = [];
try {
  for (const row of ROWS.filter((r) => ONLY.length === 0 || ONLY.some((o) => r.label.toLowerCase().startsWith(o)))) {
    // 16 commands per chunk, as redis-benchmark -P 16 sends them.
    const chunks = chunksFor(row.argv);
    const refill = row.refill ? Buffer.concat(Array.from({ length: 16 }, () => encodeCommand(row.refill))) : undefined;
    const best = builds.map(() => Infinity);
    for (const b of builds) {
      b.run(['FLUSHALL']);
      for (const c of row.setup ?? []) b.run(c);
      // Every key of a random-key read row exists (the -r 100000 write rows reach that state too).
      if (row.fill) for (let k = 0; k < 100000; k++) b.run(row.fill.map((a) => a.replace('__rand_int__', String(k).padStart(12, '0'))));
    }
    for (let i = 0; i < BATCHES + 3; i++) {
      for (let j = 0; j < builds.length; j++) {
        const b = builds[(i + j) % builds.length];
        if (refill) for (let k = 0; k < BATCH / 16; k++) b.feed(refill);
        const t = process.cpuUsage();
        for (let k = 0; k < BATCH / 16; k++) b.feed(chunks[k % chunks.length]);
        const u = process.cpuUsage(t);
        // The first batches warm the JIT up.
        if (i >= 3) {
          const idx = builds.indexOf(b);
          best[idx] = Math.min(best[idx], ((u.user + u.system) * 1000) / BATCH);
        }
      }
    }
    results.push([row.label, best]);
    process.stderr.write(`${row.label}: ${best.map((v, i) => `${builds[i].name} ${v.toFixed(0)} ns`).join(', ')}\n`);
  }
} finally {
  for (const b of builds) await b.running.close();
}

const head = ['Command', ...builds.map((b) => `${b.name} ns/op`)];
if (builds.length === 2) head.push('after/before');
console.log(`In-process parser → execute → writer, fastest of ${BATCHES} batches of ${BATCH} commands (16 per chunk)\n`);
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
for (const [label, best] of results) {
  const cells = [label, ...best.map((v) => v.toFixed(0))];
  if (builds.length === 2) cells.push(`${(best[1] / best[0]).toFixed(2)}x`);
  console.log(`| ${cells.join(' | ')} |`);
}
process.exit(0);

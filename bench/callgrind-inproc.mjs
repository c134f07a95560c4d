// Instructions of the in-process command path (parser -> execute -> reply writer, as
// bench/dispatch-micro.mjs runs it, 16 commands per chunk) for one build and one command, counted by
// callgrind: 300,000 commands (BENCH_WARMUP) warm the JIT up uninstrumented, then N are counted.
//
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/dev/null \
//     node bench/callgrind-inproc.mjs <build dir with dist/> <row> 160000
//
// Rows: set get incr lpush rpop hset hget zadd sadd xadd lrange_100 mget mset ping publish (the
// arguments redis-benchmark -t sends without -r; MGET/MSET of 10 keys).
// "Collected" in valgrind's summary divided by N is the figure per command.
import { spawnSync } from 'node:child_process';
import { encodeCommand, inProcessServer } from './lib.mjs';

const [root, rowName, nStr] = process.argv.slice(2);
const N = Number(nStr);
// BENCH_WARMUP: fewer warm-up commands for a heavy row (LRANGE_100: 20,000 is plenty).
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300000);
const TEN_KEYS = Array.from({ length: 10 }, (_, i) => `key:${i}`);
const ROWS = {
  set: { argv: ['SET', 'key:__rand_int__', 'xxx'] },
  get: { argv: ['GET', 'key:__rand_int__'] },
  incr: { argv: ['INCR', 'counter:__rand_int__'] },
  lpush: { argv: ['LPUSH', 'mylist', 'xxx'] },
  // The list holds more elements than the run pops (LPUSHes of 10,000 elements).
  rpop: { argv: ['RPOP', 'mylist'], fill: [['LPUSH', 'mylist', ...Array(10000).fill('xxx')], Math.ceil((WARMUP + N) / 10000) + 1] },
  hset: { argv: ['HSET', 'myhash', 'element:__rand_int__', 'xxx'] },
  hget: { argv: ['HGET', 'myhash', 'element:__rand_int__'], setup: [['HSET', 'myhash', 'element:__rand_int__', 'xxx']] },
  zadd: { argv: ['ZADD', 'myzset', '1', 'element:__rand_int__'] },
  sadd: { argv: ['SADD', 'myset', 'element:__rand_int__'] },
  // XADD appends an entry per call: the stream grows as it does under redis-benchmark -t xadd.
  xadd: { argv: ['XADD', 'mystream', '*', 'myfield', 'xxx'] },
  lrange_100: { argv: ['LRANGE', 'mylist', '0', '99'], fill: [['LPUSH', 'mylist', 'xxx'], 100] },
  mget: { argv: ['MGET', ...TEN_KEYS], setup: [['MSET', ...TEN_KEYS.flatMap((k) => [k, 'xxx'])]] },
  mset: { argv: ['MSET', ...TEN_KEYS.flatMap((k) => [k, 'xxx'])] },
  ping: { argv: ['PING'] },
  publish: { argv: ['PUBLISH', 'channel', 'xxx'] },
};
const row = ROWS[rowName];
if (row === undefined) throw new Error(`unknown row ${rowName}: one of ${Object.keys(ROWS).join(' ')}`);
const { running, server, client, execute } = await inProcessServer(root);
const run = (argv) => {
  execute(server, client, argv.map((a) => Buffer.from(a)));
  client.out.take();
};
run(['SET', 'key:__rand_int__', 'xxx']);
for (const argv of row.setup ?? []) run(argv);
if (row.fill) for (let i = 0; i < row.fill[1]; i++) run(row.fill[0]);
const chunk = Buffer.concat(Array.from({ length: 16 }, () => encodeCommand(row.argv)));
const feed = () => { const p = client.parser; p.push(Buffer.from(chunk)); for (;;) { const a = p.next(); if (a === undefined) break; const r = execute(server, client, a); if (typeof r !== 'symbol') client.write(r); } client.out.take(); };
for (let i = 0; i < WARMUP / 16; i++) feed();
spawnSync('callgrind_control', ['-i', 'on', String(process.pid)]);
for (let i = 0; i < N / 16; i++) feed();
spawnSync('callgrind_control', ['-i', 'off', String(process.pid)]);
await running.close(); process.exit(0);

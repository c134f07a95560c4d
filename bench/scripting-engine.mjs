// The Lua engine alone, in process, under callgrind: instructions per script run of `return 1`
// and of `return redis.call('INCR', KEYS[1])` with a host that answers a number (no server, no
// sockets), for this build and the one in BENCH_BASE. Each build runs in a node of its own under
// valgrind (--single-threaded: no compiler or GC threads counted), warms up, then counts a fixed
// number of runs with instrumentation switched on from inside (callgrind_control).
//
//   BENCH_BASE=/tmp/base node bench/scripting-engine.mjs   # before/after (dirs holding dist/)
//
// Knobs: BENCH_RUNS (5000 counted), BENCH_WARMUP (20000), BENCH_NO_BUILD=1. Prints a Markdown table.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, build } from './lib.mjs';

const SCRIPTS = { 'return 1': 'return 1', "redis.call('INCR', KEYS[1])": "return redis.call('INCR', KEYS[1])" };

if (process.argv[2] === '--child') {
  const [, , , root, dir] = process.argv;
  const runs = Number(process.env.BENCH_RUNS ?? 5000);
  const warmup = Number(process.env.BENCH_WARMUP ?? 20000);
  const dist = (file) => pathToFileURL(path.join(root, 'dist', file)).href;
  const { loadLua } = await import(dist('scripting/lua.js'));
  const { ScriptEngine } = await import(dist('scripting/engine.js'));
  await loadLua();
  const engine = new ScriptEngine();
  let n = 0;
  const host = { call: () => ++n + 100000, log() {} };
  const key = Buffer.from('bench:counter');
  const argv = [Buffer.from('EVALSHA'), Buffer.from('sha'), Buffer.from('1'), key];
  // runCommand reads KEYS/ARGV from argv; builds before it take arrays.
  const run = engine.runCommand
    ? (sha) => engine.runCommand(sha, argv, 3, 1, host, { protocol: 2, timeLimitMs: 5000, startedAt: Date.now() })
    : (sha) => engine.runLowerCase(sha, [key], [], host, { protocol: 2, timeLimitMs: 5000 });
  const control = (...flags) => {
    const r = spawnSync('callgrind_control', [...flags, String(process.pid)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`callgrind_control ${flags.join(' ')}: ${r.stderr || r.stdout}`);
  };
  const out = {};
  let dumps = 0;
  for (const [label, body] of Object.entries(SCRIPTS)) {
    const sha = engine.load(Buffer.from(body));
    for (let i = 0; i < warmup; i++) run(sha);
    control('-i', 'on');
    control('-z');
    for (let i = 0; i < runs; i++) run(sha);
    control('-d');
    control('-i', 'off');
    const file = path.join(dir, `cg.${process.pid}.${++dumps}`);
    out[label] = Number(/^(?:totals|summary): (\d+)/m.exec(fs.readFileSync(file, 'latin1'))[1]) / runs;
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (!process.env.BENCH_NO_BUILD) build();
const builds = [...(process.env.BENCH_BASE ? [['before', process.env.BENCH_BASE]] : []), [process.env.BENCH_BASE ? 'after' : 'this build', ROOT]];
const results = [];
for (const [name, root] of builds) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-engine-cg-'));
  try {
    const r = spawnSync(
      'valgrind',
      ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${path.join(dir, 'cg.%p')}`, process.execPath, '--single-threaded', new URL(import.meta.url).pathname, '--child', root, dir],
      { encoding: 'utf8', env: process.env },
    );
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr.split('\n').filter((l) => !l.startsWith('==')).join('\n')}`);
    results.push([name, JSON.parse(r.stdout.trim().split('\n').pop())]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const head = ['Script (engine alone)', ...results.map(([n]) => `${n} instr/run`)];
if (results.length === 2) head.push('after/before');
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
for (const label of Object.keys(SCRIPTS)) {
  const v = results.map(([, r]) => r[label]);
  const cells = [`\`${label}\``, ...v.map((x) => Math.round(x).toLocaleString('en-US'))];
  if (v.length === 2) cells.push(`${(v[1] / v[0]).toFixed(2)}x`);
  console.log(`| ${cells.join(' | ')} |`);
}

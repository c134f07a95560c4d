#!/usr/bin/env node
// The RDB load path in-process, without the server around it: reader -> KeyLoader ->
// Database.load, paced as at start-up (loading-process-events-interval-bytes slices, CRC-64 slice
// by slice). For instruction counts of the load alone (issue 10), e.g. on a 200k-key file:
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out node --no-concurrent-recompilation \
//     bench/rdb-load.mjs /path/to/dump.rdb [rounds] [build dir]
// (--no-concurrent-recompilation: under valgrind the compiler thread otherwise gets its turn late
// and the count is mostly interpreter code). Prints CPU (all threads) and wall time per round.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.mjs';

const [file, roundsArg, buildArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/rdb-load.mjs <dump.rdb> [rounds] [build dir, default this checkout]');
  process.exit(2);
}
const build = path.resolve(buildArg ?? ROOT);
const { Config } = await import(`${build}/dist/config/config.js`);
const { Database } = await import(`${build}/dist/store/database.js`);
const { readRdbSteps } = await import(`${build}/dist/persistence/rdb/index.js`);
const { KeyLoader, LoadPace } = await import(`${build}/dist/persistence/loading.js`);
const hooks = { keyModified() {}, keyReady() {}, keyExpired() {}, keyspaceHit() {}, keyspaceMiss() {} };
const config = new Config();
const buf = fs.readFileSync(file);
for (let r = 0; r < Number(roundsArg ?? 1); r++) {
  const dbs = Array.from({ length: 16 }, (_, i) => new Database(i, hooks));
  const keys = new KeyLoader(dbs);
  const pace = new LoadPace(config, buf.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const handler = {
    key(db, key, _type, value, expireAt, idleMs, freq) {
      keys.key(db, key, value, expireAt, idleMs, freq);
    },
    pauseAt: (offset) => pace.at(offset),
  };
  let slices = 1;
  for (const steps = readRdbSteps(buf, handler, config, { checksum: true }); steps.next().done !== true; slices++) pace.resumed();
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  console.log(`round ${r}: ${keys.loaded} keys in ${slices} slices, ${(performance.now() - t0).toFixed(0)} ms wall, ${ms.toFixed(0)} ms CPU`);
}

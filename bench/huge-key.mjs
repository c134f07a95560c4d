#!/usr/bin/env node
// Issue 10's "a save must not stop the world", for one huge key: the longest wait of a client
// (one PING at a time, the next 1 ms after each reply) during a BGSAVE, or during the rewrite of
// `CONFIG SET appendonly yes` with the base as commands (aof-use-rdb-preamble no), of a dataset
// that is a single key of BENCH_ELEMENTS (1,000,000) elements. Tidings and redis-server in turn;
// BENCH_BASE=<another checkout, built> adds that build (before/after in one run).
//
//   node bench/huge-key.mjs [hash|set|zset|list|stream|stream-pel ...] [--rewrite]
//
// stream-pel: a stream whose consumer group has every entry pending (read by 7 consumers).
// Benchmarks, not tests: one run each, numbers move with the machine's load.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { command, fillHugeKey, HUGE_KEY_TYPES, sleep, startServer } from './lib.mjs';

const N = Number(process.env.BENCH_ELEMENTS ?? 1_000_000);
const argv = process.argv.slice(2);
const rewrite = argv.includes('--rewrite');
const TYPES = HUGE_KEY_TYPES;
const types = argv.filter((a) => !a.startsWith('--'));
for (const t of types) if (!TYPES.includes(t)) throw new Error(`unknown type ${t}: one of ${TYPES.join(' ')}`);

/** Longest PING round trip while `job` runs (until `done` says it is over). */
async function longestDuring(port, job, done) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.setNoDelay(true);
  let longest = 0;
  let sentAt = 0;
  let stop = false;
  const ping = () => {
    sentAt = performance.now();
    sock.write('PING\r\n');
  };
  sock.on('data', () => {
    longest = Math.max(longest, performance.now() - sentAt);
    if (!stop) setTimeout(ping, 1);
  });
  ping();
  await sleep(500);
  const before = longest;
  longest = 0;
  const t0 = performance.now();
  await job();
  while (!(await done()) || performance.now() - t0 < 200) await sleep(20);
  stop = true;
  const seconds = (performance.now() - t0) / 1000;
  sock.destroy();
  return { longest, before, seconds };
}

const servers = [['tidings', undefined], ...(process.env.BENCH_BASE ? [['tidings', path.resolve(process.env.BENCH_BASE)]] : []), ['redis', undefined]];
for (const type of types.length > 0 ? types : TYPES) {
  for (const [kind, root] of servers) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-huge-'));
    const s = await startServer(kind, { ...(root ? { root } : {}), args: ['--dir', dir] });
    try {
      await fillHugeKey(s.port, type, N);
      const info = async (field) => new RegExp(`${field}:0`).test(String(await command(s.port, ['INFO', 'persistence'])));
      const r = rewrite
        ? await longestDuring(
            s.port,
            async () => {
              await command(s.port, ['CONFIG', 'SET', 'aof-use-rdb-preamble', 'no']);
              await command(s.port, ['CONFIG', 'SET', 'appendonly', 'yes']);
            },
            () => info('aof_rewrite_in_progress'),
          )
        : await longestDuring(s.port, () => command(s.port, ['BGSAVE']), () => info('rdb_bgsave_in_progress'));
      const label = kind === 'redis' ? 'Redis' : root ? `Tidings (${root})` : 'Tidings';
      console.log(`${type} ${rewrite ? 'rewrite (commands)' : 'BGSAVE'}, ${label}: ${r.seconds.toFixed(2)} s, longest PING ${r.longest.toFixed(1)} ms (in the half second before: ${r.before.toFixed(1)} ms)`);
    } finally {
      await s.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
process.exit(0);

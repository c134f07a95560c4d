// Preload for bench/bgsave-stall.mjs (node --import): writes to $STALL_TRACE_FILE, in wall-clock
// ms, every GC pause (PerformanceObserver 'gc': minor = scavenge, major = mark-compact's atomic
// pause, incremental = a marking step) and every BGSAVE slice (Snapshot.step, timed by wrapping
// it), so that a long PING round trip can be lined up with what the server was doing.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const fd = fs.openSync(process.env.STALL_TRACE_FILE, 'w');
const lines = [];
const flush = () => {
  if (lines.length > 0) fs.writeSync(fd, lines.splice(0).join(''));
};
setInterval(flush, 200).unref();
process.on('exit', flush);
const origin = performance.timeOrigin;
const KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) lines.push(`gc ${(origin + e.startTime).toFixed(2)} ${e.duration.toFixed(2)} ${KINDS[e.detail?.kind] ?? e.detail?.kind}\n`);
}).observe({ entryTypes: ['gc'] });
// The same module instance the server loads (same URL), found next to the tidings script.
const root = path.resolve(path.dirname(process.argv[1]), '..');
const { Snapshot } = await import(pathToFileURL(path.join(root, 'dist/persistence/snapshot.js')).href);
const step = Snapshot.prototype.step;
Snapshot.prototype.step = function timedStep(...args) {
  const t0 = performance.now();
  try {
    return step.apply(this, args);
  } finally {
    // Only a background save's slices have a deadline.
    if (args.length > 0) lines.push(`slice ${(origin + t0).toFixed(2)} ${(performance.now() - t0).toFixed(2)} ${this.pending}\n`);
  }
};

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
// Timers (the server's cron is a setInterval): each callback's start and duration.
const wrapTimer = (orig, kind) =>
  function (fn, ...rest) {
    if (typeof fn !== 'function') return orig.call(this, fn, ...rest);
    return orig.call(
      this,
      function (...a) {
        const t0 = performance.now();
        try {
          return fn.apply(this, a);
        } finally {
          const d = performance.now() - t0;
          if (d > 0.2) lines.push(`${kind} ${(origin + t0).toFixed(2)} ${d.toFixed(2)} -\n`);
        }
      },
      ...rest,
    );
  };
globalThis.setInterval = wrapTimer(setInterval, 'interval');
globalThis.setTimeout = wrapTimer(setTimeout, 'timeout');
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

// Requests read (Server.input: each read of a connection, whether it came as a 'data' event or
// through the shared read buffer), replies written (SocketWriter.write), and the writer child's
// pipe writes (from the call to the moment the bytes are in the pipe). Since the commands of a turn
// run after its reads (Server.runInput), a read's duration is the buffering, not the commands.
const net = await import('node:net');
const { Server } = await import(pathToFileURL(path.join(root, 'dist/server/server.js')).href);
const input = Server.prototype.input;
Server.prototype.input = function tracedInput(client, chunk) {
  const t0 = performance.now();
  try {
    return input.call(this, client, chunk);
  } finally {
    lines.push(`read ${(origin + t0).toFixed(2)} ${(performance.now() - t0).toFixed(2)} ${chunk?.length ?? 0}\n`);
  }
};
const serverEmit = net.Server.prototype.emit;
net.Server.prototype.emit = function tracedServerEmit(name, ...args) {
  if (name === 'connection') lines.push(`accept ${(origin + performance.now()).toFixed(2)} 0 -\n`);
  return serverEmit.call(this, name, ...args);
};
const { SocketWriter } = await import(pathToFileURL(path.join(root, 'dist/net/socket-write.js')).href);
const sw = SocketWriter.prototype.write;
SocketWriter.prototype.write = function tracedWrite(data) {
  lines.push(`reply ${(origin + performance.now()).toFixed(2)} 0 ${data.length}\n`);
  return sw.call(this, data);
};
const { WriterChild } = await import(pathToFileURL(path.join(root, 'dist/persistence/writer-child.js')).href);
const cw = WriterChild.prototype.write;
WriterChild.prototype.write = function tracedPipe(data) {
  const t0 = performance.now();
  const n = data.length;
  return cw.call(this, data).then(() => {
    lines.push(`pipe ${(origin + t0).toFixed(2)} ${(performance.now() - t0).toFixed(2)} ${n}\n`);
  });
};

#!/usr/bin/env node
// Run a profile of Redis 7.0.15's own test suite (../shared/redis-tests/run.sh) against Tidings and
// hold it to a committed list: test/redis-suite/<profile>.txt names every test that is known not to
// pass yet, each with its reason. Any other failure fails this script; a listed test that now
// passes is reported so the list can shrink.
//
// Usage: node scripts/redis-suite.mjs <profile> [run.sh args...]
//   profile: external (starts a Tidings on a free port and runs the suite against it) or a
//   normal-mode profile (persistence, security, standalone), where the suite starts Tidings itself;
//   tls is the security profile over TLS (run.sh --tls: needs openssl and Tcl's tls package).
// Needs: npm run build, tclsh (Debian's tcl), redis-tools; the suite tarball in ../shared/redis-tests.
// Environment: BASEPORT (default 21111; normal-mode worker k uses BASEPORT + 4000k), REDIS_SUITE_JOBS
// (normal-mode units run at once, default 2), UNIT_TIMEOUT (run.sh's per-unit limit).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const runSh = process.env.REDIS_TESTS ?? path.resolve(root, '../shared/redis-tests/run.sh');
const [profile, ...extra] = process.argv.slice(2);
if (!profile) {
  console.error('usage: node scripts/redis-suite.mjs <external|persistence|security|standalone|tls> [run.sh args]');
  process.exit(2);
}
if (!fs.existsSync(runSh)) {
  console.error(`redis-suite: ${runSh} not found (Redis's suite lives in ../shared/redis-tests)`);
  process.exit(2);
}

/** `unit :: test name` → reason, from the committed list (lines `unit :: name  # reason`). */
function readKnown(file) {
  const known = new Map();
  if (!fs.existsSync(file)) return known;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const hash = line.lastIndexOf('  # ');
    const name = (hash >= 0 ? line.slice(0, hash) : line).trim();
    known.set(name, hash >= 0 ? line.slice(hash + 4).trim() : '');
  }
  return known;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Tidings did not listen on ${port}`);
}

const knownFile = path.join(root, 'test', 'redis-suite', `${profile}.txt`);
const known = readKnown(knownFile);
const log = path.join(root, 'test-artifacts', `redis-suite-${profile}.log`);
fs.mkdirSync(path.dirname(log), { recursive: true });

/** Start a Tidings on a free port for one external-mode unit; resolves to its port and process. */
async function startTidings() {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin/tidings.js'), '--port', String(port), '--save', ''], { stdio: 'ignore' });
  await waitForPort(port, 20000);
  return { port, child };
}

/** Every `unit :: name` line of a run.sh failure file. */
function readFailed(file) {
  return fs.existsSync(file)
    ? [...new Set(fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean))]
    : [];
}

/** Run `units` (all of the profile when empty); returns { failed, status, summary lines }. */
async function runUnits(units, logFile) {
  let status = 0;
  const failedLines = [];
  const lines = [];
  if (profile === 'external') {
    // External mode: each unit gets a fresh server, as each unit gets a fresh redis-server in normal
    // mode, so a test that leaves the server changed (maxmemory, say) cannot fail the next units.
    fs.writeFileSync(logFile, '');
    for (const unit of units) {
      const { child, port } = await startTidings();
      const unitLog = `${logFile}.unit`;
      fs.rmSync(`${unitLog}.failed`, { force: true });
      const run = spawnSync('bash', [runSh, '--external', `127.0.0.1:${port}`, ...flags, unit], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        env: { ...process.env, LOG: unitLog },
      });
      child.kill('SIGKILL');
      const line = run.stdout.split('\n').filter((l) => l.startsWith(unit)).join('\n');
      lines.push(line);
      process.stdout.write(line + '\n');
      fs.appendFileSync(logFile, fs.existsSync(unitLog) ? fs.readFileSync(unitLog) : '');
      failedLines.push(...readFailed(`${unitLog}.failed`));
      if (run.status !== 0) status = run.status ?? 1;
    }
    fs.writeFileSync(`${logFile}.failed`, failedLines.join('\n'));
  } else {
    // Normal mode: `jobs` workers each take the next unit from the queue and run it with run.sh on
    // their own port range (the suite starts its servers from BASEPORT up). Units mostly wait on
    // sockets and timers, so two at a time roughly halve the profile's wall time on two cores.
    // The server command run.sh's src/redis-server wrapper execs: run.sh's default (node and the
    // checkout's bin/tidings.js) with `exec -a "$0"`, so Tidings knows it was started as
    // src/redis-server ({title} in proc-title-template), as redis-server would.
    const server = `-a "$0" node ${path.join(root, 'bin/tidings.js')}`;
    const mode = [...(profile === 'tls' ? ['--tls'] : []), '--server', server];
    const queue = orderUnits(units.length > 0 ? units : profileUnits(profile === 'tls' ? 'security' : profile));
    const base = Number(process.env.BASEPORT ?? 21111);
    fs.writeFileSync(logFile, '');
    const failedAll = [];
    const worker = async (k) => {
      for (let unit = queue.shift(); unit !== undefined; unit = queue.shift()) {
        const unitLog = `${logFile}.${k}`;
        fs.rmSync(`${unitLog}.failed`, { force: true });
        const run = await spawnAsync('bash', [runSh, ...mode, ...flags, unit], {
          cwd: root,
          env: { ...process.env, LOG: unitLog, BASEPORT: String(base + k * 4000) },
        });
        const line = run.stdout.split('\n').filter((l) => l.startsWith(unit)).join('\n') || `${unit}  (no result line; run.sh exited ${run.status})`;
        process.stdout.write(line + '\n');
        fs.appendFileSync(logFile, fs.existsSync(unitLog) ? fs.readFileSync(unitLog) : '');
        failedAll.push(...readFailed(`${unitLog}.failed`));
        if (run.status !== 0) status = run.status ?? 1;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, jobs) }, (_, k) => worker(k)));
    fs.writeFileSync(`${logFile}.failed`, failedAll.join('\n'));
  }
  return { failed: readFailed(`${logFile}.failed`), status };
}

/** A profile's unit list, as run.sh defines it (PROFILE_STANDALONE="..." and so on). */
function profileUnits(name) {
  const m = new RegExp(`PROFILE_${name.toUpperCase()}="([^"]*)"`).exec(listing);
  if (!m) throw new Error(`redis-suite: run.sh has no profile ${name}`);
  return m[1].split(/\s+/).filter(Boolean);
}

/** The slowest units first (measured on Tidings), so the last worker does not start a long one alone. */
const SLOW_UNITS = [
  'integration/aof-multi-part', 'integration/aof', 'unit/maxmemory', 'unit/client-eviction', 'unit/scripting',
  'integration/rdb', 'unit/type/stream', 'unit/functions', 'unit/hyperloglog', 'unit/aofrw', 'unit/tracking',
  'integration/corrupt-dump', 'unit/introspection', 'unit/type/list-3',
];
function orderUnits(units) {
  const slow = SLOW_UNITS.filter((u) => units.includes(u));
  return [...slow, ...units.filter((u) => !slow.includes(u))];
}

function spawnAsync(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ status: code, stdout }));
  });
}

const flags = extra.filter((a) => a.startsWith('-'));
/** Units run at once in normal mode (REDIS_SUITE_JOBS, default 2). */
const jobs = Number(process.env.REDIS_SUITE_JOBS ?? 2);
const named = extra.filter((a) => !a.startsWith('-'));
const listing = fs.readFileSync(runSh, 'utf8');
const units =
  named.length > 0 ? named : profile === 'external' ? /PROFILE_EXTERNAL="([^"]*)"/.exec(listing)[1].split(/\s+/).filter(Boolean) : [];

const first = await runUnits(units, log);
let failed = first.failed;
let status = first.status;
/** A listed name matches exactly, or with `*` standing for a run-dependent part (a port). */
const matcher = (entry) => {
  if (!entry.includes('*')) return (name) => name === entry;
  const re = new RegExp(`^${entry.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name) => re.test(name);
};
const matchers = [...known.keys()].map((entry) => [entry, matcher(entry)]);
const isKnown = (name) => matchers.some(([, m]) => m(name));
let unexpected = failed.filter((name) => !isKnown(name));

// A unit with failures not in the list runs once more (Redis's suite has timing-sensitive tests,
// and CI machines are shared): only failures that come back count.
if (unexpected.length > 0) {
  const again = [...new Set(unexpected.map((n) => n.split(' :: ')[0]))];
  console.log(`\nunexpected failures in ${again.join(', ')}; running ${again.length === 1 ? 'it' : 'them'} once more:`);
  for (const n of unexpected) console.log(`  (first run) ${n}`);
  const second = await runUnits(again, `${log}.rerun`);
  const rerunUnits = new Set(again);
  failed = [...failed.filter((n) => !rerunUnits.has(n.split(' :: ')[0])), ...second.failed];
  unexpected = failed.filter((name) => !isKnown(name));
  status = second.status === 0 && unexpected.length === 0 ? 0 : status;
}
const ran = new Set(units.length > 0 ? units : profileUnits(profile === 'tls' ? 'security' : profile));
const nowPassing = matchers
  .filter(([entry, m]) => ran.has(entry.split(' :: ')[0]) && !failed.some(m))
  .map(([entry]) => entry);

console.log(`\nredis-suite ${profile}: ${failed.length} failing, ${failed.length - unexpected.length} of them listed in ${path.relative(root, knownFile)}`);
if (nowPassing.length > 0) {
  console.log(`listed as failing but passed (or did not run) this time — remove from the list if they pass for good:`);
  for (const n of nowPassing) console.log(`  ${n}`);
}
if (unexpected.length > 0) {
  console.log(`UNEXPECTED failures (not in the list):`);
  for (const n of unexpected) console.log(`  ${n}`);
  process.exit(1);
}
if (status !== 0 && failed.length === 0) {
  console.log(`run.sh exited ${status} without naming a failed test`);
  process.exit(1);
}
process.exit(0);

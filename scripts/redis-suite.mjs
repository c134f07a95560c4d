#!/usr/bin/env node
// Run a profile of Redis 7.0.15's own test suite (../shared/redis-tests/run.sh) against Tidings and
// hold it to a committed list: test/redis-suite/<profile>.txt names every test that is known not to
// pass yet, each with its reason. Any other failure fails this script; a listed test that now
// passes is reported so the list can shrink.
//
// Usage: node scripts/redis-suite.mjs <profile> [run.sh args...]
//   profile: external (starts a Tidings on a free port and runs the suite against it) or a
//   normal-mode profile (persistence, security, standalone), where the suite starts Tidings itself.
// Needs: npm run build, tclsh (Debian's tcl), redis-tools; the suite tarball in ../shared/redis-tests.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const runSh = process.env.REDIS_TESTS ?? path.resolve(root, '../shared/redis-tests/run.sh');
const [profile, ...extra] = process.argv.slice(2);
if (!profile) {
  console.error('usage: node scripts/redis-suite.mjs <external|persistence|security|standalone> [run.sh args]');
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

let status = 0;
const failedLines = [];
if (profile === 'external') {
  // External mode: each unit gets a fresh server, as each unit gets a fresh redis-server in normal
  // mode, so a test that leaves the server changed (maxmemory, say) cannot fail the next units.
  const listing = fs.readFileSync(runSh, 'utf8');
  const units = extra.filter((a) => !a.startsWith('-')).length > 0
    ? extra.filter((a) => !a.startsWith('-'))
    : /PROFILE_EXTERNAL="([^"]*)"/.exec(listing)[1].split(/\s+/).filter(Boolean);
  fs.writeFileSync(log, '');
  for (const unit of units) {
    const { port, child } = await startTidings();
    const unitLog = `${log}.unit`;
    const run = spawnSync('bash', [runSh, '--external', `127.0.0.1:${port}`, ...extra.filter((a) => a.startsWith('-')), unit], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      env: { ...process.env, LOG: unitLog },
    });
    child.kill('SIGKILL');
    process.stdout.write(run.stdout.split('\n').filter((l) => l.startsWith(unit)).join('\n') + '\n');
    fs.appendFileSync(log, fs.existsSync(unitLog) ? fs.readFileSync(unitLog) : '');
    if (fs.existsSync(`${unitLog}.failed`)) failedLines.push(...fs.readFileSync(`${unitLog}.failed`, 'utf8').split('\n'));
    if (run.status !== 0) status = run.status ?? 1;
  }
  fs.writeFileSync(`${log}.failed`, failedLines.join('\n'));
} else {
  const run = spawnSync('bash', [runSh, '--profile', profile, ...extra], { cwd: root, stdio: 'inherit', env: { ...process.env, LOG: log } });
  status = run.status ?? 1;
}

const failedFile = `${log}.failed`;
const failed = fs.existsSync(failedFile)
  ? [...new Set(fs.readFileSync(failedFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean))]
  : [];
const unexpected = failed.filter((name) => !known.has(name));
const nowPassing = [...known.keys()].filter((name) => !failed.includes(name));

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

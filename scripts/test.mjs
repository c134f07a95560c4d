#!/usr/bin/env node
// `npm test`: build, type-check the tests (full runs), then run every test/**/*.test.ts with node's
// test runner (TypeScript via tsx), then print a loud summary of anything skipped for a missing dependency.
// Usage: npm test [-- <file or directory filter> ...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const skipLog = path.join(root, 'test-artifacts', 'skipped.txt');

function findTests(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out.sort();
}

const filters = process.argv.slice(2);
let files = findTests(path.join(root, 'test'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('build failed');
  process.exit(build.status ?? 1);
}

// The tests themselves are TypeScript run through tsx, which does not type-check: tsconfig.test.json
// (noEmit) checks test/ with src/. A full run always does it; a filtered run only with TYPECHECK_TEST=1.
let typecheckFailed = false;
if (filters.length === 0 || process.env.TYPECHECK_TEST === '1') {
  const tc = spawnSync('npx', ['tsc', '-p', 'tsconfig.test.json'], { cwd: root, stdio: 'inherit' });
  if (tc.status !== 0) {
    typecheckFailed = true;
    console.error('typecheck:test failed (tsc -p tsconfig.test.json, above); running the tests anyway');
  }
}

fs.rmSync(skipLog, { force: true });
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });

if (fs.existsSync(skipLog)) {
  const lines = fs.readFileSync(skipLog, 'utf8').trim().split('\n');
  const bar = '!'.repeat(78);
  console.log(`\n${bar}\nSKIPPED ${lines.length} test(s) because a dependency is missing — these were NOT run:`);
  for (const l of lines) console.log(`  ${l}`);
  console.log(`Install the Debian packages listed in README (or run .ci/run) to run them.\n${bar}`);
}
if (typecheckFailed) console.error('\nFAILED: typecheck:test (tsc -p tsconfig.test.json) reported type errors in the tests.');
process.exit(typecheckFailed ? 1 : (run.status ?? 1));

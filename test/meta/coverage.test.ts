// Keeps coverage honest: every command in the table must be exercised by a test over TCP, and by
// a differential test against redis-server unless it is listed below with the reason it cannot be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allSpecs } from '../../src/server/table.js';
import { ROOT } from '../helpers/servers.js';

function readTree(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) text += readTree(full);
    else if (/\.(ts|py|mjs)$/.test(entry.name)) text += fs.readFileSync(full, 'utf8') + '\n';
  }
  return text;
}

/** Commands whose replies depend on this process, time or the machine, so redis-server cannot be the oracle. */
const NO_DIFF: Record<string, string> = {
  quit: 'closes the connection',
  monitor: 'streams live traffic with client addresses and times',
  debug: 'disabled by default on both; behaviour is implementation specific',
  shutdown: 'stops the server',
  info: 'server-specific statistics',
  time: 'clock',
  lastsave: 'clock',
  role: 'identical by construction; checked over TCP',
  latency: 'measurements',
  slowlog: 'measurements',
  hello: 'reply contains the client id; compared with normalisation in TCP tests',
  reset: 'per-connection state; checked over TCP',
  save: 'writes files in the server directory; checked over TCP and by loading the files in redis-server (test/persistence)',
  bgsave: 'starts a background save whose timing is server specific; checked over TCP (test/persistence)',
  command: 'metadata tables are checked over TCP (COMMAND INFO/LIST/COUNT)',
  memory: 'sizes are implementation specific',
  object: 'idle times and encodings checked over TCP',
  bgrewriteaof: 'its result is files; test/persistence compares them with what redis-server writes and reads',
  tidings: 'Tidings-only introspection; redis-server has no such command',
  replicaof: 'starts a link to another server; checked over TCP against Tidings and redis-server masters (test/replication)',
  slaveof: 'an alias of REPLICAOF; checked over TCP (test/replication)',
  replconf: 'part of the replication handshake; its replies are compared over TCP in test/replication',
  psync: 'the replication handshake: its run id and payload are server specific; checked over TCP (test/commands/replication)',
};

function mentioned(text: string, name: string): boolean {
  const re = new RegExp(`['"\`]${name.replace(/[|]/g, '\\|')}['"\`]`, 'i');
  return re.test(text);
}

test('every command has a TCP test and a differential test', () => {
  // Differential tests talk to Tidings over TCP too (and assert its replies), so they count.
  const tcp = ['commands', 'diff', 'interop', 'scripting', 'e2e', 'persistence', 'replication', 'cli.test.ts']
    .map((p) => path.join(ROOT, 'test', p))
    .map((p) => (p.endsWith('.ts') ? (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '') : readTree(p)))
    .join('\n');
  const diff = readTree(path.join(ROOT, 'test/diff'));
  const missingTcp: string[] = [];
  const missingDiff: string[] = [];
  for (const spec of allSpecs()) {
    if (!mentioned(tcp, spec.name)) missingTcp.push(spec.name);
    if (!(spec.name in NO_DIFF) && !mentioned(diff, spec.name)) missingDiff.push(spec.name);
  }
  assert.deepEqual(missingTcp, [], `commands without a TCP test: ${missingTcp.join(', ')}`);
  assert.deepEqual(missingDiff, [], `commands without a differential test: ${missingDiff.join(', ')}`);
});

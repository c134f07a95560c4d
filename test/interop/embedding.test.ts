// The embedding API as a project would use it: loaded with require() from CommonJS (Jest and other
// CommonJS setups) and with import from ESM, a free port by default, and `await using` disposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { ROOT } from '../helpers/servers.js';

function runNode(args: string[], code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...args, '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A script that starts a server with no options, runs EVAL (the Lua VM loads lazily) and PUBLISH
// over TCP, and prints the port it got.
const body = `
  const net = require('node:net');
  const broker = await startServer();
  const reply = await new Promise((resolve, reject) => {
    const s = net.connect(broker.port, '127.0.0.1', () => s.write('*3\\r\\n$4\\r\\nEVAL\\r\\n$8\\r\\nreturn 7\\r\\n$1\\r\\n0\\r\\n'));
    s.once('data', (d) => { resolve(d.toString()); s.destroy(); });
    s.once('error', reject);
  });
  console.log(JSON.stringify({ port: broker.port, reply }));
  await broker.close();
`;

test('require() from CommonJS loads the package; startServer() picks a free port and runs Lua', () => {
  const r = runNode([], `const { startServer } = require('./dist/index.js'); (async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { port: number; reply: string };
  assert.notEqual(out.port, 6379);
  assert.ok(out.port > 0);
  assert.equal(out.reply, ':7\r\n');
});

test('import from ESM works the same', () => {
  const r = runNode(['--input-type=module'], `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); import { startServer } from './dist/index.js'; ${body}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { port: number; reply: string };
  assert.equal(out.reply, ':7\r\n');
});

test('Symbol.asyncDispose (await using) closes the server', async () => {
  const { startServer } = await import('../../src/index.js');
  let port = 0;
  {
    const broker = await startServer();
    port = broker.port;
    await broker[Symbol.asyncDispose]();
  }
  const refused = await new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
  assert.equal(refused, true, 'the port no longer accepts connections');
});

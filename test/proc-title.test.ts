// The process title (what `ps` and /proc/<pid>/cmdline show), as redis-server sets it from
// proc-title-template: `<how it was started> <bind>:<port>` by default, again on CONFIG SET, and
// left alone with set-proc-title no.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, skipLoudly, startTidingsProcess } from './helpers/servers.js';

/** /proc/<pid>/cmdline as one string: the title, then the padding Node leaves (NULs). */
function cmdline(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
}

test('the process title follows proc-title-template, at start and on CONFIG SET', async (t) => {
  if (process.platform !== 'linux') return skipLoudly(t, 'needs Linux /proc');
  const server = await startTidingsProcess(['--proc-title-template', '{title} {listen-addr} {server-mode}']);
  const c = await server.connect();
  try {
    const pid = server.child.pid!;
    assert.match(cmdline(pid), new RegExp(`^\\S*bin/tidings\\.js 127\\.0\\.0\\.1:${server.port}$`));
    assert.equal(await c.call('CONFIG', 'SET', 'proc-title-template', 'TEST {port} {tls-port} [{unixsocket}] [{config-file}]'), 'OK');
    assert.equal(cmdline(pid), `TEST ${server.port} 0 [] []`);
    assert.deepEqual(await c.call('CONFIG', 'SET', 'proc-title-template', '{invalid-var}'), {
      error: "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables",
    });
    assert.equal(cmdline(pid), `TEST ${server.port} 0 [] []`);
  } finally {
    c.close();
    await server.close();
  }
});

test('a title longer than the command line is shown whole (written over the environment too, as redis-server does)', async (t) => {
  if (process.platform !== 'linux') return skipLoudly(t, 'needs Linux /proc');
  const server = await startTidingsProcess([]);
  const c = await server.connect();
  try {
    const pid = server.child.pid!;
    const started = fs.readFileSync(`/proc/${pid}/cmdline`).length;
    const long = `TEST {port} ${'z'.repeat(started + 200)}`;
    assert.equal(await c.call('CONFIG', 'SET', 'proc-title-template', long), 'OK');
    assert.equal(cmdline(pid), `TEST ${server.port} ${'z'.repeat(started + 200)}`);
    // Back to a title that fits the command line.
    assert.equal(await c.call('CONFIG', 'SET', 'proc-title-template', '{port} short'), 'OK');
    assert.equal(cmdline(pid), `${server.port} short`);
    assert.equal(await c.call('PING'), 'PONG');
  } finally {
    c.close();
    await server.close();
  }
});

test('the environment is copied before its memory holds a title', (t) => {
  if (process.platform !== 'linux') return skipLoudly(t, 'needs Linux /proc');
  const script = [
    `import fs from 'node:fs';`,
    `import { setProcessTitle } from ${JSON.stringify(path.join(ROOT, 'dist/proc-title.js'))};`,
    `setProcessTitle('T'.repeat(3000));`,
    `const title = fs.readFileSync('/proc/self/cmdline', 'latin1').replace(/\\0+$/, '');`,
    `process.stdout.write(JSON.stringify([title === 'T'.repeat(3000), process.env.TITLE_CHECK === 'x'.repeat(4000)]));`,
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TITLE_CHECK: 'x'.repeat(4000) },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [true, true], 'the title shown whole, the environment intact');
});

test('{title} is the name the process was started as, when its starter gave one (exec -a)', async (t) => {
  if (process.platform !== 'linux') return skipLoudly(t, 'needs Linux /proc');
  // As the wrapper Redis's suite starts as src/redis-server runs `exec -a "$0" node bin/tidings.js`.
  const server = await startTidingsProcess([], { argv0: 'src/redis-server' });
  const c = await server.connect();
  try {
    assert.equal(cmdline(server.child.pid!), `src/redis-server 127.0.0.1:${server.port}`);
    assert.equal(await c.call('CONFIG', 'SET', 'proc-title-template', 'TEST {title} {port}'), 'OK');
    assert.equal(cmdline(server.child.pid!), `TEST src/redis-server ${server.port}`);
  } finally {
    c.close();
    await server.close();
  }
});

test('set-proc-title no leaves the command line as it was', async (t) => {
  if (process.platform !== 'linux') return skipLoudly(t, 'needs Linux /proc');
  const server = await startTidingsProcess(['--set-proc-title', 'no']);
  try {
    assert.match(cmdline(server.child.pid!), /bin\/tidings\.js --port \d+ --save {2}--set-proc-title no$/);
  } finally {
    await server.close();
  }
});

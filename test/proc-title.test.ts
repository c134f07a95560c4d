// The process title (what `ps` and /proc/<pid>/cmdline show), as redis-server sets it from
// proc-title-template: `<how it was started> <bind>:<port>` by default, again on CONFIG SET, and
// left alone with set-proc-title no.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTidingsProcess } from './helpers/servers.js';

/** /proc/<pid>/cmdline as one string: the title, then the padding Node leaves (NULs). */
function cmdline(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
}

test('the process title follows proc-title-template, at start and on CONFIG SET', async (t) => {
  if (process.platform !== 'linux') return t.skip('needs /proc');
  // Long arguments leave room for the longer titles below (Node reuses the command line's memory).
  const server = await startTidingsProcess(['--proc-title-template', '{title} {listen-addr} {server-mode}', '--dbfilename', `x${'y'.repeat(60)}.rdb`]);
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

test('set-proc-title no leaves the command line as it was', async (t) => {
  if (process.platform !== 'linux') return t.skip('needs /proc');
  const server = await startTidingsProcess(['--set-proc-title', 'no']);
  try {
    assert.match(cmdline(server.child.pid!), /bin\/tidings\.js --port \d+ --save {2}--set-proc-title no$/);
  } finally {
    await server.close();
  }
});

// ACL over TCP: AUTH with users, requirepass as the default user's password, MULTI with denied
// commands, scripts with denied redis.call, channel permissions and revocation, ACL LOG, DELUSER.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

const NOPERM_KEY = 'NOPERM this user has no permissions to access one of the keys used as arguments';
const NOPERM_CHANNEL = 'NOPERM this user has no permissions to access one of the channels used as arguments';
const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

test('AUTH and HELLO AUTH with ACL users; WHOAMI; disabled users', async () => {
  const admin = await srv.connect();
  assert.equal(await admin.call('ACL', 'SETUSER', 'alice', 'on', '>pw', '~*', '+@all'), 'OK');
  assert.equal(await admin.call('ACL', 'SETUSER', 'off-user', 'off', '>pw', '+@all'), 'OK');
  const c = await srv.connect();
  assert.deepEqual(await c.call('AUTH', 'alice', 'bad'), { error: WRONGPASS });
  assert.deepEqual(await c.call('AUTH', 'off-user', 'pw'), { error: WRONGPASS });
  assert.deepEqual(await c.call('AUTH', 'pw'), {
    error: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  });
  assert.equal(await c.call('AUTH', 'alice', 'pw'), 'OK');
  assert.equal(await c.call('ACL', 'WHOAMI'), 'alice');
  const h = await srv.connect();
  const hello = (await h.call('HELLO', '3', 'AUTH', 'alice', 'pw')) as unknown[];
  assert.equal(hello[1], 'redis');
  assert.equal(await h.call('ACL', 'WHOAMI'), 'alice');
  assert.deepEqual(await h.call('HELLO', '2', 'AUTH', 'alice', 'nope'), { error: WRONGPASS });
  assert.equal(await h.call('RESET'), 'RESET');
  assert.equal(await h.call('ACL', 'WHOAMI'), 'default');
  await admin.call('ACL', 'DELUSER', 'alice', 'off-user');
  await c.waitClosed();
  assert.equal(await h.call('PING'), 'PONG');
  h.close();
  admin.close();
});

test('requirepass is the default user password; a default user with a password needs AUTH', async () => {
  const admin = await srv.connect();
  assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'sekret'), 'OK');
  const c = await srv.connect();
  assert.deepEqual(await c.call('GET', 'x'), { error: 'NOAUTH Authentication required.' });
  assert.deepEqual(await c.call('AUTH', 'wrong'), { error: WRONGPASS });
  assert.equal(await c.call('AUTH', 'sekret'), 'OK');
  assert.equal(await c.call('AUTH', 'default', 'sekret'), 'OK');
  assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', ''), 'OK');
  assert.match(String(await admin.call('ACL', 'LIST')), /user default on nopass/);
  c.close();
  admin.close();
});

test('denied commands, keys and channels; MULTI denies at queue time; ACL LOG records them', async () => {
  const admin = await srv.connect();
  await admin.call('ACL', 'LOG', 'RESET');
  await admin.call('ACL', 'SETUSER', 'bob', 'on', 'nopass', '%R~r*', '~k*', '&c*', '+get', '+set', '+multi', '+exec', '+publish', '+subscribe', '+psubscribe');
  const c = await srv.connect();
  await c.call('AUTH', 'bob', 'x');
  assert.deepEqual(await c.call('DEL', 'k'), { error: "NOPERM this user has no permissions to run the 'del' command" });
  assert.deepEqual(await c.call('GET', 'x'), { error: NOPERM_KEY });
  assert.equal(await c.call('GET', 'r1'), null);
  assert.deepEqual(await c.call('SET', 'r1', 'v'), { error: NOPERM_KEY });
  assert.equal(await c.call('SET', 'k1', 'v'), 'OK');
  assert.deepEqual(await c.call('PUBLISH', 'd', 'm'), { error: NOPERM_CHANNEL });
  assert.equal(await c.call('PUBLISH', 'c1', 'm'), 0);
  assert.deepEqual(await c.call('PSUBSCRIBE', 'c1*'), { error: NOPERM_CHANNEL });
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('GET', 'k1'), 'QUEUED');
  assert.deepEqual(await c.call('DEL', 'k1'), { error: "NOPERM this user has no permissions to run the 'del' command" });
  assert.deepEqual(await c.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
  const log = (await admin.call('ACL', 'LOG')) as unknown[][];
  const first = log[0]!;
  assert.deepEqual(first.slice(0, 10), ['count', 1, 'reason', 'command', 'context', 'multi', 'object', 'del', 'username', 'bob']);
  assert.equal(first[12], 'client-info');
  const reasons = log.map((e) => `${e[3]}:${e[7]}:${e[5]}`);
  assert.ok(reasons.includes('channel:c1*:toplevel'));
  assert.ok(reasons.includes('channel:d:toplevel'));
  assert.ok(reasons.includes('key:x:toplevel'));
  await c.call('AUTH', 'bob', 'y');
  await c.call('AUTH', 'nobody', 'y');
  const auth = ((await admin.call('ACL', 'LOG', '1')) as unknown[][])[0]!;
  assert.deepEqual(auth.slice(0, 10), ['count', 1, 'reason', 'auth', 'context', 'toplevel', 'object', 'AUTH', 'username', 'nobody']);
  assert.equal(await admin.call('ACL', 'LOG', 'RESET'), 'OK');
  assert.deepEqual(await admin.call('ACL', 'LOG'), []);
  c.close();
  await admin.call('ACL', 'DELUSER', 'bob');
  admin.close();
});

test('redis.call runs with the caller\'s user', async () => {
  const admin = await srv.connect();
  await admin.call('ACL', 'SETUSER', 'lua', 'on', 'nopass', '~k*', '+eval', '+get', '+publish');
  const c = await srv.connect();
  await c.call('AUTH', 'lua', 'x');
  assert.equal(await c.call('EVAL', "return redis.call('get', 'k9')", '0'), null);
  const denied = (await c.call('EVAL', "return redis.call('set', 'k1', 'v')", '0')) as { error: string };
  assert.match(denied.error, /^ERR The user executing the script can't run this command or subcommand/);
  const key = (await c.call('EVAL', "return redis.pcall('get', 'x')", '0')) as { error: string };
  assert.equal(key.error, "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments");
  const log = ((await admin.call('ACL', 'LOG', '1')) as unknown[][])[0]!;
  assert.deepEqual(log.slice(2, 10), ['reason', 'key', 'context', 'lua', 'object', 'x', 'username', 'lua']);
  // The entry describes the client that ran the script, not the script's internal client.
  assert.match(String(log[13]), /^id=\d+ addr=127\.0\.0\.1:\d+ .* cmd=eval user=lua /);
  c.close();
  await admin.call('ACL', 'DELUSER', 'lua');
  admin.close();
});

test('revoking a channel disconnects the subscriber; DELUSER disconnects its connections', async () => {
  const admin = await srv.connect();
  await admin.call('ACL', 'SETUSER', 'sub', 'on', 'nopass', '&news*', '+subscribe', '+psubscribe', '+ping');
  const s = await srv.connect();
  await s.call('AUTH', 'sub', 'x');
  assert.deepEqual(await s.call('SUBSCRIBE', 'news1'), ['subscribe', 'news1', 1]);
  assert.equal(await admin.call('ACL', 'SETUSER', 'sub', '&other'), 'OK');
  assert.equal(await s.silentFor(100), true);
  assert.equal(await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&other'), 'OK');
  await s.waitClosed();
  const other = await srv.connect();
  await other.call('AUTH', 'sub', 'x');
  assert.equal(await admin.call('ACL', 'DELUSER', 'sub'), 1);
  await other.waitClosed();
  admin.close();
});

test('ACL files: load all or nothing with Redis error texts, save ACL LIST lines', async (t) => {
  const { aclOf } = await import('../../src/security/acl.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-acl-'));
  const file = path.join(dir, 'users.acl');
  const store = aclOf(srv.server!);
  const admin = await srv.connect();
  await admin.call('ACL', 'SETUSER', 'keep', 'on', 'nopass', '+@all');
  const kept = await srv.connect();
  await kept.call('AUTH', 'keep', 'x');
  fs.writeFileSync(file, 'user default on nopass ~* &* +@all\nuser bob on +nosuch\nfoo bar\n');
  assert.equal(
    store.loadFile(file),
    `${file}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${file}:3 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
  );
  fs.writeFileSync(file, 'user bob on\nuser bob off\n');
  assert.equal(store.loadFile(file), "WARNING: Duplicate user 'bob' found on line 2. WARNING: ACL errors detected, no change to the previously active ACL rules was performed");
  assert.deepEqual(await admin.call('ACL', 'USERS'), ['default', 'keep']);
  fs.writeFileSync(file, '\nuser alice on >pw ~a* +get\n');
  assert.equal(store.loadFile(file), undefined);
  assert.deepEqual(await admin.call('ACL', 'LIST'), [
    'user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~a* resetchannels -@all +get',
    'user default on nopass ~* &* +@all',
  ]);
  await kept.waitClosed();
  assert.equal(await admin.call('PING'), 'PONG');
  await admin.call('ACL', 'SETUSER', 'carol', 'on', '(~x +get)');
  assert.equal(store.saveFile(file), true);
  assert.equal(
    fs.readFileSync(file, 'utf8'),
    'user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~a* resetchannels -@all +get\n' +
      'user carol on resetchannels -@all (~x resetchannels -@all +get)\n' +
      'user default on nopass ~* &* +@all\n',
  );
  assert.equal(store.loadFile(path.join(dir, 'missing.acl')), `Error loading ACLs, opening file '${path.join(dir, 'missing.acl')}': No such file or directory`);
  await admin.call('ACL', 'DELUSER', 'alice', 'carol');
  // ACL LOAD/SAVE over TCP need the aclfile parameter (immutable, set at start).
  let hasParam = true;
  try {
    srv.server!.config.get('aclfile');
  } catch {
    hasParam = false;
  }
  if (!hasParam) {
    const reply = (await admin.call('ACL', 'LOAD')) as { error: string };
    assert.match(reply.error, /^ERR This Redis instance is not configured to use an ACL file/);
    t.diagnostic('aclfile is not in the configuration table: ACL LOAD/SAVE over TCP checked without a file only');
  } else {
    const withFile = await startTidings({ config: { aclfile: file } });
    const c = await withFile.connect();
    assert.equal(await c.call('ACL', 'LOAD'), 'OK');
    assert.deepEqual(await c.call('ACL', 'USERS'), ['alice', 'carol', 'default']);
    assert.equal(await c.call('ACL', 'SAVE'), 'OK');
    c.close();
    await withFile.close();
  }
  admin.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('user directives in the config file declare ACL users at start', async () => {
  const { parseArgs } = await import('../../src/cli.js');
  const { aclOf } = await import('../../src/security/acl.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-acl-'));
  const file = path.join(dir, 'tidings.conf');
  fs.writeFileSync(file, 'port 0\nrequirepass topsecret\nuser worker on >pw ~jobs:* +@list\n# comment\nuser reader on nopass ~* +@read\n');
  const { config, users } = parseArgs([file]);
  assert.deepEqual(users, ['worker on >pw ~jobs:* +@list', 'reader on nopass ~* +@read']);
  assert.equal(config.string('requirepass'), 'topsecret');
  const s = await startTidings({ config: { requirepass: 'topsecret' } });
  assert.equal(aclOf(s.server!).declareUsers(users, file), undefined);
  const c = await s.connect();
  assert.deepEqual(await c.call('PING'), { error: 'NOAUTH Authentication required.' });
  assert.equal(await c.call('AUTH', 'worker', 'pw'), 'OK');
  assert.equal(await c.call('LPUSH', 'jobs:1', 'a'), 1);
  assert.deepEqual(await c.call('GET', 'jobs:1'), { error: "NOPERM this user has no permissions to run the 'get' command" });
  assert.equal(await c.call('AUTH', 'topsecret'), 'OK');
  assert.equal(await c.call('ACL', 'WHOAMI'), 'default');
  assert.deepEqual(await c.call('ACL', 'USERS'), ['default', 'reader', 'worker']);
  assert.equal(
    aclOf(s.server!).declareUsers(['bad on +nosuch'], file),
    `${file}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
  );
  c.close();
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a relative aclfile is found in dir; ACL LOAD answers its caller, then closes it if its user was replaced', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-aclrel-'));
  fs.writeFileSync(path.join(dir, 'users.acl'), 'user bob on >bob ~* +@all\nuser default on nopass ~* &* +@all\n');
  const s = await startTidings({ config: { dir, aclfile: 'users.acl' } });
  const c = await s.connect();
  assert.equal(await c.call('AUTH', 'bob', 'bob'), 'OK');
  assert.equal(await c.call('ACL', 'SETUSER', 'eve', 'on', '>eve', '+get', '~*'), 'OK');
  assert.equal(await c.call('ACL', 'SAVE'), 'OK');
  assert.match(fs.readFileSync(path.join(dir, 'users.acl'), 'latin1'), /^user eve on #/m);
  // bob is a user of the old set: the reply arrives, then the connection closes.
  assert.equal(await c.call('ACL', 'LOAD'), 'OK');
  await c.waitClosed();
  const d = await s.connect();
  assert.equal(await d.call('AUTH', 'eve', 'eve'), 'OK');
  assert.deepEqual(await d.call('SET', 'k', 'v'), { error: "NOPERM this user has no permissions to run the 'set' command" });
  d.close();
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('CONFIG REWRITE writes the ACL users as user lines, in the places of the old ones, as Redis', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { spawn } = await import('node:child_process');
  const { freePort, ROOT } = await import('../helpers/servers.js');
  const { RespClient } = await import('../helpers/resp.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-aclrw-'));
  const file = path.join(dir, 'tidings.conf');
  const port = await freePort();
  fs.writeFileSync(file, `save ""\nuser alice on >pw ~a* +get\n# keep me\nport ${port}\n`);
  // The config file comes first on the command line, as for redis-server.
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/tidings.js'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.includes('Ready to accept') && resolve()));
  try {
    const c = await RespClient.connect(port);
    assert.equal(await c.call('ACL', 'SETUSER', 'bob', 'on', 'nopass', '~b*', '(+set ~c*)'), 'OK');
    assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
    const lines = fs.readFileSync(file, 'latin1').split('\n');
    assert.equal(lines[1], 'user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~a* resetchannels -@all +get');
    assert.equal(lines[2], '# keep me');
    assert.ok(lines.includes('user bob on nopass ~b* resetchannels -@all (~c* resetchannels -@all +set)'));
    assert.ok(lines.includes('user default on nopass ~* &* +@all'));
    assert.equal(await c.call('ACL', 'DELUSER', 'alice'), 1);
    assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
    const after = fs.readFileSync(file, 'latin1');
    assert.doesNotMatch(after, /user alice/);
    assert.match(after, /^user bob on nopass/m);
    c.close();
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

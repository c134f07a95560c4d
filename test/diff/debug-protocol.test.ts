// DEBUG PROTOCOL <type>: the sample reply of each type, compared byte for byte with redis-server in
// RESP2 and RESP3 (attributes, push and big numbers included), and its two error texts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, RespClient } from '../helpers/resp.js';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';

let tidings: TestServer | undefined;
let redis: TestServer | undefined;

before(async (t) => {
  if (!requireRedisServer(t as never)) return;
  [tidings, redis] = await Promise.all([
    startTidings({ config: { 'enable-debug-command': 'yes' } }),
    startRedis(['--enable-debug-command', 'yes']),
  ]);
});
after(async () => {
  await Promise.all([tidings?.close(), redis?.close()]);
});

const TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nope'];

test('DEBUG PROTOCOL replies match redis-server byte for byte', async (t) => {
  if (tidings === undefined || redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  for (const proto of ['2', '3']) {
    const [a, b]: RespClient[] = await Promise.all([tidings.connect(), redis.connect()]);
    await a.call('HELLO', proto);
    await b.call('HELLO', proto);
    const commands = [...TYPES.map((type) => ['DEBUG', 'PROTOCOL', type]), ['DEBUG', 'PROTOCOL'], ['PING']];
    for (const args of commands) {
      a.send(...args);
      b.send(...args);
      // An attribute precedes its reply: read both frames of it.
      const frames = args[2] === 'attrib' && proto === '3' ? 2 : 1;
      for (let i = 0; i < frames; i++) {
        const [x, y]: (Frame | undefined)[] = await Promise.all([a.readFrame(), b.readFrame()]);
        assert.ok(x && y);
        assert.equal(x.raw.toString('latin1'), y.raw.toString('latin1'), `RESP${proto} ${args.join(' ')}`);
      }
    }
    a.close();
    b.close();
  }
});

// A script sees RESP3 big numbers and verbatim strings as {big_number=...} and
// {verbatim_string={format=..., string=...}} tables, and returning such tables gives the client a
// big number / verbatim reply in RESP3 and a bulk string in RESP2 (\r and \n of a big number
// become spaces). Redis's scripting unit reads these replies raw. An attribute is dropped: the
// script sees the reply that follows it.
test('script conversions of big numbers and verbatim strings match redis-server', async (t) => {
  if (tidings === undefined || redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const scripts: string[] = [];
  for (const resp of ['2', '3']) {
    for (const type of ['bignum', 'verbatim', 'double', 'true', 'false', 'map', 'attrib']) {
      scripts.push(`redis.setresp(${resp}) return redis.call('debug', 'protocol', '${type}')`);
    }
  }
  scripts.push(
    "return {big_number='123\\r\\n123'}",
    "return {big_number='99999999999999999999999'}",
    "return {verbatim_string={format='txt', string='hi\\nthere'}}",
    "return {verbatim_string={format='mkd', string=''}}",
    "return {verbatim_string={format='txt'}}",
    "redis.setresp(3) local r = redis.call('debug', 'protocol', 'bignum') return {type(r), r.big_number}",
    "redis.setresp(3) local v = redis.call('debug', 'protocol', 'verbatim').verbatim_string return {v.format, v.string}",
  );
  for (const proto of ['2', '3']) {
    const [a, b]: RespClient[] = await Promise.all([tidings.connect(), redis.connect()]);
    await a.call('HELLO', proto);
    await b.call('HELLO', proto);
    // DEBUG is refused in scripts unless the test switch is on, as Redis's suite does.
    await a.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1');
    await b.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1');
    for (const script of scripts) {
      a.send('EVAL', script, '0');
      b.send('EVAL', script, '0');
      const [x, y]: (Frame | undefined)[] = await Promise.all([a.readFrame(), b.readFrame()]);
      assert.ok(x && y);
      assert.equal(x.raw.toString('latin1'), y.raw.toString('latin1'), `RESP${proto} ${script}`);
    }
    a.close();
    b.close();
  }
});

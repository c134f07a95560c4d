import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

test('PING, ECHO and unknown commands', async () => {
  const c = await srv.connect();
  assert.equal(await c.call('PING'), 'PONG');
  assert.equal(await c.call('ping', 'hello'), 'hello');
  assert.deepEqual(await c.call('PING', 'a', 'b'), { error: "ERR wrong number of arguments for 'ping' command" });
  assert.equal(await c.call('ECHO', 'x y'), 'x y');
  assert.deepEqual(await c.call('ECHO'), { error: "ERR wrong number of arguments for 'echo' command" });
  assert.deepEqual(await c.call('NOPE', 'a', 'b'), {
    error: "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ",
  });
  c.close();
});

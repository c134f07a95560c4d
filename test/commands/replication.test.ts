// SYNC / PSYNC over TCP: the RDB payload, then the writes as a replica receives them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { parseResp, plain } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

/** A raw replica connection: collects bytes; the payload is a bulk header with no trailing CRLF. */
class Replica {
  buf = Buffer.alloc(0);
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => (this.buf = Buffer.concat([this.buf, d])));
  }
  static open(port: number, request: string): Promise<Replica> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ port, host: '127.0.0.1' }, () => {
        socket.write(request);
        resolve(new Replica(socket));
      });
      socket.once('error', reject);
    });
  }
  async waitFor(pred: () => boolean): Promise<void> {
    let ok = pred();
    for (let i = 0; i < 500 && !ok; i++) {
      await new Promise((r) => setTimeout(r, 10));
      ok = pred();
    }
    assert.ok(ok, `timed out; got ${JSON.stringify(this.buf.toString('latin1'))}`);
  }
  /** Take the `$len\r\n<rdb>` payload off the front; returns the RDB bytes. */
  async payload(): Promise<Buffer> {
    await this.waitFor(() => this.buf.indexOf('\r\n') > 0);
    const eol = this.buf.indexOf('\r\n');
    assert.equal(String.fromCharCode(this.buf[0]!), '$');
    const len = Number(this.buf.subarray(1, eol).toString('latin1'));
    await this.waitFor(() => this.buf.length >= eol + 2 + len);
    const rdb = this.buf.subarray(eol + 2, eol + 2 + len);
    this.buf = this.buf.subarray(eol + 2 + len);
    return rdb;
  }
  /** The next `n` commands of the stream, as string arrays. */
  async commands(n: number): Promise<string[][]> {
    const out: string[][] = [];
    await this.waitFor(() => {
      out.length = 0;
      let pos = 0;
      while (out.length < n) {
        const r = parseResp(this.buf, pos);
        if (!r) return false;
        out.push((plain(r.value) as string[]).map(String));
        pos = r.end;
      }
      this.buf = this.buf.subarray(pos);
      return true;
    });
    return out;
  }
  close(): void {
    this.socket.destroy();
  }
}

test('SYNC sends an RDB payload, then every write with SELECT, TTLs as PEXPIREAT', async () => {
  const c = await srv.connect();
  await c.call('SET', 'before', '1');
  const replica = await Replica.open(srv.port, 'SYNC\r\n');
  const rdb = await replica.payload();
  assert.equal(rdb.subarray(0, 9).toString('latin1'), 'REDIS0010');
  await c.call('SELECT', '3');
  await c.call('SET', 'k', 'v');
  await c.call('EXPIRE', 'k', '100');
  await c.call('GET', 'k'); // reads are not propagated
  await c.call('SELECT', '0');
  await c.call('INCR', 'n');
  const cmds = await replica.commands(5);
  assert.deepEqual(cmds[0], ['SELECT', '3']);
  assert.deepEqual(cmds[1], ['SET', 'k', 'v']);
  assert.equal(cmds[2]![0], 'PEXPIREAT');
  assert.equal(cmds[2]![1], 'k');
  assert.ok(Number(cmds[2]![2]) > Date.now());
  assert.deepEqual(cmds[3], ['SELECT', '0']);
  assert.deepEqual(cmds[4], ['INCR', 'n']);
  replica.close();
  c.close();
});

test('PSYNC answers +FULLRESYNC <replid> <offset> before the payload; a transaction goes out in MULTI/EXEC', async () => {
  const c = await srv.connect();
  const info = (await c.call('INFO', 'replication')) as string;
  const replica = await Replica.open(srv.port, ['PSYNC', '?', '-1'].join(' ') + '\r\n');
  await replica.waitFor(() => replica.buf.indexOf('\r\n') > 0);
  const eol = replica.buf.indexOf('\r\n');
  const line = replica.buf.subarray(0, eol).toString('latin1');
  replica.buf = replica.buf.subarray(eol + 2);
  const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(line);
  assert.ok(m, line);
  assert.ok(info.includes(`master_replid:${m[1]}\r\n`), info);
  assert.ok(info.includes(`master_repl_offset:${m[2]}\r\n`), info);
  await replica.payload();
  await c.call('MULTI');
  await c.call('SET', 'a', '1');
  await c.call('SET', 'b', '2');
  await c.call('EXEC');
  const cmds = await replica.commands(5);
  assert.deepEqual(cmds.map((x) => x[0]!.toUpperCase()), ['SELECT', 'MULTI', 'SET', 'SET', 'EXEC']);
  replica.close();
  c.close();
});

test('keys expired lazily by a read are sent as DELs of their own, not wrapped in MULTI/EXEC', async () => {
  const server = srv.server!;
  const c = await srv.connect();
  await c.call('FLUSHALL');
  server.activeExpireEnabled = false;
  try {
    await c.call('SET', 'foo1', 'bar', 'PX', '1');
    await c.call('SET', 'foo2', 'bar', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    const replica = await Replica.open(srv.port, 'SYNC\r\n');
    await replica.payload();
    // DBSIZE is O(1), as in Redis: keys past their time count until they are actually expired.
    assert.equal(await c.call('DBSIZE'), 2);
    await c.call('SCAN', '0');
    assert.equal(await c.call('DBSIZE'), 0);
    const cmds = await replica.commands(3);
    assert.deepEqual(cmds[0], ['SELECT', '0']);
    assert.deepEqual(cmds.slice(1).map((x) => x[0]).sort(), ['DEL', 'DEL']);
    assert.deepEqual(cmds.slice(1).map((x) => x[1]).sort(), ['foo1', 'foo2']);
    replica.close();
  } finally {
    server.activeExpireEnabled = true;
    c.close();
  }
});

test('SYNC inside MULTI is refused', async () => {
  const c = await srv.connect();
  await c.call('MULTI');
  assert.deepEqual(await c.call('SYNC'), { error: 'ERR Command not allowed inside a transaction' });
  await c.call('DISCARD');
  c.close();
});

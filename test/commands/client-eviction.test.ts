// maxmemory-clients (client eviction): the same scenarios run against Tidings and redis-server over
// TCP, and both must end the same way — the client holding the memory is disconnected (and counted
// in INFO evicted_clients), a CLIENT NO-EVICT client is not, and lowering the limit (bytes or a
// percentage of maxmemory) evicts at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/servers.js';
import { tidingsAndRedis } from '../helpers/fixtures.js';
import type { RespClient } from '../helpers/resp.js';

const both = tidingsAndRedis();

const servers = (): [string, TestServer][] =>
  [['tidings', both.tidings], ['redis-server', both.redis]].filter((e): e is [string, TestServer] => e[1] !== undefined);

/** A field of the named client's CLIENT LIST line, or undefined when no such client is listed. */
async function clientField(control: RespClient, name: string, field: string): Promise<string | undefined> {
  const list = (await control.call('CLIENT', 'LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  return line === undefined ? undefined : new RegExp(` ${field}=(\\S*)`).exec(line)?.[1];
}

/** Poll (up to 200 times) until the victim's CLIENT LIST `field` is at least `atLeast`. */
async function victimReaches(control: RespClient, field: string, atLeast: number): Promise<void> {
  for (let i = 0; i < 200 && Number(await clientField(control, 'victim', field)) < atLeast; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function evictedClients(control: RespClient): Promise<number> {
  const info = (await control.call('INFO', 'stats')) as string;
  return Number(/evicted_clients:(\d+)/.exec(info)![1]);
}

/** Start a request whose one argument is `size` bytes long and send `sent` of them. */
function partialBulk(c: RespClient, size: number, sent: number): void {
  c.write(Buffer.concat([Buffer.from(`*1\r\n$${size}\r\n`), Buffer.alloc(sent, 'v')]));
}

async function setup(srv: TestServer, settings: string[]): Promise<{ control: RespClient; victim: RespClient }> {
  const control = await srv.connect();
  assert.equal(await control.call('CONFIG', 'SET', 'maxmemory-clients', '0'), 'OK');
  assert.equal(await control.call('CONFIG', 'RESETSTAT'), 'OK');
  assert.equal(await control.call('CLIENT', 'NO-EVICT', 'ON'), 'OK');
  if (settings.length > 0) assert.equal(await control.call('CONFIG', 'SET', ...settings), 'OK');
  const victim = await srv.connect();
  assert.equal(await victim.call('CLIENT', 'SETNAME', 'victim'), 'OK');
  return { control, victim };
}

async function restore(control: RespClient): Promise<void> {
  assert.equal(await control.call('CONFIG', 'SET', 'maxmemory-clients', '0', 'maxmemory', '0'), 'OK');
  control.close();
}

test('a client whose query buffer passes maxmemory-clients is disconnected and counted', async () => {
  for (const [label, srv] of servers()) {
    const { control, victim } = await setup(srv, ['maxmemory-clients', '1mb']);
    partialBulk(victim, 4_000_000, 2_000_000);
    await victim.waitClosed(10000);
    assert.equal(await clientField(control, 'victim', 'tot-mem'), undefined, label);
    assert.equal(await evictedClients(control), 1, label);
    assert.equal(await control.call('PING'), 'PONG', label);
    await restore(control);
  }
});

test('CLIENT NO-EVICT ON keeps a client over the limit connected, with flag e', async () => {
  for (const [label, srv] of servers()) {
    const { control, victim } = await setup(srv, ['maxmemory-clients', '1mb']);
    assert.equal(await victim.call('CLIENT', 'NO-EVICT', 'ON'), 'OK');
    partialBulk(victim, 4_000_000, 2_000_000);
    await victimReaches(control, 'qbuf', 2_000_000);
    assert.ok(Number(await clientField(control, 'victim', 'tot-mem')) > 2_000_000, label);
    assert.match((await clientField(control, 'victim', 'flags'))!, /e/, label);
    assert.equal(victim.closed, false, label);
    assert.equal(await evictedClients(control), 0, label);
    victim.close();
    await restore(control);
  }
});

test('lowering maxmemory-clients (a percentage of maxmemory) evicts at once', async () => {
  for (const [label, srv] of servers()) {
    const { control, victim } = await setup(srv, ['maxmemory', '50mb']);
    partialBulk(victim, 4_000_000, 800_000);
    await victimReaches(control, 'qbuf', 800_000);
    assert.equal(victim.closed, false, label);
    // 1% of 50 MB is 524288 bytes, under what the victim holds.
    assert.equal(await control.call('CONFIG', 'SET', 'maxmemory-clients', '1%'), 'OK');
    assert.deepEqual(await control.call('CONFIG', 'GET', 'maxmemory-clients'), ['maxmemory-clients', '1%']);
    await victim.waitClosed(10000);
    assert.equal(await evictedClients(control), 1, label);
    await restore(control);
  }
});

// Redis reserves a large argument's whole length when it reads its header: CLIENT LIST's
// qbuf-free and tot-mem count it before the bytes arrive, and so does maxmemory-clients.
test('a large argument counts its announced length as soon as its header is read', async () => {
  for (const [label, srv] of servers()) {
    const { control, victim } = await setup(srv, []);
    partialBulk(victim, 300_000, 1000);
    await victimReaches(control, 'qbuf', 1000);
    assert.ok(Number(await clientField(control, 'victim', 'qbuf-free')) >= 299_000, label);
    assert.ok(Number(await clientField(control, 'victim', 'tot-mem')) >= 300_000, label);
    victim.close();
    await restore(control);
  }
});

test('a header announcing more than maxmemory-clients evicts its client before the bytes come', async () => {
  for (const [label, srv] of servers()) {
    const { control, victim } = await setup(srv, ['maxmemory-clients', '1mb']);
    partialBulk(victim, 2_000_000, 1000);
    await victim.waitClosed(10000);
    assert.equal(await evictedClients(control), 1, label);
    await restore(control);
  }
});

// Redis closes a client over its output limit when the reply is added: the commands pipelined
// after it do not run.
test('a client over its output buffer limit runs none of the commands pipelined after the reply', async () => {
  for (const [label, srv] of servers()) {
    const control = await srv.connect();
    assert.equal(await control.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 100kb 0 0'), 'OK');
    assert.equal(await control.call('DEL', 'after'), 0);
    assert.equal(await control.call('SET', 'big', Buffer.alloc(200_000, 'v')), 'OK');
    const c = await srv.connect();
    c.write(Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n'));
    await c.waitClosed(10000);
    assert.equal(await control.call('EXISTS', 'after'), 0, label);
    assert.equal(await control.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0'), 'OK');
    assert.equal(await control.call('DEL', 'big'), 1);
    control.close();
  }
});

// The arguments already read of an incomplete command are held as Redis's argv: CLIENT LIST's
// argv-mem shows them, and maxmemory-clients counts them (Redis's maxmemory unit: "input buffer of
// a dead client").
test('the arguments read of an incomplete command count in argv-mem and for maxmemory-clients', async () => {
  const args = (n: number) => Buffer.concat([Buffer.from('*250\r\n'), Buffer.from(`$1000\r\n${'x'.repeat(1000)}\r\n`.repeat(n))]);
  for (const [label, srv] of servers()) {
    const { control, victim } = await setup(srv, []);
    victim.write(args(249));
    await victimReaches(control, 'argv-mem', 249_000);
    assert.equal(await clientField(control, 'victim', 'argv-mem'), '249000', label);
    assert.ok(Number(await clientField(control, 'victim', 'tot-mem')) >= 249_000, label);
    victim.close();
    assert.equal(await control.call('CONFIG', 'SET', 'maxmemory-clients', '1mb'), 'OK');
    const big = await srv.connect();
    big.write(Buffer.concat([Buffer.from('*2000\r\n'), Buffer.from(`$1000\r\n${'x'.repeat(1000)}\r\n`.repeat(1500))]));
    await big.waitClosed(10000);
    assert.equal(await evictedClients(control), 1, label);
    await restore(control);
  }
});

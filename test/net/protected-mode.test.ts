// Protected mode against both servers. Redis counts only 127.0.0.1 and ::1 as local, whatever it is
// bound to, so a connection from 127.0.0.2 stands in for a remote client on a loopback-only machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTidings, startRedis, requireRedisServer, type TestServer } from '../helpers/servers.js';
import { PROTECTED_MODE_DENIED } from '../../src/server/server.js';

function pingFrom(port: number, host: string, localAddress?: string): Promise<{ closed: boolean; received: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, localAddress });
    let received = '';
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') reject(err);
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    // Wait for either the close or the reply; the reply ends with CRLF.
    socket.on('data', () => {
      if (received.endsWith('\r\n')) socket.end();
    });
    socket.on('close', () => resolve({ closed: true, received }));
  });
}

interface Case {
  title: string;
  bind: string;
  from: string;
  config?: Record<string, string>;
  expect: string;
}

const cases: Case[] = [
  { title: 'bound to 127.0.0.2, client from 127.0.0.2', bind: '127.0.0.2', from: '127.0.0.2', expect: PROTECTED_MODE_DENIED },
  { title: 'bound to both, client from 127.0.0.2', bind: '127.0.0.1 127.0.0.2', from: '127.0.0.2', expect: PROTECTED_MODE_DENIED },
  { title: 'bound to both, client from 127.0.0.1', bind: '127.0.0.1 127.0.0.2', from: '127.0.0.1', expect: '+PONG\r\n' },
  { title: 'bound to 127.0.0.1 and ::1, client from ::1', bind: '127.0.0.1 ::1', from: '::1', expect: '+PONG\r\n' },
  { title: 'protected-mode no', bind: '127.0.0.2', from: '127.0.0.2', config: { 'protected-mode': 'no' }, expect: '+PONG\r\n' },
  {
    title: 'a password is set',
    bind: '127.0.0.2',
    from: '127.0.0.2',
    config: { requirepass: 'secret' },
    expect: '-NOAUTH Authentication required.\r\n',
  },
];

async function runCases(target: () => Promise<TestServer>, c: Case): Promise<string> {
  const srv = await target();
  try {
    const host = c.bind.split(' ').at(-1)!;
    const r = await pingFrom(srv.port, c.from === '127.0.0.1' ? '127.0.0.1' : host, c.from);
    return r.received;
  } finally {
    await srv.close();
  }
}

for (const c of cases) {
  test(`protected mode: ${c.title}`, async (t) => {
    const tidings = await runCases(() => startTidings({ bind: c.bind, config: { ...c.config } }), c);
    assert.equal(tidings, c.expect);
    if (!requireRedisServer(t)) return;
    const extra = ['--bind', c.bind];
    for (const [k, v] of Object.entries(c.config ?? {})) extra.push(`--${k}`, v);
    // startRedis waits on 127.0.0.1, so it also binds there; the client's source address decides.
    if (!c.bind.includes('127.0.0.1')) extra.splice(1, 1, `127.0.0.1 ${c.bind}`);
    const redis = await runCases(() => startRedis(extra), c);
    assert.equal(redis, c.expect);
  });
}

test('protected mode: CONFIG SET protected-mode no lets the next remote client in', async () => {
  const srv = await startTidings({ bind: '127.0.0.1 127.0.0.2' });
  try {
    assert.equal((await pingFrom(srv.port, '127.0.0.2', '127.0.0.2')).received, PROTECTED_MODE_DENIED);
    const local = await srv.connect();
    assert.equal(await local.call('CONFIG', 'SET', 'protected-mode', 'no'), 'OK');
    assert.equal((await pingFrom(srv.port, '127.0.0.2', '127.0.0.2')).received, '+PONG\r\n');
    assert.ok(srv.server!.stats.rejectedConnections >= 1);
    local.close();
  } finally {
    await srv.close();
  }
});

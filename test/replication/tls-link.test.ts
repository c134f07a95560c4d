// The replica's link to its master over TLS (tls-replication yes): the master asks for a client
// certificate (tls-auth-clients, the default), and the replica presents tls-client-cert-file, or
// tls-cert-file when no client certificate is configured, as Redis does. Against redis-server as
// master and against Tidings as master; the copy is checked key by key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, skipLoudly, startTidings, type TestServer } from '../helpers/servers.js';
import { makeCerts, removeCerts, hasOpenssl, type TestCerts } from '../net/certs.js';
import { startRedisTls, startTidingsTls, tlsConfig, TlsResp, type TlsTarget } from '../net/tls-helpers.js';
import type { RespClient } from '../helpers/resp.js';
import { linkUp } from './wait.js';

const certs: TestCerts | undefined = hasOpenssl() ? makeCerts() : undefined;
const opened: { close(): Promise<void> }[] = [];
after(async () => {
  for (const s of opened.reverse()) await s.close();
  if (certs) removeCerts(certs);
});

async function replicaOver(master: TlsTarget, c: TestCerts, extra: Record<string, string>): Promise<void> {
  const m = await TlsResp.connect(master.tlsPort, c.ca, { cert: c.clientCert, key: c.clientKey });
  assert.equal(await m.call('SET', 'before', 'sync'), 'OK');
  const replica: TestServer = await startTidings({ config: { ...tlsConfig(c), 'tls-replication': 'yes', ...extra } });
  opened.push(replica);
  const r = await replica.connect();
  assert.equal(await r.call('REPLICAOF', '127.0.0.1', String(master.tlsPort)), 'OK');
  await linkUp(r, 30_000);
  assert.equal(await m.call('RPUSH', 'after', 'a', 'b'), 2);
  const deadline = Date.now() + 30_000;
  while ((await r.call('LLEN', 'after')) !== 2) {
    if (Date.now() > deadline) throw new Error('the write after the sync did not reach the replica');
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(await r.call('GET', 'before'), 'sync');
  assert.deepEqual(await r.call('LRANGE', 'after', '0', '-1'), ['a', 'b']);
  m.close();
  r.close();
}

test('a Tidings replica reaches a redis-server master over TLS with tls-client-cert-file', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  if (!requireRedisServer(t)) return;
  const master = await startRedisTls(certs);
  opened.push(master);
  await replicaOver(master, certs, { 'tls-client-cert-file': certs.clientCert, 'tls-client-key-file': certs.clientKey });
});

test('a Tidings replica of a Tidings master over TLS presents tls-cert-file when no client certificate is set', async (t) => {
  if (!certs) return skipLoudly(t, 'openssl is not installed');
  const master = await startTidingsTls(certs);
  opened.push(master);
  await replicaOver(master, certs, {});
});

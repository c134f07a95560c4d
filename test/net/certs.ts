// Test certificates, made at test time with the openssl command line into a temporary directory
// (never committed): a CA, two server certificates it signs (for reload), a client certificate it
// signs, a client certificate from an untrusted CA, and a passphrase-protected copy of a key.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A second server certificate (other key, CN "reloaded") for CONFIG SET reload tests. */
  server2Cert: string;
  server2Key: string;
  /** serverKey encrypted with `keyPass`. */
  serverKeyEncrypted: string;
  keyPass: string;
  clientCert: string;
  clientKey: string;
  /** Signed by a CA the server does not trust. */
  rogueCert: string;
  rogueKey: string;
  /** A directory holding the CA certificate, for tls-ca-cert-dir. */
  caDir: string;
}

export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

function signed(dir: string, name: string, cn: string, caName: string, ext: string): void {
  openssl(dir, ['genrsa', '-out', `${name}.key`, '2048']);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/O=Tidings Test/CN=${cn}`, '-out', `${name}.csr`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`,
  ]);
}

function ca(dir: string, name: string, cn: string): void {
  openssl(dir, ['genrsa', '-out', `${name}.key`, '2048']);
  openssl(dir, ['req', '-x509', '-new', '-nodes', '-key', `${name}.key`, '-sha256', '-days', '2', '-subj', `/O=Tidings Test/CN=${cn}`, '-out', `${name}.crt`]);
}

export function makeCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-tls-'));
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  ca(dir, 'ca', 'Tidings Test CA');
  ca(dir, 'rogue-ca', 'Someone Else CA');
  signed(dir, 'server', 'server', 'ca', serverExt);
  signed(dir, 'server2', 'reloaded', 'ca', serverExt);
  signed(dir, 'client', 'client', 'ca', clientExt);
  signed(dir, 'rogue', 'rogue', 'rogue-ca', clientExt);
  openssl(dir, ['rsa', '-aes256', '-in', 'server.key', '-passout', 'pass:open sesame', '-out', 'server-enc.key']);
  const caDir = path.join(dir, 'cadir');
  fs.mkdirSync(caDir);
  // OpenSSL's CApath finds certificates by subject hash: name the copy <hash>.0 (as c_rehash does).
  const hash = spawnSync('openssl', ['x509', '-hash', '-noout', '-in', 'ca.crt'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(caDir, `${hash}.0`));
  const at = (f: string) => path.join(dir, f);
  return {
    dir,
    ca: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    server2Cert: at('server2.crt'),
    server2Key: at('server2.key'),
    serverKeyEncrypted: at('server-enc.key'),
    keyPass: 'open sesame',
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    rogueCert: at('rogue.crt'),
    rogueKey: at('rogue.key'),
    caDir,
  };
}

export function removeCerts(certs: TestCerts): void {
  fs.rmSync(certs.dir, { recursive: true, force: true });
}

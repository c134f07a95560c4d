// TLS test plumbing: Tidings and redis-server started with the same certificates, and a small RESP
// client over a TLS socket (replies as plain JS, like RespClient.call).
import tls from 'node:tls';
import type net from 'node:net';
import fs from 'node:fs';
import { encodeCommand, parseResp, plain } from '../helpers/resp.js';
import { freePort, startRedis, startTidings } from '../helpers/servers.js';
import type { Server } from '../../src/server/server.js';
import type { TestCerts } from './certs.js';

export interface TlsTarget {
  name: 'tidings' | 'redis';
  tlsPort: number;
  /** Plain TCP port (both targets get one, for contrast). */
  port: number;
  server?: Server;
  close(): Promise<void>;
}

export function tlsConfig(certs: TestCerts, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'tls-cert-file': certs.serverCert,
    'tls-key-file': certs.serverKey,
    'tls-ca-cert-file': certs.ca,
    ...extra,
  };
}

export async function startTidingsTls(certs: TestCerts, extra: Record<string, string> = {}): Promise<TlsTarget> {
  const tlsPort = await freePort();
  const srv = await startTidings({ port: await freePort(), config: { 'tls-port': String(tlsPort), ...tlsConfig(certs, extra) } });
  return { name: 'tidings', tlsPort, port: srv.port, server: srv.server, close: () => srv.close() };
}

export async function startRedisTls(certs: TestCerts, extra: Record<string, string> = {}): Promise<TlsTarget> {
  const tlsPort = await freePort();
  const args = ['--tls-port', String(tlsPort)];
  for (const [k, v] of Object.entries(tlsConfig(certs, extra))) args.push(`--${k}`, v);
  const srv = await startRedis(args);
  return { name: 'redis', tlsPort, port: srv.port, close: () => srv.close() };
}

export interface ClientCertOptions {
  cert?: string;
  key?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  host?: string;
  /** Source address (127.0.0.2 plays a remote client for protected mode). */
  localAddress?: string;
}

export class TlsResp {
  private buffer = Buffer.alloc(0);
  private readonly frames: unknown[] = [];
  private waiters: ((v: unknown) => void)[] = [];
  closed = false;

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const r = parseResp(this.buffer);
        if (!r) break;
        this.buffer = this.buffer.subarray(r.end);
        const v = plain(r.value);
        const w = this.waiters.shift();
        if (w) w(v);
        else this.frames.push(v);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(CLOSED);
    });
    socket.on('error', () => {});
  }

  /** Connect and finish the handshake; rejects if the handshake fails. */
  static connect(port: number, ca: string, options: ClientCertOptions = {}): Promise<TlsResp> {
    return new Promise((resolve, reject) => {
      // tls.connect takes net.connect's options too (localAddress); its type does not list them.
      const connectOptions: tls.ConnectionOptions & net.TcpNetConnectOpts = {
        port,
        host: options.host ?? '127.0.0.1',
        localAddress: options.localAddress,
        // The certificates name 127.0.0.1; a client dialling 127.0.0.2 checks that name.
        checkServerIdentity: () => undefined,
        ca: fs.readFileSync(ca),
        cert: options.cert ? fs.readFileSync(options.cert) : undefined,
        key: options.key ? fs.readFileSync(options.key) : undefined,
        minVersion: options.minVersion,
        maxVersion: options.maxVersion,
        ciphers: options.ciphers,
      };
      const socket = tls.connect(connectOptions);
      socket.once('secureConnect', () => resolve(new TlsResp(socket)));
      socket.once('error', reject);
      // A server that resets right after the handshake (maxclients) may raise a second error.
      socket.on('error', () => {});
      socket.once('close', () => reject(new Error('closed during handshake')));
    });
  }

  send(...args: (string | Buffer | number)[]): void {
    this.socket.write(encodeCommand(args));
  }

  /** The next reply as plain JS; CLOSED if the connection closed first. */
  read(): Promise<unknown> {
    if (this.frames.length > 0) return Promise.resolve(this.frames.shift());
    if (this.closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  call(...args: (string | Buffer | number)[]): Promise<unknown> {
    this.send(...args);
    return this.read();
  }

  close(): void {
    this.socket.destroy();
  }
}

export const CLOSED = Symbol('closed');

/**
 * Connect and PING: 'PONG', or CLOSED when the server refused the handshake or dropped the
 * connection right after it (TLS 1.3 reports a refused client certificate only after the client
 * thinks the handshake is done).
 */
export async function tryPing(port: number, ca: string, options: ClientCertOptions = {}): Promise<unknown> {
  let c: TlsResp;
  try {
    c = await TlsResp.connect(port, ca, options);
  } catch {
    return CLOSED;
  }
  const r = await c.call('PING');
  c.close();
  return r;
}

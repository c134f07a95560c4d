// TLS listeners: the tls-* parameters turned into a Node secure context, applied to every TLS
// listener, and rebuilt when a tls-* parameter changes (CONFIG SET tls-cert-file ... reloads the
// certificate for new connections; connections already established keep theirs). A connection
// that completes its handshake is handed to the server like any TCP socket, so everything after
// the handshake (parser, dispatch, flush) is the same code path as plain TCP.
import tls from 'node:tls';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type net from 'node:net';
import type { Config } from '../config/config.js';

/** A handshake not finished by then is dropped (Node's default would be two minutes). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Parameters that shape the secure context; a change to one rebuilds it. */
const CONTEXT_PARAMS = new Set([
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-dh-params-file',
  'tls-auth-clients',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
]);

/** For replication and cluster links, which Tidings does not have. */

const UPDATE_FAILED = 'Unable to update TLS configuration. Check server logs.';

type Log = (level: 'verbose' | 'notice' | 'warning', message: string) => void;

const PROTOCOLS: Record<string, tls.SecureVersion> = {
  tlsv1: 'TLSv1',
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};
const ORDER: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** tls-protocols ("TLSv1.2 TLSv1.3", empty for those two) as Node's version range. */
export function parseProtocols(text: string, log?: Log): { minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } {
  const words = text.trim() === '' ? ['tlsv1.2', 'tlsv1.3'] : text.trim().toLowerCase().split(/\s+/);
  const versions = words.map((w) => {
    const v = PROTOCOLS[w];
    if (v === undefined) {
      throw new Error("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    }
    return ORDER.indexOf(v);
  });
  const min = Math.min(...versions);
  const max = Math.max(...versions);
  // OpenSSL (through Node) takes a range, not a set: a gap is filled in, and said so.
  if (new Set(versions).size !== max - min + 1) {
    log?.('warning', `tls-protocols '${text}' has a gap; Node accepts a range, so ${ORDER[min]} to ${ORDER[max]} are enabled`);
  }
  return { minVersion: ORDER[min]!, maxVersion: ORDER[max]! };
}

/**
 * Node takes TLS 1.2 ciphers and TLS 1.3 suites in one list, and a list with no suite of one kind
 * disables that protocol version; Redis sets them apart. Fill whichever is not set from Node's
 * defaults so tls-ciphers alone does not switch TLS 1.3 off.
 */
export function cipherList(ciphers: string, ciphersuites: string): string {
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const tls13 = ciphersuites !== '' ? ciphersuites : defaults.filter((c) => c.startsWith('TLS_')).join(':');
  const tls12 = ciphers !== '' ? ciphers : defaults.filter((c) => !c.startsWith('TLS_')).join(':');
  return `${tls13}:${tls12}`;
}

function readCaDir(dir: string): Buffer[] {
  // Like OpenSSL's CApath: every certificate file in the directory (hashed names included).
  const out: Buffer[] = [];
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const text = fs.readFileSync(file);
    if (text.includes('-----BEGIN CERTIFICATE-----')) out.push(text);
  }
  return out;
}

/** Build Node's secure-context options from the tls-* parameters. Throws with the reason. */
export function secureContextOptions(config: Config, log?: Log): tls.SecureContextOptions {
  const certFile = config.string('tls-cert-file');
  const keyFile = config.string('tls-key-file');
  if (certFile === '' || keyFile === '') throw new Error('No tls-cert-file or tls-key-file configured');
  const options: tls.SecureContextOptions = {
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    ...parseProtocols(config.string('tls-protocols'), log),
    ciphers: cipherList(config.string('tls-ciphers'), config.string('tls-ciphersuites')),
    honorCipherOrder: config.bool('tls-prefer-server-ciphers'),
  };
  const pass = config.string('tls-key-file-pass');
  if (pass !== '') options.passphrase = pass;
  const ca = caCertificates(config);
  if (ca.length > 0) options.ca = ca;
  else if (config.string('tls-auth-clients') !== 'no') {
    throw new Error('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled!');
  }
  const dh = config.string('tls-dh-params-file');
  if (dh !== '') options.dhparam = fs.readFileSync(dh);
  if (config.bool('tls-session-caching')) {
    options.sessionTimeout = config.number('tls-session-cache-timeout');
  } else {
    // No tickets and (below) no session store: nothing to resume from.
    options.secureOptions = crypto.constants.SSL_OP_NO_TICKET;
  }
  // Fails here, not at the first handshake, on a key that does not match or a wrong passphrase.
  tls.createSecureContext(options);
  return options;
}

/**
 * Options for an outgoing TLS connection (the replica's link to its master, tls-replication yes):
 * the client certificate is tls-client-cert-file, or tls-cert-file when none is given, as Redis;
 * the peer is checked against the configured CAs, not against its host name (Redis does not
 * check names either).
 */
export function clientConnectOptions(config: Config, log?: Log): tls.ConnectionOptions {
  const clientCert = config.string('tls-client-cert-file');
  const certFile = clientCert !== '' ? clientCert : config.string('tls-cert-file');
  const keyFile = clientCert !== '' ? config.string('tls-client-key-file') : config.string('tls-key-file');
  const pass = clientCert !== '' ? config.string('tls-client-key-file-pass') : config.string('tls-key-file-pass');
  const options: tls.ConnectionOptions = {
    ...parseProtocols(config.string('tls-protocols'), log),
    ciphers: cipherList(config.string('tls-ciphers'), config.string('tls-ciphersuites')),
    checkServerIdentity: () => undefined,
  };
  if (certFile !== '' && keyFile !== '') {
    options.cert = fs.readFileSync(certFile);
    options.key = fs.readFileSync(keyFile);
    if (pass !== '') options.passphrase = pass;
  }
  const ca = caCertificates(config);
  if (ca.length > 0) options.ca = ca;
  return options;
}

/** The PEM certificates of tls-ca-cert-file and tls-ca-cert-dir. */
function caCertificates(config: Config): Buffer[] {
  const ca: Buffer[] = [];
  const caFile = config.string('tls-ca-cert-file');
  const caDir = config.string('tls-ca-cert-dir');
  if (caFile !== '') ca.push(fs.readFileSync(caFile));
  if (caDir !== '') ca.push(...readCaDir(caDir));
  return ca;
}

/**
 * A bounded session store (tls-session-cache-size entries, tls-session-cache-timeout seconds)
 * for session-ID resumption; Node keeps none of its own on the server side.
 */
class SessionCache {
  private readonly sessions = new Map<string, { data: Buffer; at: number }>();

  constructor(private readonly config: Config) {}

  add(id: Buffer, data: Buffer): void {
    if (!this.config.bool('tls-session-caching')) return;
    const size = this.config.number('tls-session-cache-size');
    const key = id.toString('hex');
    this.sessions.delete(key);
    this.sessions.set(key, { data, at: Date.now() });
    // size 0 means no limit, as in OpenSSL.
    while (size > 0 && this.sessions.size > size) this.sessions.delete(this.sessions.keys().next().value!);
  }

  get(id: Buffer): Buffer | null {
    if (!this.config.bool('tls-session-caching')) return null;
    const key = id.toString('hex');
    const entry = this.sessions.get(key);
    if (entry === undefined) return null;
    if (Date.now() - entry.at > this.config.number('tls-session-cache-timeout') * 1000) {
      this.sessions.delete(key);
      return null;
    }
    return entry.data;
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** The TLS side of the server: one secure context shared by every TLS listener. */
export class TlsListeners {
  private readonly servers: tls.Server[] = [];
  private readonly sessions: SessionCache;
  private context: tls.SecureContextOptions | undefined;
  /** The parameter values the current context was built from, to restore on a failed change. */
  private applied = new Map<string, string>();
  private restoring = false;
  private readonly rawSockets = new Set<net.Socket>();
  /** For listeners created after it is set (tests shorten it). */
  handshakeTimeoutMs = TLS_HANDSHAKE_TIMEOUT_MS;

  constructor(
    private readonly config: Config,
    private readonly log: Log,
  ) {
    this.sessions = new SessionCache(config);
    config.onChange((name) => this.onConfigChange(name));
  }


  /** A TLS listener whose handshaken sockets go to `accept`; builds the context on first use. */
  createServer(accept: (socket: net.Socket) => void): tls.Server {
    if (this.context === undefined) this.rebuild();
    const server = tls.createServer({
      ...this.context,
      handshakeTimeout: this.handshakeTimeoutMs,
      noDelay: true,
      keepAlive: true,
    });
    this.applyClientAuth(server);
    // Connections still in their handshake belong to no client yet, so the server's close() would
    // wait for them: keep every TCP socket under the TLS listeners until it closes.
    server.on('connection', (raw: net.Socket) => {
      this.rawSockets.add(raw);
      raw.once('close', () => this.rawSockets.delete(raw));
    });
    server.on('secureConnection', (socket) => {
      if (!this.peerAcceptable(socket)) {
        socket.destroy();
        return;
      }
      accept(socket);
    });
    // A plain-text client, garbage, or a handshake that times out: that connection only.
    server.on('tlsClientError', (err, socket) => {
      this.log('verbose', `Error accepting a client connection: ${err.message} (addr=${socket.remoteAddress}:${socket.remotePort})`);
      socket.destroy();
    });
    server.on('newSession', (id, data, done) => {
      this.sessions.add(id, data);
      done();
    });
    server.on('resumeSession', (id, done) => done(null, this.sessions.get(id)));
    this.servers.push(server);
    return server;
  }

  /** A listener closed by CONFIG SET tls-port/bind: no more context updates for it. */
  forget(server: tls.Server): void {
    const i = this.servers.indexOf(server);
    if (i !== -1) this.servers.splice(i, 1);
  }

  /** At shutdown: drop every TLS connection, handshaking ones included. */
  destroyAll(): void {
    for (const raw of this.rawSockets) raw.destroy();
    this.rawSockets.clear();
  }

  /**
   * With tls-auth-clients optional a client may come without a certificate, but one it does show
   * must verify (as OpenSSL's SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT).
   */
  private peerAcceptable(socket: tls.TLSSocket): boolean {
    if (this.config.string('tls-auth-clients') !== 'optional' || socket.authorized) return true;
    const peer = socket.getPeerCertificate();
    return peer === null || Object.keys(peer).length === 0;
  }

  private applyClientAuth(server: tls.Server): void {
    // Node reads these two per connection when it wraps an accepted socket; tls-auth-clients
    // changes them in place (setSecureContext does not take them). test/net/tls.test.ts checks it.
    const mode = this.config.string('tls-auth-clients');
    const wrapping = server as tls.Server & { requestCert: boolean; rejectUnauthorized: boolean };
    wrapping.requestCert = mode !== 'no';
    wrapping.rejectUnauthorized = mode === 'yes';
  }

  private rebuild(): void {
    this.context = secureContextOptions(this.config, this.log);
    this.applied = this.snapshot();
    // A new context starts with no sessions, as in Redis: a session negotiated under the old
    // settings (another cipher, a replaced certificate) must not be resumed under the new ones.
    this.sessions.clear();
    for (const server of this.servers) {
      server.setSecureContext(this.context);
      this.applyClientAuth(server);
    }
  }

  private snapshot(): Map<string, string> {
    const values = new Map<string, string>();
    for (const name of CONTEXT_PARAMS) values.set(name, this.config.matching(name)[0]![1]);
    return values;
  }

  private onConfigChange(name: string): void {
    if (this.restoring || !CONTEXT_PARAMS.has(name)) return;
    // Before listen() there is nothing to rebuild: listen() builds the context and reports errors.
    if (this.servers.length === 0) return;
    try {
      this.rebuild();
    } catch (err) {
      const reason = (err as Error).message;
      this.log('warning', `Failed to update TLS configuration (${name}): ${reason}`);
      this.restore();
      throw new Error(UPDATE_FAILED);
    }
  }

  /** Put the tls-* parameters back to the values the serving context was built from. */
  private restore(): void {
    this.restoring = true;
    try {
      for (const [name, value] of this.applied) {
        if (this.config.matching(name)[0]![1] !== value) this.config.set(name, value, true);
      }
    } finally {
      this.restoring = false;
    }
  }
}

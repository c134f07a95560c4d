// Configuration parameters: one table drives the config file, `--name value` flags, CONFIG GET/SET
// and their error texts. Values are kept parsed (numbers, booleans, strings).
import { globMatch } from '../pubsub/glob.js';

export type ConfigValue = string | number | boolean;

interface ParamBase {
  name: string;
  aliases?: string[];
  /** Cannot be changed with CONFIG SET (only at start). */
  immutable?: boolean;
}

interface IntParam extends ParamBase {
  type: 'int';
  default: number;
  min: number;
  max: number;
}
interface MemoryParam extends ParamBase {
  type: 'memory';
  default: number;
}
interface BoolParam extends ParamBase {
  type: 'bool';
  default: boolean;
}
interface StringParam extends ParamBase {
  type: 'string';
  default: string;
  /** Normalise or reject; throw Error(message) to reject. */
  parse?: (value: string) => string;
}
interface EnumParam extends ParamBase {
  type: 'enum';
  default: string;
  values: string[];
}

export type ParamSpec = IntParam | MemoryParam | BoolParam | StringParam | EnumParam;

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

/** Parse "32mb", "1gb", "100k", plain bytes. Returns undefined if malformed. */
export function parseMemory(text: string): number | undefined {
  const m = /^(-?\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 * 1000,
    mb: 1024 * 1024,
    g: 1000 * 1000 * 1000,
    gb: 1024 * 1024 * 1024,
  };
  return n * mult[unit]!;
}

const KEYSPACE_CLASSES = 'g$lshzxeKEtmdnA';

/** Normalise notify-keyspace-events the way Redis prints it back (e.g. "KEA" → "AKE"). */
export function normaliseKeyspaceEvents(text: string): string {
  for (const ch of text) {
    if (!KEYSPACE_CLASSES.includes(ch)) throw new Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  }
  const has = (c: string) => text.includes(c);
  let out = '';
  const all = 'g$lshzxet'.split('');
  if (has('A') || all.every(has)) out += 'A';
  else for (const c of all) if (has(c)) out += c;
  if (has('m')) out += 'm';
  if (has('d')) out += 'd';
  if (has('n')) out += 'n';
  if (has('K')) out += 'K';
  if (has('E')) out += 'E';
  return out;
}

function parseClientOutputBufferLimit(text: string): string {
  const parts = text.trim().split(/\s+/);
  if (parts.length % 4 !== 0) throw new Error('Wrong number of arguments in buffer limit configuration.');
  const current = new Map<string, string>([
    ['normal', '0 0 0'],
    ['slave', '268435456 67108864 60'],
    ['pubsub', '33554432 8388608 60'],
  ]);
  for (let i = 0; i < parts.length; i += 4) {
    let cls = parts[i]!.toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!current.has(cls)) throw new Error('Invalid client class specified in buffer limit configuration.');
    const hard = parseMemory(parts[i + 1]!);
    const soft = parseMemory(parts[i + 2]!);
    const secs = Number(parts[i + 3]);
    if (hard === undefined || soft === undefined || !Number.isInteger(secs) || hard < 0 || soft < 0 || secs < 0) {
      throw new Error('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    current.set(cls, `${hard} ${soft} ${secs}`);
  }
  return [...current].map(([cls, v]) => `${cls} ${v}`).join(' ');
}

export const PARAMS: ParamSpec[] = [
  { name: 'port', type: 'int', default: 6379, min: 0, max: 65535, immutable: true },
  { name: 'bind', type: 'string', default: '127.0.0.1', immutable: true },
  { name: 'unixsocket', type: 'string', default: '', immutable: true },
  { name: 'unixsocketperm', type: 'int', default: 0, min: 0, max: 0o777, immutable: true },
  { name: 'requirepass', type: 'string', default: '' },
  { name: 'maxclients', type: 'int', default: 10000, min: 1, max: INT_MAX },
  { name: 'timeout', type: 'int', default: 0, min: 0, max: INT_MAX },
  { name: 'tcp-keepalive', type: 'int', default: 300, min: 0, max: INT_MAX },
  { name: 'databases', type: 'int', default: 16, min: 1, max: INT_MAX, immutable: true },
  { name: 'proto-max-bulk-len', type: 'memory', default: 512 * 1024 * 1024 },
  { name: 'client-query-buffer-limit', type: 'memory', default: 1024 * 1024 * 1024 },
  {
    name: 'client-output-buffer-limit',
    type: 'string',
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    parse: parseClientOutputBufferLimit,
  },
  { name: 'loglevel', type: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning'] },
  { name: 'logfile', type: 'string', default: '', immutable: true },
  { name: 'protected-mode', type: 'bool', default: true },
  { name: 'daemonize', type: 'bool', default: false, immutable: true },
  { name: 'notify-keyspace-events', type: 'string', default: '', parse: normaliseKeyspaceEvents },
  { name: 'maxmemory', type: 'memory', default: 0 },
  {
    name: 'maxmemory-policy',
    type: 'enum',
    default: 'noeviction',
    values: [
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'noeviction',
    ],
  },
  { name: 'maxmemory-samples', type: 'int', default: 5, min: 1, max: 64 },
  { name: 'hz', type: 'int', default: 10, min: 1, max: 500 },
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], type: 'int', default: 512, min: 0, max: LONG_MAX },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], type: 'int', default: 64, min: 0, max: LONG_MAX },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], type: 'int', default: -2, min: -5, max: INT_MAX },
  { name: 'list-compress-depth', type: 'int', default: 0, min: 0, max: INT_MAX },
  { name: 'set-max-intset-entries', type: 'int', default: 512, min: 0, max: LONG_MAX },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], type: 'int', default: 128, min: 0, max: LONG_MAX },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], type: 'int', default: 64, min: 0, max: LONG_MAX },
  { name: 'stream-node-max-bytes', type: 'memory', default: 4096 },
  { name: 'stream-node-max-entries', type: 'int', default: 100, min: 0, max: LONG_MAX },
  { name: 'lua-time-limit', aliases: ['busy-reply-threshold'], type: 'int', default: 5000, min: 0, max: LONG_MAX },
  { name: 'slowlog-log-slower-than', type: 'int', default: 10000, min: -1, max: LONG_MAX },
  { name: 'slowlog-max-len', type: 'int', default: 128, min: 0, max: LONG_MAX },
  { name: 'latency-monitor-threshold', type: 'int', default: 0, min: 0, max: LONG_MAX },
  { name: 'enable-debug-command', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  // Persistence (src/persistence/). `save` is Redis's default only for the command line (cli.ts);
  // embedded servers and tests start with no save points unless given.
  { name: 'appendonly', type: 'bool', default: false },
  { name: 'appendfsync', type: 'enum', default: 'everysec', values: ['always', 'everysec', 'no'] },
  { name: 'appenddirname', type: 'string', default: 'appendonlydir', immutable: true },
  { name: 'appendfilename', type: 'string', default: 'appendonly.aof', immutable: true },
  { name: 'aof-use-rdb-preamble', type: 'bool', default: true },
  { name: 'aof-load-truncated', type: 'bool', default: true },
  { name: 'aof-timestamp-enabled', type: 'bool', default: false },
  { name: 'aof-rewrite-incremental-fsync', type: 'bool', default: true },
  { name: 'no-appendfsync-on-rewrite', type: 'bool', default: false },
  { name: 'auto-aof-rewrite-percentage', type: 'int', default: 100, min: 0, max: INT_MAX },
  { name: 'auto-aof-rewrite-min-size', type: 'memory', default: 64 * 1024 * 1024 },
  { name: 'save', type: 'string', default: '' },
  { name: 'dir', type: 'string', default: './' },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb' },
  { name: 'rdbcompression', type: 'bool', default: true },
  { name: 'rdbchecksum', type: 'bool', default: true },
  { name: 'rdb-save-incremental-fsync', type: 'bool', default: true },
  { name: 'rdb-del-sync-files', type: 'bool', default: false },
  { name: 'stop-writes-on-bgsave-error', type: 'bool', default: true },
  { name: 'rdb-key-save-delay', type: 'int', default: 0, min: -2147483648, max: INT_MAX },
  { name: 'key-load-delay', type: 'int', default: 0, min: -2147483648, max: INT_MAX },
  { name: 'loading-process-events-interval-bytes', type: 'int', default: 2 * 1024 * 1024, min: 1024, max: INT_MAX },
  { name: 'lazyfree-lazy-user-flush', type: 'bool', default: false },
  { name: 'replica-read-only', aliases: ['slave-read-only'], type: 'bool', default: true },
  // Observability: the HTTP listener for /metrics and the dashboard (src/observe/http.ts); 0 = off.
  { name: 'metrics-port', type: 'int', default: 0, min: 0, max: 65535, immutable: true },
  { name: 'metrics-bind', type: 'string', default: '127.0.0.1', immutable: true },
  { name: 'dashboard', type: 'bool', default: false, immutable: true },
  // TLS (src/net/tls.ts applies them; a change rebuilds the secure context for new connections).
  // tls-replication, tls-cluster and the tls-client-* files are for links Tidings does not have.
  { name: 'tls-port', type: 'int', default: 0, min: 0, max: 65535, immutable: true },
  { name: 'tls-cert-file', type: 'string', default: '' },
  { name: 'tls-key-file', type: 'string', default: '' },
  { name: 'tls-key-file-pass', type: 'string', default: '' },
  { name: 'tls-client-cert-file', type: 'string', default: '' },
  { name: 'tls-client-key-file', type: 'string', default: '' },
  { name: 'tls-client-key-file-pass', type: 'string', default: '' },
  { name: 'tls-dh-params-file', type: 'string', default: '' },
  { name: 'tls-ca-cert-file', type: 'string', default: '' },
  { name: 'tls-ca-cert-dir', type: 'string', default: '' },
  { name: 'tls-auth-clients', type: 'enum', default: 'yes', values: ['no', 'yes', 'optional'] },
  { name: 'tls-protocols', type: 'string', default: '' },
  { name: 'tls-ciphers', type: 'string', default: '' },
  { name: 'tls-ciphersuites', type: 'string', default: '' },
  { name: 'tls-prefer-server-ciphers', type: 'bool', default: false },
  { name: 'tls-session-caching', type: 'bool', default: true },
  { name: 'tls-session-cache-size', type: 'int', default: 20480, min: 0, max: INT_MAX },
  { name: 'tls-session-cache-timeout', type: 'int', default: 300, min: 0, max: INT_MAX },
  { name: 'tls-replication', type: 'bool', default: false },
  { name: 'tls-cluster', type: 'bool', default: false },
];

const BY_NAME = new Map<string, ParamSpec>();
for (const p of PARAMS) {
  BY_NAME.set(p.name, p);
  for (const a of p.aliases ?? []) BY_NAME.set(a, p);
}

export function findParam(name: string): ParamSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Parse a textual value for `param`; throws Error with Redis's reason text. */
export function parseParamValue(param: ParamSpec, text: string): ConfigValue {
  switch (param.type) {
    case 'int': {
      if (!/^-?\d+$/.test(text.trim())) throw new Error("argument couldn't be parsed into an integer");
      const n = Number(text);
      if (n < param.min || n > param.max) {
        throw new Error(`argument must be between ${param.min} and ${param.max === LONG_MAX ? '9223372036854775807' : param.max} inclusive`);
      }
      return n;
    }
    case 'memory': {
      const n = parseMemory(text);
      if (n === undefined) throw new Error('argument must be a memory value');
      if (n < 0) throw new Error('argument must be a memory value');
      return n;
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (t === 'yes') return true;
      if (t === 'no') return false;
      throw new Error("argument must be 'yes' or 'no'");
    }
    case 'enum': {
      const t = text.toLowerCase();
      if (!param.values.includes(t)) throw new Error(`argument(s) must be one of the following: ${param.values.join(', ')}`);
      return t;
    }
    case 'string':
      return param.parse ? param.parse(text) : text;
  }
}

export function formatParamValue(param: ParamSpec, value: ConfigValue): string {
  if (param.type === 'bool') return value ? 'yes' : 'no';
  return String(value);
}

export type ConfigListener = (name: string, value: ConfigValue) => void;

export class Config {
  private values = new Map<string, ConfigValue>();
  private listeners: ConfigListener[] = [];

  constructor(initial: Record<string, string | number | boolean> = {}) {
    for (const p of PARAMS) this.values.set(p.name, p.default);
    for (const [name, raw] of Object.entries(initial)) {
      const param = findParam(name);
      if (!param) throw new Error(`Bad directive or wrong number of arguments: unknown option '${name}'`);
      const value = typeof raw === 'string' ? parseParamValue(param, raw) : this.coerce(param, raw);
      this.values.set(param.name, value);
    }
  }

  private coerce(param: ParamSpec, raw: number | boolean): ConfigValue {
    return parseParamValue(param, typeof raw === 'boolean' ? (raw ? 'yes' : 'no') : String(raw));
  }

  onChange(listener: ConfigListener): void {
    this.listeners.push(listener);
  }

  get(name: string): ConfigValue {
    // Handlers ask by canonical lower-case name on hot paths: answer without normalising.
    const direct = this.values.get(name);
    if (direct !== undefined) return direct;
    const param = findParam(name);
    if (!param) throw new Error(`unknown config parameter ${name}`);
    return this.values.get(param.name)!;
  }

  number(name: string): number {
    return this.get(name) as number;
  }

  string(name: string): string {
    return String(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === true;
  }

  /** Set from CONFIG SET (enforces immutability). Throws Error with the reason text. */
  set(name: string, text: string, atStart = false): void {
    const param = findParam(name);
    if (!param) throw new Error(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
    if (param.immutable && !atStart) throw new Error("can't set immutable config");
    const value = parseParamValue(param, text);
    this.values.set(param.name, value);
    for (const l of this.listeners) l(param.name, value);
  }

  /** name/value pairs whose canonical names (or aliases) match the glob. */
  matching(pattern: string): [string, string][] {
    const out: [string, string][] = [];
    const seen = new Set<string>();
    const lowered = pattern.toLowerCase();
    for (const p of PARAMS) {
      for (const name of [p.name, ...(p.aliases ?? [])]) {
        if (seen.has(name)) continue;
        if (globMatch(lowered, name, true)) {
          seen.add(name);
          out.push([name, formatParamValue(p, this.values.get(p.name)!)]);
        }
      }
    }
    return out;
  }
}

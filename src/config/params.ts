// Every parameter of Redis 7.0's CONFIG GET * (and its hidden ones), with Redis's types, ranges,
// defaults and flags. Each is either applied by Tidings, or accepted and `ignored` (with the reason,
// logged at start-up and on CONFIG SET), or its value is `refuse`d when Tidings cannot honour it.
import {
  normaliseKeyspaceEvents,
  parseClientOutputBufferLimit,
  parseMemoryOrPercent,
  parseOomScoreAdjValues,
  parsePercentiles,
  parseProcTitleTemplate,
  parseReplicaOf,
  parseSave,
  parseShutdownFlags,
} from './values.js';

export type ConfigValue = string | number | boolean;

interface ParamBase {
  name: string;
  aliases?: string[];
  /** Redis's IMMUTABLE_CONFIG: set at start only; CONFIG SET answers "can't set immutable config". */
  immutable?: boolean;
  /** Changing it means listening again (port, bind): CONFIG SET applies it asynchronously. */
  relisten?: boolean;
  /** Redis's PROTECTED_CONFIG: CONFIG SET needs enable-protected-configs. */
  protected?: boolean;
  /** Redis's DENY_LOADING_CONFIG: CONFIG SET answers -LOADING while the dataset loads. */
  denyLoading?: boolean;
  /** Left out of CONFIG GET patterns; listed only when asked for by exact name. */
  hidden?: boolean;
  /** Takes several words on a config line (save, bind, ...): they are joined with spaces. */
  multiArg?: boolean;
  /** Accepted and kept (CONFIG GET, REWRITE) but without effect in Tidings: why. */
  ignored?: string;
  /** A value Tidings cannot honour safely: the reason (start-up stops, CONFIG SET fails). */
  refuse?: (shown: string) => string | undefined;
}

export interface IntParam extends ParamBase {
  type: 'int';
  default: number;
  min: bigint;
  max: bigint;
  /** Written and read in octal (unixsocketperm). */
  octal?: boolean;
}
export interface MemoryParam extends ParamBase {
  type: 'memory';
  default: number;
  min: bigint;
  max: bigint;
}
export interface BoolParam extends ParamBase {
  type: 'bool';
  default: boolean;
}
export interface StringParam extends ParamBase {
  type: 'string';
  default: string;
  /** Normalise or reject (throw Error(reason)); `current` is the value before this setting. */
  parse?: (value: string, current: string) => string;
  /** How CONFIG REWRITE writes it: 'quoted' (Redis's default for strings) or 'words'. */
  rewrite?: 'quoted' | 'words' | 'memory-or-percent';
}
export interface EnumParam extends ParamBase {
  type: 'enum';
  default: string;
  values: string[];
}

export type ParamSpec = IntParam | MemoryParam | BoolParam | StringParam | EnumParam;

export const INT_MIN = -2147483648n;
export const INT_MAX = 2147483647n;
export const UINT_MAX = 4294967295n;
export const LONG_MAX = 9223372036854775807n;
export const ULLONG_MAX = 18446744073709551615n;

type Extra = Omit<ParamBase, 'name'>;
const int = (name: string, def: number, min: bigint, max: bigint, extra: Extra & { octal?: boolean } = {}): IntParam => ({ name, type: 'int', default: def, min, max, ...extra });
const mem = (name: string, def: number, min: bigint, max: bigint, extra: Extra = {}): MemoryParam => ({ name, type: 'memory', default: def, min, max, ...extra });
const bool = (name: string, def: boolean, extra: Extra = {}): BoolParam => ({ name, type: 'bool', default: def, ...extra });
const str = (name: string, def: string, extra: Extra & Pick<StringParam, 'parse' | 'rewrite'> = {}): StringParam => ({ name, type: 'string', default: def, ...extra });
const enm = (name: string, def: string, values: string[], extra: Extra = {}): EnumParam => ({ name, type: 'enum', default: def, values, ...extra });

const NO_CLUSTER = 'Tidings runs standalone: Redis Cluster is not implemented';
const NO_REPLICATION = 'Tidings replication does not use it';
const NO_TLS_LINKS = 'there is no cluster bus';
const ONE_THREAD = 'Tidings runs every command on one event-loop thread';
const NODE_MEMORY = "memory is managed by Node's allocator and garbage collector";

const refuseYes = (reason: string) => (shown: string) => (shown === 'yes' ? reason : undefined);

export const PARAMS: ParamSpec[] = [
  // ---- network and clients (applied)
  int('port', 6379, 0n, 65535n, { relisten: true }),
  str('bind', '127.0.0.1', { multiArg: true, rewrite: 'words', parse: (t) => t.trim().split(/\s+/).filter(Boolean).join(' '), relisten: true }),
  str('unixsocket', '', { immutable: true }),
  int('unixsocketperm', 0, 0n, 0o777n, { immutable: true, octal: true }),
  int('tcp-backlog', 511, 0n, INT_MAX, { immutable: true }),
  int('tcp-keepalive', 300, 0n, INT_MAX),
  bool('protected-mode', true),
  str('requirepass', ''),
  int('maxclients', 10000, 1n, UINT_MAX),
  int('timeout', 0, 0n, INT_MAX),
  int('databases', 16, 1n, INT_MAX, { immutable: true }),
  mem('proto-max-bulk-len', 512 * 1024 * 1024, 1024n * 1024n, LONG_MAX),
  mem('client-query-buffer-limit', 1024 * 1024 * 1024, 1024n * 1024n, LONG_MAX),
  str('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', {
    multiArg: true,
    parse: parseClientOutputBufferLimit,
    rewrite: 'words',
  }),
  str('notify-keyspace-events', '', { parse: normaliseKeyspaceEvents }),
  enm('enable-debug-command', 'no', ['no', 'yes', 'local'], { immutable: true }),
  enm('enable-protected-configs', 'no', ['no', 'yes', 'local'], { immutable: true }),

  // ---- process: start-up and logging (applied by the CLI)
  bool('daemonize', false, { immutable: true }),
  str('pidfile', '', { immutable: true }),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  str('logfile', '', { immutable: true }),

  // ---- memory and eviction (applied)
  mem('maxmemory', 0, 0n, ULLONG_MAX),
  enm('maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']),
  int('maxmemory-samples', 5, 1n, INT_MAX),
  int('hz', 10, 0n, INT_MAX),

  // ---- encodings (applied where OBJECT ENCODING depends on them)
  int('hash-max-listpack-entries', 512, 0n, LONG_MAX, { aliases: ['hash-max-ziplist-entries'] }),
  mem('hash-max-listpack-value', 64, 0n, LONG_MAX, { aliases: ['hash-max-ziplist-value'] }),
  int('set-max-intset-entries', 512, 0n, LONG_MAX),
  int('zset-max-listpack-entries', 128, 0n, LONG_MAX, { aliases: ['zset-max-ziplist-entries'] }),
  mem('zset-max-listpack-value', 64, 0n, LONG_MAX, { aliases: ['zset-max-ziplist-value'] }),
  mem('stream-node-max-bytes', 4096, 0n, LONG_MAX),
  int('stream-node-max-entries', 100, 0n, LONG_MAX),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, {
    aliases: ['list-max-ziplist-size'],
    ignored: 'lists are one deque (OBJECT ENCODING says quicklist, as Redis 7.0 always does)',
  }),
  int('list-compress-depth', 0, 0n, INT_MAX, { ignored: 'list nodes are not compressed' }),
  mem('hll-sparse-max-bytes', 3000, 0n, LONG_MAX),

  // ---- scripts, slow log, latency (applied unless noted)
  int('busy-reply-threshold', 5000, 0n, LONG_MAX, { aliases: ['lua-time-limit'] }),
  int('slowlog-log-slower-than', 10000, -1n, LONG_MAX),
  int('slowlog-max-len', 128, 0n, LONG_MAX),
  int('latency-monitor-threshold', 0, 0n, LONG_MAX),

  // ---- persistence (src/persistence/). `save` is Redis's default only for the command line
  // (cli.ts); embedded servers and tests start with no save points unless given.
  bool('appendonly', false, { denyLoading: true }),
  enm('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  str('appenddirname', 'appendonlydir', { immutable: true }),
  str('appendfilename', 'appendonly.aof', { immutable: true }),
  bool('aof-use-rdb-preamble', true),
  bool('aof-load-truncated', true),
  bool('aof-timestamp-enabled', false),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  int('auto-aof-rewrite-percentage', 100, 0n, INT_MAX),
  mem('auto-aof-rewrite-min-size', 64 * 1024 * 1024, 0n, LONG_MAX),
  str('save', '', { multiArg: true, parse: parseSave, rewrite: 'words' }),
  str('dir', './', { protected: true, denyLoading: true }),
  str('dbfilename', 'dump.rdb', { protected: true }),
  bool('rdbcompression', true),
  bool('rdbchecksum', true, { immutable: true }),
  bool('rdb-save-incremental-fsync', true),
  bool('rdb-del-sync-files', false),
  bool('stop-writes-on-bgsave-error', true),
  int('rdb-key-save-delay', 0, INT_MIN, INT_MAX, { hidden: true }),
  int('key-load-delay', 0, INT_MIN, INT_MAX, { hidden: true }),
  int('loading-process-events-interval-bytes', 2 * 1024 * 1024, 1024n, INT_MAX, { hidden: true }),
  bool('lazyfree-lazy-user-flush', false),
  bool('replica-read-only', true, { aliases: ['slave-read-only'] }),

  // ---- accepted, without effect in Tidings
  bool('aof-disable-auto-gc', false),
  bool('activerehashing', true, { ignored: 'no incremental rehashing: JavaScript maps resize themselves' }),
  int('active-expire-effort', 1, 1n, 10n, { ignored: 'active expiry runs with a fixed effort' }),
  bool('dynamic-hz', true, { ignored: 'the cron runs at the configured hz' }),
  int('lfu-log-factor', 10, 0n, INT_MAX),
  int('lfu-decay-time', 1, 0n, INT_MAX),
  int('maxmemory-eviction-tenacity', 10, 0n, 100n, { ignored: 'eviction always frees what the write needs' }),
  str('maxmemory-clients', '0', { parse: parseMemoryOrPercent, rewrite: 'memory-or-percent' }),
  int('tracking-table-max-keys', 1000000, 0n, LONG_MAX),
  bool('latency-tracking', true),
  str('latency-tracking-info-percentiles', '50 99 99.9', { multiArg: true, parse: parsePercentiles, rewrite: 'words' }),
  enm('sanitize-dump-payload', 'no', ['no', 'yes', 'clients'], { ignored: 'DUMP payloads are always checked in full' }),
  enm('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas'], { ignored: NO_REPLICATION }),
  str('ignore-warnings', '', { ignored: 'Tidings prints no kernel-bug warnings' }),
  int('shutdown-timeout', 10, 0n, INT_MAX),
  str('shutdown-on-sigint', 'default', { multiArg: true, parse: parseShutdownFlags, rewrite: 'words', ignored: 'a signal shuts down like SHUTDOWN with no arguments' }),
  str('shutdown-on-sigterm', 'default', { multiArg: true, parse: parseShutdownFlags, rewrite: 'words', ignored: 'a signal shuts down like SHUTDOWN with no arguments' }),
  bool('always-show-logo', false, { immutable: true, ignored: 'Tidings prints no ASCII logo' }),
  bool('set-proc-title', true, { immutable: true }),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', { parse: parseProcTitleTemplate }),
  bool('syslog-enabled', false, { immutable: true, ignored: 'logs go to the logfile or stdout only' }),
  str('syslog-ident', 'redis', { immutable: true, ignored: 'logs go to the logfile or stdout only' }),
  enm('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], {
    immutable: true,
    ignored: 'logs go to the logfile or stdout only',
  }),
  enm('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], { immutable: true, ignored: 'Tidings does not notify upstart or systemd (use Type=simple units)' }),
  bool('crash-log-enabled', true, { ignored: 'Node prints its own crash reports' }),
  bool('crash-memcheck-enabled', true, { ignored: 'Node prints its own crash reports' }),
  bool('use-exit-on-panic', false, { hidden: true, ignored: 'Node prints its own crash reports' }),
  int('watchdog-period', 0, 0n, INT_MAX, { hidden: true, ignored: 'no software watchdog' }),
  bool('disable-thp', true, { immutable: true, ignored: 'transparent huge pages are left as the system sets them' }),
  enm('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute']),
  str('oom-score-adj-values', '0 200 800', { multiArg: true, parse: parseOomScoreAdjValues, rewrite: 'words' }),
  str('server_cpulist', '', { immutable: true, ignored: 'no CPU affinity' }),
  str('bio_cpulist', '', { immutable: true, ignored: 'no CPU affinity' }),
  str('aof_rewrite_cpulist', '', { immutable: true, ignored: 'no CPU affinity' }),
  str('bgsave_cpulist', '', { immutable: true, ignored: 'no CPU affinity' }),
  int('socket-mark-id', 0, 0n, UINT_MAX, { immutable: true, ignored: 'sockets are not marked' }),
  enm('enable-module-command', 'no', ['no', 'yes', 'local'], { immutable: true, ignored: 'Tidings cannot load Redis modules' }),
  int('io-threads', 1, 1n, 128n, { immutable: true, ignored: ONE_THREAD }),
  bool('io-threads-do-reads', false, { immutable: true, ignored: ONE_THREAD }),
  bool('activedefrag', false, { ignored: NODE_MEMORY }),
  mem('active-defrag-ignore-bytes', 100 * 1024 * 1024, 1n, LONG_MAX, { ignored: NODE_MEMORY }),
  int('active-defrag-threshold-lower', 10, 0n, 1000n, { ignored: NODE_MEMORY }),
  int('active-defrag-threshold-upper', 100, 0n, 1000n, { ignored: NODE_MEMORY }),
  int('active-defrag-cycle-min', 1, 1n, 99n, { ignored: NODE_MEMORY }),
  int('active-defrag-cycle-max', 25, 1n, 99n, { ignored: NODE_MEMORY }),
  int('active-defrag-max-scan-fields', 1000, 1n, LONG_MAX, { ignored: NODE_MEMORY }),
  bool('jemalloc-bg-thread', true, { ignored: NODE_MEMORY }),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),

  // ---- ACL (see security/ when it lands)
  str('aclfile', '', { immutable: true }),
  int('acllog-max-len', 128, 0n, LONG_MAX),
  enm('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),

  // ---- replication (server/replica.ts); the tuning knobs are accepted without effect
  str('replicaof', '', {
    aliases: ['slaveof'],
    immutable: true,
    multiArg: true,
    parse: parseReplicaOf,
    rewrite: 'words',
  }),
  str('masterauth', ''),
  str('masteruser', ''),
  bool('replica-serve-stale-data', true, { aliases: ['slave-serve-stale-data'] }),
  bool('replica-lazy-flush', false, { aliases: ['slave-lazy-flush'], ignored: NO_REPLICATION }),
  bool('replica-ignore-maxmemory', true, { aliases: ['slave-ignore-maxmemory'], ignored: NO_REPLICATION }),
  bool('replica-ignore-disk-write-errors', false, { ignored: NO_REPLICATION }),
  bool('replica-announced', true, { ignored: NO_REPLICATION }),
  int('replica-priority', 100, 0n, INT_MAX, { aliases: ['slave-priority'], ignored: NO_REPLICATION }),
  str('replica-announce-ip', '', { aliases: ['slave-announce-ip'], ignored: NO_REPLICATION }),
  int('replica-announce-port', 0, 0n, 65535n, { aliases: ['slave-announce-port'], ignored: NO_REPLICATION }),
  int('min-replicas-to-write', 0, 0n, INT_MAX, { aliases: ['min-slaves-to-write'] }),
  int('min-replicas-max-lag', 10, 0n, INT_MAX, { aliases: ['min-slaves-max-lag'] }),
  mem('repl-backlog-size', 1024 * 1024, 1n, LONG_MAX),
  int('repl-backlog-ttl', 3600, 0n, LONG_MAX, { ignored: NO_REPLICATION }),
  int('repl-timeout', 60, 1n, INT_MAX),
  int('repl-ping-replica-period', 10, 1n, INT_MAX, { aliases: ['repl-ping-slave-period'] }),
  bool('repl-disable-tcp-nodelay', false, { ignored: NO_REPLICATION }),
  bool('repl-diskless-sync', true, { ignored: NO_REPLICATION }),
  int('repl-diskless-sync-delay', 5, 0n, INT_MAX, { ignored: NO_REPLICATION }),
  int('repl-diskless-sync-max-replicas', 0, 0n, INT_MAX, { ignored: NO_REPLICATION }),
  enm('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], { ignored: NO_REPLICATION }),
  str('bind-source-addr', ''),

  // ---- cluster: accepted, never enabled
  bool('cluster-enabled', false, { immutable: true, ignored: NO_CLUSTER, refuse: refuseYes(NO_CLUSTER + ' (cluster-enabled yes)') }),
  str('cluster-config-file', 'nodes.conf', { immutable: true, ignored: NO_CLUSTER }),
  int('cluster-port', 0, 0n, 65535n, { immutable: true, ignored: NO_CLUSTER }),
  int('cluster-node-timeout', 15000, 0n, LONG_MAX, { ignored: NO_CLUSTER }),
  int('cluster-replica-validity-factor', 10, 0n, INT_MAX, { aliases: ['cluster-slave-validity-factor'], ignored: NO_CLUSTER }),
  int('cluster-migration-barrier', 1, 0n, INT_MAX, { ignored: NO_CLUSTER }),
  bool('cluster-allow-replica-migration', true, { ignored: NO_CLUSTER }),
  bool('cluster-require-full-coverage', true, { ignored: NO_CLUSTER }),
  bool('cluster-replica-no-failover', false, { aliases: ['cluster-slave-no-failover'], ignored: NO_CLUSTER }),
  bool('cluster-allow-reads-when-down', false, { ignored: NO_CLUSTER }),
  bool('cluster-allow-pubsubshard-when-down', true, { ignored: NO_CLUSTER }),
  str('cluster-announce-ip', '', { ignored: NO_CLUSTER }),
  str('cluster-announce-hostname', '', { ignored: NO_CLUSTER }),
  int('cluster-announce-port', 0, 0n, 65535n, { ignored: NO_CLUSTER }),
  int('cluster-announce-bus-port', 0, 0n, 65535n, { ignored: NO_CLUSTER }),
  int('cluster-announce-tls-port', 0, 0n, 65535n, { ignored: NO_CLUSTER }),
  enm('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], { ignored: NO_CLUSTER }),
  mem('cluster-link-sendbuf-limit', 0, 0n, ULLONG_MAX, { ignored: NO_CLUSTER }),

  // ---- TLS (src/net/tls.ts applies them; a change rebuilds the secure context for new connections)
  int('tls-port', 0, 0n, 65535n, { relisten: true }),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', ''),
  str('tls-dh-params-file', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  enm('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  int('tls-session-cache-size', 20480, 0n, INT_MAX),
  int('tls-session-cache-timeout', 300, 0n, INT_MAX),
  str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''),
  str('tls-client-key-file-pass', ''),
  bool('tls-replication', false),
  bool('tls-cluster', false, { ignored: NO_TLS_LINKS }),

  // ---- observability: the HTTP listener for /metrics and the dashboard (src/observe/http.ts); 0 = off.
  // Hidden from CONFIG GET * (as Redis's own hidden parameters): clients that set back every
  // parameter CONFIG GET * lists, as Redis's test suite does, know nothing of these immutable ones.
  int('metrics-port', 0, 0n, 65535n, { immutable: true, hidden: true }),
  str('metrics-bind', '127.0.0.1', { immutable: true, hidden: true }),
  bool('dashboard', false, { immutable: true, hidden: true }),
  // ---- Tidings' log format: Redis's lines (default) or one JSON object a line, for log shippers
  enm('log-format', 'redis', ['redis', 'json']),
];

const BY_NAME = new Map<string, ParamSpec>();
for (const p of PARAMS) {
  if (BY_NAME.has(p.name)) throw new Error(`duplicate config parameter ${p.name}`);
  BY_NAME.set(p.name, p);
  for (const a of p.aliases ?? []) BY_NAME.set(a, p);
}

/** Look a parameter up by name or alias (case-insensitive). */
export function findParam(name: string): ParamSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

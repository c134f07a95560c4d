// Server commands: INFO, CONFIG, COMMAND, DBSIZE, FLUSHDB, FLUSHALL, TIME, SWAPDB, DEBUG, SLOWLOG,
// LATENCY, MONITOR, LASTSAVE, ROLE, WAIT, SHUTDOWN.
import os from 'node:os';
import { Errors, StreamErrors } from '../protocol/errors.js';
import { parseInteger, tryParseInteger } from '../protocol/numbers.js';
import { BigNumber, BLOCKED, BoolReply, Double, MapReply, NO_REPLY, OK, RawReply, ReplyError, SetReply, Status, Verbatim, type HandlerResult, type Reply } from '../protocol/reply.js';
import { REDIS_VERSION, TIDINGS_VERSION } from '../config/version.js';
import { globMatch } from '../pubsub/glob.js';
import { findSubcommand } from './lookup.js';
import { clientMemory, usedMemory, usedMemoryPeak } from '../store/eviction.js';
import { idleMsOf } from '../store/database.js';
import { scriptingOf, scriptingStats } from './scripting.js';
import { LoadError, PersistenceErrors } from '../persistence/rdbfile.js';
import { LoadAborted } from '../persistence/loading.js';
import { datasetDigest, keyDigest } from '../persistence/digest.js';
import type { CommandContext, CommandHost, CommandSession, CommandSpec } from './types.js';
import { INVALID_GETKEYS_ARGS, NUMKEYS_AT, keysOf } from './key-positions.js';
import { ConfigDeniedWhileLoading, ConfigSetError, type PendingSet } from '../config/config.js';
import { rewriteConfigFile } from '../config/file.js';
import { aclOf } from '../security/acl.js';
import { REPLY_BUFFER_PEAK_RESET_MS } from '../protocol/writer.js';
import { REDIS_COMMAND_INFO, redisCommandDocs, type Tagged } from './redis-command-docs.js';
import { encodingOf } from './keys.js';
import { replicationInfo, roleReply, waitForReplicas } from './replication.js';

const lower = (b: Buffer) => b.toString('latin1').toLowerCase();

const noKeys = { firstKey: 0, lastKey: 0, step: 0 } as const;

// ------------------------------------------------------------------ INFO

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'errorstats',
  'cluster',
  'keyspace',
];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 8), 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

function infoSection(server: CommandHost, name: string): string | undefined {
  const now = Date.now();
  const uptime = Math.floor((now - server.startedAt) / 1000);
  const lines = (title: string, fields: [string, string | number][]) =>
    `# ${title}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`;
  switch (name) {
    case 'server':
      return lines('Server', [
        ['redis_version', REDIS_VERSION],
        ['tidings_version', TIDINGS_VERSION],
        ['redis_git_sha1', '00000000'],
        ['redis_git_dirty', 0],
        ['redis_build_id', '0'],
        ['redis_mode', 'standalone'],
        ['os', `${os.type()} ${os.release()} ${os.arch()}`],
        ['arch_bits', 64],
        ['monotonic_clock', 'POSIX clock_gettime'],
        ['multiplexing_api', 'node'],
        ['gcc_version', '0.0.0'],
        ['node_version', process.version.slice(1)],
        ['process_id', process.pid],
        ['process_supervised', 'no'],
        ['run_id', server.runId],
        ['tcp_port', server.port],
        ['server_time_usec', now * 1000],
        ['uptime_in_seconds', uptime],
        ['uptime_in_days', Math.floor(uptime / 86400)],
        ['hz', server.config.number('hz')],
        ['configured_hz', server.config.number('hz')],
        ['lru_clock', Math.floor(now / 1000) % 16777216],
        ['executable', process.argv[1] ?? ''],
        ['config_file', ''],
        ['io_threads_active', 0],
        ...shutdownField(server),
      ]);
    case 'clients': {
      let pubsub = 0;
      for (const c of server.clients.values()) if (c.subscriptionCount > 0) pubsub++;
      return lines('Clients', [
        // Replicas are not counted as clients, as in Redis.
        ['connected_clients', server.clients.size - server.replicaFeeds.connected().length],
        ['cluster_connections', 0],
        ['maxclients', server.config.number('maxclients')],
        ['client_recent_max_input_buffer', 0],
        ['client_recent_max_output_buffer', 0],
        ['blocked_clients', server.blocking.count + server.pause.count + server.heldForDebuggerCount],
        ['tracking_clients', server.tracking.clients],
        ['pubsub_clients', pubsub],
        ['clients_in_timeout_table', server.blocking.count],
      ]);
    }
    case 'memory': {
      const m = process.memoryUsage();
      const lua = scriptingStats(server);
      const used = usedMemory(server);
      const clients = clientMemory(server);
      const backlogSize = server.config.number('repl-backlog-size');
      return lines('Memory', [
        ['used_memory', used],
        ['used_memory_human', human(used)],
        ['used_memory_rss', m.rss],
        ['used_memory_rss_human', human(m.rss)],
        ['used_memory_peak', usedMemoryPeak(server)],
        ['used_memory_peak_human', human(usedMemoryPeak(server))],
        // One Lua VM runs scripts and functions: its heap is the eval VM's, as Redis reports it.
        ['used_memory_lua', lua.luaHeapBytes],
        ['used_memory_vm_eval', lua.luaHeapBytes],
        ['used_memory_lua_human', human(lua.luaHeapBytes)],
        ['used_memory_scripts_eval', lua.cachedScriptBytes],
        ['number_of_cached_scripts', lua.cachedScripts],
        ['number_of_functions', lua.functions],
        ['number_of_libraries', lua.libraries],
        ['used_memory_vm_functions', 0],
        ['used_memory_vm_total', lua.luaHeapBytes],
        ['used_memory_vm_total_human', human(lua.luaHeapBytes)],
        ['used_memory_functions', lua.libraryCodeBytes],
        ['used_memory_scripts', lua.cachedScriptBytes + lua.libraryCodeBytes],
        ['used_memory_scripts_human', human(lua.cachedScriptBytes + lua.libraryCodeBytes)],
        ['total_system_memory', os.totalmem()],
        ['total_system_memory_human', human(os.totalmem())],
        ['maxmemory', server.config.number('maxmemory')],
        ['maxmemory_human', human(server.config.number('maxmemory'))],
        ['maxmemory_policy', server.config.string('maxmemory-policy')],
        // Resident pages over what the allocators (V8 heap, external buffers) hand out.
        ['mem_fragmentation_ratio', (m.rss / Math.max(1, m.heapUsed + m.external)).toFixed(2)],
        ['mem_not_counted_for_evict', clients.notCountedForEvict],
        // The replication buffer up to repl-backlog-size is the backlog's; the rest is held for replicas.
        ['mem_replication_backlog', Math.min(clients.replicationBuffer, backlogSize)],
        ['mem_total_replication_buffers', clients.replicationBuffer],
        ['mem_clients_slaves', clients.replicas],
        ['mem_clients_normal', clients.normal],
        ['mem_cluster_links', 0],
        ['mem_allocator', 'v8'],
        // Tidings frees at once: nothing is ever pending (store/lazyfree.ts).
        ['lazyfree_pending_objects', 0],
        ['lazyfreed_objects', server.stats.lazyfreedObjects],
        ['node_heap_used', m.heapUsed],
        ['node_heap_total', m.heapTotal],
        ['node_external', m.external],
      ]);
    }
    case 'persistence':
      return lines('Persistence', [...server.rdb.infoFields(), ...(server.aofInfo?.() ?? AOF_INFO_DEFAULTS), ...server.rdb.loadingInfoFields()]);
    case 'stats': {
      const s = server.stats;
      return lines('Stats', [
        ['total_connections_received', s.totalConnections],
        ['total_commands_processed', s.totalCommands],
        ['instantaneous_ops_per_sec', 0],
        ['total_net_input_bytes', s.netInputBytes],
        ['total_net_output_bytes', s.netOutputBytes],
        ['rejected_connections', s.rejectedConnections],
        ['expired_keys', s.expiredKeys],
        ['evicted_keys', s.evictedKeys],
        ['evicted_clients', server.stats.evictedClients],
        ['keyspace_hits', s.keyspaceHits],
        ['keyspace_misses', s.keyspaceMisses],
        ['tracking_total_keys', server.tracking.totalKeys],
        ['tracking_total_items', server.tracking.totalItems],
        ['tracking_total_prefixes', server.tracking.totalPrefixes],
        ['pubsub_channels', server.hub.channelCount],
        ['pubsub_patterns', server.hub.patternCount],
        ['pubsubshard_channels', server.hub.shardChannelCount],
        ['latest_fork_usec', s.latestForkUsec],
        ['total_forks', s.forks],
        ['total_error_replies', s.totalErrorReplies],
        ['client_query_buffer_limit_disconnections', s.queryBufferLimitDisconnections],
        ['client_output_buffer_limit_disconnections', s.outputLimitDisconnections],
        ['blocked_keys', server.blocking.keyCount],
        ['migrate_cached_sockets', server.outbound.size],
      ]);
    }
    case 'replication':
      return lines('Replication', replicationInfo(server));
    case 'cpu': {
      const u = process.cpuUsage();
      return lines('CPU', [
        ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
        ['used_cpu_user', (u.user / 1e6).toFixed(6)],
      ]);
    }
    case 'modules':
      return '# Modules\r\n';
    case 'cluster':
      return lines('Cluster', [['cluster_enabled', 0]]);
    case 'keyspace': {
      const fields: [string, string][] = [];
      for (const db of server.dbs) {
        if (db.size === 0) continue;
        fields.push([`db${db.index}`, `keys=${db.size},expires=${db.expiresCount},avg_ttl=0`]);
      }
      return lines('Keyspace', fields);
    }
    case 'commandstats': {
      const fields: [string, string][] = [];
      for (const [name, st] of server.stats.commands) {
        const per = st.calls === 0 ? 0 : st.usec / st.calls;
        fields.push([
          `cmdstat_${name}`,
          `calls=${st.calls},usec=${st.usec},usec_per_call=${per.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
        ]);
      }
      return lines('Commandstats', fields);
    }
    case 'errorstats': {
      const fields: [string, string][] = [];
      for (const [code, count] of server.stats.errors) fields.push([`errorstat_${code}`, `count=${count}`]);
      return lines('Errorstats', fields);
    }
    case 'latencystats':
      return lines('Latencystats', server.latency.infoFields());
    default:
      return undefined;
  }
}

/** INFO persistence's aof_* fields while the append-only file reports none (server.aofInfo). */
const AOF_INFO_DEFAULTS: [string, string | number][] = [
  ['aof_enabled', 0],
  ['aof_rewrite_in_progress', 0],
  ['aof_rewrite_scheduled', 0],
  ['aof_last_rewrite_time_sec', -1],
  ['aof_current_rewrite_time_sec', -1],
  ['aof_last_bgrewrite_status', 'ok'],
  ['aof_rewrites', 0],
  ['aof_rewrites_consecutive_failures', 0],
  ['aof_last_write_status', 'ok'],
  ['aof_last_cow_size', 0],
  ['module_fork_in_progress', 0],
  ['module_fork_last_cow_size', 0],
];

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(2)}K`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(2)}M`;
  return `${(bytes / 1024 ** 3).toFixed(2)}G`;
}

export function infoText(server: CommandHost, requested: string[]): string {
  let sections: string[];
  if (requested.length === 0 || requested.includes('default')) sections = DEFAULT_SECTIONS;
  else if (requested.includes('all') || requested.includes('everything')) sections = ALL_SECTIONS;
  else sections = requested;
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const name of sections) {
    if (seen.has(name)) continue;
    seen.add(name);
    const text = infoSection(server, name);
    if (text !== undefined) parts.push(text);
  }
  return parts.join('\r\n');
}

// ------------------------------------------------------------------ CONFIG

function configSub(name: string, arity: number, handler: CommandSpec['handler'], flags: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale']): CommandSpec {
  return { name: `config|${name}`, arity, flags, ...noKeys, categories: ['@admin', '@slow', '@dangerous'], handler };
}

/** A loopback or unix-socket client (enable-protected-configs local). */
function isLocalClient(client: CommandSession): boolean {
  return client.addr.startsWith('127.') || client.addr.startsWith('::1') || client.kind !== 'tcp';
}

const configSubcommands: CommandSpec[] = [
  configSub('get', -3, (ctx, argv) => {
    const out: Reply[] = [];
    const seen = new Set<string>();
    for (let i = 2; i < argv.length; i++) {
      for (const [name, value] of ctx.server.config.matching(argv[i]!.toString('latin1'))) {
        if (seen.has(name)) continue;
        seen.add(name);
        out.push(name, value);
      }
    }
    return new MapReply(out);
  }),
  configSub('set', -4, (ctx, argv) => {
    if (argv.length % 2 !== 0) return new ReplyError('ERR syntax error');
    const pairs: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i]!.toString('latin1'), argv[i + 1]!.toString('latin1')]);
    let pending: PendingSet;
    try {
      pending = ctx.server.config.prepareSet(pairs, { local: isLocalClient(ctx.client), loading: ctx.server.rdb.loading });
    } catch (err) {
      if (err instanceof ConfigDeniedWhileLoading) return PersistenceErrors.loading();
      if (err instanceof ConfigSetError) return new ReplyError(`ERR ${err.message}`);
      throw err;
    }
    const relisten = pending.relisten;
    if (!relisten) {
      try {
        pending.commit();
      } catch (err) {
        // An apply error: the config rolled every parameter of this CONFIG SET back.
        if (err instanceof ConfigSetError) return new ReplyError(`ERR ${err.message}`);
        throw err;
      }
      return OK;
    }
    // A new port or bind: listen there first (asynchronous in Node), with this client waiting;
    // nothing changes if that fails, as in Redis.
    const failed = (reason: string) => new ReplyError(`ERR CONFIG SET failed (possibly related to argument '${relisten.argument}') - ${reason}`);
    const waiting = ctx.block({ keys: [], timeoutMs: 0, timeoutReply: failed('the listening addresses cannot change inside MULTI or a script'), retry: () => undefined });
    if (waiting !== BLOCKED) return waiting;
    const { server, client } = ctx;
    server.relisten(relisten.bind, relisten.port, relisten.tlsPort).then(
      () => {
        try {
          pending.commit();
        } catch (err) {
          server.blocking.unblock(client, err instanceof ConfigSetError ? new ReplyError(`ERR ${err.message}`) : new ReplyError(`ERR ${(err as Error).message}`));
          return;
        }
        server.blocking.unblock(client, OK);
      },
      (err: Error) => {
        server.log('warning', `Failed applying new configuration (${relisten.argument}): ${err.message}. Restoring previous settings.`);
        server.blocking.unblock(client, failed(relisten.argument === 'port' || relisten.argument === 'tls-port' ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.'));
      },
    );
    return BLOCKED;
  }),
  configSub('resetstat', 2, (ctx) => {
    ctx.server.stats.reset();
    ctx.server.slowlog.reset();
    ctx.server.latency.resetHistograms();
    ctx.server.hub.stats.reset();
    return OK;
  }),
  configSub('rewrite', 2, (ctx) => {
    try {
      rewriteConfigFile(ctx.server.config, false, aclOf(ctx.server).configLines());
    } catch (err) {
      ctx.server.log('warning', `CONFIG REWRITE failed: ${(err as Error).message}`);
      return new ReplyError(`ERR ${(err as Error).message}`);
    }
    ctx.server.log('warning', 'CONFIG REWRITE executed with success.');
    return OK;
  }),
  helpSpec(configSub(
    'help',
    2,
    () =>
      [
        'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'GET <pattern>',
        '    Return parameters matching the glob-like <pattern> and their values.',
        'SET <directive> <value>',
        '    Set the configuration <directive> to <value>.',
        'RESETSTAT',
        '    Reset statistics reported by the INFO command.',
        'REWRITE',
        '    Rewrite the configuration file.',
        'HELP',
        '    Prints this help.',
      ].map((l) => new Status(l)),
    ['loading', 'stale'],
  )),
];

// ------------------------------------------------------------------ COMMAND

/** Tidings-internal flags that Redis's COMMAND INFO does not show. */
const HIDDEN_FLAGS = new Set(['may_replicate']);

function flagReplies(spec: CommandSpec): Reply {
  return new SetReply(spec.flags.filter((f) => !HIDDEN_FLAGS.has(f)).map((f) => new Status(f)));
}

function toReply(v: Tagged): Reply {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toReply);
  if ('+' in v) return new Status(v['+']);
  if ('%' in v) return new MapReply(v['%'].map(toReply));
  return new SetReply(v['~'].map(toReply));
}

let generatedInfo: Map<string, Tagged[]> | undefined;
let generatedDocs: Map<string, Tagged[]> | undefined;

/** redis-server's COMMAND entries by full name (container|sub too). */
function redisInfo(name: string): Tagged[] | undefined {
  if (generatedInfo === undefined) {
    const map = new Map<string, Tagged[]>();
    const walk = (entry: Tagged[]) => {
      map.set(entry[0] as string, entry);
      if (Array.isArray(entry[9])) for (const sub of entry[9]) walk(sub as Tagged[]);
    };
    for (const entry of Object.values(REDIS_COMMAND_INFO)) walk(entry);
    generatedInfo = map;
  }
  return generatedInfo.get(name);
}

/** redis-server's COMMAND DOCS fields by full name, without its subcommands. */
function redisDocs(name: string): Tagged[] | undefined {
  if (generatedDocs === undefined) {
    const map = new Map<string, Tagged[]>();
    const walk = (docName: string, doc: { '%': Tagged[] }) => {
      const fields = doc['%'];
      const own: Tagged[] = [];
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i] === 'subcommands') {
          const subs = (fields[i + 1] as { '%': Tagged[] })['%'];
          for (let j = 0; j < subs.length; j += 2) walk(subs[j] as string, subs[j + 1] as { '%': Tagged[] });
        } else own.push(fields[i]!, fields[i + 1]!);
      }
      map.set(docName, own);
    };
    for (const [docName, doc] of Object.entries(redisCommandDocs())) walk(docName, doc);
    generatedDocs = map;
  }
  return generatedDocs.get(name);
}

/** A container's subcommands in redis-server's order (its COMMAND lists them so); Tidings' own last. */
function orderedSubcommands(spec: CommandSpec): readonly CommandSpec[] {
  const subs = spec.subcommands ?? [];
  const redis = redisInfo(spec.name)?.[9];
  if (!Array.isArray(redis)) return subs;
  const rank = new Map<string, number>();
  redis.forEach((e, i) => rank.set((e as Tagged[])[0] as string, i));
  return [...subs].sort((a, b) => (rank.get(a.name) ?? Infinity) - (rank.get(b.name) ?? Infinity));
}

/** COMMAND INFO's entry: redis-server's own where Redis has the command, else built from the spec. */
function commandInfo(spec: CommandSpec): Reply {
  const redis = redisInfo(spec.name);
  if (redis !== undefined) {
    const entry = redis.slice(0, 9).map(toReply);
    entry.push(spec.subcommands !== undefined ? orderedSubcommands(spec).map(commandInfo) : toReply(redis[9] ?? []));
    return entry;
  }
  return [
    spec.name,
    spec.arity,
    flagReplies(spec),
    spec.firstKey,
    spec.lastKey,
    spec.step,
    new SetReply(spec.categories.map((c) => new Status(c))),
    new SetReply([]),
    new SetReply([]),
    spec.subcommands !== undefined ? spec.subcommands.map(commandInfo) : new SetReply([]),
  ];
}

function commandDocs(spec: CommandSpec): Reply {
  const redis = redisDocs(spec.name);
  let fields: Reply[];
  if (redis !== undefined) fields = redis.map(toReply);
  else {
    const group = spec.categories.find((c) => !['@read', '@write', '@fast', '@slow', '@admin', '@dangerous', '@keyspace', '@blocking'].includes(c));
    fields = ['summary', `The ${spec.name.toUpperCase()} command`, 'since', '1.0.0', 'group', (group ?? '@generic').slice(1)];
  }
  if (spec.subcommands?.length) {
    const subs: Reply[] = [];
    for (const s of orderedSubcommands(spec)) subs.push(s.name, commandDocs(s));
    fields.push('subcommands', new MapReply(subs));
  }
  return new MapReply(fields);
}

/** A command named as COMMAND INFO/DOCS take it: `name` or `container|sub`, any case. */
function specByFullName(server: CommandHost, sent: Buffer): CommandSpec | undefined {
  const parts = sent.toString('latin1').toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const spec = server.table.get(parts[0]!);
  if (spec === undefined || parts.length === 1) return spec;
  return findSubcommand(spec, parts[1]!);
}

/** Every command and subcommand, containers first. */
function allSpecs(server: CommandHost): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of server.table.all()) {
    out.push(spec);
    if (spec.subcommands !== undefined) out.push(...spec.subcommands);
  }
  return out;
}

/** Resolve COMMAND GETKEYS/GETKEYSANDFLAGS's command and its keys (argv from the command name on). */
function getKeys(server: CommandHost, argv: Buffer[]): { spec: CommandSpec; sub: Buffer[]; keys: Buffer[] } {
  let spec = server.table.get(argv[2]!.toString('latin1').toLowerCase());
  if (!spec) throw new ReplyError('ERR Invalid command specified');
  if (spec.subcommands !== undefined && argv.length > 3) {
    spec = findSubcommand(spec, argv[3]!.toString('latin1'));
    if (!spec) throw new ReplyError('ERR Invalid command specified');
  }
  // As Redis: a command without keys is reported before a wrong argument count.
  const hasKeys = spec.firstKey !== 0 || NUMKEYS_AT[spec.name] !== undefined || spec.name === 'xread' || spec.name === 'xreadgroup';
  if (!hasKeys) throw new ReplyError('ERR The command has no key arguments');
  const sub = argv.slice(2);
  if ((spec.arity > 0 && sub.length !== spec.arity) || sub.length < -spec.arity) {
    throw new ReplyError('ERR Invalid number of arguments specified for command');
  }
  const keys = keysOf(spec, sub);
  if (keys.length === 0 && !spec.flags.includes('no_mandatory_keys')) throw INVALID_GETKEYS_ARGS();
  return { spec, sub, keys };
}

type KeySpec = { flags: string[]; begin: Tagged[]; find: Tagged[] };

function tagged(map: Tagged, field: string): Tagged | undefined {
  const entries = (map as { '%': Tagged[] })['%'];
  if (entries === undefined) return undefined;
  for (let i = 0; i < entries.length; i += 2) if (entries[i] === field) return entries[i + 1];
  return undefined;
}

function keySpecsOf(name: string): KeySpec[] {
  const redis = redisInfo(name);
  if (redis === undefined) return [];
  const specs = redis[8];
  const list = Array.isArray(specs) ? specs : ((specs as { '~': Tagged[] } | null)?.['~'] ?? []);
  return list.map((ks) => {
    const flags = (tagged(ks, 'flags') as { '~': Tagged[] } | Tagged[] | undefined) ?? [];
    const flagList = (Array.isArray(flags) ? flags : flags['~']).map((f) => (typeof f === 'string' ? f : (f as { '+': string })['+']));
    return { flags: flagList, begin: [tagged(ks, 'begin_search')!], find: [tagged(ks, 'find_keys')!] };
  });
}

/** Argument positions a key spec names in `argv` (argv[0] is the command), or undefined if it cannot say. */
function keySpecPositions(ks: KeySpec, argv: Buffer[]): number[] | undefined {
  const begin = ks.begin[0];
  const find = ks.find[0];
  const spec = (t: Tagged | undefined) => tagged(t as Tagged, 'spec');
  let start: number;
  const beginType = tagged(begin!, 'type');
  if (beginType === 'index') start = tagged(spec(begin)!, 'index') as number;
  else if (beginType === 'keyword') {
    const keyword = String(tagged(spec(begin)!, 'keyword')).toLowerCase();
    const from = tagged(spec(begin)!, 'startfrom') as number;
    start = -1;
    if (from >= 0) {
      for (let i = from; i < argv.length; i++) if (argv[i]!.toString('latin1').toLowerCase() === keyword) {
        start = i + 1;
        break;
      }
    } else {
      for (let i = argv.length + from; i > 0; i--) if (argv[i]!.toString('latin1').toLowerCase() === keyword) {
        start = i + 1;
        break;
      }
    }
    if (start === -1) return [];
  } else return undefined;
  const findType = tagged(find!, 'type');
  const out: number[] = [];
  if (findType === 'range') {
    const s = spec(find)!;
    const lastkey = tagged(s, 'lastkey') as number;
    const step = tagged(s, 'keystep') as number;
    const limit = tagged(s, 'limit') as number;
    let last: number;
    if (lastkey >= 0) last = start + lastkey;
    else if (lastkey === -1 && limit > 1) last = start + Math.floor((argv.length - 1 - start) / limit);
    else last = argv.length + lastkey;
    for (let i = start; i <= last && i < argv.length; i += step) out.push(i);
    return out;
  }
  if (findType === 'keynum') {
    const s = spec(find)!;
    const numAt = start + (tagged(s, 'keynumidx') as number);
    const n = tryParseInteger(argv[numAt] ?? Buffer.alloc(0));
    if (n === undefined || n < 0) return [];
    const first = start + (tagged(s, 'firstkey') as number);
    const step = tagged(s, 'keystep') as number;
    for (let i = 0, at = first; i < n && at < argv.length; i++, at += step) out.push(at);
    return out;
  }
  return undefined;
}

/** Key flags that depend on the arguments (key specs flagged variable_flags), as Redis 7.0 narrows them. */
function variableKeyFlags(name: string, argv: Buffer[]): string[] | undefined {
  const word = (i: number) => argv[i]!.toString('latin1').toLowerCase();
  if (name === 'set') {
    for (let i = 3; i < argv.length; i++) if (word(i) === 'get') return ['RW', 'access', 'update'];
    return ['OW', 'update'];
  }
  if (name === 'bitfield') {
    for (let i = 2; i < argv.length; ) {
      const op = word(i);
      if (op === 'set' || op === 'incrby') return ['RW', 'access', 'update'];
      i += op === 'get' ? 3 : op === 'overflow' ? 2 : 1;
    }
    return ['RO', 'access'];
  }
  return undefined;
}

/** COMMAND GETKEYSANDFLAGS: each key with the flags of the key spec that names it. */
function keysWithFlags(spec: CommandSpec, sub: Buffer[], keys: Buffer[]): Reply[] {
  const specs = keySpecsOf(spec.name);
  const located: { key: Buffer; flags: string[] }[] = [];
  let fallback: string[] | undefined;
  for (const ks of specs) {
    const positions = keySpecPositions(ks, sub);
    if (positions === undefined) {
      // Keys no spec can place (SORT's STORE) take the last such spec's flags.
      fallback = ks.flags;
      continue;
    }
    for (const p of positions) located.push({ key: sub[p]!, flags: ks.flags });
  }
  return keys.map((key) => {
    const i = located.findIndex((l) => l.key.equals(key));
    let flags: string[];
    if (i !== -1) {
      flags = located[i]!.flags;
      located.splice(i, 1);
    } else flags = fallback ?? specs[0]?.flags ?? [];
    if (flags.includes('variable_flags')) flags = variableKeyFlags(spec.name, sub) ?? flags;
    // A key found by parsing the arguments is certain: Redis drops the spec's 'incomplete' then.
    flags = flags.filter((f) => f !== 'incomplete');
    return [key, new SetReply(flags.map((f) => new Status(f)))];
  });
}

function commandSub(name: string, arity: number, handler: CommandSpec['handler']): CommandSpec {
  return { name: `command|${name}`, arity, flags: ['loading', 'stale'], ...noKeys, categories: ['@slow', '@connection'], handler };
}

const commandSubcommands: CommandSpec[] = [
  commandSub('count', 2, (ctx) => ctx.server.table.size),
  commandSub('info', -2, (ctx, argv) => {
    if (argv.length === 2) return [...ctx.server.table.all()].map(commandInfo);
    return argv.slice(2).map((a) => {
      const spec = specByFullName(ctx.server, a);
      return spec ? commandInfo(spec) : null;
    });
  }),
  commandSub('docs', -2, (ctx, argv) => {
    const out: Reply[] = [];
    const specs = argv.length === 2 ? [...ctx.server.table.all()] : argv.slice(2).map((a) => specByFullName(ctx.server, a));
    for (const spec of specs) if (spec) out.push(spec.name, commandDocs(spec));
    return new MapReply(out);
  }),
  commandSub('list', -2, (ctx, argv) => {
    let specs = allSpecs(ctx.server);
    if (argv.length > 2) {
      if (argv.length !== 5 || lower(argv[2]!) !== 'filterby') throw Errors.syntax();
      const kind = lower(argv[3]!);
      const value = argv[4]!.toString('latin1');
      if (kind === 'pattern') specs = specs.filter((s) => globMatch(value, s.name, true));
      else if (kind === 'aclcat') specs = specs.filter((s) => s.categories.includes(`@${value.toLowerCase()}`));
      else if (kind === 'module') specs = [];
      else throw Errors.syntax();
    }
    return specs.map((s) => s.name);
  }),
  commandSub('getkeys', -4, (ctx, argv) => getKeys(ctx.server, argv).keys),
  commandSub('getkeysandflags', -4, (ctx, argv) => {
    const { spec, sub, keys } = getKeys(ctx.server, argv);
    return keysWithFlags(spec, sub, keys);
  }),
  commandSub('help', 2, () => COMMAND_HELP.map((l) => new Status(l))),
];

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

// ------------------------------------------------------------------ helpers for flush

/** Whether the flush is ASYNC: the argument, else lazyfree-lazy-user-flush. */
function parseFlushMode(ctx: CommandContext, argv: Buffer[], from: number): boolean {
  if (argv.length > from + 1) throw Errors.syntax();
  if (argv.length === from + 1) {
    const mode = lower(argv[from]!);
    if (mode !== 'sync' && mode !== 'async') throw Errors.syntax();
    return mode === 'async';
  }
  return ctx.server.config.bool('lazyfree-lazy-user-flush');
}

function flushDb(ctx: CommandContext, all: boolean, async: boolean): Reply {
  const server = ctx.server;
  const dbs = all ? server.dbs : [ctx.db];
  // Redis hands each flushed database to its background thread and counts its keys as freed lazily.
  if (async) for (const db of dbs) server.stats.lazyfreedObjects += db.size;
  // FLUSHALL stops a running BGSAVE (its image is of data just thrown away), as Redis kills the child.
  if (all && server.rdb.inProgress) server.rdb.abortBackgroundNow();
  // flush() invalidates WATCH on the keys that existed; like Redis, watching a missing key survives.
  server.tracking.quietly(() => dbs.forEach((db) => db.flush()));
  server.tracking.flushed();
  // With save points, FLUSHALL also saves the now empty dataset (and so resets the change counter).
  if (all && server.rdb.points.length > 0) server.rdb.saveSync();
  return OK;
}

// ------------------------------------------------------------------ DEBUG

function requireDebug(ctx: CommandContext): void {
  const setting = ctx.server.config.string('enable-debug-command');
  const local = ctx.client.addr.startsWith('127.') || ctx.client.addr.startsWith('::1') || ctx.client.kind !== 'tcp';
  if (setting === 'yes' || (setting === 'local' && local)) return;
  throw new ReplyError(
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
  );
}

function debug(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  requireDebug(ctx);
  const sub = lower(argv[1]!);
  switch (sub) {
    case 'sleep': {
      if (argv.length !== 3) throw Errors.syntax();
      const seconds = Number(argv[2]!.toString('latin1'));
      if (!Number.isFinite(seconds)) throw Errors.notFloat();
      // Deliberately blocks the event loop, like Redis's DEBUG SLEEP (used to test timeouts).
      // performance.now(), not Date.now(): with whole milliseconds the wait came up to 1 ms short,
      // and Redis's latencystats test expects DEBUG SLEEP 0.05 to take at least 50 ms.
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until) {
        /* busy wait */
      }
      return OK;
    }
    case 'set-skip-checksum-validation': {
      // DEBUG SET-SKIP-CHECKSUM-VALIDATION 0|1: RESTORE accepts payloads without a valid CRC64
      // (tests that hand-build payloads); the structure is still checked.
      if (argv.length !== 3) throw Errors.syntax();
      ctx.server.skipDumpChecksum = argv[2]!.toString('latin1') !== '0';
      return OK;
    }
    case 'aof-flush-sleep': {
      // DEBUG AOF-FLUSH-SLEEP <microseconds>: stall each append-only-file write that long (tests
      // that replies never overtake the log).
      if (argv.length !== 3) throw Errors.syntax();
      const us = Number(argv[2]!.toString('latin1'));
      if (!Number.isInteger(us) || us < 0) throw Errors.notInteger();
      ctx.server.aof.flushSleepUs = us;
      return OK;
    }
    case 'pause-cron':
      // DEBUG PAUSE-CRON 0|1: stop the cron (active expiry, client timeouts, reply buffer resizing,
      // a signal's shutdown, ...). As Redis, the value is read as C's atoi: anything else is 0.
      if (argv.length !== 3) throw debugArityError(argv[1]!);
      ctx.server.cronPaused = atoi(argv[2]!) !== 0;
      return OK;
    case 'replybuffer':
      return debugReplyBuffer(ctx, argv);
    case 'config-rewrite-force-all': {
      if (argv.length !== 2) throw debugArityError(argv[1]!);
      try {
        rewriteConfigFile(ctx.server.config, true, aclOf(ctx.server).configLines());
      } catch (err) {
        // Redis hands its rewrite a missing file name and reports the errno (EFAULT).
        const reason = ctx.server.config.file ? (err as Error).message : 'Bad address';
        return new ReplyError(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${reason}`);
      }
      return OK;
    }
    case 'set-active-expire': {
      if (argv.length !== 3) throw Errors.syntax();
      ctx.server.activeExpireEnabled = argv[2]!.toString('latin1') !== '0';
      return OK;
    }
    case 'set-disable-deny-scripts': {
      // Lets scripts call commands flagged noscript (Redis's tests use it for CLIENT LIST, DEBUG).
      if (argv.length !== 3) throw Errors.syntax();
      scriptingOf(ctx.server).allowNoscript = argv[2]!.toString('latin1') !== '0';
      return OK;
    }
    case 'populate':
      return debugPopulate(ctx, argv);
    case 'log': {
      if (argv.length !== 3) throw Errors.syntax();
      ctx.server.log('warning', `DEBUG LOG: ${argv[2]!.toString('latin1')}`);
      return OK;
    }
    case 'object': {
      if (argv.length !== 3) throw Errors.syntax();
      const key = argv[2]!.toString('latin1');
      // As Redis: the key is looked up as stored, without expiring it (active expiry off keeps it).
      const entry = ctx.db.peekNoExpire(key);
      if (!entry) throw Errors.noSuchKey();
      const idle = Math.floor(idleMsOf(entry, ctx.db.clock) / 1000);
      return new Status(`Value at:0x0 refcount:1 encoding:${encodingOf(ctx.server, entry)} serializedlength:0 lru:0 lru_seconds_idle:${idle}`);
    }
    case 'loadaof': {
      // Like Redis: write out and sync the log, empty the dataset, replay the log. A slow script
      // in the log makes the replay span event-loop turns: the client waits for its OK.
      const { server, client } = ctx;
      if (server.aof.reloading || server.rdb.loading) throw PersistenceErrors.loading();
      const finished = server.aof.reload((error) => {
        client.blocked = false;
        if (error === undefined) server.log('notice', 'Append Only File loaded by DEBUG LOADAOF');
        const reply = error === undefined ? OK : error instanceof ReplyError ? error : new ReplyError(`ERR ${error instanceof Error ? error.message : String(error)}`);
        if (!client.closing) server.resume(client, reply);
      });
      if (!finished) {
        client.blocked = true;
        return BLOCKED;
      }
      server.log('notice', 'Append Only File loaded by DEBUG LOADAOF');
      return OK;
    }
    case 'reload':
      return debugReload(ctx, argv);
    case 'protocol':
      if (argv.length !== 3) throw new ReplyError("ERR unknown subcommand or wrong number of arguments for 'PROTOCOL'. Try DEBUG HELP.");
      return debugProtocol(ctx, lower(argv[2]!));
    case 'digest':
      if (argv.length !== 2) throw new ReplyError("ERR unknown subcommand or wrong number of arguments for 'digest'. Try DEBUG HELP.");
      return new Status(datasetDigest(ctx.server.dbs, ctx.server.config));
    case 'digest-value':
      return argv.slice(2).map((k) => new Status(keyDigest(ctx.db, k.toString('latin1'), ctx.server.config)));
    case 'jmap':
    case 'quicklist-packed-threshold':
    case 'change-repl-id':
    case 'stringmatch-len':
      return OK;
    case 'help':
      return ['DEBUG <subcommand>', 'SLEEP <seconds>', 'SET-ACTIVE-EXPIRE <0|1>', 'LOG <message>', 'OBJECT <key>'].map((l) => new Status(l));
    default:
      throw new ReplyError(`ERR unknown subcommand '${argv[1]!.toString('latin1')}'. Try DEBUG HELP.`);
  }
}

function debugArityError(sub: Buffer): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${sub.toString('latin1')}'. Try DEBUG HELP.`);
}

/** C's atoi: an optional sign and the leading digits; 0 when there are none. */
function atoi(arg: Buffer): number {
  const m = /^\s*([+-]?\d+)/.exec(arg.toString('latin1'));
  return m === null ? 0 : Number(m[1]);
}

/**
 * DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms> (how often a reply buffer's peak is
 * forgotten) and RESIZING <0|1> (whether the cron resizes reply buffers at all).
 */
function debugReplyBuffer(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length !== 4) throw debugArityError(argv[1]!);
  const what = lower(argv[2]!);
  const server = ctx.server;
  if (what === 'peak-reset-time') {
    const value = lower(argv[3]!);
    if (value === 'never') server.replyBufferPeakResetMs = -1;
    else if (value === 'reset') server.replyBufferPeakResetMs = REPLY_BUFFER_PEAK_RESET_MS;
    else server.replyBufferPeakResetMs = parseInteger(argv[3]!);
    return OK;
  }
  if (what === 'resizing') {
    server.replyBufferResizing = atoi(argv[3]!) !== 0;
    return OK;
  }
  throw debugArityError(argv[1]!);
}

/**
 * DEBUG PROTOCOL <type>: one sample reply of each RESP3 type, for client tests. Attributes, push
 * and big numbers have no reply value of their own here, so they are written as raw bytes.
 */
function debugProtocol(ctx: CommandContext, type: string): Reply {
  const resp3 = ctx.client.proto === 3;
  const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  switch (type) {
    case 'string':
      return 'Hello World';
    case 'integer':
      return 12345;
    case 'double':
      return new Double(3.141);
    case 'bignum': {
      return new BigNumber('1234567999999999999999999999999999999');
    }
    case 'null':
      return null;
    case 'array':
      return [0, 1, 2];
    case 'set':
      return new SetReply([0, 1, 2]);
    case 'map':
      return new MapReply([0, new BoolReply(false), 1, new BoolReply(true), 2, new BoolReply(false)]);
    case 'attrib': {
      const text = 'Some real reply following the attribute';
      if (!resp3) return text;
      return new RawReply(Buffer.from(`|1\r\n${bulk('key-popularity')}*2\r\n${bulk('key:123')}:90\r\n${bulk(text)}`));
    }
    case 'push':
      if (!resp3) throw new ReplyError('ERR RESP2 is not supported by this command');
      return new RawReply(Buffer.from(`>2\r\n${bulk('server-cpu-usage')}:42\r\n${bulk('Some real reply following the push reply')}`));
    case 'verbatim':
      return new Verbatim('txt', 'This is a verbatim\nstring');
    case 'true':
      return new BoolReply(true);
    case 'false':
      return new BoolReply(false);
    default:
      throw new ReplyError(
        'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

/**
 * DEBUG POPULATE <count> [prefix] [size]: create string keys `prefix:N` (default prefix "key")
 * holding `value:N`, cut or zero-padded to `size` bytes when given (and not 0). Keys that exist are left
 * alone. As Redis's: the keys are not counted as changes and not written to the AOF.
 */
function debugPopulate(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length < 3 || argv.length > 5) {
    throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try DEBUG HELP.`);
  }
  const outOfRange = () => new ReplyError('ERR value is out of range, must be positive');
  const positive = (arg: Buffer): number => {
    const text = arg.toString('latin1');
    if (!/^(0|[1-9][0-9]*)$/.test(text)) throw outOfRange();
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw outOfRange();
    return n;
  };
  const count = positive(argv[2]!);
  const prefix = argv.length > 3 ? argv[3]!.toString('latin1') : 'key';
  // A size of 0 means no size, as in Redis.
  const size = argv.length > 4 ? positive(argv[4]!) || undefined : undefined;
  const db = ctx.db;
  const dirty = ctx.server.dirty;
  for (let i = 0; i < count; i++) {
    const key = `${prefix}:${i}`;
    if (db.peekNoExpire(key) !== undefined) continue;
    const text = Buffer.from(`value:${i}`, 'latin1');
    let value = text;
    if (size !== undefined) {
      value = Buffer.alloc(size);
      text.copy(value, 0, 0, Math.min(size, text.length));
    }
    db.set(key, 'string', value);
  }
  // Not changes: no save point counts them and the effects stream (AOF, replicas) never sees them.
  ctx.server.dirty = dirty;
  return OK;
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset (and functions), load. */
function debugReload(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  let save = true;
  let flush = true;
  let merge = false;
  for (let i = 2; i < argv.length; i++) {
    const option = lower(argv[i]!);
    if (option === 'merge') merge = true;
    else if (option === 'noflush') flush = false;
    else if (option === 'nosave') save = false;
    else throw new ReplyError('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const { server, client } = ctx;
  if (server.rdb.loading) throw PersistenceErrors.loading();
  server.rdb.abortBackgroundNow();
  if (save && !server.rdb.saveSync()) return PersistenceErrors.saveFailed();
  if (flush) {
    for (const db of server.dbs) db.flush();
    if (server.extensions.has('scripting')) scriptingOf(server).flushFunctions();
  }
  const failed = (err: unknown): Reply => {
    if (err instanceof LoadError) return new ReplyError('ERR Error trying to load the RDB dump, check server logs.');
    throw err;
  };
  const reloaded = () => {
    server.log('warning', 'DB reloaded by DEBUG RELOAD');
    return OK;
  };
  if (ctx.noBlock) {
    // Inside EXEC or a script: at once.
    try {
      server.rdb.load({ replaceLibraries: merge });
    } catch (err) {
      return failed(err);
    }
    return reloaded();
  }
  // As Redis: the file loads in slices, other clients answered -LOADING in between; this one
  // waits for its reply.
  client.blocked = true;
  const answer = (reply: () => Reply) => {
    client.blocked = false;
    let r: Reply;
    try {
      r = reply();
    } catch (err) {
      if (err instanceof LoadAborted) return;
      r = new ReplyError(`ERR ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!client.closing) server.resume(client, r);
  };
  server.rdb.loadInSlices({ replaceLibraries: merge }).then(
    () => answer(reloaded),
    (err: unknown) => answer(() => failed(err)),
  );
  return BLOCKED;
}

// ------------------------------------------------------------------ SHUTDOWN

/** INFO server's shutdown_in_milliseconds: only while a shutdown waits for replicas. */
function shutdownField(server: CommandHost): [string, number][] {
  const left = server.shutdownInMs();
  return left === undefined ? [] : [['shutdown_in_milliseconds', left]];
}

interface ShutdownOptions {
  save: boolean;
  nosave: boolean;
  now: boolean;
  force: boolean;
  abort: boolean;
}

function parseShutdown(argv: Buffer[]): ShutdownOptions {
  const o: ShutdownOptions = { save: false, nosave: false, now: false, force: false, abort: false };
  for (let i = 1; i < argv.length; i++) {
    const word = lower(argv[i]!);
    if (word === 'nosave') o.nosave = true;
    else if (word === 'save') o.save = true;
    else if (word === 'now') o.now = true;
    else if (word === 'force') o.force = true;
    else if (word === 'abort') o.abort = true;
    else throw Errors.syntax();
  }
  if ((o.abort && (o.save || o.nosave || o.now || o.force)) || (o.save && o.nosave)) throw Errors.syntax();
  return o;
}

function shutdown(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const options = parseShutdown(argv);
  // ABORT cancels a shutdown waiting for replicas, or a signal's waiting for the cron (DEBUG PAUSE-CRON).
  if (options.abort) return ctx.server.abortShutdown() ? OK : new ReplyError('ERR No shutdown in progress.');
  const server = ctx.server;
  // While a script is busy only SHUTDOWN NOSAVE stops the server (src/commands/scripting.ts).
  if (server.busyScript !== undefined && !options.nosave) return server.busyScript;
  // The wait for replicas blocks the caller: not possible from a script (Redis's DENY_BLOCKING).
  if (ctx.noBlock && !options.now) return new ReplyError("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
  const { outcome } = server.beginShutdown(options, ctx.client);
  if (outcome === 'failed') return new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
  // Waiting for replicas, or for the final save: the caller stays blocked until the server stops (no reply) or the shutdown fails.
  if (outcome === 'waiting') return ctx.block({ keys: [], timeoutMs: 0, timeoutReply: null, retry: () => undefined });
  return NO_REPLY;
}

// ------------------------------------------------------------------ SLOWLOG / LATENCY

/** HELP subcommands: Redis lets anyone (and scripts) call them. */
function helpSpec(spec: CommandSpec): CommandSpec {
  return { ...spec, flags: ['loading', 'stale'], categories: ['@slow'] };
}

function slowlogSub(name: string, arity: number, handler: CommandSpec['handler']): CommandSpec {
  return { name: `slowlog|${name}`, arity, flags: ['admin', 'loading', 'stale'], ...noKeys, categories: ['@admin', '@slow', '@dangerous'], handler };
}

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

/** LATENCY HISTOGRAM [command ...]: calls and cumulative µs buckets per command that ran. */
const latencyHistogram: CommandSpec['handler'] = (ctx, argv) => {
  const latency = ctx.server.latency;
  const entries: Reply[] = [];
  const add = (name: string) => {
    const h = latency.histogram(name);
    if (h === undefined) return;
    const buckets: Reply[] = [];
    for (const [usec, count] of h.cumulative()) buckets.push(usec, count);
    entries.push(name, new MapReply(['calls', h.total, 'histogram_usec', new MapReply(buckets)]));
  };
  if (argv.length === 2) {
    for (const [name] of latency.commandHistograms()) add(name);
    return new MapReply(entries);
  }
  for (const arg of argv.slice(2)) {
    const [container, sub] = lower(arg).split('|', 2);
    let spec = ctx.server.table.get(container!);
    if (spec === undefined) continue;
    if (sub !== undefined) {
      spec = findSubcommand(spec, sub);
      if (spec !== undefined) add(spec.name);
    } else if (spec.subcommands !== undefined) {
      for (const s of spec.subcommands) add(s.name);
    } else add(spec.name);
  }
  return new MapReply(entries);
};

function latencySub(name: string, arity: number, handler: CommandSpec['handler']): CommandSpec {
  return { name: `latency|${name}`, arity, flags: ['admin', 'noscript', 'loading', 'stale'], ...noKeys, categories: ['@admin', '@slow', '@dangerous'], handler };
}

export const specs: CommandSpec[] = [
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    ...noKeys,
    categories: ['@slow', '@dangerous'],
    handler: (ctx, argv) => new Verbatim('txt', infoText(ctx.server, argv.slice(1).map(lower))),
  },
  {
    name: 'config',
    arity: -2,
    flags: [],
    ...noKeys,
    categories: ['@slow'],
    handler: () => null,
    subcommands: configSubcommands,
  },
  {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale'],
    ...noKeys,
    categories: ['@slow', '@connection'],
    handler: (ctx) => [...ctx.server.table.all()].map(commandInfo),
    subcommands: commandSubcommands,
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    ...noKeys,
    categories: ['@keyspace', '@read', '@fast'],
    // O(1), as Redis: keys whose time has passed count until they are expired (lazily on access,
    // or by the active expiry cycle).
    handler: (ctx) => ctx.db.size,
  },
  {
    name: 'flushdb',
    arity: -1,
    flags: ['write'],
    ...noKeys,
    categories: ['@keyspace', '@write', '@slow', '@dangerous'],
    handler: (ctx, argv) => {
      return flushDb(ctx, false, parseFlushMode(ctx, argv, 1));
    },
  },
  {
    name: 'flushall',
    arity: -1,
    flags: ['write'],
    ...noKeys,
    categories: ['@keyspace', '@write', '@slow', '@dangerous'],
    handler: (ctx, argv) => {
      return flushDb(ctx, true, parseFlushMode(ctx, argv, 1));
    },
  },
  {
    name: 'swapdb',
    arity: 3,
    flags: ['write', 'fast'],
    ...noKeys,
    categories: ['@keyspace', '@write', '@fast', '@dangerous'],
    handler: (ctx, argv) => {
      const isInt32 = (n: number | undefined): n is number => n !== undefined && n >= -2147483648 && n <= 2147483647;
      const a = tryParseInteger(argv[1]!);
      if (!isInt32(a)) throw new ReplyError('ERR invalid first DB index');
      const b = tryParseInteger(argv[2]!);
      if (!isInt32(b)) throw new ReplyError('ERR invalid second DB index');
      const dbs = ctx.server.dbs;
      if (a < 0 || a >= dbs.length || b < 0 || b >= dbs.length) throw Errors.dbIndexOutOfRange();
      if (a !== b) {
        // swapWith() invalidates WATCH on each db's old keys; a watched key is also changed when a
        // live key of that name is swapped in from the other db. Keys missing from both (or only
        // swapped in after their TTL passed) stay valid, as in Redis.
        ctx.server.tracking.quiet = true; // Redis 7.0's SWAPDB sends no invalidations
        // Keys present before the swap too: a client blocked in XREADGROUP on a stream that
        // leaves its database is told so.
        const before = [dbs[a]!, dbs[b]!].map((db) => [...db.keys()]);
        dbs[a]!.swapWith(dbs[b]!);
        const now = Date.now();
        for (const db of [dbs[a]!, dbs[b]!]) {
          for (const key of db.keys()) if (!((db.getExpire(key) ?? Infinity) <= now)) db.modified(key);
        }
        const had = before.map((keys) => new Set(keys));
        ctx.server.flagExpiredArrivals(dbs[a]!, (key) => !had[0]!.has(key), now);
        ctx.server.flagExpiredArrivals(dbs[b]!, (key) => !had[1]!.has(key), now);
        ctx.server.tracking.quiet = false;
        // Clients blocked on keys of either db may now find data.
        for (const db of [dbs[a]!, dbs[b]!]) for (const key of db.keys()) db.signalReady(key);
        for (const key of before[0]!) dbs[a]!.signalReady(key);
        for (const key of before[1]!) dbs[b]!.signalReady(key);
      }
      return OK;
    },
  },
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    ...noKeys,
    categories: ['@fast'],
    handler: () => {
      const us = BigInt(Date.now()) * 1000n + (process.hrtime.bigint() / 1000n) % 1000n;
      return [String(us / 1000000n), String(us % 1000000n)];
    },
  },
  {
    name: 'lastsave',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    ...noKeys,
    categories: ['@admin', '@fast', '@dangerous'],
    handler: (ctx) => Math.floor(ctx.server.rdb.lastSaveMs / 1000),
  },
  {
    name: 'role',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast'],
    ...noKeys,
    categories: ['@admin', '@fast', '@dangerous'],
    handler: (ctx) => roleReply(ctx.server),
  },
  {
    name: 'wait',
    arity: 3,
    flags: ['noscript'],
    ...noKeys,
    categories: ['@slow', '@connection'],
    handler: (ctx, argv) => {
      const wanted = parseInteger(argv[1]!);
      const timeout = tryParseInteger(argv[2]!);
      if (timeout === undefined) throw StreamErrors.timeoutNotInteger();
      if (timeout < 0) throw Errors.timeoutNegative();
      return waitForReplicas(ctx, wanted, timeout);
    },
  },
  {
    name: 'monitor',
    arity: 1,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: (ctx) => {
      ctx.client.write(OK);
      ctx.server.monitor.onWrite = (c) => ctx.server.scheduleFlush(c);
      ctx.server.monitor.add(ctx.client);
      return NO_REPLY;
    },
  },
  {
    name: 'debug',
    arity: -2,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: debug,
  },
  {
    name: 'slowlog',
    arity: -2,
    flags: [],
    ...noKeys,
    categories: ['@slow'],
    handler: () => null,
    subcommands: [
      slowlogSub('get', -2, (ctx, argv) => {
        let count = 10;
        if (argv.length > 3) throw StreamErrors.unknownSubcommandOrArity('GET', 'SLOWLOG');
        if (argv.length > 2) {
          const n = tryParseInteger(argv[2]!);
          if (n === undefined || n < -1) throw new ReplyError('ERR count should be greater than or equal to -1');
          count = n;
          if (count === -1) count = Infinity;
        }
        return ctx.server.slowlog.newest(count).map((e) => [e.id, e.time, e.durationUs, e.argv, e.addr, e.name]);
      }),
      slowlogSub('len', 2, (ctx) => ctx.server.slowlog.length),
      slowlogSub('reset', 2, (ctx) => {
        ctx.server.slowlog.reset();
        return OK;
      }),
      helpSpec(
        slowlogSub('help', 2, () =>
          ['SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GET [<count>]', 'LEN', 'RESET', 'HELP'].map((l) => new Status(l)),
        ),
      ),
    ],
  },
  {
    name: 'latency',
    arity: -2,
    flags: [],
    ...noKeys,
    categories: ['@slow'],
    handler: () => null,
    subcommands: [
      latencySub('latest', 2, (ctx) => ctx.server.latency.latest()),
      latencySub('history', 3, (ctx, argv) => ctx.server.latency.history(argv[2]!.toString('latin1')).map((s) => [s.time, s.latency])),
      latencySub('reset', -2, (ctx, argv) => ctx.server.latency.reset(argv.slice(2).map((a) => a.toString('latin1')))),
      latencySub('doctor', 2, (ctx) => new Verbatim('txt', ctx.server.latency.doctor())),
      latencySub('graph', 3, (ctx, argv) => {
        const event = argv[2]!.toString('latin1');
        const graph = ctx.server.latency.graph(event);
        if (graph === undefined) return new ReplyError(`ERR No samples available for event '${event}'`);
        return new Verbatim('txt', graph);
      }),
      latencySub('histogram', -2, latencyHistogram),
      helpSpec(latencySub('help', 2, () => LATENCY_HELP.map((l) => new Status(l)))),
    ],
  },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: shutdown,
  },
  {
    name: 'bgrewriteaof',
    arity: 1,
    flags: ['admin', 'noscript'],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: (ctx) => {
      const aof = ctx.server.aof;
      if (aof.rewriting) throw new ReplyError('ERR Background append only file rewriting already in progress');
      // Inside EXEC the transaction's effects are not logged yet: the snapshot would hold them
      // and the new incremental file too. Start it from the cron instead, as Redis does.
      // While a BGSAVE runs, the rewrite waits for it (Redis runs one child at a time).
      if (ctx.noBlock || ctx.server.rdb.inProgress) {
        aof.rewriteScheduled = true;
        return new Status('Background append only file rewriting scheduled');
      }
      aof.rewrite();
      return new Status('Background append only file rewriting started');
    },
  },
  {
    name: 'save',
    arity: 1,
    flags: ['admin', 'noscript', 'no_multi'],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: (ctx) => {
      const rdb = ctx.server.rdb;
      if (rdb.inProgress) return PersistenceErrors.bgsaveInProgress();
      return rdb.saveSync() ? OK : PersistenceErrors.saveFailed();
    },
  },
  {
    name: 'bgsave',
    arity: -1,
    flags: ['admin', 'noscript'],
    ...noKeys,
    categories: ['@admin', '@slow', '@dangerous'],
    handler: (ctx, argv) => {
      if (argv.length > 2 || (argv.length === 2 && lower(argv[1]!) !== 'schedule')) throw Errors.syntax();
      const rdb = ctx.server.rdb;
      if (rdb.inProgress) return PersistenceErrors.bgsaveInProgress();
      // Inside EXEC the save starts from the cron once the transaction is over, as in Redis; so
      // does one asked for while an AOF rewrite runs (one background image at a time), if SCHEDULE.
      if (ctx.noBlock || (ctx.server.aof.rewriting && argv.length === 2)) {
        rdb.scheduled = true;
        return new Status('Background saving scheduled');
      }
      if (ctx.server.aof.rewriting) throw PersistenceErrors.childActive();
      rdb.startBackground();
      return new Status('Background saving started');
    },
  },
];

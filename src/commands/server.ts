// Server commands: INFO, CONFIG, COMMAND, DBSIZE, FLUSHDB, FLUSHALL, TIME, SWAPDB, DEBUG, SLOWLOG,
// LATENCY, MONITOR, LASTSAVE, ROLE, WAIT, SHUTDOWN.
import os from 'node:os';
import { Errors, StreamErrors } from '../protocol/errors.js';
import { parseInteger, tryParseInteger } from '../protocol/numbers.js';
import { BLOCKED, MapReply, NO_REPLY, OK, ReplyError, SetReply, Status, Verbatim, type HandlerResult, type Reply } from '../protocol/reply.js';
import type { Server } from '../server/server.js';
import { REDIS_VERSION, TIDINGS_VERSION } from '../server/version.js';
import { globMatch } from '../pubsub/glob.js';
import { findSubcommand } from '../server/table.js';
import { usedMemory } from '../store/eviction.js';
import { scriptingOf, scriptingStats } from './scripting.js';
import { LoadError, PersistenceErrors } from '../persistence/rdbfile.js';
import { datasetDigest, keyDigest } from '../persistence/digest.js';
import type { CommandContext, CommandSpec } from './types.js';
import { INVALID_GETKEYS_ARGS, NUMKEYS_AT, keysOf } from './key-positions.js';
import { ConfigSetError, type PendingSet } from '../config/config.js';
import { rewriteConfigFile } from '../config/file.js';

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
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 8), 'commandstats', 'errorstats', 'cluster', 'keyspace'];

function infoSection(server: Server, name: string): string | undefined {
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
      ]);
    case 'clients': {
      let pubsub = 0;
      for (const c of server.clients.values()) if (c.subscriptionCount > 0) pubsub++;
      return lines('Clients', [
        ['connected_clients', server.clients.size],
        ['cluster_connections', 0],
        ['maxclients', server.config.number('maxclients')],
        ['client_recent_max_input_buffer', 0],
        ['client_recent_max_output_buffer', 0],
        ['blocked_clients', server.blocking.count],
        ['tracking_clients', server.tracking.clients],
        ['pubsub_clients', pubsub],
        ['clients_in_timeout_table', server.blocking.count],
      ]);
    }
    case 'memory': {
      const m = process.memoryUsage();
      const lua = scriptingStats(server);
      const used = usedMemory(server);
      return lines('Memory', [
        ['used_memory', used],
        ['used_memory_human', human(used)],
        ['used_memory_rss', m.rss],
        ['used_memory_rss_human', human(m.rss)],
        ['used_memory_peak', Math.max(used, m.heapTotal)],
        ['used_memory_peak_human', human(Math.max(used, m.heapTotal))],
        ['used_memory_lua', lua.luaHeapBytes],
        ['used_memory_scripts_eval', lua.cachedScriptBytes],
        ['number_of_cached_scripts', lua.cachedScripts],
        ['number_of_functions', lua.functions],
        ['used_memory_vm_functions', 0],
        ['used_memory_functions', lua.libraryCodeBytes],
        ['used_memory_scripts', lua.cachedScriptBytes + lua.libraryCodeBytes],
        ['total_system_memory', os.totalmem()],
        ['total_system_memory_human', human(os.totalmem())],
        ['maxmemory', server.config.number('maxmemory')],
        ['maxmemory_human', human(server.config.number('maxmemory'))],
        ['maxmemory_policy', server.config.string('maxmemory-policy')],
        ['mem_fragmentation_ratio', (m.rss / Math.max(1, used)).toFixed(2)],
        ['mem_allocator', 'v8'],
        ['node_heap_used', m.heapUsed],
        ['node_heap_total', m.heapTotal],
        ['node_external', m.external],
      ]);
    }
    case 'persistence':
      return lines('Persistence', [...server.rdb.infoFields(), ...(server.aofInfo?.() ?? AOF_INFO_DEFAULTS)]);
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
        ['evicted_clients', 0],
        ['keyspace_hits', s.keyspaceHits],
        ['keyspace_misses', s.keyspaceMisses],
        ['tracking_total_keys', server.tracking.totalKeys],
        ['tracking_total_items', server.tracking.totalItems],
        ['tracking_total_prefixes', server.tracking.totalPrefixes],
        ['pubsub_channels', server.hub.channelCount],
        ['pubsub_patterns', server.hub.patternCount],
        ['pubsubshard_channels', server.hub.shardChannelCount],
        ['total_error_replies', s.totalErrorReplies],
        ['client_query_buffer_limit_disconnections', s.queryBufferLimitDisconnections],
        ['client_output_buffer_limit_disconnections', s.outputLimitDisconnections],
        ['blocked_keys', server.blocking.keyCount],
        ['migrate_cached_sockets', server.outbound.size],
      ]);
    }
    case 'replication':
      return lines('Replication', [
        ['role', 'master'],
        ['connected_slaves', 0],
        ['master_failover_state', 'no-failover'],
        ['master_replid', server.runId],
        ['master_repl_offset', 0],
      ]);
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

export function infoText(server: Server, requested: string[]): string {
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
function isLocalClient(client: CommandContext['client']): boolean {
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
      pending = ctx.server.config.prepareSet(pairs, { local: isLocalClient(ctx.client) });
    } catch (err) {
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
    server.relisten(relisten.bind, relisten.port).then(
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
        server.blocking.unblock(client, failed(relisten.argument === 'port' ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.'));
      },
    );
    return BLOCKED;
  }),
  configSub('resetstat', 2, (ctx) => {
    ctx.server.stats.reset();
    ctx.server.slowlog.reset();
    ctx.server.hub.stats.reset();
    return OK;
  }),
  configSub('rewrite', 2, (ctx) => {
    try {
      rewriteConfigFile(ctx.server.config);
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

function flagReplies(spec: CommandSpec): Reply {
  return new SetReply(spec.flags.map((f) => new Status(f)));
}

function commandInfo(spec: CommandSpec): Reply {
  return [
    spec.name,
    spec.arity,
    flagReplies(spec),
    spec.firstKey,
    spec.lastKey,
    spec.step,
    new SetReply(spec.categories.map((c) => new Status(c))),
    [],
    [],
    (spec.subcommands ?? []).map(commandInfo),
  ];
}

function commandDocs(spec: CommandSpec): Reply {
  const group = spec.categories.find((c) => !['@read', '@write', '@fast', '@slow', '@admin', '@dangerous', '@keyspace', '@blocking'].includes(c));
  const fields: Reply[] = ['summary', `The ${spec.name.toUpperCase()} command`, 'since', '1.0.0', 'group', (group ?? '@generic').slice(1)];
  if (spec.subcommands?.length) {
    const subs: Reply[] = [];
    for (const s of spec.subcommands) subs.push(s.name, commandDocs(s));
    fields.push('subcommands', new MapReply(subs));
  }
  return new MapReply(fields);
}

function commandSub(name: string, arity: number, handler: CommandSpec['handler']): CommandSpec {
  return { name: `command|${name}`, arity, flags: ['loading', 'stale'], ...noKeys, categories: ['@slow', '@connection'], handler };
}

const commandSubcommands: CommandSpec[] = [
  commandSub('count', 2, (ctx) => ctx.server.table.size),
  commandSub('info', -2, (ctx, argv) => {
    if (argv.length === 2) return [...ctx.server.table.all()].map(commandInfo);
    const out: Reply[] = [];
    for (let i = 2; i < argv.length; i++) {
      // A subcommand is named container|sub, as in Redis.
      const [name, sub] = argv[i]!.toString('latin1').split('|', 2) as [string, string | undefined];
      let spec = ctx.server.table.get(name);
      if (spec !== undefined && sub !== undefined) spec = findSubcommand(spec, sub);
      out.push(spec ? commandInfo(spec) : null);
    }
    return out;
  }),
  commandSub('docs', -2, (ctx, argv) => {
    const out: Reply[] = [];
    const specs = argv.length === 2 ? [...ctx.server.table.all()] : argv.slice(2).map((a) => ctx.server.table.get(a.toString('latin1')));
    for (const spec of specs) if (spec) out.push(spec.name, commandDocs(spec));
    return new MapReply(out);
  }),
  commandSub('list', -2, (ctx, argv) => {
    let specs = [...ctx.server.table.all()];
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
  commandSub('getkeys', -4, (ctx, argv) => {
    let spec = ctx.server.table.get(argv[2]!.toString('latin1'));
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
    if (keys.length === 0) {
      if (spec.flags.includes('no_mandatory_keys')) return [];
      throw INVALID_GETKEYS_ARGS();
    }
    return keys;
  }),
  commandSub('help', 2, () =>
    [
      'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      '(no subcommand)',
      '    Return details about all Redis commands.',
      'COUNT',
      'GETKEYS <full-command>',
      'INFO [<command-name> ...]',
      'DOCS [<command-name> ...]',
      'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]',
      'HELP',
    ].map((l) => new Status(l)),
  ),
];

// ------------------------------------------------------------------ helpers for flush

function parseFlushMode(argv: Buffer[], from: number): void {
  if (argv.length > from + 1) throw Errors.syntax();
  if (argv.length === from + 1) {
    const mode = lower(argv[from]!);
    if (mode !== 'sync' && mode !== 'async') throw Errors.syntax();
  }
}

function flushDb(ctx: CommandContext, all: boolean): Reply {
  const server = ctx.server;
  const dbs = all ? server.dbs : [ctx.db];
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

function debug(ctx: CommandContext, argv: Buffer[]): Reply {
  requireDebug(ctx);
  const sub = lower(argv[1]!);
  switch (sub) {
    case 'sleep': {
      if (argv.length !== 3) throw Errors.syntax();
      const seconds = Number(argv[2]!.toString('latin1'));
      if (!Number.isFinite(seconds)) throw Errors.notFloat();
      // Deliberately blocks the event loop, like Redis's DEBUG SLEEP (used to test timeouts).
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
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
    case 'set-active-expire': {
      if (argv.length !== 3) throw Errors.syntax();
      ctx.server.activeExpireEnabled = argv[2]!.toString('latin1') !== '0';
      return OK;
    }
    case 'log': {
      if (argv.length !== 3) throw Errors.syntax();
      ctx.server.log('warning', `DEBUG LOG: ${argv[2]!.toString('latin1')}`);
      return OK;
    }
    case 'object': {
      if (argv.length !== 3) throw Errors.syntax();
      const key = argv[2]!.toString('latin1');
      const entry = ctx.db.peek(key);
      if (!entry) throw Errors.noSuchKey();
      const idle = Math.floor((Date.now() - entry.lru) / 1000);
      return new Status(`Value at:0x0 refcount:1 encoding:${entry.type === 'string' ? 'raw' : entry.type} serializedlength:0 lru:0 lru_seconds_idle:${idle}`);
    }
    case 'loadaof': {
      // Like Redis: write out and sync the log, empty the dataset, replay the log.
      ctx.server.aof.reload();
      ctx.server.log('notice', 'Append Only File loaded by DEBUG LOADAOF');
      return OK;
    }
    case 'reload':
      return debugReload(ctx, argv);
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

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset (and functions), load. */
function debugReload(ctx: CommandContext, argv: Buffer[]): Reply {
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
  const server = ctx.server;
  server.rdb.abortBackgroundNow();
  if (save && !server.rdb.saveSync()) return PersistenceErrors.saveFailed();
  if (flush) {
    for (const db of server.dbs) db.flush();
    if (server.extensions.has('scripting')) scriptingOf(server).flushFunctions();
  }
  try {
    server.rdb.load({ replaceLibraries: merge });
  } catch (err) {
    if (err instanceof LoadError) return new ReplyError('ERR Error trying to load the RDB dump, check server logs.');
    throw err;
  }
  server.log('warning', 'DB reloaded by DEBUG RELOAD');
  return OK;
}

// ------------------------------------------------------------------ SHUTDOWN

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
  // Without replicas there is never a shutdown waiting for them to catch up.
  if (options.abort) return new ReplyError('ERR No shutdown in progress.');
  const server = ctx.server;
  server.log('warning', 'User requested shutdown...');
  if (!server.prepareShutdown(options)) return new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
  setImmediate(() => void server.close().then(() => server.emitShutdown()));
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
    handler: (ctx) => {
      let n = 0;
      // Count only keys that have not expired.
      const now = Date.now();
      for (const key of ctx.db.keys()) {
        const at = ctx.db.getExpire(key);
        if (at === undefined || at > now) n++;
      }
      return n;
    },
  },
  {
    name: 'flushdb',
    arity: -1,
    flags: ['write'],
    ...noKeys,
    categories: ['@keyspace', '@write', '@slow', '@dangerous'],
    handler: (ctx, argv) => {
      parseFlushMode(argv, 1);
      return flushDb(ctx, false);
    },
  },
  {
    name: 'flushall',
    arity: -1,
    flags: ['write'],
    ...noKeys,
    categories: ['@keyspace', '@write', '@slow', '@dangerous'],
    handler: (ctx, argv) => {
      parseFlushMode(argv, 1);
      return flushDb(ctx, true);
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
        dbs[a]!.swapWith(dbs[b]!);
        const now = Date.now();
        for (const db of [dbs[a]!, dbs[b]!]) {
          for (const key of db.keys()) if (!((db.getExpire(key) ?? Infinity) <= now)) db.modified(key);
        }
        ctx.server.tracking.quiet = false;
        // Clients blocked on keys of either db may now find data.
        for (const db of [dbs[a]!, dbs[b]!]) for (const key of db.keys()) db.signalReady(key);
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
    handler: () => ['master', 0, []],
  },
  {
    name: 'wait',
    arity: 3,
    flags: ['noscript'],
    ...noKeys,
    categories: ['@slow', '@connection'],
    handler: (_ctx, argv) => {
      parseInteger(argv[1]!);
      const timeout = tryParseInteger(argv[2]!);
      if (timeout === undefined) throw StreamErrors.timeoutNotInteger();
      if (timeout < 0) throw Errors.timeoutNegative();
      return 0;
    },
  },
  {
    name: 'readonly',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    ...noKeys,
    categories: ['@fast', '@connection'],
    handler: () => new ReplyError('ERR This instance has cluster support disabled'),
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
      latencySub('latest', 2, () => []),
      latencySub('history', 3, () => []),
      latencySub('reset', -2, () => 0),
      latencySub('doctor', 2, () => new Verbatim('txt', 'Dave, no latency spike was observed during the lifetime of this Tidings instance, not in the slightest bit.\n')),
      latencySub('graph', 3, (_ctx, argv) => new ReplyError(`ERR No samples available for event '${argv[2]!.toString('latin1')}'`)),
      latencySub('histogram', -2, () => new MapReply([])),
      helpSpec(latencySub('help', 2, () => ['LATENCY <subcommand>', 'LATEST', 'HISTORY <event>', 'RESET [<event> ...]', 'DOCTOR', 'HELP'].map((l) => new Status(l)))),
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
      // Inside EXEC the save starts from the cron once the transaction is over, as in Redis.
      if (ctx.noBlock) {
        rdb.scheduled = true;
        return new Status('Background saving scheduled');
      }
      rdb.startBackground();
      return new Status('Background saving started');
    },
  },
];

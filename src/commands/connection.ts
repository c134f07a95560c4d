// Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT, CLIENT *.
import { Errors, KeyErrors, StreamErrors } from '../protocol/errors.js';
import { parseInteger, tryParseInteger } from '../protocol/numbers.js';
import { MapReply, NO_REPLY, OK, PONG, ReplyError, SetReply, Status, Verbatim, type Reply } from '../protocol/reply.js';
import { REDIS_VERSION } from '../config/version.js';
import type { CommandContext, CommandSession, CommandSpec } from './types.js';
import { aclOf, authenticate as aclAuthenticate } from '../security/acl.js';
import { attachedReplica } from './replication.js';

const arg = (argv: Buffer[], i: number) => argv[i]!.toString('latin1');
const lower = (argv: Buffer[], i: number) => argv[i]!.toString('latin1').toLowerCase();

/** `command` is the command name as sent, which ACL LOG shows as the object of a failed AUTH. */
function authenticate(ctx: CommandContext, user: string, password: Buffer, command: string): ReplyError | undefined {
  if (!aclAuthenticate(ctx.server, ctx.client, user, password, command)) {
    ctx.server.log('verbose', `AUTH failed for user '${user}' from ${ctx.client.addr}`);
    return Errors.wrongPass();
  }
  return undefined;
}

function helloReply(ctx: CommandContext): Reply {
  return new MapReply([
    'server',
    'redis',
    'version',
    REDIS_VERSION,
    'proto',
    ctx.client.proto,
    'id',
    ctx.client.id,
    'mode',
    'standalone',
    'role',
    'master',
    'modules',
    [],
  ]);
}

function validName(name: Buffer): boolean {
  for (const c of name) if (c < 0x21 || c > 0x7e) return false;
  return true;
}

export function clientFlags(client: CommandSession): string {
  let flags = '';
  if (client.subscriptionCount > 0) flags += 'P';
  if (client.multi !== undefined) flags += 'x';
  if (client.blocked) flags += 'b';
  if (client.tracking !== undefined) {
    flags += 't';
    if (client.tracking.brokenRedirect) flags += 'R';
    if (client.tracking.bcast) flags += 'B';
  }
  if (client.watchDirty) flags += 'd';
  if (client.monitor) flags += 'O';
  if (client.noEvict) flags += 'e';
  if (client.kind === 'unix') flags += 'U';
  if (attachedReplica(client) !== undefined) flags += 'S';
  return flags === '' ? 'N' : flags;
}

/** Bytes of a request as RESP sends it (*N, then $len and the bytes per argument). */
function requestBytes(argv: Buffer[]): number {
  let n = 3 + String(argv.length).length;
  for (const a of argv) n += 5 + String(a.length).length + a.length;
  return n;
}

function argvBytes(argv: Buffer[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/** Estimated bytes per entry of a client's WATCH list and subscription/prefix sets (JS objects). */
const ENTRY_OVERHEAD = 48;

/**
 * Memory of a client's bookkeeping beside its buffers: watched keys, channels, patterns, shard
 * channels and tracking prefixes, each an entry of a list or set (Redis counts these too).
 */
function structureMemory(client: CommandSession): number {
  let n = 0;
  for (const w of client.watched) n += ENTRY_OVERHEAD + w.key.length;
  for (const c of client.channels) n += ENTRY_OVERHEAD + c.length;
  for (const c of client.patterns) n += ENTRY_OVERHEAD + c.length;
  for (const c of client.shardChannels) n += ENTRY_OVERHEAD + c.length;
  if (client.tracking !== undefined) for (const p of client.tracking.prefixes) n += ENTRY_OVERHEAD + p.length;
  return n;
}

/**
 * A client's memory as CLIENT LIST's tot-mem counts it (maxmemory-clients evicts by it): query
 * buffer, the running command's arguments, queued MULTI commands, output buffers and bookkeeping.
 */
export function clientMemory(client: CommandSession, running?: Buffer[]): number {
  const qbuf = client.parser.buffered + client.parser.announced + (running !== undefined ? requestBytes(running) : 0);
  // The arguments of the running command, or (as Redis's argv) those read of an incomplete one.
  const argvMem = running !== undefined ? argvBytes(running) : client.parser.partialArgBytes;
  let multiMem = 0;
  if (client.multi !== undefined) for (const queued of client.multi) multiMem += argvBytes(queued);
  const omem = client.unsentBytes;
  return qbuf + argvMem + multiMem + client.out.allocated + omem + structureMemory(client);
}

/**
 * One CLIENT LIST / CLIENT INFO line, with Redis 7.0's fields in its order (and CLIENT SETINFO's
 * lib-name/lib-ver after them, as Redis 7.2). `running` is the command being executed by this
 * client, which Redis still holds: its bytes count in qbuf and its arguments in argv-mem.
 */
export function clientInfoLine(client: CommandSession, running?: Buffer[]): string {
  const now = Date.now();
  const socket = client.socket;
  const qbuf = client.parser.buffered + (running !== undefined ? requestBytes(running) : 0);
  const argvMem = running !== undefined ? argvBytes(running) : client.parser.partialArgLength;
  let multiMem = 0;
  if (client.multi !== undefined) for (const queued of client.multi) multiMem += argvBytes(queued);
  // Replies queued this turn (Redis's reply buffer), then what the socket holds for the kernel.
  const obl = client.out.size;
  const omem = client.unsentBytes;
  const fd = (socket as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd;
  const totMem = clientMemory(client, running);
  return [
    `id=${client.id}`,
    `addr=${client.addr}`,
    `laddr=${client.laddr}`,
    `fd=${typeof fd === 'number' && fd >= 0 ? fd : -1}`,
    `name=${client.name}`,
    `age=${Math.floor((now - client.createdAt) / 1000)}`,
    `idle=${Math.floor((now - client.lastInteraction) / 1000)}`,
    `flags=${clientFlags(client)}`,
    `db=${client.dbIndex}`,
    `sub=${client.channels.size}`,
    `psub=${client.patterns.size}`,
    `ssub=${client.shardChannels.size}`,
    `multi=${client.multi === undefined ? -1 : client.multi.length}`,
    `qbuf=${qbuf}`,
    `qbuf-free=${client.parser.announced}`,
    `argv-mem=${argvMem}`,
    `multi-mem=${multiMem}`,
    `rbs=${client.out.capacity}`,
    `rbp=${client.out.peak}`,
    `obl=${obl}`,
    `oll=0`,
    `omem=${omem}`,
    `tot-mem=${totMem}`,
    `events=r${obl + omem > 0 ? 'w' : ''}`,
    `cmd=${client.lastCommand}`,
    `user=${client.user}`,
    `redir=${client.tracking === undefined ? -1 : client.tracking.redirect}`,
    `resp=${client.proto}`,
    `lib-name=${client.libName}`,
    `lib-ver=${client.libVer}`,
  ].join(' ');
}

/** Forget everything per-connection (RESET, and AUTH-less re-login). */
function resetClient(ctx: CommandContext): void {
  const { server, client } = ctx;
  client.multi = undefined;
  client.multiDirty = false;
  server.unwatchAll(client);
  server.hub.removeClient(client);
  server.monitor.remove(client);
  client.monitor = false;
  server.tracking.disable(client);
  client.dbIndex = 0;
  client.proto = 2;
  client.replyMode = 'on';
  client.name = '';
  const acl = aclOf(server);
  if (acl.authRequired()) {
    client.authenticated = false;
  }
  client.user = 'default';
  client.aclUser = acl.defaultUser;
}

type Kill = (client: CommandSession) => boolean;

function clientKill(ctx: CommandContext, argv: Buffer[]): Reply {
  const { server, client: self } = ctx;
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port
    const addr = arg(argv, 2);
    for (const c of server.clients.values()) {
      if (c.addr === addr) {
        server.closeClient(c);
        return OK;
      }
    }
    return new ReplyError('ERR No such client');
  }
  if ((argv.length - 2) % 2 !== 0) throw Errors.syntax();
  const filters: Kill[] = [];
  let skipMe = true;
  let killMaster = false;
  for (let i = 2; i < argv.length; i += 2) {
    const option = lower(argv, i);
    const value = arg(argv, i + 1);
    switch (option) {
      case 'id': {
        const id = tryParseInteger(value);
        if (id === undefined || id <= 0) throw new ReplyError('ERR client-id should be greater than 0');
        filters.push((c) => c.id === id);
        break;
      }
      case 'addr':
        filters.push((c) => c.addr === value);
        break;
      case 'laddr':
        filters.push((c) => c.laddr === value);
        break;
      case 'user':
        if (!aclOf(server).users.has(value)) throw new ReplyError(`ERR No such user '${value}'`);
        filters.push((c) => c.user === value);
        break;
      case 'type': {
        const type = value.toLowerCase();
        if (type === 'normal') filters.push((c) => c.subscriptionCount === 0 && !c.monitor && attachedReplica(c) === undefined);
        else if (type === 'pubsub') filters.push((c) => c.subscriptionCount > 0);
        else if (type === 'slave' || type === 'replica') filters.push((c) => attachedReplica(c) !== undefined);
        else if (type === 'master') {
          // The master link has no entry in the client table: it is dropped (and reconnects) here.
          filters.push(() => false);
          killMaster = true;
        }
        else throw new ReplyError(`ERR Unknown client type '${value}'`);
        break;
      }
      case 'skipme': {
        const v = value.toLowerCase();
        if (v === 'yes') skipMe = true;
        else if (v === 'no') skipMe = false;
        else throw Errors.syntax();
        break;
      }
      default:
        throw Errors.syntax();
    }
  }
  let killed = 0;
  if (killMaster && filters.length === 1 && server.replicaLink?.dropConnection()) killed++;
  for (const c of [...server.clients.values()]) {
    if (skipMe && c === self) continue;
    if (!filters.every((f) => f(c))) continue;
    killed++;
    if (c === self) server.closeAfterReply(c);
    else server.closeClient(c);
  }
  return killed;
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP] */
function clientTracking(ctx: CommandContext, argv: Buffer[]): Reply {
  const { server, client } = ctx;
  let redirect = 0;
  const options = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const option = lower(argv, i);
    const more = i + 1 < argv.length;
    if (option === 'redirect' && more) {
      i++;
      if (redirect !== 0) throw new ReplyError('ERR A client can only redirect to a single other client');
      redirect = parseInteger(argv[i]!);
      // The target must exist now, though it may go away later (then the redirect is broken).
      if (!server.clients.has(redirect)) throw new ReplyError('ERR The client ID you want redirect to does not exist');
    } else if (option === 'bcast') options.bcast = true;
    else if (option === 'optin') options.optin = true;
    else if (option === 'optout') options.optout = true;
    else if (option === 'noloop') options.noloop = true;
    else if (option === 'prefix' && more) prefixes.push(arg(argv, ++i));
    else throw Errors.syntax();
  }
  const mode = lower(argv, 2);
  if (mode === 'off') {
    server.tracking.disable(client);
    return OK;
  }
  if (mode !== 'on') throw Errors.syntax();
  const current = client.tracking;
  if (!options.bcast && prefixes.length > 0) throw new ReplyError('ERR PREFIX option requires BCAST mode to be enabled');
  if (current !== undefined && current.bcast !== options.bcast) {
    throw new ReplyError(
      "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (options.bcast && (options.optin || options.optout)) throw new ReplyError('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (options.optin && options.optout) throw new ReplyError("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((options.optin && current?.optout) || (options.optout && current?.optin)) {
    throw new ReplyError(
      "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (options.bcast) {
    const collision = server.tracking.prefixCollision(client, prefixes);
    if (collision?.fatal) throw new ReplyError(collision.message);
    if (collision !== undefined) {
      // Redis 7.0 answers this case twice: the error, then +OK with tracking on (see prefixCollision).
      client.write(new ReplyError(collision.message));
      server.stats.errorReply('ERR');
    }
  }
  server.tracking.enable(client, redirect, options, prefixes);
  return OK;
}

function clientCaching(ctx: CommandContext, argv: Buffer[]): Reply {
  const t = ctx.client.tracking;
  if (t === undefined) {
    throw new ReplyError('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  const value = lower(argv, 2);
  if (value === 'yes') {
    if (!t.optin) throw new ReplyError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (value === 'no') {
    if (!t.optout) throw new ReplyError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else throw Errors.syntax();
  t.caching = true;
  return OK;
}

function clientTrackingInfo(ctx: CommandContext): Reply {
  const t = ctx.client.tracking;
  const flags: Reply[] = [t === undefined ? 'off' : 'on'];
  if (t !== undefined) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) flags.push('optin');
    if (t.optin && t.caching) flags.push('caching-yes');
    if (t.optout) flags.push('optout');
    if (t.optout && t.caching) flags.push('caching-no');
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  const prefixes = t === undefined ? [] : [...t.prefixes].sort().map((p) => Buffer.from(p, 'latin1'));
  return new MapReply(['flags', new SetReply(flags), 'redirect', t === undefined ? -1 : t.redirect, 'prefixes', prefixes]);
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  'GETNAME',
  'GETREDIR',
  'ID',
  'INFO',
  'KILL <ip:port>',
  'KILL <option> <value> [<option> <value> [...]]',
  'LIST [options ...]',
  'UNPAUSE',
  'PAUSE <timeout> [WRITE|ALL]',
  'REPLY (ON|OFF|SKIP)',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  'SETNAME <name>',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  'NO-EVICT (ON|OFF)',
  'HELP',
];

function sub(
  name: string,
  arity: number,
  handler: CommandSpec['handler'],
  flags: CommandSpec['flags'] = ['noscript', 'loading', 'stale'],
  categories: readonly string[] = ['@slow', '@connection'],
): CommandSpec {
  return { name: `client|${name}`, arity, flags, firstKey: 0, lastKey: 0, step: 0, categories, handler };
}

/** Subcommands Redis flags admin (and @dangerous), and CLIENT HELP, which scripts may call. */
const ADMIN_CLIENT_SUBCOMMANDS = new Set(['client|list', 'client|no-evict', 'client|pause', 'client|unpause']);
function asInRedis(spec: CommandSpec): CommandSpec {
  if (spec.name === 'client|help') return { ...spec, flags: ['loading', 'stale'] };
  if (!ADMIN_CLIENT_SUBCOMMANDS.has(spec.name)) return spec;
  return { ...spec, flags: ['admin', ...spec.flags], categories: ['@admin', '@slow', '@dangerous', '@connection'] };
}

const clientSubcommands: CommandSpec[] = [
  sub('id', 2, (ctx) => ctx.client.id),
  sub('getname', 2, (ctx) => (ctx.client.name === '' ? null : ctx.client.name)),
  sub('setname', 3, (ctx, argv) => {
    if (!validName(argv[2]!)) throw new ReplyError('ERR Client names cannot contain spaces, newlines or special characters.');
    ctx.client.name = arg(argv, 2);
    return OK;
  }),
  sub('setinfo', 4, (ctx, argv) => {
    const attr = lower(argv, 2);
    const value = arg(argv, 3);
    if (!validName(argv[3]!) && argv[3]!.length > 0) {
      throw new ReplyError(`ERR ${attr.toUpperCase()} cannot contain spaces, newlines or special characters.`);
    }
    if (attr === 'lib-name') ctx.client.libName = value;
    else if (attr === 'lib-ver') ctx.client.libVer = value;
    else throw new ReplyError(`ERR Unrecognized option '${arg(argv, 2)}'`);
    return OK;
  }),
  sub('info', 2, (ctx, argv) => new Verbatim('txt', clientInfoLine(ctx.client, argv) + '\n')),
  sub('list', -2, (ctx, argv) => {
    let clients = [...ctx.server.clients.values()];
    for (let i = 2; i < argv.length; ) {
      const option = lower(argv, i);
      // As Redis: TYPE must be the only filter (CLIENT LIST TYPE <type>).
      if (option === 'type' && argv.length === 4) {
        const type = lower(argv, i + 1);
        if (type === 'normal') clients = clients.filter((c) => c.subscriptionCount === 0 && attachedReplica(c) === undefined);
        else if (type === 'pubsub') clients = clients.filter((c) => c.subscriptionCount > 0);
        else if (type === 'replica' || type === 'slave') clients = clients.filter((c) => attachedReplica(c) !== undefined);
        else if (type === 'master') clients = [];
        else throw new ReplyError(`ERR Unknown client type '${arg(argv, i + 1)}'`);
        i += 2;
      } else if (option === 'id' && i + 1 < argv.length) {
        const ids = new Set<number>();
        for (i++; i < argv.length; i++) {
          const id = tryParseInteger(argv[i]!);
          if (id === undefined || id <= 0) throw new ReplyError('ERR Invalid client ID');
          ids.add(id);
        }
        clients = clients.filter((c) => ids.has(c.id));
      } else {
        throw Errors.syntax();
      }
    }
    return new Verbatim('txt', clients.map((c) => clientInfoLine(c, c === ctx.client ? argv : undefined) + '\n').join(''));
  }),
  sub('kill', -3, clientKill, ['admin', 'noscript', 'loading', 'stale'], ['@admin', '@slow', '@dangerous', '@connection']),
  sub('reply', 3, (ctx, argv) => {
    const mode = lower(argv, 2);
    if (mode === 'on') {
      ctx.client.replyMode = 'on';
      return OK;
    }
    if (mode === 'off') ctx.client.replyMode = 'off';
    else if (mode === 'skip') ctx.client.replyMode = 'skip';
    else throw Errors.syntax();
    // The CLIENT REPLY OFF/SKIP command itself gets no reply.
    return NO_REPLY;
  }),
  sub(
    'unblock',
    -3,
    (ctx, argv) => {
      if (argv.length > 4) throw StreamErrors.unknownSubcommandOrArity('UNBLOCK', 'CLIENT');
      let mode = 'timeout';
      if (argv.length === 4) {
        mode = lower(argv, 3);
        if (mode !== 'timeout' && mode !== 'error') {
          throw new ReplyError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
        }
      }
      const id = parseInteger(argv[2]!);
      const target = ctx.server.clients.get(id);
      if (!target || !ctx.server.blocking.isBlocked(target)) return 0;
      const reply =
        mode === 'error'
          ? new ReplyError('UNBLOCKED client unblocked via CLIENT UNBLOCK')
          : ctx.server.blocking.timeoutReplyOf(target);
      ctx.server.blocking.unblock(target, reply ?? null);
      return 1;
    },
    ['admin', 'noscript', 'loading', 'stale'],
    ['@admin', '@slow', '@dangerous', '@connection'],
  ),
  sub('no-evict', 3, (ctx, argv) => {
    const v = lower(argv, 2);
    if (v !== 'on' && v !== 'off') throw Errors.syntax();
    ctx.client.noEvict = v === 'on';
    return OK;
  }),
  sub('no-touch', 3, (_ctx, argv) => {
    const v = lower(argv, 2);
    if (v !== 'on' && v !== 'off') throw Errors.syntax();
    return OK;
  }),
  sub('pause', -3, (ctx, argv) => {
    if (argv.length > 4) throw StreamErrors.unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'CLIENT');
    const ms = tryParseInteger(argv[2]!);
    if (ms === undefined) throw new ReplyError('ERR timeout is not an integer or out of range');
    if (ms < 0) throw new ReplyError('ERR timeout is negative');
    let mode: 'write' | 'all' = 'all';
    if (argv.length === 4) {
      const m = lower(argv, 3);
      if (m !== 'write' && m !== 'all') throw new ReplyError('ERR CLIENT PAUSE mode must be WRITE or ALL');
      mode = m;
    }
    ctx.server.pause.pause(Number(ms), mode);
    return OK;
  }),
  sub('unpause', 2, (ctx) => {
    ctx.server.pause.unpause();
    return OK;
  }),
  sub('getredir', 2, (ctx) => ctx.client.tracking?.redirect ?? -1),
  sub('tracking', -3, clientTracking),
  sub('caching', 3, clientCaching),
  sub('trackinginfo', 2, clientTrackingInfo),
  sub('help', 2, () => CLIENT_HELP.map((l) => new Status(l))),
];

export const specs: CommandSpec[] = [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (ctx, argv) => {
      if (argv.length > 2) throw Errors.wrongArity('ping');
      if (ctx.client.inSubscribedMode) return ['pong', argv.length === 2 ? argv[1]! : ''];
      return argv.length === 2 ? argv[1]! : PONG;
    },
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (_ctx, argv) => argv[1]!,
  },
  {
    name: 'quit',
    arity: -1,
    flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (ctx) => {
      ctx.client.write(OK);
      ctx.server.closeAfterReply(ctx.client);
      return NO_REPLY;
    },
  },
  {
    name: 'reset',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (ctx) => {
      resetClient(ctx);
      return new Status('RESET');
    },
  },
  {
    name: 'hello',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (ctx, argv) => {
      let proto: 2 | 3 | undefined;
      if (argv.length >= 2) {
        const ver = tryParseInteger(argv[1]!);
        if (ver === undefined) throw new ReplyError('ERR Protocol version is not an integer or out of range');
        if (ver !== 2 && ver !== 3) throw new ReplyError('NOPROTO unsupported protocol version');
        proto = ver;
      }
      let setName: Buffer | undefined;
      for (let i = 2; i < argv.length; i++) {
        const option = lower(argv, i);
        if (option === 'auth' && i + 2 < argv.length) {
          const err = authenticate(ctx, arg(argv, i + 1), argv[i + 2]!, arg(argv, 0));
          if (err) return err;
          i += 2;
        } else if (option === 'setname' && i + 1 < argv.length) {
          setName = argv[i + 1]!;
          if (!validName(setName)) {
            throw new ReplyError('ERR Client names cannot contain spaces, newlines or special characters.');
          }
          i += 1;
        } else {
          throw new ReplyError(`ERR Syntax error in HELLO option '${arg(argv, i)}'`);
        }
      }
      if (!ctx.client.authenticated) throw Errors.noAuth();
      if (setName !== undefined) ctx.client.name = setName.toString('latin1');
      if (proto !== undefined) ctx.client.proto = proto;
      return helloReply(ctx);
    },
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (ctx, argv) => {
      if (argv.length > 3) throw Errors.syntax();
      if (argv.length === 2 && aclOf(ctx.server).defaultUser.nopass) throw Errors.authNotConfigured();
      const user = argv.length === 3 ? arg(argv, 1) : 'default';
      const err = authenticate(ctx, user, argv[argv.length - 1]!, arg(argv, 0));
      return err ?? OK;
    },
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@fast', '@connection'],
    handler: (ctx, argv) => {
      const index = parseInteger(argv[1]!);
      // Redis reads a DB index as a C int.
      if (index < -2147483648 || index > 2147483647) throw KeyErrors.notInt32();
      if (index < 0 || index >= ctx.server.dbs.length) throw Errors.dbIndexOutOfRange();
      ctx.client.dbIndex = index;
      return OK;
    },
  },
  {
    name: 'client',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@slow'],
    handler: () => OK,
    subcommands: clientSubcommands.map(asInRedis),
  },
];

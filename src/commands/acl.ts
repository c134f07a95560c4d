// The ACL command: users and their rules (SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI), the
// category table (CAT), GENPASS, the denial log (LOG) and DRYRUN. Rules live in src/security/acl.ts.
import { randomBytes } from 'node:crypto';
import { Errors, StreamErrors } from '../protocol/errors.js';
import { tryParseInteger } from '../protocol/numbers.js';
import { MapReply, OK, ReplyError, SetReply, Status, type Reply } from '../protocol/reply.js';
import { lookupCommand, lookupError, LookupFailure } from './lookup.js';
import { ACL_CATEGORIES, AclErrors, aclOf, AclUser, joinSelectors, type Selector } from '../security/acl.js';
import { aclLogOf } from '../security/acl-log.js';
import type { CommandContext, CommandSpec } from './types.js';

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const ADMIN_CATEGORIES = ['@admin', '@slow', '@dangerous'];

function sub(name: string, arity: number, handler: CommandSpec['handler'], admin = true): CommandSpec {
  return {
    name: `acl|${name}`,
    arity,
    flags: admin ? ADMIN : ['noscript', 'loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: admin ? ADMIN_CATEGORIES : ['@slow'],
    handler,
  };
}

function setuser(ctx: CommandContext, argv: Buffer[]): Reply {
  const store = aclOf(ctx.server);
  const name = argv[2]!.toString('latin1');
  if (/[ \t\n\v\f\r\0]/.test(name)) return new ReplyError("ERR Usernames can't contain spaces or null characters");
  const existing = store.users.get(name);
  const pubsubDefault = store.pubsubDefault();
  let draft: AclUser;
  if (existing) draft = existing.clone();
  else {
    draft = new AclUser(name, store.table);
    draft.apply(pubsubDefault, pubsubDefault);
  }
  const ops = joinSelectors(argv.slice(3).map((a) => a.toString('latin1')));
  if (ops instanceof ReplyError) return ops;
  for (const op of ops) {
    if (op === '') continue; // an empty rule changes nothing, as in Redis
    const why = draft.apply(op, pubsubDefault);
    if (why !== undefined) return AclErrors.setuser(op, why);
  }
  draft.refresh();
  if (existing) {
    existing.assign(draft);
    disconnectRevokedSubscribers(ctx, existing);
  } else store.users.set(name, draft);
  return OK;
}

/** As Redis 7.0: a subscriber whose user may no longer use one of its channels is disconnected. */
function disconnectRevokedSubscribers(ctx: CommandContext, user: AclUser): void {
  for (const c of [...ctx.server.clients.values()]) {
    if (c.aclUser !== user || c.subscriptionCount === 0 || user.allowsSubscriptions(c)) continue;
    if (c === ctx.client) ctx.server.closeAfterReply(c);
    else ctx.server.closeClient(c);
  }
}

function selectorReply(s: Selector): Reply[] {
  return ['commands', s.describeCommands(), 'keys', s.describeKeys(), 'channels', s.describeChannels()];
}

function getuser(ctx: CommandContext, argv: Buffer[]): Reply {
  const user = aclOf(ctx.server).users.get(argv[2]!.toString('latin1'));
  if (user === undefined) return null;
  return new MapReply([
    'flags',
    new SetReply(user.flags()),
    'passwords',
    [...user.passwords],
    'commands',
    user.root.describeCommands(),
    'keys',
    user.root.describeKeys(),
    'channels',
    user.root.describeChannels(),
    'selectors',
    user.selectors.map((s) => new MapReply(selectorReply(s))),
  ]);
}

function deluser(ctx: CommandContext, argv: Buffer[]): Reply {
  const store = aclOf(ctx.server);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i]!.toString('latin1');
    if (name === 'default') return new ReplyError("ERR The 'default' user cannot be removed");
  }
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i]!.toString('latin1');
    const user = store.users.get(name);
    if (user === undefined) continue;
    store.users.delete(name);
    deleted++;
    // Connections logged in as a deleted user are closed, as in Redis.
    for (const c of [...ctx.server.clients.values()]) {
      if (c.aclUser !== user) continue;
      if (c === ctx.client) ctx.server.closeAfterReply(c);
      else ctx.server.closeClient(c);
    }
  }
  return deleted;
}

function cat(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length === 2) return [...ACL_CATEGORIES];
  if (argv.length > 3) throw StreamErrors.unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'ACL');
  const category = argv[2]!.toString('latin1');
  const lower = category.toLowerCase();
  if (!(ACL_CATEGORIES as readonly string[]).includes(lower)) return new ReplyError(`ERR Unknown category '${category}'`);
  return aclOf(ctx.server).table.inCategory(lower);
}

function genpass(_ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length > 3) throw StreamErrors.unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'ACL');
  let bits = 256;
  if (argv.length === 3) {
    const n = tryParseInteger(argv[2]!);
    if (n === undefined) throw Errors.notInteger();
    if (n <= 0 || n > 4096) {
      return new ReplyError('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    }
    bits = n;
  }
  const chars = Math.ceil(bits / 4);
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

function log(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length > 3) throw StreamErrors.unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'ACL');
  const acllog = aclLogOf(ctx.server);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toString('latin1').toLowerCase() === 'reset') {
      acllog.reset();
      return OK;
    }
    const n = tryParseInteger(argv[2]!);
    if (n === undefined) throw Errors.notInteger();
    count = Math.max(0, n);
  }
  return acllog.reply(count);
}

function dryrun(ctx: CommandContext, argv: Buffer[]): Reply {
  const username = argv[2]!.toString('latin1');
  const user = aclOf(ctx.server).users.get(username);
  if (user === undefined) return new ReplyError(`ERR User '${username}' not found`);
  const command = argv.slice(3);
  const spec = ctx.server.table.get(command[0]!.toString('latin1'));
  if (spec === undefined) return new ReplyError(`ERR Command '${command[0]!.toString('latin1')}' not found`);
  const resolved = lookupCommand(ctx.server.table, command);
  if (resolved === LookupFailure.unknownSubcommand) return new ReplyError(`ERR Command '${command[0]!.toString('latin1')}' not found`);
  if (typeof resolved === 'number') return lookupError(ctx.server.table, command, resolved);
  const result = user.check(resolved, command);
  if (result.denied === 0) return OK;
  if (result.denied === 1) return `This user has no permissions to run the '${resolved.name}' command`;
  if (result.denied === 2) return `This user has no permissions to access the '${result.object}' key`;
  return `This user has no permissions to access the '${result.object}' channel`;
}

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

const NO_ACLFILE = () =>
  new ReplyError('ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.');

const sortedNames = (ctx: CommandContext) => [...aclOf(ctx.server).users.keys()].sort();

export const specs: CommandSpec[] = [
  {
    name: 'acl',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@slow'],
    handler: () => OK,
    subcommands: [
      sub('cat', -2, cat, false),
      sub('deluser', -3, deluser),
      sub('dryrun', -4, dryrun),
      sub('genpass', -2, genpass, false),
      sub('getuser', 3, getuser),
      sub('list', 2, (ctx) => sortedNames(ctx).map((n) => aclOf(ctx.server).users.get(n)!.describe())),
      sub('load', 2, (ctx) => {
        const store = aclOf(ctx.server);
        const file = store.aclfile();
        if (file === '') return NO_ACLFILE();
        const error = store.loadFile(file, ctx.client);
        return error === undefined ? OK : new ReplyError(`ERR ${error}`);
      }),
      sub('log', -2, log),
      sub('save', 2, (ctx) => {
        const store = aclOf(ctx.server);
        const file = store.aclfile();
        if (file === '') return NO_ACLFILE();
        if (store.saveFile(file)) return OK;
        return new ReplyError('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
      }),
      sub('setuser', -3, setuser),
      sub('users', 2, sortedNames),
      sub('whoami', 2, (ctx) => ctx.client.user, false),
      { ...sub('help', 2, () => ACL_HELP.map((l) => new Status(l)), false), flags: ['loading', 'stale'] },
    ],
  },
];

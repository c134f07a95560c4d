// Cluster commands on a server without cluster mode, as Redis 7.0 answers them with
// `cluster-enabled no` (Tidings refuses `cluster-enabled yes`): CLUSTER and every subcommand,
// READONLY, READWRITE and ASKING exist, so COMMAND lists them and scripts, ACLs and MULTI treat
// them as Redis does, and each answers that cluster support is disabled.
import { ReplyError } from '../protocol/reply.js';
import { REDIS_COMMAND_INFO, type Tagged } from './redis-command-docs.js';
import type { CommandFlag, CommandSpec } from './types.js';

const disabled = (): ReplyError => new ReplyError('ERR This instance has cluster support disabled');

const KNOWN_FLAGS: ReadonlySet<string> = new Set<CommandFlag>([
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor',
  'skip_slowlog', 'fast', 'no_auth', 'may_replicate', 'no_mandatory_keys', 'no_multi', 'allow_busy', 'movablekeys',
]);

const names = (set: Tagged): string[] => (set as { '~': { '+': string }[] })['~'].map((s) => s['+']);

/** A spec from redis-server's own COMMAND entry (arity, flags, key positions, ACL categories). */
function fromRedis(entry: Tagged[], handler: CommandSpec['handler']): CommandSpec {
  const spec: CommandSpec = {
    name: entry[0] as string,
    arity: entry[1] as number,
    flags: names(entry[2]!).filter((f) => KNOWN_FLAGS.has(f)) as CommandFlag[],
    firstKey: entry[3] as number,
    lastKey: entry[4] as number,
    step: entry[5] as number,
    categories: names(entry[6]!),
    handler,
  };
  const subs = entry[9];
  if (Array.isArray(subs) && subs.length > 0) spec.subcommands = subs.map((s) => fromRedis(s as Tagged[], handler));
  return spec;
}

export const specs: CommandSpec[] = ['cluster', 'readonly', 'readwrite', 'asking'].map((name) => fromRedis(REDIS_COMMAND_INFO[name]!, disabled));

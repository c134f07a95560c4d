// Name → spec resolution, shared by dispatch, redis.call, ACL DRYRUN and COMMAND INFO/GETKEYS.
// It lives beside the specs so that command groups can resolve names without importing server/.
import { Errors } from '../protocol/errors.js';
import type { ReplyError } from '../protocol/reply.js';
import type { CommandSpec } from './types.js';

/** The command table as seen from here: a case-insensitive lookup by the name as sent. */
export interface CommandLookup {
  get(name: string): CommandSpec | undefined;
}

/** Find a container command's subcommand by name (case-insensitive). */
export function findSubcommand(spec: CommandSpec, sub: string): CommandSpec | undefined {
  const full = `${spec.name}|${sub.toLowerCase()}`;
  return spec.subcommands?.find((s) => s.name === full);
}

/** Resolve argv to a spec, or an error reply. Subcommands of container commands included. */
export function resolveCommand(server: { readonly table: CommandLookup }, argv: Buffer[]): CommandSpec | ReplyError {
  const sent = argv[0]!.toString('latin1');
  let spec = server.table.get(sent);
  if (spec === undefined) return Errors.unknownCommand(sent, argv.slice(1));
  if (spec.subcommands !== undefined && argv.length >= 2) {
    const sub = findSubcommand(spec, argv[1]!.toString('latin1'));
    if (sub === undefined) return Errors.unknownSubcommand(argv[1]!.toString('latin1'), spec.name);
    spec = sub;
  }
  const arity = spec.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return Errors.wrongArity(spec.name);
  return spec;
}

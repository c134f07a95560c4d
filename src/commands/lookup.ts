// Name → spec resolution, shared by dispatch, redis.call, ACL DRYRUN and COMMAND INFO/GETKEYS.
// It lives beside the specs so that command groups can resolve names without importing server/.
import { Errors } from '../protocol/errors.js';
import type { ReplyError } from '../protocol/reply.js';
import type { CommandSpec } from './types.js';

/** The command table as seen from here: a case-insensitive lookup by the name as sent. */
export interface CommandLookup {
  get(name: string): CommandSpec | undefined;
}

/**
 * Why argv did not resolve. Callers that answer with texts of their own (redis.call, ACL DRYRUN)
 * branch on these codes instead of reading the error text.
 */
export const LookupFailure = { unknownCommand: 1, unknownSubcommand: 2, wrongArity: 3 } as const;
export type LookupFailure = (typeof LookupFailure)[keyof typeof LookupFailure];

/** Redis's arity convention: N > 0 means exactly N arguments (name included), -N at least N. */
export function arityAllows(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}

/** Find a container command's subcommand by name (case-insensitive). */
export function findSubcommand(spec: CommandSpec, sub: string): CommandSpec | undefined {
  const full = `${spec.name}|${sub.toLowerCase()}`;
  return spec.subcommands?.find((s) => s.name === full);
}

/** The one resolver: argv → spec (a container's subcommand included, arity checked), or why not. */
export function lookupCommand(table: CommandLookup, argv: Buffer[]): CommandSpec | LookupFailure {
  let spec = table.get(argv[0]!.toString('latin1'));
  if (spec === undefined) return LookupFailure.unknownCommand;
  if (spec.subcommands !== undefined && argv.length >= 2) {
    const sub = findSubcommand(spec, argv[1]!.toString('latin1'));
    if (sub === undefined) return LookupFailure.unknownSubcommand;
    spec = sub;
  }
  return arityAllows(spec.arity, argv.length) ? spec : LookupFailure.wrongArity;
}

/** The client-facing error for a failed lookup of argv. */
export function lookupError(table: CommandLookup, argv: Buffer[], failure: LookupFailure): ReplyError {
  const sent = argv[0]!.toString('latin1');
  if (failure === LookupFailure.unknownCommand) return Errors.unknownCommand(sent, argv.slice(1));
  const spec = table.get(sent)!;
  if (failure === LookupFailure.unknownSubcommand) return Errors.unknownSubcommand(argv[1]!.toString('latin1'), spec.name);
  const sub = spec.subcommands !== undefined && argv.length >= 2 ? findSubcommand(spec, argv[1]!.toString('latin1')) : undefined;
  return Errors.wrongArity((sub ?? spec).name);
}

/** Resolve argv to a spec, or the error reply for it. */
export function resolveCommand(server: { readonly table: CommandLookup }, argv: Buffer[]): CommandSpec | ReplyError {
  const found = lookupCommand(server.table, argv);
  return typeof found === 'number' ? lookupError(server.table, argv, found) : found;
}

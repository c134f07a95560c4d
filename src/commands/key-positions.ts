// Where a command's keys are in its arguments: the fixed positions of the spec (firstKey, lastKey,
// step) or, for commands with movable keys, a parse of the arguments. COMMAND GETKEYS and the ACL
// key checks both use it, so they agree on what a key is.
import { tryParseInteger } from '../protocol/numbers.js';
import { ReplyError } from '../protocol/reply.js';
import type { CommandSpec } from './types.js';

/** Commands whose keys follow a numkeys argument: where numkeys is, and fixed keys before it. */
export const NUMKEYS_AT: Record<string, number> = {
  eval: 2, evalsha: 2, eval_ro: 2, evalsha_ro: 2, fcall: 2, fcall_ro: 2,
  zunionstore: 2, zinterstore: 2, zdiffstore: 2, blmpop: 2, bzmpop: 2,
  zunion: 1, zinter: 1, zdiff: 1, zintercard: 1, sintercard: 1, lmpop: 1, zmpop: 1,
};

export const INVALID_GETKEYS_ARGS = () => new ReplyError('ERR Invalid arguments specified for command');

/** Keys of a command whose key positions depend on its arguments (COMMAND INFO's movablekeys). */
function movableKeysOf(name: string, argv: Buffer[]): Buffer[] | undefined {
  const at = NUMKEYS_AT[name];
  if (at !== undefined) {
    const script = name.startsWith('eval') || name.startsWith('fcall');
    const fixed = at === 2 && !script && !name.startsWith('b') ? [argv[1]!] : [];
    const n = tryParseInteger(argv[at]!);
    if (n === undefined || n < (script ? 0 : 1) || at + 1 + n > argv.length) {
      // Scripts may have no keys; a set operation with a bad numkeys is not a command.
      if (script) return [];
      throw INVALID_GETKEYS_ARGS();
    }
    return [...fixed, ...argv.slice(at + 1, at + 1 + n)];
  }
  if (name === 'xread' || name === 'xreadgroup') {
    const streams = argv.findIndex((a, i) => i > 0 && a.toString('latin1').toLowerCase() === 'streams');
    if (streams === -1) throw INVALID_GETKEYS_ARGS();
    const rest = argv.length - streams - 1;
    return argv.slice(streams + 1, streams + 1 + Math.floor(rest / 2));
  }
  if (name === 'migrate') {
    // The key argument, or with KEYS (skipping AUTH's and AUTH2's arguments) every argument after it.
    for (let i = 6; i < argv.length; i++) {
      const opt = argv[i]!.toString('latin1').toLowerCase();
      if (opt === 'auth') i += 1;
      else if (opt === 'auth2') i += 2;
      else if (opt === 'keys') return argv[3]!.length === 0 ? argv.slice(i + 1) : [];
    }
    return [argv[3]!];
  }
  if (name === 'sort') {
    // The last STORE's argument, skipping the arguments of LIMIT, GET and BY.
    const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
    let store: Buffer | undefined;
    for (let i = 2; i < argv.length; i++) {
      const opt = argv[i]!.toString('latin1').toLowerCase();
      if (opt in skip) i += skip[opt]!;
      else if (opt === 'store' && i + 1 < argv.length) store = argv[i + 1];
    }
    return store === undefined ? [argv[1]!] : [argv[1]!, store];
  }
  if (name === 'georadius' || name === 'georadiusbymember') {
    // Key specs: the first STORE and the first STOREDIST from the options on, each followed by a key.
    const from = name === 'georadius' ? 6 : 5;
    const keys = [argv[1]!];
    for (const keyword of ['store', 'storedist']) {
      for (let i = from; i < argv.length - 1; i++) {
        if (argv[i]!.toString('latin1').toLowerCase() === keyword) {
          keys.push(argv[i + 1]!);
          break;
        }
      }
    }
    return keys;
  }
  return undefined;
}

export function keysOf(spec: Pick<CommandSpec, 'name' | 'firstKey' | 'lastKey' | 'step'>, argv: Buffer[]): Buffer[] {
  const movable = movableKeysOf(spec.name, argv);
  if (movable !== undefined) return movable;
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  const keys: Buffer[] = [];
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) keys.push(argv[i]!);
  return keys;
}


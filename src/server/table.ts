// The command table: every group's specs in one map, looked up by lower-case name.
import type { CommandSpec } from '../commands/types.js';
import { keysOf } from '../commands/key-positions.js';
import { specs as connection } from '../commands/connection.js';
import { specs as admin } from '../commands/server.js';
import { specs as pubsub } from '../commands/pubsub.js';
import { specs as transactions } from '../commands/transactions.js';
import { specs as keys } from '../commands/keys.js';
import { specs as strings } from '../commands/strings.js';
import { specs as bitmaps } from '../commands/bitmaps.js';
import { specs as hyperloglog } from '../commands/hyperloglog.js';
import { specs as lists } from '../commands/lists.js';
import { specs as hashes } from '../commands/hashes.js';
import { specs as sets } from '../commands/sets.js';
import { specs as zsets } from '../commands/zsets.js';
import { specs as streams } from '../commands/streams.js';
import { specs as scripting } from '../commands/scripting.js';
import { specs as dump } from '../commands/dump.js';
import { specs as migrate } from '../commands/migrate.js';
import { specs as geo } from '../commands/geo.js';
import { specs as sort } from '../commands/sort.js';
import { specs as tidings } from '../commands/tidings.js';
import { specs as acl } from '../commands/acl.js';
import { specs as replication } from '../commands/replication.js';
import { specs as cluster } from '../commands/cluster.js';

/**
 * Every group's specs. Built on first use rather than at import, so that the order in which the
 * command modules finish loading (some of them import server modules that import this one) can
 * never leave a group uninitialised here.
 */
let all: readonly CommandSpec[] | undefined;
export function allSpecs(): readonly CommandSpec[] {
  all ??= [
    ...connection,
    ...admin,
    ...pubsub,
    ...transactions,
    ...keys,
    ...strings,
    ...bitmaps,
    ...hyperloglog,
    ...lists,
    ...hashes,
    ...sets,
    ...zsets,
    ...streams,
    ...scripting,
    ...dump,
    ...migrate,
    ...geo,
    ...sort,
    ...tidings,
    ...acl,
    ...replication,
    ...cluster,
  ];
  return all;
}

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();

  constructor(specs: readonly CommandSpec[] = allSpecs()) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`duplicate command spec: ${spec.name}`);
      this.byName.set(spec.name, spec);
    }
  }

  /** Look up by the name as sent; case-insensitive. */
  get(name: string): CommandSpec | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** rename-command: the command answers to `to` only; "" disables it. */
  rename(from: string, to: string): void {
    const spec = this.byName.get(from.toLowerCase());
    if (!spec) throw new Error('No such command in rename-command');
    if (to !== '' && this.byName.has(to.toLowerCase())) throw new Error('Target command name already exists');
    this.byName.delete(from.toLowerCase());
    if (to !== '') this.byName.set(to.toLowerCase(), spec);
  }

  /** A command's keys in its arguments (movable ones too): what COMMAND GETKEYS and ACL find. */
  keysOf(spec: Pick<CommandSpec, 'name' | 'firstKey' | 'lastKey' | 'step'>, argv: Buffer[]): Buffer[] {
    return keysOf(spec, argv);
  }

  all(): IterableIterator<CommandSpec> {
    return this.byName.values();
  }

  get size(): number {
    return this.byName.size;
  }
}

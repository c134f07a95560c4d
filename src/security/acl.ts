// ACL users as in Redis 7.0: the rule language of ACL SETUSER, its canonical description (ACL LIST,
// GETUSER), and the permission check the dispatcher runs before a command is queued or executed.
// Command permissions are a set of allowed command names (subcommands named `container|sub`),
// which plays the part of Redis's per-user command bitmap.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ReplyError } from '../protocol/reply.js';
import { globMatch } from '../pubsub/glob.js';
import { KEY_SPEC_ACCESS } from './key-access.js';
import type { AclCommandSpec as CommandSpec, AclHost, AclSession, KeyFinder } from './host.js';
import { aclLogOf } from './acl-log.js';

/** Redis 7.0's categories, in the order ACL CAT lists them and ACL LIST tries them. */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
  'transaction', 'scripting',
] as const;

export const AclErrors = {
  setuser: (op: string, why: string) => new ReplyError(`ERR Error in ACL SETUSER modifier '${cutAtNul(op)}': ${why}`),
  syntax: 'Syntax error',
  unknown: 'Unknown command or category name in ACL',
  keysAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  firstArgOfSub: 'Allowing first-arg of a subcommand is not supported',
  noPermCommand: (name: string) => new ReplyError(`NOPERM this user has no permissions to run the '${name}' command`),
  noPermKey: () => new ReplyError('NOPERM this user has no permissions to access one of the keys used as arguments'),
  noPermChannel: () => new ReplyError('NOPERM this user has no permissions to access one of the channels used as arguments'),
  changedSinceQueued: (denied: 1 | 2 | 4) =>
    new ReplyError(
      'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
        'This command is no longer allowed for the following reason: ' +
        (denied === 1
          ? 'no permission to execute the command or subcommand'
          : denied === 2
            ? 'no permission to touch the specified keys'
            : 'no permission to access one of the channels used as arguments'),
    ),
  scriptCommand: () => new ReplyError("ERR The user executing the script can't run this command or subcommand"),
  scriptKey: () =>
    new ReplyError("ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"),
  scriptChannel: () => new ReplyError("ERR The user executing the script can't publish to the channel mentioned in the command"),
};

/** A selector's answer: 0 when allowed, else the reason and the denied item (and its position). */
export interface SelectorVerdict {
  denied: 0 | 1 | 2 | 4;
  object?: string;
  index?: number;
}

/** Their "key" is a shard channel (a key spec flagged not_key): checked as a channel only. */
const SHARD_CHANNEL_COMMANDS = new Set(['spublish', 'ssubscribe', 'sunsubscribe']);

const READ = 1;
const WRITE = 2;

interface KeyPattern {
  pattern: string;
  flags: number;
  /** The pattern's bytes without its trailing `*`s when it is a plain prefix (`jobs:*`), or all of
   * them when it has no glob character at all: matched on the key's bytes, without a string. */
  literal?: Buffer;
  /** `literal` is a prefix (the pattern ended in `*`). */
  prefix?: boolean;
  /** The literal's first byte, or -1 for a glob: most keys are told apart from most patterns by it. */
  first: number;
}

/** A key pattern with its fast form: a literal or `literal*` is matched byte by byte. */
function keyPattern(pattern: string, flags: number): KeyPattern {
  let end = pattern.length;
  while (end > 0 && pattern.charCodeAt(end - 1) === 42 /* * */) end--;
  const head = pattern.slice(0, end);
  // An empty text matches only an empty pattern (globMatch's rule): leave those to globMatch.
  if (head.length === 0 || /[*?[\\]/.test(head)) return { pattern, flags, first: -1 };
  const literal = Buffer.from(head, 'latin1');
  return { pattern, flags, literal, prefix: end < pattern.length, first: literal[0]! };
}

/** Does the key match the pattern (a glob on the key as latin1, as Redis matches bytes)? */
function keyMatches(k: KeyPattern, key: Buffer): boolean {
  const lit = k.literal;
  if (lit === undefined) return globMatch(k.pattern, key.toString('latin1'));
  const n = lit.length;
  if (k.prefix ? key.length < n : key.length !== n) return false;
  for (let i = 0; i < n; i++) if (key[i] !== lit[i]) return false;
  return true;
}

/** Does one of the patterns give `need` access to the key? */
function keyAllowed(keys: readonly KeyPattern[], key: Buffer, need: number): boolean {
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j]!;
    if ((k.flags & need) === need && keyMatches(k, key)) return true;
  }
  return false;
}

/** Patterns that may match a key starting with the byte (index 256: the empty key): globs and the literals starting with it. */
function patternsByFirstByte(keys: readonly KeyPattern[]): KeyPattern[][] {
  const byFirst: KeyPattern[][] = [];
  for (let b = 0; b <= 256; b++) byFirst.push(keys.filter((k) => k.first < 0 || k.first === b));
  return byFirst;
}

/** What the ACL check needs to know of a command, worked out once per spec (AclTable.accessOf). */
interface CommandAccess {
  noAuth: boolean;
  /** How the keys are found: 0 none checked, 1 fixed positions (first, last, step), 2 keysOf. */
  keys: 0 | 1 | 2;
  first: number;
  lastKey: number;
  step: number;
  /** The access every key needs, or -1 when it depends on the arguments or the key's index. */
  need: number;
  specs: readonly number[] | undefined;
  /** 0 no channels, 1 PUBLISH/SPUBLISH (the one channel in argv[1]), 2 channelsOf. */
  channels: 0 | 1 | 2;
}

/** Worked out once per spec and table (AclTable.accessOf keeps them). */
function describeAccess(spec: CommandSpec): CommandAccess {
  const name = spec.name;
  const movable = spec.flags.includes('movablekeys');
  const specs = KEY_SPEC_ACCESS[name];
  const keys = SHARD_CHANNEL_COMMANDS.has(name) || (spec.firstKey === 0 && !movable) ? 0 : movable ? 2 : 1;
  // SET (GET option), SORT (STORE) and BITFIELD (its operations) need what their arguments say.
  const varies = name === 'set' || name === 'sort' || name === 'bitfield' || (specs !== undefined && specs.length > 1);
  return {
    noAuth: spec.flags.includes('no_auth'),
    keys,
    first: spec.firstKey,
    lastKey: spec.lastKey,
    step: spec.step,
    need: varies ? -1 : specs === undefined ? fallbackNeed(spec) : specs[0]!,
    specs,
    channels: name === 'publish' || name === 'spublish' ? 1 : channelsOf(name, []) !== undefined ? 2 : 0,
  };
}

const ALLOWED: SelectorVerdict = Object.freeze({ denied: 0 });

/** One set of command, key and channel permissions: the user's root rules, or a `(...)` selector. */
export class Selector {
  /** Names of allowed commands and subcommands. */
  allowed = new Set<string>();
  /** Set by +@all: commands added later are allowed too (Redis's reserved bit). */
  allCommands = false;
  /** Allowed first arguments of otherwise denied commands (+select|0), in order. */
  firstArgs = new Map<string, string[]>();
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: string[] = [];
  allChannels = false;
  /** `keys` indexed by a key's first byte (see candidates), and the array and length it was built from. */
  private byFirst: KeyPattern[][] = [];
  private indexed: KeyPattern[] | undefined;
  private indexedLength = -1;

  constructor(private readonly table: AclTable) {}

  /** The patterns that can match a key: most keys are told apart from most literals by their first byte. */
  private candidates(key: Buffer): KeyPattern[] {
    // Rules replace `keys` or push to it; a flag change (%R~ then %W~) edits a shared pattern in place.
    if (this.indexed !== this.keys || this.indexedLength !== this.keys.length) {
      this.byFirst = patternsByFirstByte(this.keys);
      this.indexed = this.keys;
      this.indexedLength = this.keys.length;
    }
    return this.byFirst[key.length > 0 ? key[0]! : 256]!;
  }

  clone(): Selector {
    const s = new Selector(this.table);
    s.allowed = new Set(this.allowed);
    s.allCommands = this.allCommands;
    s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.keys = this.keys.map((k) => ({ ...k }));
    s.allKeys = this.allKeys;
    s.channels = [...this.channels];
    s.allChannels = this.allChannels;
    return s;
  }

  /** Apply one rule; returns an error reason, or undefined. */
  apply(op: string): string | undefined {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [{ pattern: '*', flags: READ | WRITE, first: -1 }];
      return undefined;
    }
    if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
      return undefined;
    }
    if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = ['*'];
      return undefined;
    }
    if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
      return undefined;
    }
    if (lower === 'allcommands' || lower === '+@all') {
      this.allCommands = true;
      for (const name of this.table.names) this.allowed.add(name);
      this.firstArgs.clear();
      return undefined;
    }
    if (lower === 'nocommands' || lower === '-@all') {
      this.allCommands = false;
      this.allowed.clear();
      this.firstArgs.clear();
      return undefined;
    }
    if (op.startsWith('~') || op.startsWith('%')) {
      let flags = READ | WRITE;
      let pattern = op.slice(1);
      if (op.startsWith('%')) {
        flags = 0;
        let i = 1;
        for (; i < op.length && op[i] !== '~'; i++) {
          if (op[i] === 'R') flags |= READ;
          else if (op[i] === 'W') flags |= WRITE;
          else return AclErrors.syntax;
        }
        if (flags === 0) return AclErrors.syntax;
        pattern = op.slice(i + 1);
      }
      if (this.allKeys) return AclErrors.keysAfterAll;
      const existing = this.keys.find((k) => k.pattern === pattern);
      if (existing) existing.flags |= flags;
      else this.keys.push(keyPattern(pattern, flags));
      return undefined;
    }
    if (op.startsWith('&')) {
      if (this.allChannels) return AclErrors.channelsAfterAll;
      const pattern = op.slice(1);
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      return undefined;
    }
    if ((op.startsWith('+') || op.startsWith('-')) && op[1] === '@') {
      const category = lower.slice(2);
      if (!(ACL_CATEGORIES as readonly string[]).includes(category)) return AclErrors.unknown;
      for (const name of this.table.inCategory(category)) this.set(name, op[0] === '+');
      return undefined;
    }
    if (op.startsWith('+') || op.startsWith('-')) {
      const allow = op[0] === '+';
      const body = lower.slice(1);
      const bar = body.indexOf('|');
      if (bar === -1 || !allow) {
        // `-container|sub` names a subcommand; a first argument cannot be removed.
        const spec = this.table.find(body);
        if (spec === undefined) return AclErrors.unknown;
        this.setSpec(spec, allow);
        return undefined;
      }
      const container = this.table.find(body.slice(0, bar));
      if (container === undefined) return AclErrors.unknown;
      const rest = body.slice(bar + 1);
      if (container.subcommands !== undefined) {
        const sub = this.table.find(body);
        if (sub === undefined) return rest.includes('|') ? AclErrors.firstArgOfSub : AclErrors.unknown;
        this.setSpec(sub, true);
        return undefined;
      }
      if (rest === '') return AclErrors.syntax;
      if (rest.includes('|')) return AclErrors.unknown;
      if (this.allowed.has(container.name)) return undefined;
      const list = this.firstArgs.get(container.name) ?? [];
      if (!list.includes(rest)) list.push(rest);
      this.firstArgs.set(container.name, list);
      return undefined;
    }
    return AclErrors.syntax;
  }

  private setSpec(spec: CommandSpec, allow: boolean): void {
    this.set(spec.name, allow);
    for (const sub of spec.subcommands ?? []) this.set(sub.name, allow);
  }

  private set(name: string, allow: boolean): void {
    if (allow) this.allowed.add(name);
    else this.allowed.delete(name);
    this.firstArgs.delete(name);
  }

  /** Redis's canonical form: keys, channels, then commands rebuilt from the permission set. */
  describe(): string {
    const parts: string[] = [];
    if (this.allKeys) parts.push('~*');
    else for (const k of this.keys) parts.push(`${k.flags === (READ | WRITE) ? '' : k.flags === READ ? '%R' : '%W'}~${k.pattern}`);
    if (this.allChannels) parts.push('&*');
    else {
      parts.push('resetchannels');
      for (const c of this.channels) parts.push(`&${c}`);
    }
    parts.push(this.describeCommands());
    return parts.join(' ');
  }

  describeKeys(): string {
    return this.describe().split(' ').filter((p) => p.startsWith('~') || p.startsWith('%')).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }

  /**
   * As Redis: start from +@all or -@all, then repeatedly add the category that best fits the
   * allowed commands (or remove the best-fitting denied one): most of its commands must match, the
   * highest share wins, then the larger category. Each category used is inverted in a working copy
   * so overlapping categories are counted without its commands. Finally list the single commands
   * that still differ. (Order observed from redis-server 7.0.)
   */
  describeCommands(): string {
    const additive = !this.allCommands;
    const rules = [additive ? '-@all' : '+@all'];
    const fake = new Set<string>(additive ? [] : this.table.names);
    const work = new Set(this.allowed);
    const used = new Set<string>();
    for (;;) {
      let best: string | undefined;
      let bestShare = 0;
      let bestSize = 0;
      for (const category of ACL_CATEGORIES) {
        if (used.has(category)) continue;
        const names = this.table.inCategory(category);
        let on = 0;
        for (const n of names) if (work.has(n)) on++;
        const off = names.length - on;
        const matching = additive ? on : off;
        if (matching <= names.length - matching) continue;
        const share = matching / names.length;
        if (share > bestShare || (share === bestShare && names.length >= bestSize)) {
          best = category;
          bestShare = share;
          bestSize = names.length;
        }
      }
      if (best === undefined) break;
      used.add(best);
      rules.push(`${additive ? '+' : '-'}@${best}`);
      for (const n of this.table.inCategory(best)) {
        if (additive) {
          fake.add(n);
          work.delete(n);
        } else {
          fake.delete(n);
          work.add(n);
        }
      }
    }
    for (const name of this.table.names) {
      const mine = this.allowed.has(name);
      if (mine !== fake.has(name)) {
        rules.push(`${mine ? '+' : '-'}${name}`);
        // A container's rule covers its subcommands too.
        for (const sub of [name, ...(this.table.find(name)?.subcommands ?? []).map((s) => s.name)]) {
          if (mine) fake.add(sub);
          else fake.delete(sub);
        }
      }
      if (!mine) for (const arg of this.firstArgs.get(name) ?? []) rules.push(`+${name}|${arg}`);
    }
    return rules.join(' ');
  }

  /** 0 when allowed, else the reason: 1 command, 2 key, 4 channel (Redis's order of relevance). */
  check(spec: CommandSpec, argv: Buffer[]): SelectorVerdict {
    const access = this.table.accessOf(spec);
    if (!this.allCommands || this.allowed.size !== this.table.names.length) {
      if (!this.allowed.has(spec.name) && !access.noAuth) {
        const args = this.firstArgs.get(spec.name);
        if (args === undefined || argv.length < 2 || !args.includes(argv[1]!.toString('latin1').toLowerCase())) {
          return { denied: 1 };
        }
      }
    }
    if (!this.allKeys && access.keys !== 0) {
      // The hot path (GET, SET, ... with fixed key positions) walks the positions in place: no
      // array, no string, no closure per command.
      let keys: Buffer[] | undefined;
      let first = access.first;
      let last: number;
      let step = access.step;
      if (access.keys === 2) {
        try {
          keys = this.table.keysOf(spec, argv);
        } catch {
          keys = [];
        }
        first = 0;
        last = keys.length - 1;
        step = 1;
      } else {
        last = Math.min(access.lastKey < 0 ? argv.length + access.lastKey : access.lastKey, argv.length - 1);
      }
      for (let at = first, i = 0; at <= last; at += step, i++) {
        const key = keys !== undefined ? keys[at]! : argv[at]!;
        const need = access.need >= 0 ? access.need : access.specs === undefined ? fallbackNeed(spec) : keyNeed(spec.name, access.specs, i, argv);
        if (!keyAllowed(this.candidates(key), key, need)) return { denied: 2, object: key.toString('latin1'), index: i };
      }
    }
    if (this.allChannels || access.channels === 0) return ALLOWED;
    if (access.channels === 1) {
      // PUBLISH's hot path: its one channel checked without the list channelsOf builds.
      if (argv.length > 1) {
        const channel = argv[1]!.toString('latin1');
        let ok = false;
        for (let j = 0; j < this.channels.length && !ok; j++) ok = globMatch(this.channels[j]!, channel);
        if (!ok) return { denied: 4, object: channel, index: 0 };
      }
      return ALLOWED;
    }
    const channels = channelsOf(spec.name, argv)!;
    for (let i = 0; i < channels.names.length; i++) {
      const channel = channels.names[i]!;
      const ok = channels.literal ? this.channels.includes(channel) : this.channels.some((p) => globMatch(p, channel));
      if (!ok) return { denied: 4, object: channel, index: i };
    }
    return ALLOWED;
  }

  /** Reads every key (allkeys, or a `*` pattern with read access): what SORT's BY and GET need. */
  readsAllKeys(): boolean {
    return this.allKeys || this.keys.some((k) => k.pattern === '*' && (k.flags & READ) !== 0);
  }

  /** Would this selector still allow the client's current subscriptions? */
  allowsSubscriptions(client: AclSession): boolean {
    if (this.allChannels) return true;
    for (const c of client.channels) if (!this.channels.some((p) => globMatch(p, c))) return false;
    for (const c of client.shardChannels) if (!this.channels.some((p) => globMatch(p, c))) return false;
    for (const p of client.patterns) if (!this.channels.includes(p)) return false;
    return true;
  }
}

/** The access key number `index` (in keysOf order) needs, from the command's key specs. */
function keyNeed(name: string, specs: readonly number[], index: number, argv: Buffer[]): number {
  // SET reads the old value only with GET; SORT's second key is its STORE destination.
  if (name === 'set') {
    for (let i = 3; i < argv.length; i++) if (isGet(argv[i]!)) return READ | WRITE;
    return WRITE;
  }
  if (name === 'sort' && index > 0) return specs[2]!;
  if (name === 'bitfield') return bitfieldReadOnly(argv) ? READ : READ | WRITE;
  return specs[Math.min(index, specs.length - 1)]!;
}

/** The argument is GET, in any case (SET's option), compared without making a string. */
function isGet(a: Buffer): boolean {
  return a.length === 3 && (a[0]! | 0x20) === 0x67 && (a[1]! | 0x20) === 0x65 && (a[2]! | 0x20) === 0x74;
}

/** Access a key needs when the command has no key specs: by its write/readonly flag. */
function fallbackNeed(spec: CommandSpec): number {
  return spec.flags.includes('write') ? WRITE : spec.flags.includes('readonly') ? READ : 0;
}

/** BITFIELD with only GET (and OVERFLOW) operations reads its key; anything else, a syntax error too, writes. */
function bitfieldReadOnly(argv: Buffer[]): boolean {
  for (let i = 2; i < argv.length; i++) {
    const left = argv.length - i - 1;
    const op = argv[i]!.toString('latin1').toLowerCase();
    if (op === 'get' && left >= 2) i += 2;
    else if (op === 'overflow' && left >= 1) i += 1;
    else return false;
  }
  return true;
}

/** Channels named by a pub/sub command; patterns (PSUBSCRIBE) must match a rule literally. */
function channelsOf(name: string, argv: Buffer[]): { names: string[]; literal: boolean } | undefined {
  switch (name) {
    case 'publish':
    case 'spublish':
      return { names: argv.length > 1 ? [argv[1]!.toString('latin1')] : [], literal: false };
    case 'subscribe':
    case 'ssubscribe':
      return { names: argv.slice(1).map((a) => a.toString('latin1')), literal: false };
    case 'psubscribe':
      return { names: argv.slice(1).map((a) => a.toString('latin1')), literal: true };
    default:
      return undefined;
  }
}

/**
 * The command table seen by the ACL: every command and subcommand name, categories, what the
 * check needs of each command, and the key finder (the commands' own, handed in by the server's
 * table, so that COMMAND GETKEYS and ACL find the same keys).
 */
export class AclTable {
  readonly names: string[] = [];
  private readonly specs = new Map<string, CommandSpec>();
  private readonly categories = new Map<string, string[]>();
  private readonly access = new Map<CommandSpec, CommandAccess>();
  /** The spec accessOf() answered last: a pipeline repeats one command. */
  private memoSpec: CommandSpec | undefined;
  private memoAccess: CommandAccess | undefined;

  constructor(
    all: Iterable<CommandSpec>,
    /** The keys of a command with movable keys (or any command), in key-spec order. */
    readonly keysOf: KeyFinder,
  ) {
    const add = (spec: CommandSpec) => {
      this.names.push(spec.name);
      this.specs.set(spec.name, spec);
      for (const c of spec.categories) {
        const key = c.replace(/^@/, '');
        const list = this.categories.get(key) ?? [];
        list.push(spec.name);
        this.categories.set(key, list);
      }
    };
    for (const spec of all) {
      add(spec);
      for (const sub of spec.subcommands ?? []) add(sub);
    }
  }

  find(name: string): CommandSpec | undefined {
    return this.specs.get(name.toLowerCase());
  }

  inCategory(category: string): string[] {
    return this.categories.get(category) ?? [];
  }

  accessOf(spec: CommandSpec): CommandAccess {
    if (spec === this.memoSpec) return this.memoAccess!;
    let access = this.access.get(spec);
    if (access === undefined) this.access.set(spec, (access = describeAccess(spec)));
    this.memoSpec = spec;
    this.memoAccess = access;
    return access;
  }
}

export type SanitizeFlag = 'sanitize-payload' | 'skip-sanitize-payload' | undefined;

export class AclUser {
  enabled = false;
  nopass = false;
  sanitize: SanitizeFlag;
  /** SHA-256 hex digests, in the order they were added. */
  passwords: string[] = [];
  root: Selector;
  selectors: Selector[] = [];
  /** May run everything: the dispatcher's one cheap check. Recomputed after every change. */
  unrestricted = false;

  constructor(
    readonly name: string,
    private readonly table: AclTable,
  ) {
    this.root = new Selector(table);
  }

  clone(): AclUser {
    const u = new AclUser(this.name, this.table);
    u.enabled = this.enabled;
    u.nopass = this.nopass;
    u.sanitize = this.sanitize;
    u.passwords = [...this.passwords];
    u.root = this.root.clone();
    u.selectors = this.selectors.map((s) => s.clone());
    u.refresh();
    return u;
  }

  /** Copy another user's rules into this object (clients keep referring to the same object). */
  assign(other: AclUser): void {
    this.enabled = other.enabled;
    this.nopass = other.nopass;
    this.sanitize = other.sanitize;
    this.passwords = other.passwords;
    this.root = other.root;
    this.selectors = other.selectors;
    this.refresh();
  }

  refresh(): void {
    const r = this.root;
    this.unrestricted = r.allCommands && r.allowed.size === this.table.names.length && r.allKeys && r.allChannels;
  }

  /** Apply one SETUSER argument (a selector `(...)` included). Returns an error reason. */
  apply(op: string, pubsubDefault: 'allchannels' | 'resetchannels'): string | undefined {
    const lower = op.toLowerCase();
    if (op.startsWith('(') && op.endsWith(')')) {
      const selector = new Selector(this.table);
      selector.apply(pubsubDefault);
      for (const part of op.slice(1, -1).split(' ')) {
        if (part === '') continue;
        const why = selector.apply(part);
        if (why) return why;
      }
      this.selectors.push(selector);
      return undefined;
    }
    switch (lower) {
      case 'on':
        this.enabled = true;
        return undefined;
      case 'off':
        this.enabled = false;
        return undefined;
      case 'nopass':
        this.nopass = true;
        this.passwords = [];
        return undefined;
      case 'resetpass':
        this.nopass = false;
        this.passwords = [];
        return undefined;
      case 'sanitize-payload':
      case 'skip-sanitize-payload':
        this.sanitize = lower;
        return undefined;
      case 'clearselectors':
        this.selectors = [];
        return undefined;
      case 'reset':
        for (const r of ['resetpass', 'resetkeys', pubsubDefault, 'off', 'clearselectors', '-@all', 'sanitize-payload']) this.apply(r, pubsubDefault);
        return undefined;
    }
    if (op.startsWith('>') || op.startsWith('<')) {
      const hash = sha256(op.slice(1));
      return this.changePassword(op[0] === '>', hash);
    }
    if (op.startsWith('#') || op.startsWith('!')) {
      const hash = op.slice(1);
      if (!/^[0-9a-f]{64}$/.test(hash)) return AclErrors.badHash;
      return this.changePassword(op[0] === '#', hash);
    }
    return this.root.apply(op);
  }

  private changePassword(add: boolean, hash: string): string | undefined {
    const at = this.passwords.indexOf(hash);
    if (add) {
      if (at === -1) this.passwords.push(hash);
      this.nopass = false;
    } else {
      if (at === -1) return AclErrors.noSuchPassword;
      this.passwords.splice(at, 1);
    }
    return undefined;
  }

  checkPassword(password: Buffer): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    return this.passwords.includes(sha256(password));
  }

  flags(): string[] {
    const flags = [this.enabled ? 'on' : 'off'];
    if (this.nopass) flags.push('nopass');
    if (this.sanitize) flags.push(this.sanitize);
    return flags;
  }

  /** The ACL LIST line. */
  describe(): string {
    const parts = ['user', this.name, ...this.flags(), ...this.passwords.map((p) => `#${p}`), this.root.describe()];
    for (const s of this.selectors) parts.push(`(${s.describe()})`);
    return parts.join(' ');
  }

  /** The most relevant denial over the root rules and the selectors, or 0 when one allows it. */
  check(spec: CommandSpec, argv: Buffer[]): SelectorVerdict {
    let worst = this.root.check(spec, argv);
    if (worst.denied === 0) return worst;
    for (const s of this.selectors) {
      const r = s.check(spec, argv);
      if (r.denied === 0) return r;
      // Between two selectors denying for the same reason, the one that got further names the item.
      if (r.denied > worst.denied || (r.denied === worst.denied && (r.index ?? 0) > (worst.index ?? 0))) worst = r;
    }
    return worst;
  }

  /** Some selector allows this command and reads every key (SORT's BY pattern and GET need it). */
  readsAllKeysFor(spec: CommandSpec, argv: Buffer[]): boolean {
    return [this.root, ...this.selectors].some((s) => s.readsAllKeys() && s.check(spec, argv).denied === 0);
  }

  allowsSubscriptions(client: AclSession): boolean {
    return this.root.allowsSubscriptions(client) || this.selectors.some((s) => s.allowsSubscriptions(client));
  }
}

/** SETUSER arguments, with `(` ... `)` selectors that span several arguments joined into one. */
export function joinSelectors(args: string[]): string[] | ReplyError {
  // As Redis merges them: an argument that opens a selector without closing it starts collecting
  // the following ones until one ends with ')'; another opening argument meanwhile starts over.
  const out: string[] = [];
  let open: string | undefined;
  let joined = '';
  for (const a of args) {
    if (a.startsWith('(') && !a.endsWith(')')) {
      open = a;
      joined = a;
      continue;
    }
    if (open !== undefined) {
      joined += ' ' + a;
      if (a.endsWith(')')) {
        out.push(joined);
        open = undefined;
      }
      continue;
    }
    out.push(a);
  }
  if (open !== undefined) return new ReplyError(`ERR Unmatched parenthesis in acl selector starting at '${cutAtNul(open)}'.`);
  return out;
}

/** Redis quotes user bytes in error texts as C strings: an argument ends at its first NUL byte. */
export function cutAtNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(typeof text === 'string' ? Buffer.from(text, 'latin1') : text).digest('hex');
}

/** Where a command runs; 'exec' is a queued command re-checked by EXEC (logged as 'multi'). */
export type AclContext = 'toplevel' | 'multi' | 'exec' | 'lua';

/** The users of one server. */
export class AclStore {
  readonly table: AclTable;
  readonly users = new Map<string, AclUser>();
  readonly defaultUser: AclUser;
  private requirepass = '';
  /** Why the aclfile could not be loaded when the store was created (the CLI refuses to start). */
  startupError: string | undefined;

  constructor(private readonly server: AclHost) {
    this.table = new AclTable(server.table.all(), (spec, argv) => server.table.keysOf(spec, argv));
    this.defaultUser = new AclUser('default', this.table);
    for (const op of ['on', 'nopass', '~*', '&*', '+@all']) this.defaultUser.apply(op, 'allchannels');
    this.defaultUser.refresh();
    this.users.set('default', this.defaultUser);
    this.syncRequirepass();
    const file = this.aclfile();
    if (file !== '') {
      this.startupError = this.loadFile(file);
      if (this.startupError !== undefined) server.log('warning', `Aborting ACL load: ${this.startupError}`);
    }
    server.config.onChange((name) => {
      if (name === 'requirepass') this.syncRequirepass();
    });
  }

  /** requirepass is the default user's password, as in Redis (CONFIG SET requirepass too). */
  private syncRequirepass(): void {
    const pass = this.server.config.string('requirepass');
    if (pass === this.requirepass) return;
    this.requirepass = pass;
    this.defaultUser.apply('resetpass', 'allchannels');
    this.defaultUser.apply(pass === '' ? 'nopass' : `>${pass}`, 'allchannels');
  }

  pubsubDefault(): 'allchannels' | 'resetchannels' {
    try {
      return this.server.config.string('acl-pubsub-default') === 'allchannels' ? 'allchannels' : 'resetchannels';
    } catch {
      return 'resetchannels';
    }
  }

  /** A new connection must AUTH first unless the default user is on and has nopass. */
  authRequired(): boolean {
    return !(this.defaultUser.enabled && this.defaultUser.nopass);
  }

  /** The `aclfile` parameter, or '' when unset or not in the configuration table. */
  aclfile(): string {
    try {
      return this.server.config.string('aclfile');
    } catch {
      return '';
    }
  }

  /** Redis changes into `dir` at start, so a relative aclfile is found there; Tidings never chdirs. */
  private resolve(file: string): string {
    return path.resolve(this.server.config.string('dir'), file);
  }

  /**
   * Replace every user with the `user ...` lines of an ACL file, all or nothing, as ACL LOAD does.
   * Returns the error text (Redis's wording) or undefined. Connections of replaced users are closed;
   * the default user is updated in place, so its connections stay.
   */
  loadFile(file: string, self?: AclSession): string | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.resolve(file), 'latin1');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : String((err as Error).message);
      return `Error loading ACLs, opening file '${file}': ${reason}`;
    }
    return this.loadLines(text.split('\n'), file, true, self);
  }

  /**
   * `user` directives of the configuration file, applied at start on top of the default user
   * (each element is one directive's text after `user`). Returns the error text, or undefined.
   */
  declareUsers(directives: string[], configFile: string): string | undefined {
    if (directives.length === 0) return undefined;
    if (this.aclfile() !== '') {
      return 'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.';
    }
    return this.loadLines(directives.map((d) => `user ${d}`), configFile, false);
  }

  private loadLines(lines: string[], file: string, replaceDefault: boolean, self?: AclSession): string | undefined {
    const pubsubDefault = this.pubsubDefault();
    const loaded = new Map<string, AclUser>();
    let errors = '';
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const words = line.split(' ');
      const where = `${file}:${i + 1}`;
      if (words[0] !== 'user' || words.length < 2) {
        errors += `${where} should start with user keyword followed by the username. `;
        continue;
      }
      const name = words[1]!;
      if (loaded.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${i + 1}. `;
        break;
      }
      const user = new AclUser(name, this.table);
      user.apply(pubsubDefault, pubsubDefault);
      const ops = joinSelectors(words.slice(2));
      if (ops instanceof ReplyError) {
        errors += `${where}: ${ops.message.replace(/^ERR /, '')} `;
        continue;
      }
      for (const op of ops) {
        if (op === '') {
          errors += `${where}: Syntax error. `;
          break;
        }
        const why = user.apply(op, pubsubDefault);
        if (why !== undefined) {
          errors += `${where}: Error in applying operation '${op}': ${why}. `;
          break;
        }
      }
      user.refresh();
      loaded.set(name, user);
    }
    if (errors !== '') return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    const fresh = loaded.get('default');
    if (fresh) this.defaultUser.assign(fresh);
    else if (replaceDefault) {
      const d = new AclUser('default', this.table);
      for (const op of ['on', 'nopass', '~*', '&*', '+@all']) d.apply(op, 'allchannels');
      this.defaultUser.assign(d);
    }
    const old = new Set([...this.users.values()].filter((u) => u !== this.defaultUser));
    this.users.clear();
    this.users.set('default', this.defaultUser);
    for (const [name, user] of loaded) if (name !== 'default') this.users.set(name, user);
    for (const c of [...this.server.clients.values()]) {
      // The client running ACL LOAD still gets its OK, then is closed.
      if (c.aclUser !== undefined && old.has(c.aclUser)) {
        if (c === self) this.server.closeAfterReply(c);
        else this.server.closeClient(c);
      }
    }
    return undefined;
  }

  /** CONFIG REWRITE's `user` lines, by name; none (old ones dropped) when users live in an aclfile. */
  configLines(): string[] {
    if (this.aclfile() !== '') return [];
    return [...this.users.keys()].sort().map((n) => this.users.get(n)!.describe());
  }

  /** ACL SAVE: every user's ACL LIST line. */
  saveFile(file: string): boolean {
    const text = [...this.users.keys()].sort().map((n) => this.users.get(n)!.describe() + '\n').join('');
    try {
      const target = this.resolve(file);
      const tmp = `${target}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, text, 'latin1');
      fs.renameSync(tmp, target);
      return true;
    } catch (err) {
      this.server.log('warning', `Opening temp ACL file for ACL SAVE: ${(err as Error).message}`);
      return false;
    }
  }

  userOf(client: AclSession): AclUser {
    return client.aclUser ?? this.defaultUser;
  }
}

const stores = new WeakMap<AclHost, AclStore>();

export function aclOf(server: AclHost): AclStore {
  let store = stores.get(server);
  if (store === undefined) {
    store = new AclStore(server);
    stores.set(server, store);
  }
  return store;
}

/**
 * The dispatcher's ACL check for a command about to be queued or run: undefined when allowed,
 * else the NOPERM error (or the script form of it), after logging the denial in ACL LOG.
 */
export function aclDenied(server: AclHost, client: AclSession, spec: CommandSpec, argv: Buffer[], context: AclContext): ReplyError | undefined {
  // The client's user, without the store's lookup while the command is allowed (the hot path).
  const user = client.aclUser ?? aclOf(server).defaultUser;
  const result = user.check(spec, argv);
  if (result.denied === 0) return undefined;
  const reason = result.denied === 1 ? 'command' : result.denied === 2 ? 'key' : 'channel';
  aclLogOf(server).add(client, reason, context === 'exec' ? 'multi' : context, result.object ?? spec.name, user.name);
  if (context === 'lua') {
    if (result.denied === 1) return AclErrors.scriptCommand();
    return result.denied === 2 ? AclErrors.scriptKey() : AclErrors.scriptChannel();
  }
  if (context === 'exec') return AclErrors.changedSinceQueued(result.denied);
  if (result.denied === 1) return AclErrors.noPermCommand(spec.name);
  return result.denied === 2 ? AclErrors.noPermKey() : AclErrors.noPermChannel();
}

/** AUTH and HELLO AUTH: log in as `username`, or log the failure and return WRONGPASS. */
export function authenticate(server: AclHost, client: AclSession, username: string, password: Buffer, command = 'auth'): boolean {
  const store = aclOf(server);
  const user = store.users.get(username);
  if (user === undefined || !user.checkPassword(password)) {
    aclLogOf(server).add(client, 'auth', client.multi !== undefined ? 'multi' : 'toplevel', command, username);
    return false;
  }
  client.aclUser = user;
  client.user = user.name;
  client.authenticated = true;
  return true;
}

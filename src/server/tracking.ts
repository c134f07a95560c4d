// Client-side caching (CLIENT TRACKING), as Redis 7.0 does it.
//
// Default mode remembers, per key name (databases are not told apart, as in Redis), the ids of the
// tracking clients that read it; the first modification sends those clients one invalidation and
// forgets the key. BCAST mode instead subscribes a client to key prefixes: keys modified under a
// prefix are collected and broadcast once per event-loop turn. Messages go to the client itself
// as a RESP3 push, or to its REDIRECT client (RESP3 push, or a RESP2 pub/sub message on
// `__redis__:invalidate` when that client is subscribed).
//
// Cost when nobody tracks: the server checks `clients !== 0` (and the table size) and returns.
import type { ServerSession as Client } from './session.js';
import { PushReply } from '../protocol/reply.js';
import type { CommandSpec } from '../commands/types.js';
import type { ClientTracking } from '../commands/host.js';

/** A client's tracking mode (Client.tracking; undefined while tracking is off). */
export type { ClientTracking };

/** What tracking needs from the server (kept narrow so the module stands alone in tests). */
export interface TrackingHost {
  readonly clients: Map<number, Client>;
  deliver(client: Client, frame: Buffer): void;
  scheduleFlush(client: Client): void;
  readonly config: { number(name: string): number; onChange(listener: () => void): void };
}

interface PrefixState {
  /** Keys modified since the last broadcast → the client that modified it (for NOLOOP). */
  keys: Map<string, Client | undefined>;
  clients: Set<Client>;
}

const INVALIDATE_PUSH = Buffer.from('>2\r\n$10\r\ninvalidate\r\n');
const INVALIDATE_MESSAGE = Buffer.from('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n');
const NULL2 = Buffer.from('$-1\r\n');
const NULL3 = Buffer.from('_\r\n');

/** Read-only commands whose own reply is not a read of keys (their scripts' commands are). */
const SCRIPT_READERS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
/** Read-only commands whose keys follow a numkeys argument at position 1. */
const NUMKEYS_AT_1 = new Set(['zunion', 'zinter', 'zdiff', 'zintercard', 'sintercard']);
/** Script commands: numkeys at position 2. */
const NUMKEYS_AT_2 = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

function keysArray(keys: Iterable<string>, count: number): Buffer {
  let s = `*${count}\r\n`;
  for (const key of keys) s += `$${key.length}\r\n${key}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** The keys a read-only command reads (key positions, numkeys or STREAMS), as latin1 strings. */
function readKeys(spec: CommandSpec, argv: Buffer[]): string[] {
  const keys: string[] = [];
  const name = spec.name;
  const at = NUMKEYS_AT_1.has(name) ? 1 : NUMKEYS_AT_2.has(name) ? 2 : 0;
  if (at !== 0) {
    const n = Number(argv[at]?.toString('latin1'));
    if (Number.isInteger(n) && n > 0) for (let i = at + 1; i <= at + n && i < argv.length; i++) keys.push(argv[i]!.toString('latin1'));
    return keys;
  }
  if (name === 'xread') {
    let at = -1;
    for (let i = 1; i < argv.length; i++) if (argv[i]!.toString('latin1').toLowerCase() === 'streams') at = i;
    if (at === -1) return keys;
    const n = Math.floor((argv.length - at - 1) / 2);
    for (let i = at + 1; i <= at + n; i++) keys.push(argv[i]!.toString('latin1'));
    return keys;
  }
  if (spec.firstKey === 0) return keys;
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) keys.push(argv[i]!.toString('latin1'));
  return keys;
}

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** The client whose command is running (invalidations of its own reads wait for its reply). */
  current: Client | undefined;
  /** `current` is inside its command (not in the checks before it, such as eviction). */
  private executing = false;
  /** The next modification is an expiry: BCAST attributes it to no client (NOLOOP keeps it). */
  expiring = false;
  /** key → ids of the clients that may have it cached. */
  private readonly table = new Map<string, Set<number>>();
  /** Client ids over all keys of the table (INFO tracking_total_items). */
  private items = 0;
  private readonly prefixTable = new Map<string, PrefixState>();
  /** Invalidations for the running client, sent after its reply: a key, or null for a flush. */
  private pending: { client: Client; key: string | null }[] = [];
  private broadcastScheduled = false;
  /** Consecutive over-limit runs: each spends more effort (as Redis's table limiter). */
  private overLimitRuns = 0;
  private maxKeys = 0;
  /** Set while a FLUSH or SWAPDB runs: those send one null invalidation, or none, not one per key. */
  quiet = false;
  private readonly readonlySpecs = new WeakMap<CommandSpec, boolean>();
  private callerSpec: CommandSpec | undefined;
  private callerArgv: Buffer[] | undefined;

  constructor(private readonly host: TrackingHost) {
    const refresh = () => {
      try {
        this.maxKeys = host.config.number('tracking-table-max-keys');
      } catch {
        this.maxKeys = 0; // parameter not in the table: no limit, as Redis's default
      }
    };
    refresh();
    // A lowered limit applies before the next command, or at the server's next cron (as Redis).
    host.config.onChange(refresh);
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get totalItems(): number {
    return this.items;
  }

  get totalPrefixes(): number {
    return this.prefixTable.size;
  }

  /** Something to do on a key modification: a tracking client, or keys still in the table. */
  get active(): boolean {
    return this.clients !== 0 || this.table.size !== 0;
  }

  // ------------------------------------------------------------ CLIENT TRACKING ON/OFF

  enable(client: Client, redirect: number, options: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    let t = client.tracking;
    if (t === undefined) {
      this.clients++;
      t = client.tracking = {
        redirect: 0,
        bcast: false,
        optin: false,
        optout: false,
        noloop: false,
        caching: false,
        brokenRedirect: false,
        prefixes: new Set(),
      };
    }
    t.redirect = redirect;
    t.brokenRedirect = false;
    t.bcast = options.bcast;
    t.optin = options.optin;
    t.optout = options.optout;
    t.noloop = options.noloop;
    if (options.bcast) {
      if (prefixes.length === 0) this.addPrefix(client, t, '');
      for (const p of prefixes) this.addPrefix(client, t, p);
    }
  }

  private addPrefix(client: Client, t: ClientTracking, prefix: string): void {
    let state = this.prefixTable.get(prefix);
    if (state === undefined) this.prefixTable.set(prefix, (state = { keys: new Map(), clients: new Set() }));
    state.clients.add(client);
    t.prefixes.add(prefix);
  }

  disable(client: Client): void {
    const t = client.tracking;
    if (t === undefined) return;
    for (const prefix of t.prefixes) {
      const state = this.prefixTable.get(prefix);
      if (state === undefined) continue;
      state.clients.delete(client);
      if (state.clients.size === 0) this.prefixTable.delete(prefix);
    }
    client.tracking = undefined;
    this.clients--;
  }

  /**
   * The error for the first new prefix that overlaps one of the client's prefixes or a later new
   * one. `fatal` is false for an overlap among the new prefixes found after the first: Redis 7.0
   * then replies with the error and still enables tracking with all the prefixes (and replies +OK).
   */
  prefixCollision(client: Client, prefixes: string[]): { message: string; fatal: boolean } | undefined {
    const overlaps = (a: string, b: string) => (a.length < b.length ? b.startsWith(a) : a.startsWith(b));
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      for (const existing of [...(client.tracking?.prefixes ?? [])].sort()) {
        if (overlaps(existing, p)) {
          return { message: `ERR Prefix '${p}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`, fatal: true };
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(p, prefixes[j]!)) {
          return {
            message: `ERR Prefix '${p}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`,
            fatal: i === 0,
          };
        }
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------ command hooks

  /** Before a network command runs (only called while some client tracks). */
  beforeCommand(client: Client): void {
    this.current = client;
    this.executing = false;
    if (this.maxKeys > 0 && this.table.size > this.maxKeys) this.limitTable();
  }

  /**
   * Before any command runs (top level, in EXEC, in a script). The tracking client's own command
   * is remembered: a read inside a script tracks the keys its caller's command declares.
   */
  commandStarting(client: Client, spec: CommandSpec, argv: Buffer[]): void {
    if (client === this.current) {
      this.executing = true;
      this.callerSpec = spec;
      this.callerArgv = argv;
    }
  }

  /** After a command ran (any command, in scripts and EXEC too): remember the keys it read. */
  commandRan(client: Client, spec: CommandSpec, argv: Buffer[]): void {
    const reader = this.current;
    const t = reader?.tracking;
    if (t === undefined || t.bcast) return;
    let readonly = this.readonlySpecs.get(spec);
    if (readonly === undefined) {
      readonly = spec.flags.includes('readonly') && !SCRIPT_READERS.has(spec.name);
      this.readonlySpecs.set(spec, readonly);
    }
    if (!readonly) return;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    const id = reader!.id;
    // A command a script ran: Redis 7.0 tracks the keys of the caller's command (EVAL's KEYS).
    const keys = client === reader ? readKeys(spec, argv) : this.callerSpec ? readKeys(this.callerSpec, this.callerArgv!) : [];
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(id)) {
        ids.add(id);
        this.items++;
      }
    }
    // Over the limit now: trimmed before the next command, or by the server's cron (as Redis).
  }

  /** After a network command's reply was queued: pending self-invalidations, CACHING reset. */
  afterCommand(client: Client, argv: Buffer[]): void {
    if (this.pending.length !== 0) this.sendPending();
    this.current = undefined;
    this.executing = false;
    this.callerSpec = undefined;
    this.callerArgv = undefined;
    const t = client.tracking;
    // CLIENT CACHING lasts for one command, or for a whole MULTI ... EXEC.
    if (t !== undefined && t.caching && client.multi === undefined && argv[0]!.toString('latin1').toLowerCase() !== 'client') {
      t.caching = false;
    }
  }

  /** A blocked client's command is retried (its invalidations follow its reply, see served()). */
  serving(client: Client): void {
    this.current = client;
    this.executing = true;
  }

  /** A blocked client got its reply. */
  served(client: Client): void {
    if (this.current !== client) return;
    if (this.pending.length !== 0) this.sendPending();
    this.current = undefined;
    this.executing = false;
  }

  private sendPending(): void {
    const pending = this.pending;
    this.pending = [];
    for (const { client, key } of pending) {
      if (client.closing || client.tracking === undefined) continue;
      this.send(client, key === null ? (client.proto === 3 ? NULL3 : NULL2) : keysArray([key], 1));
    }
  }

  // ------------------------------------------------------------ invalidation

  /** A key was modified (write, expiry, eviction). */
  keyModified(key: string): void {
    const expiry = this.expiring;
    this.expiring = false;
    if (this.quiet) return;
    if (this.prefixTable.size !== 0) this.rememberForBroadcast(key, expiry || !this.executing ? undefined : this.current);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.invalidate(key, ids, this.current, this.executing);
  }

  /** `deferSelf`: the current client's own invalidation waits for its reply (during its command). */
  private invalidate(key: string, ids: Set<number>, current: Client | undefined, deferSelf: boolean): void {
    let frame: Buffer | undefined;
    for (const id of ids) {
      const target = this.host.clients.get(id);
      const t = target?.tracking;
      if (t === undefined || t.bcast) continue;
      if (t.noloop && target === current) continue;
      if (deferSelf && target === current) this.pending.push({ client: target!, key });
      else this.send(target!, (frame ??= keysArray([key], 1)));
    }
    this.items -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHDB/FLUSHALL: every tracking client gets the null invalidation; the table is emptied. */
  flushed(): void {
    if (this.clients !== 0) {
      for (const client of this.host.clients.values()) {
        if (client.tracking === undefined) continue;
        if (client === this.current && this.executing) this.pending.push({ client, key: null });
        else this.send(client, client.proto === 3 ? NULL3 : NULL2);
      }
    }
    this.table.clear();
    this.items = 0;
  }

  /** Run `fn` (a flush or SWAPDB) without per-key invalidations. */
  quietly(fn: () => void): void {
    const was = this.quiet;
    this.quiet = true;
    try {
      fn();
    } finally {
      this.quiet = was;
    }
  }

  /** Send an invalidation payload (array of keys, or a null) to a tracking client or its redirect. */
  private send(client: Client, payload: Buffer): void {
    const t = client.tracking!;
    let to = client;
    const redirected = t.redirect !== 0;
    if (redirected) {
      const redirect = this.host.clients.get(t.redirect);
      if (redirect === undefined || redirect.closing) {
        t.brokenRedirect = true;
        if (client.proto === 3 && !client.closing) {
          client.push(new PushReply(['tracking-redir-broken', t.redirect]));
          this.host.scheduleFlush(client);
        }
        return;
      }
      to = redirect;
    }
    let header: Buffer;
    if (to.proto === 3) header = INVALIDATE_PUSH;
    else if (redirected && to.subscriptionCount > 0) header = INVALIDATE_MESSAGE;
    else return; // a RESP2 connection cannot receive pushes on its own
    this.host.deliver(to, Buffer.concat([header, payload]));
  }

  // ------------------------------------------------------------ BCAST

  private rememberForBroadcast(key: string, by: Client | undefined): void {
    for (const [prefix, state] of this.prefixTable) {
      if (!key.startsWith(prefix)) continue;
      state.keys.delete(key); // the last modifier is the one NOLOOP compares with
      state.keys.set(key, by);
      if (!this.broadcastScheduled) {
        this.broadcastScheduled = true;
        setImmediate(() => this.broadcast());
      }
    }
  }

  /** The turn's commands are done (Server.runInput): broadcast now, before their replies are flushed. */
  broadcastNow(): void {
    if (this.broadcastScheduled) this.broadcast();
  }

  /** Once per event-loop turn (Redis: before sleeping): one message per prefix with its keys. */
  broadcast(): void {
    this.broadcastScheduled = false;
    // Prefixes in byte order, as Redis walks its prefix tree.
    for (const prefix of [...this.prefixTable.keys()].sort()) {
      const state = this.prefixTable.get(prefix)!;
      if (state.keys.size === 0) continue;
      const keys = [...state.keys.keys()].sort();
      const all = keysArray(keys, keys.length);
      for (const client of state.clients) {
        if (client.tracking?.noloop) {
          const own = keys.filter((k) => state.keys.get(k) !== client);
          if (own.length !== 0) this.send(client, keysArray(own, own.length));
        } else this.send(client, all);
      }
      state.keys = new Map();
    }
  }

  // ------------------------------------------------------------ tracking-table-max-keys

  /**
   * Over the limit: invalidate keys until under it again, with an effort that grows while the
   * table stays over. Redis picks keys at random; Tidings takes the oldest entries first.
   */
  private limitTable(): void {
    if (this.maxKeys === 0 || this.table.size <= this.maxKeys) {
      this.overLimitRuns = 0;
      return;
    }
    let effort = 100 * (this.overLimitRuns + 1);
    for (const [key, ids] of this.table) {
      if (effort-- <= 0) break;
      this.invalidate(key, ids, this.current, false);
      if (this.table.size <= this.maxKeys) {
        this.overLimitRuns = 0;
        return;
      }
    }
    // Still over: the next cron run tries again with more effort (as Redis's).
    this.overLimitRuns++;
  }

  /** The server's cron: trim a table over tracking-table-max-keys. */
  cron(): void {
    if (this.maxKeys > 0 && this.table.size > this.maxKeys) this.limitTable();
  }
}

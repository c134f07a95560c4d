// CLIENT PAUSE timeout [WRITE|ALL] / CLIENT UNPAUSE, as Redis 7.0.
//
// While a pause lasts, a command it covers is not refused: its client is parked (it counts in INFO
// blocked_clients and reads no further input) and the command runs when the pause ends, by CLIENT
// UNPAUSE or by its timeout, clients in the order they were parked. ALL covers every command; WRITE
// covers those that could change the dataset or reach a replica: write and may_replicate commands
// (PUBLISH, PFCOUNT, ...), EVAL/EVALSHA/FCALL unless the script or function declares no-writes, and
// EXEC when a queued command is covered. Commands inside EXEC and scripts are never parked (the pause
// starts after the transaction), and argument errors are answered at once (they come first).
// Expiry and eviction are held too: keys past their TTL read as missing but are not deleted.
import type { ServerSession as Client } from './session.js';
import type { CommandSpec } from '../commands/types.js';
import type { PauseMode } from '../commands/host.js';
import { scriptShebangFlags } from '../scripting/engine.js';

export type { PauseMode };

export interface PauseHost {
  /** Run a parked command now (its client is no longer blocked), then the client's further input. */
  runParked(client: Client, argv: Buffer[]): void;
  /** Expiry is held while paused; told when that changes. */
  expiryHeld(held: boolean): void;
  /** Resolve a queued command (EXEC) to its spec, or undefined. */
  resolve(argv: Buffer[]): CommandSpec | undefined;
  /** Flags of a cached EVAL script by lower-case sha, or of a function by lower-case name. */
  scriptFlags(sha: string): string[] | undefined;
  functionFlags(name: string): string[] | undefined;
}

const SCRIPT_BODY = new Set(['eval']);
const SCRIPT_SHA = new Set(['evalsha']);
const FUNCTION_CALL = new Set(['fcall']);

export class ClientPause {
  mode: PauseMode | undefined;
  /** When the pause ends (ms since the epoch). */
  endsAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private parked: { client: Client; argv: Buffer[] }[] = [];

  constructor(private readonly host: PauseHost) {}

  get active(): boolean {
    return this.mode !== undefined;
  }

  /** Clients waiting for the pause to end. */
  get count(): number {
    return this.parked.length;
  }

  /** Start or extend a pause: a later end wins, and ALL is never narrowed to WRITE. */
  pause(ms: number, mode: PauseMode, now = Date.now()): void {
    const end = now + ms;
    if (this.mode !== 'all') this.mode = mode;
    this.endsAt = Math.max(this.endsAt, end);
    this.host.expiryHeld(true);
    this.schedule();
  }

  unpause(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.mode = undefined;
    this.endsAt = 0;
    this.host.expiryHeld(false);
    const parked = this.parked;
    this.parked = [];
    for (const { client, argv } of parked) {
      if (client.closing) continue;
      client.blocked = false;
      this.host.runParked(client, argv);
    }
  }

  /** Forget a client that disconnected while parked. */
  remove(client: Client): void {
    if (this.parked.length !== 0) this.parked = this.parked.filter((p) => p.client !== client);
  }

  /** Whether this command, sent by a client outside EXEC and scripts, must wait for the pause. */
  covers(spec: CommandSpec, argv: Buffer[], client: Client): boolean {
    if (this.mode === undefined) return false;
    if (Date.now() >= this.endsAt) {
      // The timer is late (a busy event loop): the pause is over.
      this.unpause();
      return false;
    }
    if (this.mode === 'all') return true;
    if (spec.name === 'exec') {
      const queued = client.multi;
      if (queued === undefined) return false;
      return queued.some((q) => {
        const s = this.host.resolve(q);
        return s !== undefined && this.mayWrite(s, q);
      });
    }
    return this.mayWrite(spec, argv);
  }

  park(client: Client, argv: Buffer[]): void {
    client.blocked = true;
    this.parked.push({ client, argv });
  }

  private mayWrite(spec: CommandSpec, argv: Buffer[]): boolean {
    const name = spec.name;
    if (SCRIPT_BODY.has(name) || SCRIPT_SHA.has(name) || FUNCTION_CALL.has(name)) {
      let flags: string[] | undefined;
      try {
        if (SCRIPT_BODY.has(name)) flags = scriptShebangFlags(argv[1]!);
        else if (SCRIPT_SHA.has(name)) flags = this.host.scriptFlags(argv[1]!.toString('latin1').toLowerCase());
        else flags = this.host.functionFlags(argv[1]!.toString('latin1').toLowerCase());
      } catch {
        // A bad shebang is refused by EVAL itself: nothing to wait for.
        return false;
      }
      return flags === undefined || !flags.includes('no-writes');
    }
    return spec.flags.includes('write') || spec.flags.includes('may_replicate');
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delay = Math.max(0, this.endsAt - Date.now());
    // setTimeout takes at most 2^31-1 ms; a longer pause re-arms when that fires.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (Date.now() >= this.endsAt) this.unpause();
      else this.schedule();
    }, Math.min(delay, 2 ** 31 - 1));
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

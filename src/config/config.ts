// Configuration: one table (params.ts) drives the config file, `--name value` flags, CONFIG
// GET/SET/REWRITE and their error texts. Values are kept parsed (numbers, booleans, strings) for
// the code that reads them, and as Redis prints them for CONFIG GET.
import path from 'node:path';
import { globMatch } from '../pubsub/glob.js';
import { PARAMS, findParam, type ConfigValue, type ParamSpec } from './params.js';
import { parseMemoryBig, parseStrictInteger } from './values.js';

export { PARAMS, findParam, type ConfigValue, type ParamSpec } from './params.js';
export { parseMemory, normaliseKeyspaceEvents } from './values.js';

/** A parsed value and its text as CONFIG GET shows it. */
export interface ParsedValue {
  value: ConfigValue;
  shown: string;
}

/** Parse a textual value for `param`; throws Error with Redis's reason text. */
export function parseValue(param: ParamSpec, text: string, current?: string): ParsedValue {
  switch (param.type) {
    case 'int': {
      let n: bigint | undefined;
      if (param.octal) n = /^[0-7]+$/.test(text) ? BigInt('0o' + text) : undefined;
      else n = parseStrictInteger(text);
      if (n === undefined) throw new Error("argument couldn't be parsed into an integer");
      if (n < param.min || n > param.max) throw new Error(`argument must be between ${param.min} and ${param.max} inclusive`);
      return { value: Number(n), shown: param.octal ? n.toString(8) : String(n) };
    }
    case 'memory': {
      const n = parseMemoryBig(text);
      if (n === undefined) throw new Error('argument must be a memory value');
      if (n < param.min || n > param.max) throw new Error(`argument must be between ${param.min} and ${param.max} inclusive`);
      return { value: Number(n), shown: String(n) };
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (t === 'yes') return { value: true, shown: 'yes' };
      if (t === 'no') return { value: false, shown: 'no' };
      throw new Error("argument must be 'yes' or 'no'");
    }
    case 'enum': {
      const t = text.toLowerCase();
      if (!param.values.includes(t)) throw new Error(`argument(s) must be one of the following: ${param.values.join(', ')}`);
      return { value: t, shown: t };
    }
    case 'string': {
      const s = param.parse ? param.parse(text, current ?? param.default) : text;
      return { value: s, shown: s };
    }
  }
}

/** Kept for callers that only validate: the parsed value. */
export function parseParamValue(param: ParamSpec, text: string): ConfigValue {
  return parseValue(param, text).value;
}

function defaultShown(param: ParamSpec): string {
  if (param.type === 'bool') return param.default ? 'yes' : 'no';
  if (param.type === 'int' && param.octal) return param.default.toString(8);
  return String(param.default);
}

export function formatParamValue(param: ParamSpec, value: ConfigValue): string {
  if (param.type === 'bool') return value ? 'yes' : 'no';
  if (param.type === 'int' && param.octal) return (value as number).toString(8);
  return String(value);
}

export type ConfigListener = (name: string, value: ConfigValue) => void;

/** A CONFIG SET request: who asks matters for enable-protected-configs local. */
export interface SetRequest {
  /** The client is on a loopback or unix-socket connection. */
  local: boolean;
  /** The dataset is loading: parameters marked denyLoading are refused (-LOADING). */
  loading?: boolean;
}

export class ConfigSetError extends Error {}

/** CONFIG SET of a denyLoading parameter while the dataset loads: the reply is -LOADING. */
export class ConfigDeniedWhileLoading extends ConfigSetError {}

/** A validated CONFIG SET, applied by commit(). */
export interface PendingSet {
  /** New listening addresses to open first (port or bind changed), and the argument to blame. */
  relisten: { bind: string; port: number; tlsPort: number; argument: string } | undefined;
  commit(): void;
}

/** A value Tidings cannot honour (cluster-enabled yes, replicaof, ...): start-up stops. */
export class RefusedValue extends Error {}

export class Config {
  private values = new Map<string, ConfigValue>();
  private shown = new Map<string, string>();
  private listeners: ConfigListener[] = [];
  /** Absolute path of the config file the server started with (CONFIG REWRITE writes it). */
  file: string | undefined;
  /** Called when CONFIG SET changes a parameter Tidings accepts but does not apply. */
  onIgnoredSet: ((name: string, reason: string) => void) | undefined;

  constructor(initial: Record<string, string | number | boolean> = {}) {
    for (const p of PARAMS) {
      this.values.set(p.name, p.default);
      this.shown.set(p.name, defaultShown(p));
    }
    for (const [name, raw] of Object.entries(initial)) {
      const param = findParam(name);
      if (!param) throw new Error(`Bad directive or wrong number of arguments: unknown option '${name}'`);
      const text = typeof raw === 'boolean' ? (raw ? 'yes' : 'no') : param.type === 'int' && param.octal && typeof raw === 'number' ? raw.toString(8) : String(raw);
      this.load(param, text);
    }
  }

  /** Set at start (file, command line, embedding options): no immutability checks, no listeners. */
  load(param: ParamSpec, text: string): void {
    const parsed = parseValue(param, text, this.shown.get(param.name));
    const refusal = param.refuse?.(parsed.shown);
    if (refusal) throw new RefusedValue(refusal);
    this.values.set(param.name, parsed.value);
    this.shown.set(param.name, parsed.shown);
  }

  onChange(listener: ConfigListener): void {
    this.listeners.push(listener);
  }

  get(name: string): ConfigValue {
    // Handlers ask by canonical lower-case name on hot paths: answer without normalising.
    const direct = this.values.get(name);
    if (direct !== undefined) return direct;
    const param = findParam(name);
    if (!param) throw new Error(`unknown config parameter ${name}`);
    return this.values.get(param.name)!;
  }

  number(name: string): number {
    return this.get(name) as number;
  }

  string(name: string): string {
    return String(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === true;
  }

  /** The value as CONFIG GET prints it. */
  show(name: string): string {
    const param = findParam(name);
    if (!param) throw new Error(`unknown config parameter ${name}`);
    return this.shownOf(param);
  }

  /**
   * Redis chdirs to `dir` and answers CONFIG GET dir with getcwd(): an absolute path. Tidings
   * keeps its working directory and resolves the setting against it instead.
   */
  private shownOf(param: ParamSpec): string {
    const shown = this.shown.get(param.name)!;
    return param.name === 'dir' ? path.resolve(shown) : shown;
  }

  /** Set one parameter as CONFIG SET does (kept for callers setting a single value). */
  set(name: string, text: string, atStart = false): void {
    const param = findParam(name);
    if (!param) throw new Error(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
    if (atStart) {
      this.load(param, text);
      for (const l of this.listeners) l(param.name, this.values.get(param.name)!);
      return;
    }
    this.setMany([[name, text]], { local: true });
  }

  /**
   * CONFIG SET name value [name value ...], atomically: every name is checked first (unknown,
   * immutable, protected, duplicate), then every value is parsed; on any failure nothing changes.
   * Throws ConfigSetError with the reply text (without "ERR ").
   */
  setMany(pairs: [string, string][], request: SetRequest): void {
    const pending = this.prepareSet(pairs, request);
    if (pending.relisten) {
      throw new ConfigSetError(`CONFIG SET failed (possibly related to argument '${pending.relisten.argument}') - changing the listening addresses needs CONFIG SET`);
    }
    pending.commit();
  }

  /** Check every name and value of a CONFIG SET; nothing changes until commit(). */
  prepareSet(pairs: [string, string][], request: SetRequest): PendingSet {
    const params: ParamSpec[] = [];
    const seen = new Set<string>();
    for (const [name] of pairs) {
      const param = findParam(name);
      if (!param) throw new ConfigSetError(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
      const failed = (reason: string) => new ConfigSetError(`CONFIG SET failed (possibly related to argument '${name}') - ${reason}`);
      if (param.immutable) throw failed("can't set immutable config");
      if (param.protected) {
        const allowed = this.string('enable-protected-configs');
        if (allowed === 'no' || (allowed === 'local' && !request.local)) throw failed("can't set protected config");
      }
      if (param.denyLoading && request.loading === true) throw new ConfigDeniedWhileLoading(failed('loading').message);
      if (seen.has(name.toLowerCase())) throw failed('duplicate parameter');
      seen.add(name.toLowerCase());
      params.push(param);
    }
    const next = new Map<string, ParsedValue>();
    pairs.forEach(([name, text], i) => {
      const param = params[i]!;
      const current = next.get(param.name)?.shown ?? this.shown.get(param.name)!;
      let parsed: ParsedValue;
      try {
        parsed = parseValue(param, text, current);
        const refusal = param.refuse?.(parsed.shown);
        if (refusal) throw new Error(refusal);
      } catch (err) {
        // Value errors name the parameter in lower case; name errors (above) as the client typed it.
        throw new ConfigSetError(`CONFIG SET failed (possibly related to argument '${name.toLowerCase()}') - ${(err as Error).message}`);
      }
      next.set(param.name, parsed);
    });
    let relisten: PendingSet['relisten'];
    pairs.forEach(([name], i) => {
      const param = params[i]!;
      if (param.relisten && next.get(param.name)!.shown !== this.shown.get(param.name) && !relisten) {
        const bind = next.get('bind')?.shown ?? this.string('bind');
        const port = (next.get('port')?.value as number | undefined) ?? this.number('port');
        const tlsPort = (next.get('tls-port')?.value as number | undefined) ?? this.number('tls-port');
        relisten = { bind, port, tlsPort, argument: name.toLowerCase() };
      }
    });
    return {
      relisten,
      commit: () => {
        const before = new Map<string, [ConfigValue, string]>();
        for (const [name, parsed] of next) {
          before.set(name, [this.values.get(name)!, this.shown.get(name)!]);
          this.values.set(name, parsed.value);
          this.shown.set(name, parsed.shown);
        }
        const applied: string[] = [];
        for (const [name, parsed] of next) {
          const param = findParam(name)!;
          if (param.ignored) this.onIgnoredSet?.(name, param.ignored);
          try {
            applied.push(name);
            for (const l of this.listeners) l(name, parsed.value);
          } catch (err) {
            // An apply error (a TLS file that does not load, ...): every parameter of this CONFIG
            // SET goes back to its old value and is applied again, as Redis rolls back.
            for (const [n, [value, shown]] of before) {
              this.values.set(n, value);
              this.shown.set(n, shown);
            }
            for (const n of applied) {
              try {
                for (const l of this.listeners) l(n, before.get(n)![0]);
              } catch {
                // The old value applied before; if it no longer does, the first error is the one to report.
              }
            }
            const argument = pairs.find(([n]) => findParam(n)?.name === name)?.[0].toLowerCase() ?? name;
            throw new ConfigSetError(`CONFIG SET failed (possibly related to argument '${argument}') - ${(err as Error).message}`);
          }
        }
      },
    };
  }

  /**
   * name/value pairs for one CONFIG GET pattern: a glob over names and aliases (hidden parameters
   * left out), or an exact name, hidden or not.
   */
  matching(pattern: string): [string, string][] {
    const lowered = pattern.toLowerCase();
    if (!/[*?[\\]/.test(lowered)) {
      const param = findParam(lowered);
      return param ? [[lowered, this.shownOf(param)]] : [];
    }
    const out: [string, string][] = [];
    for (const p of PARAMS) {
      if (p.hidden) continue;
      for (const name of [p.name, ...(p.aliases ?? [])]) {
        if (globMatch(lowered, name, true)) out.push([name, this.shownOf(p)]);
      }
    }
    return out;
  }

  /** Whether the parameter has its default value (CONFIG REWRITE adds only the others). */
  isDefault(param: ParamSpec): boolean {
    return this.shown.get(param.name) === defaultShown(param);
  }
}

// The Lua debugger (SCRIPT DEBUG SYNC, what `redis-cli --ldb-sync-mode` drives). A session belongs
// to one EVAL: the engine's line hook asks shouldStop() at every line of the script and, when it
// must stop, suspends the script's coroutine; the client's next commands are debugger commands
// (command()), answered with the session's log as an array of status replies, until the script
// ends (`<endsession>`, then its reply) or is aborted. This file is the session's state and the
// texts Redis's debugger writes; the Lua stack is read by the engine (DebugTarget).
import {
  BigNumber,
  BoolReply,
  Double,
  Latin1,
  MapReply,
  PushReply,
  RawReply,
  ReplyError,
  SetReply,
  Status,
  Verbatim,
  type Reply,
} from '../protocol/reply.js';

/** What the engine offers the debugger while the script is stopped. Values come back as text. */
export interface DebugTarget {
  /** The local variables of the function stopped at (name and value), in declaration order. */
  locals(): { name: string; value: string }[];
  /** A global the debugger may show (KEYS, ARGV), or undefined. */
  global(name: string): string | undefined;
  /** The script's call frames, innermost first: function name (undefined at the top level) and line. */
  frames(): { name: string | undefined; line: number }[];
  /** Run Lua code in its own frame: its first result, or the error message. */
  evaluate(code: Buffer): { value: string } | { error: string };
  /** Run a Redis command as redis.call does, logging it and its reply to the session. */
  redis(argv: Buffer[]): void;
}

/** What the caller does after a debugger command. */
export const enum DebugAction {
  /** Answer with the log (takeLog()) and wait for the next command. */
  Reply,
  /** Let the script run (step or continue) until it stops again or ends. */
  Resume,
  /** End the script with "script aborted for user request". */
  Abort,
}

const HELP = [
  'Redis Lua debugger help:',
  '[h]elp               Show this help.',
  '[s]tep               Run current line and stop again.',
  '[n]ext               Alias for step.',
  '[c]ontinue           Run till next breakpoint.',
  '[l]ist               List source code around current line.',
  '[l]ist [line]        List source code around [line].',
  '                     line = 0 means: current position.',
  '[l]ist [line] [ctx]  In this form [ctx] specifies how many lines',
  '                     to show before/after [line].',
  "[w]hole              List all source code. Alias for 'list 1 1000000'.",
  '[p]rint              Show all the local variables.',
  '[p]rint <var>        Show the value of the specified variable.',
  '                     Can also show global vars KEYS and ARGV.',
  '[b]reak              Show all breakpoints.',
  '[b]reak <line>       Add a breakpoint to the specified line.',
  '[b]reak -<line>      Remove breakpoint from the specified line.',
  '[b]reak 0            Remove all breakpoints.',
  '[t]race              Show a backtrace.',
  '[e]val <code>        Execute some Lua code (in a different callframe).',
  '[r]edis <cmd>        Execute a Redis command.',
  '[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.',
  '                     Specifying zero as <len> means unlimited.',
  '[a]bort              Stop the execution of the script. In sync',
  '                     mode dataset changes will be retained.',
  '',
  'Debugger functions you can call from Lua scripts:',
  'redis.debug()        Produce logs in the debugger console.',
  'redis.breakpoint()   Stop execution like if there was a breakpoint in the',
  '                     next line of code.',
];

const UNKNOWN_COMMAND = '<error> Unknown Redis Lua debugger command or wrong number of arguments.';
const DEFAULT_MAXLEN = 256;
const MIN_MAXLEN = 60;

export class LuaDebugger {
  /** The script's source lines (line 1 first). */
  private readonly source: string[];
  /** Stop at the next line (step/next, and at the start). */
  private step = true;
  /** redis.breakpoint() was called: stop at the next line. */
  private luaBreakpoint = false;
  private readonly breakpoints: number[] = [];
  /** The line the script is at (the last line event of the script's own code). */
  currentLine = 0;
  /** Trim logged replies and values to this many bytes (0: never). */
  private maxlen = DEFAULT_MAXLEN;
  private hintSent = false;
  private log: string[] = [];

  constructor(body: Buffer) {
    this.source = body.toString('latin1').split('\n');
  }

  /** redis.call logs its command and reply only while stepping, as Redis's debugger does. */
  get stepping(): boolean {
    return this.step;
  }

  /** The client left: the script runs to its end without stopping again (as in Redis). */
  private detached = false;

  detach(): void {
    this.detached = true;
    this.step = false;
  }

  /** The line hook, at every line of the script: the reason to stop there, or undefined. */
  shouldStop(line: number): string | undefined {
    this.currentLine = line;
    if (this.detached) return undefined;
    if (this.step) return 'step over';
    if (this.breakpoints.includes(line)) return 'break point';
    if (this.luaBreakpoint) return 'redis.breakpoint() called';
    return undefined;
  }

  /** The script stops at `line` (shouldStop said so and the engine could suspend it). */
  stopped(line: number, reason: string): void {
    this.step = false;
    this.luaBreakpoint = false;
    this.log.push(`* Stopped at ${line}, stop reason = ${reason}`);
    this.list(line, 0);
  }

  /** redis.breakpoint(): stop at the next line. */
  breakpoint(): void {
    this.luaBreakpoint = true;
  }

  /** The log lines since the last call, as the status replies the client gets. */
  takeLog(): Status[] {
    const lines = this.log.map((line) => new Status(line));
    this.log = [];
    return lines;
  }

  /** The script ended: the last log, which the script's reply follows. */
  endSession(): Status[] {
    this.log.push('<endsession>');
    return this.takeLog();
  }

  logRedisCommand(argv: Buffer[]): void {
    // Redis shows a command's first ten words, then how many it left out (counting one too few).
    const shown = argv.slice(0, 10).map((a) => a.toString('latin1'));
    let line = `<redis> ${shown.join(' ')}`;
    if (argv.length > 10) line += ` ... (${argv.length - 11} more)`;
    this.log.push(line);
  }

  /** redis.call refused the command before running it (unknown command, arity, not allowed). */
  logRefused(message: string): void {
    this.log.push(`<error> ${message.replace(/^ERR /, '')}`);
  }

  logReply(reply: Reply, protocol: 2 | 3): void {
    if (reply instanceof ReplyError) this.log.push(`<error> -${reply.message}`);
    this.logTrimmed(`<reply> ${replyToHuman(reply, protocol)}`);
  }

  /** redis.debug(...) at the script's current line. */
  logDebug(values: string[]): void {
    this.logTrimmed(`<debug> line ${this.currentLine}: ${values.join(', ')}`);
  }

  /** Run one debugger command (the client's argv while the script is stopped). */
  command(argv: Buffer[], target: DebugTarget): DebugAction {
    const name = argv[0]!.toString('latin1').toLowerCase();
    const words = argv.map((a) => a.toString('latin1'));
    switch (name) {
      case 'h':
      case 'help':
        this.log.push(...HELP);
        return DebugAction.Reply;
      case 's':
      case 'step':
      case 'n':
      case 'next':
        this.step = true;
        return DebugAction.Resume;
      case 'c':
      case 'continue':
        return DebugAction.Resume;
      case 'a':
      case 'abort':
        return DebugAction.Abort;
      case 'l':
      case 'list': {
        const around = words.length > 1 ? atoi(words[1]!) : 0;
        const context = words.length > 2 ? atoi(words[2]!) : 5;
        this.list(around, context);
        return DebugAction.Reply;
      }
      case 'w':
      case 'whole':
        this.list(1, 1000000);
        return DebugAction.Reply;
      case 'p':
      case 'print':
        this.print(words.length > 1 ? words[1] : undefined, target);
        return DebugAction.Reply;
      case 'b':
      case 'break':
        this.breakCommand(words.slice(1));
        return DebugAction.Reply;
      case 't':
      case 'trace':
        this.trace(target);
        return DebugAction.Reply;
      case 'e':
      case 'eval': {
        const result = target.evaluate(Buffer.from(words.slice(1).join(' '), 'latin1'));
        if ('error' in result) this.log.push(`<error> ${result.error}`);
        else this.logTrimmed(`<retval> ${result.value}`);
        return DebugAction.Reply;
      }
      case 'r':
      case 'redis':
        if (argv.length < 2) break;
        target.redis(argv.slice(1));
        return DebugAction.Reply;
      case 'm':
      case 'maxlen':
        if (words.length > 1) {
          const len = atoi(words[1]!);
          this.maxlen = len === 0 ? 0 : Math.max(len, MIN_MAXLEN);
        }
        this.log.push(this.maxlen === 0 ? '<value> replies are unlimited.' : `<value> replies are truncated at ${this.maxlen} bytes.`);
        return DebugAction.Reply;
    }
    this.log.push(UNKNOWN_COMMAND);
    return DebugAction.Reply;
  }

  private list(around: number, context: number): void {
    if (around === 0) around = this.currentLine;
    for (let line = around - context; line <= around + context; line++) {
      if (line < 1 || line > this.source.length) continue;
      this.log.push(this.sourceLine(line));
    }
  }

  private sourceLine(line: number): string {
    const current = line === this.currentLine;
    const breakpoint = this.breakpoints.includes(line);
    const prefix = current ? (breakpoint ? '->#' : '-> ') : breakpoint ? '  #' : '   ';
    return `${prefix}${String(line).padEnd(3)} ${this.source[line - 1]}`;
  }

  private print(name: string | undefined, target: DebugTarget): void {
    const locals = target.locals();
    if (name === undefined) {
      if (locals.length === 0) this.log.push('No local variables in the current context.');
      for (const local of locals) this.logTrimmed(`<value> ${local.name} = ${local.value}`);
      return;
    }
    // The innermost declaration of a name wins (a later local shadows an earlier one).
    for (let i = locals.length - 1; i >= 0; i--) {
      if (locals[i]!.name === name) {
        this.logTrimmed(`<value> ${locals[i]!.value}`);
        return;
      }
    }
    const global = name === 'KEYS' || name === 'ARGV' ? target.global(name) : undefined;
    if (global !== undefined) this.logTrimmed(`<value> ${global}`);
    else this.log.push('No such variable.');
  }

  private breakCommand(args: string[]): void {
    if (args.length === 0) {
      if (this.breakpoints.length === 0) {
        this.log.push("No breakpoints set. Use 'b <line>' to add one.");
        return;
      }
      this.log.push(`${this.breakpoints.length} breakpoint${this.breakpoints.length === 1 ? '' : 's'} set:`);
      for (const line of this.breakpoints) this.log.push(this.sourceLine(line));
      return;
    }
    for (const arg of args) {
      if (!/^[+-]?\d+$/.test(arg)) {
        this.log.push(`Invalid argument:'${arg}'`);
        continue;
      }
      const line = Number(arg);
      if (line === 0) {
        this.breakpoints.length = 0;
        this.log.push('All breakpoints removed.');
      } else if (line > 0) {
        if (line > this.source.length || this.breakpoints.includes(line)) {
          this.log.push('Wrong line number.');
        } else {
          this.breakpoints.push(line);
          this.list(line, 1);
        }
      } else {
        const at = this.breakpoints.indexOf(-line);
        if (at === -1) {
          this.log.push('No breakpoint in the specified line.');
        } else {
          this.breakpoints.splice(at, 1);
          this.log.push('Breakpoint removed.');
        }
      }
    }
  }

  private trace(target: DebugTarget): void {
    const frames = target.frames();
    frames.forEach((frame, i) => {
      this.log.push(`${i === 0 ? 'In' : 'From'} ${frame.name ?? 'top level'}:`);
      this.log.push(this.sourceLine(frame.line));
    });
  }

  private logTrimmed(line: string): void {
    if (this.maxlen === 0 || line.length <= this.maxlen) {
      this.log.push(line);
      return;
    }
    this.log.push(`${line.slice(0, this.maxlen)} ...`);
    if (!this.hintSent) {
      this.hintSent = true;
      this.log.push("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
    }
  }
}

/** C's atoi: leading blanks, an optional sign and digits; anything else ends the number (0 if none). */
function atoi(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** A string as Redis's debugger quotes it (sdscatrepr): printable ASCII, escapes, \xHH. */
export function quoteBytes(bytes: Buffer | string): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? text[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

/** A number as C's printf("%g") writes it: what the debugger shows for Lua numbers. */
export function formatG(n: number): string {
  if (Number.isNaN(n)) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, n);
    return view.getUint8(0) & 0x80 ? '-nan' : 'nan';
  }
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exponential = n.toExponential(5);
  const exponent = Number(exponential.slice(exponential.indexOf('e') + 1));
  if (exponent >= -4 && exponent < 6) return stripZeros(n.toFixed(5 - exponent));
  const [mantissa, exp] = exponential.split('e') as [string, string];
  const sign = exp[0] === '-' ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
  return `${stripZeros(mantissa)}e${sign}${digits}`;
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** A command's reply as the debugger logs it (`<reply> ...`), in the protocol the script chose. */
export function replyToHuman(reply: Reply, protocol: 2 | 3): string {
  const resp3 = protocol === 3;
  if (reply === null) return resp3 ? '(null)' : 'NULL';
  if (typeof reply === 'number' || typeof reply === 'bigint') return String(reply);
  if (typeof reply === 'string') return quoteBytes(Buffer.from(reply));
  if (Buffer.isBuffer(reply)) return quoteBytes(reply);
  if (reply instanceof Latin1) return quoteBytes(reply.text);
  if (reply instanceof Status) return quoteBytes(`+${reply.value}`);
  if (reply instanceof ReplyError) return quoteBytes(`-${reply.message}`);
  if (Array.isArray(reply)) return `[${reply.map((r) => replyToHuman(r, protocol)).join(',')}]`;
  if (reply instanceof PushReply) return replyToHuman(reply.items, protocol);
  if (reply instanceof SetReply) {
    return resp3 ? `~(${reply.items.map((r) => replyToHuman(r, protocol)).join(',')})` : replyToHuman(reply.items, protocol);
  }
  if (reply instanceof MapReply) {
    if (!resp3) return replyToHuman(reply.entries, protocol);
    const pairs: string[] = [];
    for (let i = 0; i + 1 < reply.entries.length; i += 2) {
      pairs.push(`${replyToHuman(reply.entries[i]!, protocol)} => ${replyToHuman(reply.entries[i + 1]!, protocol)}`);
    }
    return `{${pairs.join(',')}}`;
  }
  if (reply instanceof Double) return resp3 ? `(double) ${reply.value}` : quoteBytes(String(reply.value));
  if (reply instanceof BoolReply) return resp3 ? `#${reply.value}` : reply.value ? '1' : '0';
  // Redis 7.0's debugger writes nothing for these two RESP3 types.
  if (reply instanceof BigNumber) return resp3 ? '' : quoteBytes(reply.text);
  if (reply instanceof Verbatim) return resp3 ? '' : quoteBytes(reply.text);
  if (reply instanceof RawReply) return quoteBytes(reply.bytes);
  return 'NULL';
}

// Log lines. Two formats: Redis's (`pid:M 04 Dec 2026 14:57:41.161 * message`, what Redis's tools
// and test suite read) and JSON, one object a line, for log shippers (`log-format json`). Events that
// concern one client carry its id, address and name: in Redis's format inside the message, in JSON
// also as fields.

import type { LogFields, LogLevel } from '../commands/host.js';

export type { LogFields, LogLevel };
export type LogFormat = 'redis' | 'json';

const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const MARKS: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** True when a line of `level` passes the configured `loglevel`. */
export function logs(level: LogLevel, configured: string): boolean {
  return LEVELS[level] >= (LEVELS[configured as LogLevel] ?? LEVELS.notice);
}

/** Redis's log time: "04 Dec 2026 14:57:41.161", local time. */
export function logTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** One log line, without its newline. */
export function formatLogLine(format: LogFormat, level: LogLevel, message: string, fields?: LogFields, now = new Date()): string {
  if (format === 'json') {
    const line: Record<string, string | number> = { time: now.toISOString(), pid: process.pid, role: 'master', level, message };
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
    return JSON.stringify(line);
  }
  return `${process.pid}:M ${logTime(now)} ${MARKS[level]} ${message}`;
}

/** The fields that name a client in a log line. */
export function clientFields(client: { id: number | bigint; addr: string; name: string }): LogFields {
  return { client_id: Number(client.id), addr: client.addr, name: client.name };
}

/**
 * Lets an event through at most once per `intervalMs`, counting the ones held back, so a flood
 * (every write refused for OOM) gives one line now and then, not one per command.
 */
export class LogThrottle {
  private last = -Infinity;
  private held = 0;

  constructor(private readonly intervalMs: number) {}

  /** Undefined when this event is held back, else how many were held back since the last line. */
  admit(now: number): number | undefined {
    if (now - this.last < this.intervalMs) {
      this.held++;
      return undefined;
    }
    const held = this.held;
    this.last = now;
    this.held = 0;
    return held;
  }
}

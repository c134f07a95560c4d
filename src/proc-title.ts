// The process title (what `ps` and /proc/<pid>/cmdline show), as redis-server sets it from
// proc-title-template. Node (libuv) writes a title only over the memory of the original command
// line, so a title longer than that is cut; redis-server also writes over the environment strings
// that follow it (after copying them elsewhere), and so does this module, through /proc/self/mem
// (Linux), when a title does not fit the command line alone.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config/config.js';

/**
 * proc-title-template expanded as Redis does: {title} is how the server was started (Redis's
 * argv[0]; see startedAs), {listen-addr} the first bind address (`*` for every interface) and port,
 * {server-mode} empty (no cluster, no sentinel).
 */
export function procTitle(template: string, config: Config, port: number, title = startedAs()): string {
  const tlsPort = config.number('tls-port');
  const unixsocket = config.string('unixsocket');
  const bind = config.string('bind').split(' ')[0] || '*';
  const listenAddr = port !== 0 || tlsPort !== 0 ? `${bind}:${port !== 0 ? port : tlsPort}` : `unixsocket:${unixsocket}`;
  const values: Record<string, string> = {
    '{title}': title,
    '{listen-addr}': listenAddr,
    '{server-mode}': '',
    '{port}': String(port),
    '{tls-port}': String(tlsPort),
    '{unixsocket}': unixsocket,
    '{config-file}': config.file ?? '',
  };
  return template.replace(/\{[^}]*\}/g, (v) => values[v] ?? v).trim();
}

/**
 * How the server was started: the name its starter gave the process when that is not Node itself
 * (a wrapper script that runs `exec -a "$0" node .../bin/tidings.js`, as the one Redis's suite
 * starts as src/redis-server can), else the script Node runs, relative to the working directory
 * when under it (short, as usually typed).
 */
export function startedAs(): string {
  const argv0 = process.argv0;
  if (argv0 !== '' && !isNodeItself(argv0)) return argv0;
  const script = process.argv[1];
  if (script === undefined) return argv0;
  const relative = path.relative(process.cwd(), script);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : script;
}

/** Whether argv[0] names the Node binary (`node`, a path to it, or a link to it). */
function isNodeItself(argv0: string): boolean {
  const candidates = argv0.includes('/')
    ? [path.resolve(argv0)]
    : (process.env['PATH'] ?? '').split(':').filter((dir) => dir !== '').map((dir) => path.join(dir, argv0));
  for (const file of candidates) {
    try {
      if (fs.realpathSync(file) === fs.realpathSync(process.execPath)) return true;
    } catch {
      // not there: try the next
    }
  }
  return path.basename(argv0) === path.basename(process.execPath);
}

/** The command line's and the environment's memory, from /proc/self/stat (Linux 3.5+). */
interface TitleArea {
  argStart: number;
  argEnd: number;
  envEnd: number;
}

/** The kernel shows at most one page of a title written past the command line. */
const TITLE_MAX = 4096;

let area: TitleArea | undefined | null;

function titleArea(): TitleArea | null {
  if (area !== undefined) return area;
  area = null;
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'latin1');
    // Fields after the command name (which may hold spaces), from field 3 on: arg_start is field 48.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [argStart, argEnd, envStart, envEnd] = [48, 49, 50, 51].map((n) => Number(fields[n - 3]));
    if ([argStart, argEnd, envStart, envEnd].every((n) => Number.isSafeInteger(n) && n > 0) && envStart === argEnd && envEnd > argEnd) {
      area = { argStart: argStart!, argEnd: argEnd!, envEnd: envEnd! };
    }
  } catch {
    // no /proc: titles are cut at the command line's length
  }
  return area;
}

let environmentMoved = false;

/**
 * Set the process title. One that fits the original command line goes through process.title;
 * a longer one is written over the command line and the environment strings after it, once those
 * strings are copied (setenv of each variable puts it on the heap, as Redis's setproctitle does),
 * and the kernel then shows it whole (up to a page). Where /proc/self/mem cannot be written, the
 * title is cut as Node cuts it.
 */
export function setProcessTitle(title: string): void {
  const bytes = Buffer.from(title, 'utf8');
  const where = titleArea();
  if (where === null || bytes.length < where.argEnd - where.argStart) {
    process.title = title;
    return;
  }
  try {
    if (!environmentMoved) {
      for (const [name, value] of Object.entries(process.env)) if (value !== undefined) process.env[name] = value;
      environmentMoved = true;
    }
    const page = Buffer.alloc(Math.min(where.envEnd - where.argStart, TITLE_MAX));
    bytes.copy(page, 0, 0, page.length - 1);
    const fd = fs.openSync('/proc/self/mem', 'r+');
    try {
      fs.writeSync(fd, page, 0, page.length, where.argStart);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    process.title = title;
  }
}

// The `tidings` command: `tidings [config-file] [--name value ...]`, like redis-server.
import fs from 'node:fs';
import { Server, TIDINGS_VERSION, REDIS_VERSION } from './server/server.js';
import { findParam, parseParamValue } from './config/config.js';
import { aclOf } from './security/acl.js';

export function usage(): string {
  return [
    `Tidings ${TIDINGS_VERSION} — a Redis-compatible message broker (Redis ${REDIS_VERSION} behaviour)`,
    '',
    'Usage: tidings [/path/to/tidings.conf] [--port 6379] [--bind 127.0.0.1] [--requirepass secret] [--<option> <value> ...]',
    '       tidings --version | --help',
    '',
    'Options are the redis.conf parameters Tidings supports (port, bind, unixsocket, requirepass, maxclients,',
    'timeout, databases, proto-max-bulk-len, client-query-buffer-limit, client-output-buffer-limit, loglevel,',
    'logfile, notify-keyspace-events, maxmemory, maxmemory-policy, ...). Port 0 picks a free port.',
  ].join('\n');
}

/** Split one config-file line into words, honouring "double" and 'single' quotes. */
function splitLine(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return words;
}

/** Parse argv and config file into name → value text. Throws Error with a user-facing message. */
export function parseArgs(args: string[]): Record<string, string> {
  return parseConfig(args).settings;
}

/** Settings, plus the config file's `user` directives (ACL users, applied once the server exists). */
export function parseConfig(args: string[]): { settings: Record<string, string>; users: string[]; file: string } {
  const settings: Record<string, string> = {};
  const users: string[] = [];
  const apply = (name: string, values: string[], where: string) => {
    const param = findParam(name);
    if (!param) throw new Error(`${where}: unknown option '${name}'`);
    const text = values.join(' ');
    try {
      parseParamValue(param, text);
    } catch (err) {
      throw new Error(`${where}: invalid value for '${name}': ${(err as Error).message}`);
    }
    settings[param.name] = text;
  };
  let i = 0;
  if (args[0] !== undefined && !args[0].startsWith('--')) {
    const file = args[0];
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read config file '${file}': ${(err as Error).message}`);
    }
    text.split(/\r?\n/).forEach((line, n) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const [name, ...values] = splitLine(trimmed);
      if (name!.toLowerCase() === 'user') users.push(values.join(' '));
      else apply(name!.toLowerCase(), values, `${file}:${n + 1}`);
    });
    i = 1;
  }
  for (; i < args.length; i++) {
    const flag = args[i]!;
    if (!flag.startsWith('--')) throw new Error(`unexpected argument '${flag}' (options look like --port 6379)`);
    const name = flag.slice(2).toLowerCase();
    const values: string[] = [];
    while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) values.push(args[++i]!);
    if (values.length === 0) throw new Error(`option '--${name}' needs a value`);
    apply(name, values, 'command line');
  }
  return { settings, users, file: args[0] !== undefined && !args[0].startsWith('--') ? args[0] : '' };
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage());
    return;
  }
  if (args.includes('--version') || args.includes('-v')) {
    console.log(`Tidings v=${TIDINGS_VERSION} (Redis ${REDIS_VERSION} compatible)`);
    return;
  }
  let settings: Record<string, string>;
  let users: string[];
  let file: string;
  try {
    ({ settings, users, file } = parseConfig(args));
  } catch (err) {
    console.error(`tidings: ${(err as Error).message}`);
    console.error('Run `tidings --help` for usage.');
    process.exitCode = 1;
    return;
  }
  const logfile = settings.logfile;
  const server = new Server({ config: settings, log: logfile ? undefined : (line) => console.log(line) });
  const usersError = aclOf(server).declareUsers(users, file);
  if (usersError !== undefined) {
    console.error(`tidings: ${usersError}`);
    process.exitCode = 1;
    return;
  }
  try {
    await server.listen();
  } catch (err) {
    console.error(`tidings: could not listen: ${(err as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const where = [`${server.host}:${server.port}`];
  if (settings.unixsocket) where.push(settings.unixsocket);
  server.log('notice', `Tidings ${TIDINGS_VERSION} (Redis ${REDIS_VERSION} compatible), pid ${process.pid}`);
  // One clear line, on stdout even when logging to a file, so scripts can wait for it.
  console.log(`Tidings ready to accept connections on ${where.join(' and ')}`);
  const stop = (signal: string) => {
    server.log('notice', `Received ${signal}, shutting down.`);
    void server.close().then(() => process.exit(0));
  };
  server.onShutdown = () => process.exit(0);
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

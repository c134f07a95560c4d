// The `tidings` command: `tidings [config-file] [--name value ...]`, started the way redis-server
// starts: the same arguments and config file, log lines, pidfile, daemonize and ready line.
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { TIDINGS_VERSION, REDIS_VERSION, type Server } from './server/server.js';
import { createServer } from './net/network.js';
import { LoadError } from './persistence/rdbfile.js';
import { AofLoadError } from './persistence/aof-load.js';
import { LoadAborted } from './persistence/loading.js';
import { Config, findParam } from './config/config.js';
import { ConfigError, loadConfig, type LoadedConfig } from './config/file.js';
import { aclOf } from './security/acl.js';
import { procTitle, setProcessTitle } from './proc-title.js';

/** Redis's save points when none are configured (the command line only; see config/params.ts). */
const DEFAULT_SAVE = '3600 1 300 100 60 10000';
/** Where a daemonized server writes its pid when no pidfile is configured (as Redis). */
const DEFAULT_PIDFILE = '/var/run/redis.pid';
/** Set in the environment of the re-spawned, detached copy of a `daemonize yes` start. */
const DAEMON_CHILD = 'TIDINGS_DAEMON_CHILD';

export function usage(): string {
  return [
    `Tidings ${TIDINGS_VERSION} — a Redis-compatible message broker (Redis ${REDIS_VERSION} behaviour)`,
    '',
    'Usage: tidings [/path/to/tidings.conf] [--port 6379] [--bind 127.0.0.1] [--requirepass secret] [--<option> <value> ...]',
    '       tidings --version | --help',
    '',
    "Options are redis.conf's directives, in a file (a drop-in redis.conf works) or as --name value.",
    'Every Redis 7.0 directive is accepted; those Tidings cannot apply are logged at start-up as',
    'ignored, with the reason; values it cannot honour (cluster-enabled yes, replicaof, loadmodule,',
    'user, tls-port) stop start-up. Port 0 picks a free port.',
  ].join('\n');
}

/** Parse argv and config file into a Config (kept for tests and tools). Throws Error. */
export function parseArgs(args: string[]): LoadedConfig {
  const config = new Config();
  config.load(findParam('save')!, DEFAULT_SAVE);
  return loadConfig(args, config);
}

/** A start-up failure: stderr, and the parent of a daemonized start when there is one. */
function fail(message: string, hint = false): void {
  console.error(`tidings: ${message}`);
  if (hint) console.error('Run `tidings --help` for usage.');
  process.send?.({ error: message });
  process.exitCode = 1;
}

/**
 * `daemonize yes`: Node cannot fork, so start the same command again, detached, with output
 * going nowhere (as a daemonized redis-server's does without a logfile); wait until it listens or
 * fails, then return the exit code for this process.
 */
function daemonize(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, [DAEMON_CHILD]: '1' },
    });
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      if (child.connected) child.disconnect();
      child.unref();
      resolve(code);
    };
    child.on('message', (msg: { ready?: boolean; error?: string }) => {
      if (msg.error) console.error(`tidings: ${msg.error}`);
      finish(msg.ready ? 0 : 1);
    });
    child.once('exit', (code) => {
      if (!done) console.error(`tidings: the daemonized server exited (${code}) before it was ready`);
      finish(1);
    });
    child.once('error', (err) => {
      console.error(`tidings: cannot start the daemonized server: ${err.message}`);
      finish(1);
    });
  });
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
  let loaded: LoadedConfig;
  try {
    loaded = parseArgs(args);
  } catch (err) {
    fail((err as Error).message, err instanceof ConfigError);
    return;
  }
  const { config } = loaded;
  const daemonChild = process.env[DAEMON_CHILD] === '1';
  if (config.bool('daemonize') && !daemonChild) {
    process.exitCode = await daemonize(args);
    return;
  }

  const logfile = config.string('logfile');
  if (logfile) {
    try {
      fs.appendFileSync(logfile, '');
    } catch (err) {
      fail(`Can't open the log file: ${(err as Error).message}`);
      return;
    }
  }
  // With daemonize and no logfile, Redis logs to /dev/null: our output is already ignored.
  const server = createServer({ config, log: logfile ? undefined : (line) => console.log(line) });
  server.log('warning', 'oO0OoO0OoO0Oo Tidings is starting oO0OoO0OoO0Oo');
  server.log('warning', `Tidings version=${TIDINGS_VERSION}, redis_version=${REDIS_VERSION}, node=${process.version}, bits=64, pid=${process.pid}, just started`);
  if (loaded.file) server.log('warning', 'Configuration loaded');
  else server.log('warning', 'Warning: no config file specified, using the default config. In order to specify a config file use tidings /path/to/tidings.conf');
  for (const name of loaded.given) {
    const reason = findParam(name)!.ignored;
    if (reason) server.log('warning', `Ignoring '${name}' (accepted for compatibility, no effect in Tidings): ${reason}`);
  }
  for (const [from, to] of loaded.renames) {
    try {
      server.table.rename(from, to);
    } catch (err) {
      fail(`rename-command ${from} ${to}: ${(err as Error).message}`);
      return;
    }
  }
  // ACL users: the config file's user directives, or the aclfile (both at once is refused, as Redis).
  const acl = aclOf(server);
  const usersError = acl.declareUsers(loaded.users, loaded.file ?? '');
  const aclError = usersError ?? acl.startupError;
  if (aclError !== undefined) {
    fail(aclError);
    return;
  }

  // SIGTERM/SIGINT as in Redis: save first when save points are configured (shutdown-on-sigterm /
  // shutdown-on-sigint can say otherwise); a failed save keeps the server running, and another
  // signal tries again. Set before listening: the dataset loads while the server listens, and a
  // signal or SHUTDOWN then stops it without saving (a partial dataset is never saved).
  const stop = (signal: 'SIGTERM' | 'SIGINT') => {
    // A second SIGINT (Ctrl+C again) while a signal's shutdown is under way: the user wants out
    // now, not after the final save (or the wait for replicas) — as Redis, an unclean exit.
    if (signal === 'SIGINT' && server.shutdownSignalled) {
      server.log('warning', 'You insist... exiting now.');
      server.rdb.removeTempFile();
      process.exit(1);
    }
    server.log('warning', server.rdb.loading ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${signal} scheduling shutdown...`);
    server.signalShutdown(signal);
  };
  server.onShutdown = () => process.exit(0);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    // The banner comes once the port is bound and before the data is loaded, as Redis's logo does:
    // a supervisor (or Redis's test suite) sees the PID even when a bad data file stops start-up.
    await server.listen(() => {
      server.log('notice', `Running mode=standalone, port=${server.port}.`);
      server.log('notice', `Tidings ${TIDINGS_VERSION} (Redis ${REDIS_VERSION} compatible) 64 bit, standalone mode, port ${server.port}, PID: ${process.pid}`);
    });
  } catch (err) {
    // SHUTDOWN or a signal while loading: the server is closing, and exits when it has closed.
    if (err instanceof LoadAborted) return;
    if (err instanceof LoadError || err instanceof AofLoadError) {
      // A dump or append-only file that cannot be loaded: say which and where; the file is untouched.
      server.log('warning', err.message);
      fail(err.message);
      return;
    }
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    server.log('warning', `Warning: Could not create server TCP listening socket ${e.address ?? config.string('bind')}:${e.port ?? config.number('port')}: ${e.syscall ?? 'listen'}: ${e.message}`);
    server.log('warning', `Failed listening on port ${config.number('port')} (TCP), aborting.`);
    fail(`could not listen: ${e.message}`);
    return;
  }

  // The process title, as redis-server sets it (`ps` shows `<script> *:6379`), and again on CONFIG SET.
  if (config.bool('set-proc-title')) {
    setProcTitle(server, config);
    server.onConfigChange((name) => {
      if (name === 'proc-title-template') setProcTitle(server, config);
    });
  }

  const pidfile = config.string('pidfile') || (config.bool('daemonize') ? DEFAULT_PIDFILE : '');
  if (pidfile) {
    try {
      fs.writeFileSync(pidfile, `${process.pid}\n`);
      process.once('exit', () => {
        try {
          fs.unlinkSync(pidfile);
        } catch {
          // already gone
        }
      });
    } catch (err) {
      server.log('warning', `Failed to write PID file: ${(err as Error).message}`);
    }
  }

  server.log('warning', 'Server initialized');
  server.log('notice', `Listening on ${server.addresses().join(', ')}`);
  server.log('notice', 'Ready to accept connections');
  const unixsocket = config.string('unixsocket');
  if (unixsocket) server.log('notice', `The server is now ready to accept connections at ${unixsocket}`);
  if (daemonChild && process.send) {
    process.send({ ready: true });
    process.disconnect();
  }

}

function setProcTitle(server: Server, config: Config): void {
  setProcessTitle(procTitle(config.string('proc-title-template'), config, config.number('port') === 0 ? 0 : server.port));
}

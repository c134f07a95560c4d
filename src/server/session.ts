// A client as the server-level modules see it (dispatch, blocked clients, pause, tracking, the
// replica link): the commands' session view plus the bookkeeping the server keeps per client.
// net/client.ts's Client implements it, so that server/ names no type from net/ (issue #9).
import type { DispatchMemo } from './dispatch.js';
import type { CommandSession } from '../commands/host.js';

export interface ServerSession extends CommandSession {
  /** Flush is scheduled for this client. */
  flushScheduled: boolean;
  /** Input arrived this turn and is waiting for the turn's command run (Server.input). */
  inputPending: boolean;
  /** When the pub/sub or normal soft output limit was first exceeded (ms), or 0. */
  softLimitSince: number;
  /** Number of commands executed (for CLIENT LIST's `cmd`/stats). */
  commandsProcessed: number;
  /** What dispatch remembers of this client's last command (see DispatchMemo). */
  dispatchMemo: DispatchMemo | undefined;
  /** Writes the connection's output to its socket (net/socket-write.ts); null without a socket. */
  readonly writer: { write(data: Buffer): void; readonly unsent: number } | null;
}

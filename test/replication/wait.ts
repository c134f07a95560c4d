// Shared by the replication tests: polling until a condition holds, and reading INFO fields.
import type { RespClient } from '../helpers/resp.js';
import { waitFor } from '../helpers/wait.js';

/** Poll `check` until it is true; throw naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<void> {
  await waitFor(check, what, timeoutMs);
}

/** One `name:value` field of an INFO reply. */
export function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info)?.[1];
}

export async function linkUp(replica: RespClient, timeoutMs = 15000): Promise<void> {
  await until('master_link_status:up', async () => field((await replica.call('INFO', 'replication')) as string, 'master_link_status') === 'up', timeoutMs);
}

/** Wait until the replica has processed everything the master produced. */
export async function caughtUp(master: RespClient, replica: RespClient, timeoutMs = 15000): Promise<void> {
  await until(
    'the replica to catch up',
    async () => {
      const m = field((await master.call('INFO', 'replication')) as string, 'master_repl_offset');
      const r = field((await replica.call('INFO', 'replication')) as string, 'slave_repl_offset');
      return m !== undefined && m === r;
    },
    timeoutMs,
  );
}

// ACL LOG: recent denials (commands, keys, channels) and failed AUTHs, newest first. As in Redis,
// an event like one logged less than a minute ago (same reason, context, object and user) bumps
// that entry's count instead of adding a new one.
import { Double, MapReply, type Reply } from '../protocol/reply.js';
import type { AclHost, AclSession } from './host.js';

export type AclLogReason = 'auth' | 'command' | 'key' | 'channel';

interface AclLogEntry {
  count: number;
  reason: AclLogReason;
  context: string;
  object: string;
  username: string;
  createdAt: number;
  clientInfo: string;
}

const GROUPING_MS = 60_000;

export class AclLog {
  private entries: AclLogEntry[] = [];

  constructor(private readonly server: AclHost) {}

  private maxLen(): number {
    try {
      return this.server.config.number('acllog-max-len');
    } catch {
      return 128;
    }
  }

  add(client: AclSession, reason: AclLogReason, context: string, object: string, username: string): void {
    const now = Date.now();
    const same = this.entries.findIndex(
      (e) => e.reason === reason && e.context === context && e.object === object && e.username === username && now - e.createdAt < GROUPING_MS,
    );
    const clientInfo = this.server.describeClient(client);
    if (same !== -1) {
      const entry = this.entries[same]!;
      entry.count++;
      entry.createdAt = now;
      entry.clientInfo = clientInfo;
      this.entries.splice(same, 1);
      this.entries.unshift(entry);
      return;
    }
    this.entries.unshift({ count: 1, reason, context, object, username, createdAt: now, clientInfo });
    const max = this.maxLen();
    if (this.entries.length > max) this.entries.length = Math.max(0, max);
  }

  reset(): void {
    this.entries = [];
  }

  reply(count: number): Reply {
    const now = Date.now();
    return this.entries.slice(0, count).map(
      (e) =>
        new MapReply([
          'count', e.count,
          'reason', e.reason,
          'context', e.context,
          // Keys, channels and user names are latin1 views of their bytes: reply with the bytes.
          'object', Buffer.from(e.object, 'latin1'),
          'username', Buffer.from(e.username, 'latin1'),
          'age-seconds', new Double((now - e.createdAt) / 1000),
          'client-info', e.clientInfo,
        ]),
    );
  }
}

const logs = new WeakMap<AclHost, AclLog>();

export function aclLogOf(server: AclHost): AclLog {
  let log = logs.get(server);
  if (log === undefined) {
    log = new AclLog(server);
    logs.set(server, log);
  }
  return log;
}

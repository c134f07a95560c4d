// Counters behind INFO stats, commandstats and errorstats.
import type { CommandStat, StatsView } from '../commands/host.js';

export type { CommandStat };

export class Stats implements StatsView {
  totalConnections = 0;
  rejectedConnections = 0;
  totalCommands = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  totalErrorReplies = 0;
  outputLimitDisconnections = 0;
  queryBufferLimitDisconnections = 0;
  /** Clients disconnected by maxmemory-clients. */
  evictedClients = 0;
  /** Values (and flushed keys) Redis would have freed in the background (store/lazyfree.ts). */
  lazyfreedObjects = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /**
   * Background saves and rewrites started (BGSAVE, BGREWRITEAOF, enabling the AOF, a replica's
   * full sync): Redis forks for each and counts the forks; ours take a snapshot instead.
   */
  forks = 0;
  /** How long the last one's synchronous start took, in microseconds (Redis: the fork call). */
  latestForkUsec = 0;
  readonly commands = new Map<string, CommandStat>();
  /** Bumped when the per-command records are dropped (CONFIG RESETSTAT): callers caching one re-fetch. */
  generation = 0;
  readonly errors = new Map<string, number>();

  command(name: string): CommandStat {
    let stat = this.commands.get(name);
    if (stat === undefined) {
      stat = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      this.commands.set(name, stat);
    }
    return stat;
  }

  /** A background save or rewrite started `startedAt` (performance.now()) and is under way. */
  forked(startedAt: number): void {
    this.forks++;
    this.latestForkUsec = Math.round((performance.now() - startedAt) * 1000);
  }

  errorReply(code: string): void {
    this.totalErrorReplies++;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.commands.clear();
    this.generation++;
    this.errors.clear();
    this.totalErrorReplies = 0;
    this.totalCommands = 0;
    this.expiredKeys = 0;
    this.evictedKeys = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.outputLimitDisconnections = 0;
    this.queryBufferLimitDisconnections = 0;
    this.evictedClients = 0;
    this.lazyfreedObjects = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.forks = 0;
    this.latestForkUsec = 0;
  }
}

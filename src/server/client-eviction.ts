// maxmemory-clients: when the memory all clients hold (query buffers, queued commands, replies not
// yet written) passes the limit, the biggest clients are disconnected until the rest fit, as Redis
// 7.0 does. Clients marked CLIENT NO-EVICT neither count nor are evicted. Checked after a client's
// input grows and after its output is flushed; free (a loop over nothing) while the limit is 0.
import { clientMemory } from '../commands/connection.js';

/** A connection as CLIENT LIST measures it (net/client's Client), named without importing up. */
type Client = Parameters<typeof clientMemory>[0];

export interface EvictionHost {
  readonly clients: Map<number, Client>;
  /** maxmemory-clients in bytes (a percentage resolved against maxmemory); 0 = no limit. */
  clientMemoryLimit(): number;
  evictClient(client: Client, memory: number): void;
}

/** Disconnect the biggest evictable clients until the rest hold no more than the limit. */
export function evictClientsIfNeeded(host: EvictionHost): void {
  const limit = host.clientMemoryLimit();
  if (limit <= 0) return;
  let total = 0;
  const sizes: [number, Client][] = [];
  for (const client of host.clients.values()) {
    if (client.closing || client.noEvict) continue;
    const memory = clientMemory(client);
    total += memory;
    sizes.push([memory, client]);
  }
  if (total <= limit) return;
  sizes.sort((a, b) => b[0] - a[0]);
  for (const [memory, client] of sizes) {
    if (total <= limit) break;
    host.evictClient(client, memory);
    total -= memory;
  }
}

/** maxmemory-clients' value ("0", a byte count, or "N%" of maxmemory) in bytes. */
export function clientMemoryLimitOf(setting: string, maxmemory: number): number {
  if (setting.endsWith('%')) return Math.floor((Number(setting.slice(0, -1)) * maxmemory) / 100);
  return Number(setting);
}

// MONITOR: every command executed is echoed to monitoring clients in Redis's line format.
import { Status, type Reply } from '../protocol/reply.js';

/** A connection as MONITOR sees it (net/client's Client is one). */
export interface MonitorPeer {
  monitor: boolean;
  readonly kind: string;
  readonly addr: string;
  push(reply: Reply): void;
}

export class Monitor<C extends MonitorPeer = MonitorPeer> {
  private readonly clients = new Set<C>();
  /** Set by the server so monitor lines get flushed. */
  onWrite: ((client: C) => void) | undefined;

  get active(): boolean {
    return this.clients.size !== 0;
  }

  add(client: C): void {
    client.monitor = true;
    this.clients.add(client);
  }

  remove(client: C): void {
    this.clients.delete(client);
  }

  feed(source: MonitorPeer, dbIndex: number, argv: Buffer[]): void {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const time = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
    const where = source.kind === 'script' ? 'lua' : source.kind === 'unix' ? `unix:${source.addr}` : source.addr;
    const args = argv.map((a) => `"${escapeArg(a)}"`).join(' ');
    const line = new Status(`${time} [${dbIndex} ${where}] ${args}`);
    for (const client of this.clients) {
      if (client === source) continue;
      client.push(line);
      this.onWrite?.(client);
    }
  }
}

function escapeArg(arg: Buffer): string {
  let s = '';
  for (const byte of arg) {
    if (byte === 0x5c) s += '\\\\';
    else if (byte === 0x22) s += '\\"';
    else if (byte === 0x0a) s += '\\n';
    else if (byte === 0x0d) s += '\\r';
    else if (byte === 0x09) s += '\\t';
    else if (byte === 0x07) s += '\\a';
    else if (byte === 0x08) s += '\\b';
    else if (byte < 0x20 || byte > 0x7e) s += `\\x${byte.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(byte);
  }
  return s;
}

// Helpers for the AOF tests: read a multi-part AOF directory as commands, dump a dataset over
// RESP for comparison, and temporary directories.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RespClient } from '../helpers/resp.js';

export function tempDir(prefix = 'tidings-aof-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Commands of one AOF file (RESP multibulk; `#` annotation lines skipped). */
export function parseAofCommands(data: Buffer): string[][] {
  const out: string[][] = [];
  let pos = 0;
  const line = (): string => {
    const cr = data.indexOf('\r\n', pos);
    if (cr < 0) throw new Error(`truncated at ${pos}`);
    const text = data.toString('latin1', pos, cr);
    pos = cr + 2;
    return text;
  };
  while (pos < data.length) {
    if (data[pos] === 0x23) {
      line();
      continue;
    }
    const head = line();
    if (!head.startsWith('*')) throw new Error(`bad format at ${pos}: ${head}`);
    const argc = Number(head.slice(1));
    const argv: string[] = [];
    for (let i = 0; i < argc; i++) {
      const len = Number(line().slice(1));
      argv.push(data.toString('latin1', pos, pos + len));
      pos += len + 2;
    }
    out.push(argv);
  }
  return out;
}

export interface ManifestLine {
  name: string;
  seq: number;
  type: string;
}

export function readManifest(aofDir: string, manifestName = 'appendonly.aof.manifest'): ManifestLine[] {
  const text = fs.readFileSync(path.join(aofDir, manifestName), 'latin1');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const w = l.trim().split(/\s+/);
      return { name: w[1]!, seq: Number(w[3]), type: w[5]! };
    });
}

/** The commands of the incremental files, in order. */
export function incrCommands(aofDir: string): string[][] {
  const out: string[][] = [];
  for (const f of readManifest(aofDir)) {
    if (f.type === 'i') out.push(...parseAofCommands(fs.readFileSync(path.join(aofDir, f.name))));
  }
  return out;
}

/** Every key of the given databases with its type, value and whether it has a TTL. */
export async function dump(c: RespClient, dbs: number[] = [0]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const db of dbs) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as string[]).sort();
    for (const key of keys) {
      const type = (await c.call('TYPE', key)) as string;
      let value: unknown;
      if (type === 'string') value = await c.call('GET', key);
      else if (type === 'list') value = await c.call('LRANGE', key, 0, -1);
      else if (type === 'set') value = ((await c.call('SMEMBERS', key)) as string[]).sort();
      else if (type === 'zset') value = await c.call('ZRANGE', key, 0, -1, 'WITHSCORES');
      else if (type === 'hash') value = pairs((await c.call('HGETALL', key)) as string[]);
      else if (type === 'stream') {
        value = {
          entries: await c.call('XRANGE', key, '-', '+'),
          groups: ((await c.call('XINFO', 'GROUPS', key)) as unknown[][]).map((g) => pairs(g as string[])),
        };
      }
      const ttl = (await c.call('PTTL', key)) as number;
      out[`${db}:${key}`] = { type, value, ttl: ttl > 0 ? 'yes' : 'no' };
    }
  }
  await c.call('SELECT', 0);
  return out;
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` is true (condition-based, no fixed wall-clock assumption beyond a cap). */
export async function until(check: () => Promise<boolean> | boolean, capMs = 20000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(20);
  }
}

/** One field of INFO persistence. */
export async function persistenceInfo(c: RespClient, field: string): Promise<string> {
  const text = String(await c.call('INFO', 'persistence'));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)![1]!.trim();
}

/** A process's children (pgrep -P, as Redis's get_child_pid finds a server's fork child). */
export function children(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.trim() !== '').map(Number);
}

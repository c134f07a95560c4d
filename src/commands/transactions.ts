// MULTI / EXEC / DISCARD / WATCH / UNWATCH.
// Queueing itself happens in the dispatcher; EXEC replays the queue with blocking disabled.
import { Errors } from '../protocol/errors.js';
import { NULL_ARRAY, OK, type Reply } from '../protocol/reply.js';
import type { CommandContext, CommandSpec } from './types.js';

// The group reaches the client's transaction state and the server's WATCH table only through its
// CommandContext (ctx.client, ctx.server): it names neither net/ nor server/.

/** A watched key that was alive at WATCH time and has expired since also aborts EXEC. */
function watchedKeyExpired(client: CommandContext['client']): boolean {
  const now = Date.now();
  return client.watched.some((w) => w.expireAt !== undefined && w.expireAt <= now);
}

function endTransaction({ server, client }: CommandContext): void {
  client.multi = undefined;
  client.multiDirty = false;
  server.unwatchAll(client);
}

const base = { firstKey: 0, lastKey: 0, step: 0 } as const;

export const specs: CommandSpec[] = [
  {
    name: 'multi',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    ...base,
    categories: ['@fast', '@transaction'],
    handler: (ctx) => {
      if (ctx.client.multi !== undefined) throw Errors.multiNested();
      ctx.client.multi = [];
      ctx.client.multiDirty = false;
      return OK;
    },
  },
  {
    name: 'exec',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    ...base,
    categories: ['@slow', '@transaction'],
    handler: (ctx) => {
      const { server, client } = ctx;
      const queue = client.multi;
      if (queue === undefined) throw Errors.execWithoutMulti();
      if (client.multiDirty) {
        endTransaction(ctx);
        throw Errors.execAbort();
      }
      if (client.watchDirty || watchedKeyExpired(client)) {
        endTransaction(ctx);
        return NULL_ARRAY;
      }
      // Leave MULTI before running the queue so queued commands execute instead of queueing.
      client.multi = undefined;
      server.unwatchAll(client);
      const replies: Reply[] = [];
      server.inExec++;
      try {
        for (const argv of queue) {
          const result = server.call(client, argv, { inExec: true });
          replies.push(typeof result === 'symbol' ? null : result);
        }
      } finally {
        server.inExec--;
      }
      return replies;
    },
  },
  {
    name: 'discard',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    ...base,
    categories: ['@fast', '@transaction'],
    handler: (ctx) => {
      if (ctx.client.multi === undefined) throw Errors.discardWithoutMulti();
      endTransaction(ctx);
      return OK;
    },
  },
  {
    name: 'watch',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: ['@fast', '@transaction'],
    handler: (ctx, argv) => {
      if (ctx.client.multi !== undefined) throw Errors.watchInMulti();
      for (let i = 1; i < argv.length; i++) ctx.server.watch(ctx.client, ctx.db, argv[i]!.toString('latin1'));
      return OK;
    },
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    ...base,
    categories: ['@fast', '@transaction'],
    handler: (ctx) => {
      ctx.server.unwatchAll(ctx.client);
      return OK;
    },
  },
];


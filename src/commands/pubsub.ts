// Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB *.
// Confirmations are one reply per channel (a push frame in RESP3, an array in RESP2), each with
// the client's subscription count after that step.
import { NO_REPLY, PushReply, ReplyError, Status, type Reply } from '../protocol/reply.js';
import type { Subscriber } from '../pubsub/subscriber.js';
import type { CommandContext, CommandSpec } from './types.js';

type Kind = 'channel' | 'pattern' | 'shard';

/** The count a confirmation carries; what pub/sub knows of a client (Subscriber) is enough. */
function countFor(client: Subscriber, kind: Kind): number {
  return kind === 'shard' ? client.shardChannels.size : client.channels.size + client.patterns.size;
}

function confirm(ctx: CommandContext, verb: string, name: Buffer | null, kind: Kind): void {
  ctx.client.push(new PushReply([verb, name, countFor(ctx.client, kind)]));
}

function subscribeAll(ctx: CommandContext, argv: Buffer[], kind: Kind): typeof NO_REPLY {
  const { hub } = ctx.server;
  const verb = kind === 'channel' ? 'subscribe' : kind === 'pattern' ? 'psubscribe' : 'ssubscribe';
  for (let i = 1; i < argv.length; i++) {
    const name = argv[i]!.toString('latin1');
    if (kind === 'channel') hub.subscribe(ctx.client, name);
    else if (kind === 'pattern') hub.psubscribe(ctx.client, name);
    else hub.ssubscribe(ctx.client, name);
    confirm(ctx, verb, argv[i]!, kind);
  }
  return NO_REPLY;
}

function unsubscribeAll(ctx: CommandContext, argv: Buffer[], kind: Kind): typeof NO_REPLY {
  const { hub } = ctx.server;
  const client = ctx.client;
  const verb = kind === 'channel' ? 'unsubscribe' : kind === 'pattern' ? 'punsubscribe' : 'sunsubscribe';
  const own = kind === 'channel' ? client.channels : kind === 'pattern' ? client.patterns : client.shardChannels;
  const remove = (name: string) =>
    kind === 'channel' ? hub.unsubscribe(client, name) : kind === 'pattern' ? hub.punsubscribe(client, name) : hub.sunsubscribe(client, name);
  if (argv.length === 1) {
    if (own.size === 0) {
      confirm(ctx, verb, null, kind);
      return NO_REPLY;
    }
    for (const name of [...own]) {
      remove(name);
      confirm(ctx, verb, Buffer.from(name, 'latin1'), kind);
    }
    return NO_REPLY;
  }
  for (let i = 1; i < argv.length; i++) {
    remove(argv[i]!.toString('latin1'));
    confirm(ctx, verb, argv[i]!, kind);
  }
  return NO_REPLY;
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  '    Return the currently active shard level channels matching a <pattern> (default: \'*\').',
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

const names = (list: string[]): Reply => list.map((n) => Buffer.from(n, 'latin1'));

const tooManyArgs = (argv: Buffer[]) =>
  new ReplyError(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try PUBSUB HELP.`,
  );

const subFlags = ['pubsub', 'noscript', 'loading', 'stale'] as const;

function pubsubSub(name: string, arity: number, handler: CommandSpec['handler']): CommandSpec {
  return {
    name: `pubsub|${name}`,
    arity,
    flags: ['pubsub', 'loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@pubsub', '@slow'],
    handler,
  };
}

export const specs: CommandSpec[] = [
  {
    name: 'subscribe',
    arity: -2,
    flags: subFlags,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@pubsub', '@slow'],
    handler: (ctx, argv) => subscribeAll(ctx, argv, 'channel'),
  },
  {
    name: 'psubscribe',
    arity: -2,
    flags: subFlags,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@pubsub', '@slow'],
    handler: (ctx, argv) => subscribeAll(ctx, argv, 'pattern'),
  },
  {
    name: 'ssubscribe',
    arity: -2,
    flags: subFlags,
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: ['@pubsub', '@slow'],
    handler: (ctx, argv) => subscribeAll(ctx, argv, 'shard'),
  },
  {
    name: 'unsubscribe',
    arity: -1,
    flags: subFlags,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@pubsub', '@slow'],
    handler: (ctx, argv) => unsubscribeAll(ctx, argv, 'channel'),
  },
  {
    name: 'punsubscribe',
    arity: -1,
    flags: subFlags,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@pubsub', '@slow'],
    handler: (ctx, argv) => unsubscribeAll(ctx, argv, 'pattern'),
  },
  {
    name: 'sunsubscribe',
    arity: -1,
    flags: subFlags,
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: ['@pubsub', '@slow'],
    handler: (ctx, argv) => unsubscribeAll(ctx, argv, 'shard'),
  },
  {
    name: 'publish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@pubsub', '@fast'],
    handler: (ctx, argv) => ctx.server.hub.publish(argv[1]!, argv[2]!),
  },
  {
    name: 'spublish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: ['@pubsub', '@fast'],
    handler: (ctx, argv) => ctx.server.hub.spublish(argv[1]!, argv[2]!),
  },
  {
    name: 'pubsub',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@slow'],
    handler: () => null,
    subcommands: [
      pubsubSub('channels', -2, (ctx, argv) => {
        if (argv.length > 3) throw tooManyArgs(argv);
        return names(ctx.server.hub.channelNames(argv.length > 2 ? argv[2]!.toString('latin1') : undefined));
      }),
      pubsubSub('shardchannels', -2, (ctx, argv) => {
        if (argv.length > 3) throw tooManyArgs(argv);
        return names(ctx.server.hub.shardChannelNames(argv.length > 2 ? argv[2]!.toString('latin1') : undefined));
      }),
      pubsubSub('numsub', -2, (ctx, argv) => {
        const out: Reply[] = [];
        for (let i = 2; i < argv.length; i++) out.push(argv[i]!, ctx.server.hub.subscriberCount(argv[i]!.toString('latin1')));
        return out;
      }),
      pubsubSub('shardnumsub', -2, (ctx, argv) => {
        const out: Reply[] = [];
        for (let i = 2; i < argv.length; i++) {
          out.push(argv[i]!, ctx.server.hub.shardSubscriberCount(argv[i]!.toString('latin1')));
        }
        return out;
      }),
      pubsubSub('numpat', 2, (ctx) => ctx.server.hub.patternCount),
      { ...pubsubSub('help', 2, () => PUBSUB_HELP.map((l) => new Status(l))), flags: ['loading', 'stale'], categories: ['@slow'] },
    ],
  },
];

// Redis error texts, defined once. Handlers throw these (`throw Errors.syntax()`), never retype them.
import { ReplyError } from './reply.js';

const e = (text: string) => () => new ReplyError(text);

export const Errors = {
  syntax: e('ERR syntax error'),
  wrongType: e('WRONGTYPE Operation against a key holding the wrong kind of value'),
  notInteger: e('ERR value is not an integer or out of range'),
  notFloat: e('ERR value is not a valid float'),
  notFloatMin: e('ERR min or max is not a float'),
  overflow: e('ERR increment or decrement would overflow'),
  incrNaN: e('ERR increment would produce NaN or Infinity'),
  noSuchKey: e('ERR no such key'),
  indexOutOfRange: e('ERR index out of range'),
  timeoutNotFloat: e('ERR timeout is not a float or out of range'),
  timeoutNegative: e('ERR timeout is negative'),
  invalidExpire: (command: string) => new ReplyError(`ERR invalid expire time in '${command}' command`),
  noAuth: e('NOAUTH Authentication required.'),
  wrongPass: e('WRONGPASS invalid username-password pair or user is disabled.'),
  authNotConfigured: e(
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  ),
  dbIndexOutOfRange: e('ERR DB index is out of range'),
  outOfMemory: e("OOM command not allowed when used memory > 'maxmemory'."),
  execAbort: e('EXECABORT Transaction discarded because of previous errors.'),
  multiNested: e('ERR MULTI calls can not be nested'),
  execWithoutMulti: e('ERR EXEC without MULTI'),
  discardWithoutMulti: e('ERR DISCARD without MULTI'),
  watchInMulti: e('ERR WATCH inside MULTI is not allowed'),
  noScript: e('NOSCRIPT No matching script. Please use EVAL.'),
  busy: e('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'),
  busyFunction: e('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.'),
  unkillable: e(
    'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
  ),
  wrongArity: (name: string) => new ReplyError(`ERR wrong number of arguments for '${name}' command`),
  unknownSubcommand: (sub: string, command: string) =>
    new ReplyError(`ERR unknown subcommand '${sub}'. Try ${command.toUpperCase()} HELP.`),
  unknownCommand: (name: string, args: Buffer[]) => {
    // Redis quotes the first few arguments, each followed by a space, and caps the total length.
    let shown = '';
    for (const arg of args) {
      if (shown.length >= 128) break;
      const text = arg.toString('latin1');
      shown += `'${text.slice(0, 128 - shown.length)}' `;
    }
    return new ReplyError(`ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${shown}`);
  },
  subscribedContext: (name: string) =>
    new ReplyError(
      `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    ),
  custom: (text: string) => new ReplyError(text),
};

// Stream command errors (XADD, XREAD, XGROUP, ...), with Redis 7.0's texts.
export const StreamErrors = {
  invalidId: e('ERR Invalid stream ID specified as stream command argument'),
  xaddTooSmall: e('ERR The ID specified in XADD is equal or smaller than the target stream top item'),
  xaddZero: e('ERR The ID specified in XADD must be greater than 0-0'),
  exhausted: e('ERR The stream has exhausted the last possible ID, unable to add more items'),
  tooLarge: e('ERR Elements are too large to be stored'),
  maxlenNegative: e('ERR The MAXLEN argument must be >= 0.'),
  limitNegative: e('ERR The LIMIT argument must be >= 0.'),
  maxlenAndMinid: e('ERR syntax error, MAXLEN and MINID options at the same time are not compatible'),
  limitWithoutStrategy: e('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy'),
  limitWithoutApprox: e('ERR syntax error, LIMIT cannot be used without the special ~ option'),
  xtrimWithoutStrategy: e('ERR syntax error, XTRIM must be called with a trimming strategy'),
  invalidStart: e('ERR invalid start ID for the interval'),
  invalidEnd: e('ERR invalid end ID for the interval'),
  timeoutNotInteger: e('ERR timeout is not an integer or out of range'),
  unbalanced: e("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
  groupOnlyXreadgroup: e('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.'),
  noackOnlyXreadgroup: e('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.'),
  missingGroup: e('ERR Missing GROUP option for XREADGROUP'),
  dollarInXreadgroup: e(
    'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
  ),
  gtOnlyXreadgroup: e(
    'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
  ),
  noGroupXreadgroup: (key: string, group: string) =>
    new ReplyError(`NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`),
  noGroupForKey: (group: string, key: string) =>
    new ReplyError(`NOGROUP No such consumer group '${group}' for key name '${key}'`),
  noKeyOrGroup: (key: string, group: string) =>
    new ReplyError(`NOGROUP No such key '${key}' or consumer group '${group}'`),
  busyGroup: e('BUSYGROUP Consumer Group name already exists'),
  xgroupNeedsKey: e(
    'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  ),
  entriesReadRange: e('ERR value for ENTRIESREAD must be positive or -1'),
  unknownSubcommandOrArity: (sub: string, command: string) =>
    new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${command} HELP.`),
  xsetidTooSmall: e('ERR The ID specified in XSETID is smaller than the target stream top item'),
  xsetidEntriesAdded: e('ERR The entries_added specified in XSETID is smaller than the target stream length'),
  xsetidMaxDeleted: e('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id'),
  entriesAddedNegative: e('ERR entries_added must be positive'),
  claimMinIdle: (command: string) => new ReplyError(`ERR Invalid min-idle-time argument for ${command}`),
  claimOption: (option: string) => new ReplyError(`ERR Invalid ${option} option argument for XCLAIM`),
  claimUnknownOption: (option: string) => new ReplyError(`ERR Unrecognized XCLAIM option '${option}'`),
  countPositive: e('ERR COUNT must be > 0'),
  unblockedKeyDeleted: e('UNBLOCKED the stream key no longer exists'),
  unblockedGroupDestroyed: e('NOGROUP the consumer group this client was blocked on no longer exists'),
};

// Keyspace, expiry and string command errors, with Redis 7.0's texts.
export const KeyErrors = {
  decrementOverflow: e('ERR decrement would overflow'),
  stringTooLong: e('ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
  offsetOutOfRange: e('ERR offset is out of range'),
  invalidCursor: e('ERR invalid cursor'),
  randomReplyTooLarge: e('ERR value is out of range: Tidings replies with at most 4194304 random elements'),
  notInt32: e('ERR value is out of range, value must between -2147483648 and 2147483647'),
  sameObject: e('ERR source and destination objects are the same'),
  expireNxAndOthers: e('ERR NX and XX, GT or LT options at the same time are not compatible'),
  expireGtAndLt: e('ERR GT and LT options at the same time are not compatible'),
  unsupportedOption: (option: string) => new ReplyError(`ERR Unsupported option ${option}`),
  lfuNotSelected: e(
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  ),
  lfuSelected: e(
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  ),
  lcsNotStrings: e('ERR The specified keys must contain string values'),
  lcsLenAndIdx: e('ERR If you want both the length and indexes, please just use IDX.'),
  lcsTooMuchMemory: e('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len'),
};

// Sorted set command errors (ZADD, ZRANGE, ZUNIONSTORE, ZMPOP, ...), with Redis 7.0's texts.
export const ZsetErrors = {
  lexRange: e('ERR min or max not valid string range item'),
  nxAndXx: e('ERR XX and NX options at the same time are not compatible'),
  gtLtNx: e('ERR GT, LT, and/or NX options at the same time are not compatible'),
  incrPair: e('ERR INCR option supports a single increment-element pair'),
  scoreNaN: e('ERR resulting score is not a number (NaN)'),
  limitNeedsBy: e('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX'),
  withScoresByLex: e('ERR syntax error, WITHSCORES not supported in combination with BYLEX'),
  mustBePositive: e('ERR value is out of range, must be positive'),
  numkeys: e('ERR numkeys should be greater than 0'),
  count: e('ERR count should be greater than 0'),
  atLeastOneKey: (command: string) => new ReplyError(`ERR at least 1 input key is needed for '${command}' command`),
  weight: e('ERR weight value is not a float'),
  limitNegative: e("ERR LIMIT can't be negative"),
  randCountRange: e('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'),
  outOfRange: e('ERR value is out of range'),
};

/** Refusals while the dump file cannot be written or is being loaded, and SAVE/BGSAVE's own. */
export const PersistenceErrors = {
  misconf: () =>
    new ReplyError(
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
    ),
  loading: () => new ReplyError('LOADING Redis is loading the dataset in memory'),
  bgsaveInProgress: () => new ReplyError('ERR Background save already in progress'),
  /** BGSAVE while an AOF rewrite takes its image (Redis: another child process is active). */
  childActive: () =>
    new ReplyError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."),
  /** SAVE's failure reply is a bare "-ERR" in Redis (shared.err). */
  saveFailed: () => new ReplyError('ERR'),
};

/** Refusals of a replica, or of a master short of replicas (min-replicas-to-write). */
export const ReplicationErrors = {
  noReplicas: () => new ReplyError('NOREPLICAS Not enough good replicas to write.'),
  masterDown: () => new ReplyError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
  readOnly: () => new ReplyError("READONLY You can't write against a read only replica."),
};

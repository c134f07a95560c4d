// Reply values returned by command handlers. The writer turns them into RESP2 or RESP3 bytes
// for each client, so handlers never think about the protocol version.
//
//   null          null bulk string   (RESP2 `$-1`, RESP3 `_`)
//   number        integer            (`:n`) — must be an integer; use Double for floats
//   bigint        integer            (`:n`) — for values outside 2^53
//   string        bulk string (UTF-8 text we produced ourselves, never user bytes)
//   Buffer        bulk string (user bytes)
//   Latin1        bulk string (user bytes kept as a latin1 string: 1 char = 1 byte; stored values)
//   Reply[]       array
//   Status        simple string      (`+OK`)
//   ReplyError    error              (`-ERR ...`)
//   Double        RESP3 double `,`; RESP2 bulk string with Redis's formatting
//   MapReply      RESP3 map `%`; RESP2 flat array
//   SetReply      RESP3 set `~`; RESP2 array
//   PushReply     RESP3 push `>`; RESP2 array
//   NULL_ARRAY    RESP2 `*-1`, RESP3 `_`
//   Verbatim      RESP3 verbatim `=`; RESP2 bulk string
//   BigNumber     RESP3 big number `(`; RESP2 bulk string of its digits
//   BoolReply     RESP3 boolean `#`; RESP2 integer 0/1
//   RawReply      bytes already encoded (protocol independent), written as they are

export class ReplyError extends Error {
  /** `message` is the full Redis error text including its prefix, e.g. `ERR syntax error`. */
  constructor(message: string) {
    super(message);
  }
  /**
   * Already counted in INFO errorstats: a script's error that one of its redis.call commands
   * returned (Redis counts such an error once, where it happened, not again as the script's reply).
   */
  statsCounted = false;
  /** The error code: the first word (`ERR`, `WRONGTYPE`, `NOSCRIPT`, ...). */
  get code(): string {
    const space = this.message.indexOf(' ');
    return space === -1 ? this.message : this.message.slice(0, space);
  }
}

export class Status {
  constructor(readonly value: string) {}
}

export class Double {
  constructor(readonly value: number) {}
}

export class MapReply {
  /** Flat list: key, value, key, value, ... */
  constructor(readonly entries: Reply[]) {}
}

export class SetReply {
  constructor(readonly items: Reply[]) {}
}

export class PushReply {
  constructor(readonly items: Reply[]) {}
}

export class Verbatim {
  constructor(readonly format: string, readonly text: string) {}
}

export class BigNumber {
  constructor(readonly text: string) {}
}

export class BoolReply {
  constructor(readonly value: boolean) {}
}

/** User bytes held as a latin1 string (how small stored values are kept): written byte for char. */
export class Latin1 {
  constructor(readonly text: string) {}
}

export class RawReply {
  constructor(readonly bytes: Buffer) {}
}

class NullArray {
  readonly nullArray = true;
}

export const NULL_ARRAY = new NullArray();
export const OK = new Status('OK');
export const QUEUED = new Status('QUEUED');
export const PONG = new Status('PONG');

/** Returned by a handler that has already written its replies (SUBSCRIBE), or must send none. */
export const NO_REPLY = Symbol('no-reply');
/** Returned by a handler that blocked the client (via ctx.block); the reply comes later. */
export const BLOCKED = Symbol('blocked');

export type Reply =
  | null
  | number
  | bigint
  | string
  | Buffer
  | Latin1
  | Status
  | ReplyError
  | Double
  | MapReply
  | SetReply
  | PushReply
  | Verbatim
  | BigNumber
  | BoolReply
  | RawReply
  | NullArray
  | Reply[];

export type HandlerResult = Reply | typeof NO_REPLY | typeof BLOCKED;

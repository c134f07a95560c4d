// Turns a pre-encoded reply (RawReply) back into a Reply value, so redis.call sees the same value
// a command would have returned directly. Only complete, well-formed frames are expected here.
import {
  BigNumber,
  BoolReply,
  Double,
  MapReply,
  NULL_ARRAY,
  PushReply,
  ReplyError,
  SetReply,
  Status,
  Verbatim,
  type Reply,
} from '../protocol/reply.js';

export function parseRespValue(bytes: Buffer): Reply {
  const parsed = parseAt(bytes, 0);
  return parsed.value;
}

interface Parsed {
  value: Reply;
  next: number;
}

function parseAt(b: Buffer, pos: number): Parsed {
  const type = b[pos];
  const eol = b.indexOf('\r\n', pos);
  const line = b.toString('latin1', pos + 1, eol);
  const after = eol + 2;
  switch (type) {
    case 0x2b: // +
      return { value: new Status(b.toString('utf8', pos + 1, eol)), next: after };
    case 0x2d: // -
      return { value: new ReplyError(b.toString('utf8', pos + 1, eol)), next: after };
    case 0x3a: {
      // :
      const n = BigInt(line);
      return { value: n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n, next: after };
    }
    case 0x24: {
      // $
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      return { value: Buffer.from(b.subarray(after, after + len)), next: after + len + 2 };
    }
    case 0x3d: {
      // = verbatim
      const len = Number(line);
      const body = b.toString('utf8', after, after + len);
      return { value: new Verbatim(body.slice(0, 3), body.slice(4)), next: after + len + 2 };
    }
    case 0x5f: // _
      return { value: null, next: after };
    case 0x2c: // ,
      return { value: new Double(line === 'inf' ? Infinity : line === '-inf' ? -Infinity : Number(line)), next: after };
    case 0x23: // #
      return { value: new BoolReply(line === 't'), next: after };
    case 0x28: // ( big number
      return { value: new BigNumber(line), next: after };
    case 0x7c: {
      // | attribute: a script never sees it (as in Redis), only the reply that follows it
      let next = after;
      for (let i = 0; i < Number(line) * 2; i++) next = parseAt(b, next).next;
      return parseAt(b, next);
    }
    case 0x2a: // *
    case 0x7e: // ~
    case 0x3e: // >
    case 0x25: {
      // %
      let count = Number(line);
      if (count < 0) return { value: NULL_ARRAY, next: after };
      if (type === 0x25) count *= 2;
      const items: Reply[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parseAt(b, next);
        items.push(item.value);
        next = item.next;
      }
      const value =
        type === 0x25 ? new MapReply(items) : type === 0x7e ? new SetReply(items) : type === 0x3e ? new PushReply(items) : items;
      return { value, next };
    }
    default:
      throw new ReplyError('ERR unexpected reply bytes from a command called by a script');
  }
}

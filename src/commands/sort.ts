// SORT and SORT_RO: sort a list, set or sorted set numerically or lexicographically, optionally by
// external keys (BY pattern, hash fields with `->`), fetching other keys (GET), storing the result
// as a list (STORE). Same option parsing, LIMIT clamping, comparisons and replies as Redis 7.0.
import type { CommandContext, CommandSpec } from './types.js';
import { Errors } from '../protocol/errors.js';
import { ReplyError, type HandlerResult, type Reply } from '../protocol/reply.js';
import { parseInteger } from '../protocol/numbers.js';
import { List } from '../types/list.js';
import { stringBytes } from '../store/database.js';
import { partialSort } from '../types/partial-sort.js';
import { maxIntsetEntries } from '../types/set.js';
import { strtod } from './zsets.js';

const SortErrors = {
  notDouble: () => new ReplyError("ERR One or more scores can't be converted into double"),
  aclDenied: (option: 'BY' | 'GET') => new ReplyError(`ERR ${option} option of SORT denied due to insufficient ACL permissions.`),
};

const keyOf = (buf: Buffer): string => buf.toString('latin1');

/** The bytes C string functions see: up to the first NUL. */
function cString(buf: Buffer): Buffer {
  const nul = buf.indexOf(0);
  return nul === -1 ? buf : buf.subarray(0, nul);
}

/** Option words compared as C's strcasecmp does: up to the first NUL byte. */
function word(buf: Buffer): string {
  const text = cString(buf);
  return text.length > 8 ? '' : text.toString('latin1').toLowerCase();
}

/**
 * The value a pattern names for an element: `#` is the element itself; otherwise the first `*`
 * is replaced by the element to form a key, and a `->field` suffix reads that hash field.
 * Missing keys, wrong types and patterns without `*` give undefined.
 */
function lookupByPattern(ctx: CommandContext, pattern: Buffer, element: Buffer): Buffer | undefined {
  const text = cString(pattern);
  if (text.length === 1 && text[0] === 0x23 /* # */) return element;
  const star = text.indexOf(0x2a /* * */);
  if (star === -1) return undefined;
  const arrow = text.indexOf('->', star + 1, 'latin1');
  let field: string | undefined;
  let fieldLength = 0;
  if (arrow !== -1 && arrow + 2 < text.length) {
    fieldLength = pattern.length - arrow - 2;
    field = pattern.toString('latin1', arrow + 2);
  }
  const postfixLength = pattern.length - (star + 1) - (field !== undefined ? fieldLength + 2 : 0);
  const key =
    pattern.toString('latin1', 0, star) + element.toString('latin1') + pattern.toString('latin1', star + 1, star + 1 + postfixLength);
  const entry = ctx.db.lookupRead(key);
  if (entry === undefined) return undefined;
  if (field !== undefined) {
    const value = entry.type === 'hash' ? entry.value.get(field) : undefined;
    return value === undefined ? undefined : Buffer.from(value, 'latin1');
  }
  return entry.type === 'string' ? stringBytes(entry.value) : undefined;
}

interface Item {
  element: Buffer;
  score: number;
  /** ALPHA with BY: the value compared (undefined when the BY key is missing). */
  by?: Buffer;
}

/** strcoll in the C.UTF-8 locale: byte order of the C strings. */
function collate(a: Buffer, b: Buffer): number {
  return Buffer.compare(cString(a), cString(b));
}

function sortGeneric(ctx: CommandContext, argv: Buffer[], readonly: boolean): HandlerResult {
  const spec = specs[readonly ? 1 : 0]!;
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontSort = false;
  let sortBy: Buffer | undefined;
  let storeKey: string | undefined;
  const gets: Buffer[] = [];
  // BY and GET read keys no key spec names: only a user who may read every key can use them.
  const user = ctx.client.aclUser;
  const readsAll = user === undefined || user.unrestricted || user.readsAllKeysFor(spec, argv);
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = word(argv[j]!);
    if (opt === 'asc') desc = false;
    else if (opt === 'desc') desc = true;
    else if (opt === 'alpha') alpha = true;
    else if (opt === 'limit' && left >= 2) {
      limitStart = parseInteger(argv[j + 1]!);
      limitCount = parseInteger(argv[j + 2]!);
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      storeKey = keyOf(argv[++j]!);
    } else if (opt === 'by' && left >= 1) {
      sortBy = argv[++j]!;
      // A pattern without '*' names no per-element key: nothing to sort by (BY nosort).
      if (cString(sortBy).indexOf(0x2a) === -1) dontSort = true;
      else if (!readsAll) return SortErrors.aclDenied('BY');
    } else if (opt === 'get' && left >= 1) {
      if (!readsAll) return SortErrors.aclDenied('GET');
      gets.push(argv[++j]!);
    } else {
      throw Errors.syntax();
    }
  }

  const entry = ctx.db.lookupRead(keyOf(argv[1]!));
  if (entry !== undefined && entry.type !== 'set' && entry.type !== 'list' && entry.type !== 'zset') throw Errors.wrongType();
  const type = entry?.type ?? 'list';

  // An unsorted set would come out in hash order; when it is stored or read by a script, Redis
  // sorts it (ALPHA) so the result is the same everywhere.
  if (dontSort && type === 'set' && (storeKey !== undefined || ctx.fromScript)) {
    dontSort = false;
    alpha = true;
    sortBy = undefined;
  }
  if (entry?.type === 'zset') entry.value.expand();

  const size = entry === undefined ? 0 : entry.type === 'list' ? entry.value.length : entry.value.size;
  let start = Math.min(Math.max(limitStart, 0), size);
  limitCount = Math.min(Math.max(limitCount, -1), size);
  let end = limitCount < 0 ? size - 1 : start + limitCount - 1;
  if (start >= size) {
    start = size - 1;
    end = size - 2;
  }
  if (end >= size) end = size - 1;

  const items: Item[] = [];
  const item = (element: Buffer): Item => ({ element, score: 0 });
  if (entry === undefined) {
    // An empty list.
  } else if (entry.type === 'list') {
    const list = entry.value;
    if (dontSort) {
      // Native order (reversed by DESC), and only the LIMIT range.
      if (end >= start) {
        for (let i = start; i <= end; i++) items.push(item(list.get(desc ? list.length - 1 - i : i)!));
        end -= start;
        start = 0;
      }
    } else {
      for (let i = 0; i < list.length; i++) items.push(item(list.get(i)!));
    }
  } else if (entry.type === 'set') {
    for (const m of entry.value.ordered(maxIntsetEntries(ctx.server.config))) items.push(item(Buffer.from(m, 'latin1')));
  } else {
    const z = entry.value;
    if (dontSort) {
      const count = start !== 0 || end !== size - 1 ? end - start + 1 : size;
      if (count > 0) {
        for (const n of z.slice(desc ? size - 1 - start : start, count, desc)) items.push(item(Buffer.from(n.member, 'latin1')));
      }
      end -= start;
      start = 0;
    } else {
      for (const n of z) items.push(item(Buffer.from(n.member, 'latin1')));
    }
  }

  let notDouble = false;
  if (!dontSort) {
    for (const it of items) {
      let value: Buffer | undefined = it.element;
      if (sortBy !== undefined) {
        value = lookupByPattern(ctx, sortBy, it.element);
        if (value === undefined) continue;
      }
      if (alpha) {
        if (sortBy !== undefined) it.by = value;
      } else {
        const text = cString(value).toString('latin1');
        const r = strtod(text);
        it.score = r.value;
        // strtod reports ERANGE for subnormal results too, and Redis refuses any ERANGE.
        const subnormal = r.value !== 0 && Math.abs(r.value) < 2.2250738585072014e-308;
        if (r.end !== text.length || r.overflow || r.underflow || subnormal || Number.isNaN(r.value)) notDouble = true;
      }
    }
    const byPattern = sortBy !== undefined;
    const store = storeKey !== undefined;
    const compare = (a: Item, b: Item): number => {
      let cmp: number;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : Buffer.compare(a.element, b.element);
      } else if (byPattern) {
        if (a.by === undefined || b.by === undefined) cmp = a.by === b.by ? 0 : a.by === undefined ? -1 : 1;
        else cmp = store ? Buffer.compare(a.by, b.by) : collate(a.by, b.by);
      } else {
        cmp = store ? Buffer.compare(a.element, b.element) : collate(a.element, b.element);
      }
      return desc ? -cmp : cmp;
    };
    // Array.prototype.sort is stable, like glibc's merge-sort qsort; with BY and a LIMIT Redis
    // sorts partially, which orders ties differently.
    if (byPattern && (start !== 0 || end !== items.length - 1)) partialSort(items, compare, start, end);
    else items.sort(compare);
  }

  if (notDouble) return SortErrors.notDouble();
  const outputLength = end < start ? 0 : gets.length !== 0 ? gets.length * (end - start + 1) : end - start + 1;
  if (storeKey === undefined) {
    const out: Reply[] = [];
    for (let j = start; j <= end; j++) {
      const element = items[j]!.element;
      if (gets.length === 0) out.push(element);
      for (const pattern of gets) out.push(lookupByPattern(ctx, pattern, element) ?? null);
    }
    return out;
  }
  const result = new List();
  for (let j = start; j <= end; j++) {
    const element = items[j]!.element;
    if (gets.length === 0) result.pushBack(element);
    for (const pattern of gets) result.pushBack(lookupByPattern(ctx, pattern, element) ?? Buffer.alloc(0));
  }
  if (outputLength !== 0) {
    ctx.db.set(storeKey, 'list', result);
    ctx.notify('l', 'sortstore', storeKey);
    ctx.db.signalReady(storeKey);
  } else if (ctx.db.delete(storeKey)) {
    ctx.notify('g', 'del', storeKey);
  }
  return outputLength;
}

const CATEGORIES = ['@set', '@sortedset', '@list', '@slow', '@dangerous'] as const;

export const specs: CommandSpec[] = [
  {
    name: 'sort',
    arity: -2,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: ['@write', ...CATEGORIES],
    handler: (ctx, argv) => sortGeneric(ctx, argv, false),
  },
  {
    name: 'sort_ro',
    arity: -2,
    flags: ['readonly', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: ['@read', ...CATEGORIES],
    handler: (ctx, argv) => sortGeneric(ctx, argv, true),
  },
];

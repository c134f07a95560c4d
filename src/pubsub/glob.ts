// Redis glob matching (PSUBSCRIBE, KEYS, SCAN MATCH, PUBSUB CHANNELS, CONFIG GET):
// `*` any run, `?` any byte, `[abc]` `[a-z]` `[^x]` classes, `\x` a literal x.
// Works on latin1 strings so every byte is one char. Backtracks only to the last `*`, so the
// cost stays linear-ish even for patterns like `*a*a*a*b` that are exponential when recursive.

/**
 * Try to match the single pattern token at `p` against char code `c`.
 * Returns the index after the token, or -1 if it does not match.
 */
function matchToken(pattern: string, p: number, c: number, nocase: boolean): number {
  const pc = pattern.charCodeAt(p);
  if (pc === 63 /* ? */) return p + 1;
  if (pc === 91 /* [ */) return matchClass(pattern, p + 1, c, nocase);
  if (pc === 92 /* \ */ && p + 1 < pattern.length) {
    return sameChar(pattern.charCodeAt(p + 1), c, nocase) ? p + 2 : -1;
  }
  return sameChar(pc, c, nocase) ? p + 1 : -1;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function sameChar(a: number, b: number, nocase: boolean): boolean {
  return a === b || (nocase && lower(a) === lower(b));
}

function matchClass(pattern: string, p: number, c: number, nocase: boolean): number {
  const n = pattern.length;
  let negate = false;
  if (pattern.charCodeAt(p) === 94 /* ^ */) {
    negate = true;
    p++;
  }
  let matched = false;
  for (;;) {
    if (p >= n) {
      // Unterminated class: Redis treats the end of the pattern as closing it.
      break;
    }
    const pc = pattern.charCodeAt(p);
    if (pc === 92 /* \ */ && p + 1 < n) {
      if (sameChar(pattern.charCodeAt(p + 1), c, nocase)) matched = true;
      p += 2;
    } else if (pc === 93 /* ] */) {
      p++;
      break;
    } else if (p + 2 < n && pattern.charCodeAt(p + 1) === 45 /* - */) {
      let start = pc;
      let end = pattern.charCodeAt(p + 2);
      if (start > end) [start, end] = [end, start];
      if (nocase) {
        const lc = lower(c);
        if (lc >= lower(start) && lc <= lower(end)) matched = true;
      }
      if (c >= start && c <= end) matched = true;
      p += 3;
    } else {
      if (sameChar(pc, c, nocase)) matched = true;
      p++;
    }
  }
  return matched !== negate ? p : -1;
}

export function globMatch(pattern: string, text: string, nocase = false): boolean {
  const pn = pattern.length;
  const tn = text.length;
  // Redis's matcher never lets a pattern match the empty string (not even `*`): a PSUBSCRIBE `*`
  // client does not get a PUBLISH to "". KEYS and the SCAN family special-case a bare `*` instead.
  if (tn === 0) return pn === 0;
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < tn) {
    if (p < pn && pattern.charCodeAt(p) === 42 /* * */) {
      while (p < pn && pattern.charCodeAt(p) === 42) p++;
      if (p === pn) return true;
      starP = p;
      starT = t;
      continue;
    }
    if (p < pn) {
      const next = matchToken(pattern, p, text.charCodeAt(t), nocase);
      if (next !== -1) {
        p = next;
        t++;
        continue;
      }
    }
    if (starP === -1) return false;
    p = starP;
    t = ++starT;
  }
  while (p < pn && pattern.charCodeAt(p) === 42) p++;
  return p === pn;
}

/** True if the pattern has no glob metacharacters (a plain lookup will do). */
export function isLiteralPattern(pattern: string): boolean {
  return !/[*?[\\]/.test(pattern);
}

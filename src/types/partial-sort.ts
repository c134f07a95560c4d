// Partial sort: orders an array only as much as needed for the positions [from, to] to hold what a
// full sort would put there. Redis uses this for GEORADIUS/GEOSEARCH with COUNT and SORT ... BY
// with LIMIT; it is a Bentley–McIlroy three-way quicksort that skips partitions lying wholly
// outside the wanted range. It is not stable, and which of several equal elements end up in the
// range (and in which order) depends on the exact sequence of comparisons and swaps, so this
// follows the same steps (pivot choice, partitioning, insertion sort below 7 elements) to give
// the same results as Redis for equal keys.

type Compare<T> = (a: T, b: T) => number;

function swap<T>(v: T[], i: number, j: number): void {
  const t = v[i]!;
  v[i] = v[j]!;
  v[j] = t;
}

/** Swap the n elements starting at i with the n starting at j. */
function swapRuns<T>(v: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(v, i + k, j + k);
}

function median3<T>(v: T[], a: number, b: number, c: number, cmp: Compare<T>): number {
  return cmp(v[a]!, v[b]!) < 0
    ? cmp(v[b]!, v[c]!) < 0
      ? b
      : cmp(v[a]!, v[c]!) < 0
        ? c
        : a
    : cmp(v[b]!, v[c]!) > 0
      ? b
      : cmp(v[a]!, v[c]!) < 0
        ? a
        : c;
}

function insertionSort<T>(v: T[], base: number, n: number, cmp: Compare<T>): void {
  for (let m = base + 1; m < base + n; m++) {
    for (let l = m; l > base && cmp(v[l - 1]!, v[l]!) > 0; l--) swap(v, l, l - 1);
  }
}

/**
 * Whether the run [start, start + n) can contain wanted positions. Positions are compared in
 * half-element units, the way the original compares byte addresses: the wanted range ends just
 * before element `to + 1`.
 */
function overlaps(start: number, n: number, lo: number, hi: number): boolean {
  const l = start * 2;
  const r = (start + n) * 2 - 1;
  return !((lo < l && hi < l) || (lo > r && hi > r));
}

function sortRange<T>(v: T[], base: number, n: number, cmp: Compare<T>, lo: number, hi: number): void {
  for (;;) {
    if (n < 7) {
      insertionSort(v, base, n, cmp);
      return;
    }
    let pm = base + Math.floor(n / 2);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = median3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = median3(v, pm - d, pm, pm + d, cmp);
        pn = median3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = median3(v, pl, pm, pn, cmp);
    }
    swap(v, base, pm);
    // Elements equal to the pivot gather at both ends ([base, pa) and (pd, end]) while smaller
    // ones go left of pb and larger ones right of pc; the equal runs then move to the middle.
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    for (;;) {
      let c: number;
      while (pb <= pc && (c = cmp(v[pb]!, v[base]!)) <= 0) {
        if (c === 0) swap(v, pa++, pb);
        pb++;
      }
      while (pb <= pc && (c = cmp(v[pc]!, v[base]!)) >= 0) {
        if (c === 0) swap(v, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(v, pb++, pc--);
    }
    const end = base + n;
    let r = Math.min(pa - base, pb - pa);
    swapRuns(v, base, pb - r, r);
    r = Math.min(pd - pc, end - pd - 1);
    swapRuns(v, pb, end - r, r);
    r = pb - pa;
    if (r > 1 && overlaps(base, r, lo, hi)) sortRange(v, base, r, cmp, lo, hi);
    r = pd - pc;
    if (r <= 1) return;
    base = end - r;
    n = r;
    if (!overlaps(base, n, lo, hi)) return;
  }
}

/** Sort `v` in place so that positions from..to (inclusive) hold their fully sorted values. */
export function partialSort<T>(v: T[], cmp: Compare<T>, from: number, to: number): void {
  sortRange(v, 0, v.length, cmp, from * 2, (to + 1) * 2 - 1);
}

// Latency observation, as Redis's LATENCY command reports it.
//
// Two independent parts:
// - the latency monitor: named events (command, fast-command, expire-cycle, ...) whose duration in
//   milliseconds reached `latency-monitor-threshold` (0 = off). Each event keeps its last 160
//   samples, one per second (a second's samples merge into their maximum), and its all-time high.
//   LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR read them.
// - per-command latency histograms (`latency-tracking`): every call's duration, in nanoseconds,
//   counted in log-linear buckets with two significant decimal digits (256 sub-buckets per power
//   of two) between 1 ns and 1 s — the same resolution Redis's HdrHistogram uses, so LATENCY
//   HISTOGRAM's bucket labels and INFO latencystats' percentiles come out on the same values.
import type { Config } from '../config/config.js';
import type { LatencySample } from '../commands/host.js';

/** Samples kept per event, as Redis. */
export const EVENT_SAMPLES = 160;

export type { LatencySample };

interface EventSeries {
  samples: LatencySample[];
  max: number;
}

// ------------------------------------------------------------------ histograms

const MIN_NS = 1;
const MAX_NS = 1_000_000_000;

/** The bucket a value falls in: its lowest value and its width (both in ns). */
function bucketOf(value: number): { low: number; width: number } {
  // Values are at most 2^30, so 32-bit arithmetic is exact. 8 bits of precision per bucket.
  const bits = 32 - Math.clz32(value | 0xff);
  const shift = bits - 8;
  const low = (value >>> shift) << shift;
  return { low, width: 2 ** shift };
}

function highestEquivalent(value: number): number {
  const { low, width } = bucketOf(value);
  return low + width - 1;
}

export class Histogram {
  /**
   * Counts by bucket: rows[shift][value >>> shift], where shift = the value's bit length − 8 (as
   * bucketOf). A row of 256 counters is made the first time a value of its magnitude comes.
   */
  private readonly rows: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(24).fill(undefined);
  total = 0;

  record(ns: number): void {
    const v = Math.min(MAX_NS, Math.max(MIN_NS, Math.round(ns)));
    const shift = 24 - Math.clz32(v | 0xff);
    const row = this.rows[shift] ?? (this.rows[shift] = new Float64Array(256));
    row[v >>> shift]!++;
    this.total++;
  }

  /** [bucket's lowest value, count] for every bucket counted, lowest first. */
  private sortedBuckets(): [number, number][] {
    const out: [number, number][] = [];
    for (let shift = 0; shift < this.rows.length; shift++) {
      const row = this.rows[shift];
      if (row === undefined) continue;
      for (let m = 0; m < 256; m++) if (row[m] !== 0) out.push([m << shift, row[m]!]);
    }
    return out;
  }

  /** The value (ns) at a percentile: the top of the bucket where the cumulative count reaches it. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let seen = 0;
    let last = 0;
    for (const [low, count] of this.sortedBuckets()) {
      seen += count;
      last = low;
      if (seen >= wanted) break;
    }
    return highestEquivalent(last);
  }

  /**
   * Cumulative counts at power-of-two levels from 1024 ns up (labels in µs: the top of the level's
   * bucket), only where the count grew — LATENCY HISTOGRAM's histogram_usec.
   */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    const buckets = this.sortedBuckets();
    let i = 0;
    let seen = 0;
    let previous = 0;
    // Every recorded value is below 2^30 ns, so the last level takes all.
    for (let level = 1024; seen < this.total && level <= 2 ** 30; level *= 2) {
      const levelLow = bucketOf(level).low;
      while (i < buckets.length && buckets[i]![0] <= levelLow) seen += buckets[i++]![1];
      if (seen > previous) out.push([Math.floor(highestEquivalent(level) / 1000), seen]);
      previous = seen;
    }
    return out;
  }
}

// ------------------------------------------------------------------ the monitor

export class LatencyMonitor {
  private readonly events = new Map<string, EventSeries>();
  private readonly histograms = new Map<string, Histogram>();
  /** latency-monitor-threshold, ms; 0 = the monitor is off. */
  threshold = 0;
  /** latency-tracking. */
  tracking = true;
  percentiles: number[] = [50, 99, 99.9];

  constructor(config?: Config) {
    if (config !== undefined) {
      const refresh = () => {
        this.threshold = config.number('latency-monitor-threshold');
        this.tracking = config.bool('latency-tracking');
        this.percentiles = config
          .string('latency-tracking-info-percentiles')
          .split(/\s+/)
          .filter((w) => w !== '')
          .map(Number);
      };
      refresh();
      config.onChange(refresh);
    }
  }

  /** Record an event that lasted `ms` milliseconds if it reached the threshold. */
  addIfNeeded(event: string, ms: number): void {
    if (this.threshold > 0 && ms >= this.threshold) this.add(event, ms);
  }

  add(event: string, ms: number, now = Date.now()): void {
    const latency = Math.floor(ms);
    const time = Math.floor(now / 1000);
    let series = this.events.get(event);
    if (series === undefined) {
      series = { samples: [], max: 0 };
      this.events.set(event, series);
    }
    const last = series.samples[series.samples.length - 1];
    if (last !== undefined && last.time === time) last.latency = Math.max(last.latency, latency);
    else {
      series.samples.push({ time, latency });
      if (series.samples.length > EVENT_SAMPLES) series.samples.shift();
    }
    if (latency > series.max) series.max = latency;
  }

  /** LATENCY LATEST: [event, time of the latest sample, its latency, all-time max] per event. */
  latest(): [string, number, number, number][] {
    const out: [string, number, number, number][] = [];
    for (const [name, series] of this.events) {
      const last = series.samples[series.samples.length - 1];
      if (last !== undefined) out.push([name, last.time, last.latency, series.max]);
    }
    return out;
  }

  history(event: string): LatencySample[] {
    return this.events.get(event)?.samples.slice() ?? [];
  }

  /** Forget the named events (all when none are named); how many existed. */
  reset(events: string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of new Set(events)) if (this.events.delete(e)) n++;
    return n;
  }

  /** An ASCII chart of an event's samples, oldest left; undefined when it has none. */
  graph(event: string, now = Date.now()): string | undefined {
    const series = this.events.get(event);
    if (series === undefined || series.samples.length === 0) return undefined;
    const samples = series.samples;
    let high = 0;
    let low = Infinity;
    for (const s of samples) {
      high = Math.max(high, s.latency);
      low = Math.min(low, s.latency);
    }
    const rows = 4;
    const chart: string[][] = Array.from({ length: rows }, () => []);
    const labels: string[][] = [];
    const nowSec = Math.floor(now / 1000);
    for (const s of samples) {
      // The sample's height: 1..rows*2 half-rows between low and high.
      const span = high - low;
      const level = span === 0 ? rows * 2 : Math.max(1, Math.round(((s.latency - low) / span) * (rows * 2 - 1)) + 1);
      for (let r = 0; r < rows; r++) {
        const fromBottom = rows - 1 - r;
        const filled = level - fromBottom * 2;
        chart[r]!.push(filled >= 2 ? '#' : filled === 1 ? '_' : ' ');
      }
      labels.push(ageLabel(nowSec - s.time).split(''));
    }
    const labelRows = Math.max(...labels.map((l) => l.length));
    const lines = [
      `${event} - high ${high} ms, low ${low} ms (all time high ${series.max} ms)`,
      '-'.repeat(80),
      ...chart.map((r) => r.join('')),
    ];
    for (let r = 0; r < labelRows; r++) lines.push(labels.map((l) => l[r] ?? ' ').join(''));
    return lines.join('\n') + '\n';
  }

  /** LATENCY DOCTOR: a plain-words report; never an all-clear while events are recorded. */
  doctor(): string {
    if (this.events.size === 0) {
      if (this.threshold === 0) {
        return (
          "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Tidings instance. " +
          'You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it.\n'
        );
      }
      return 'Dave, no latency spike was observed during the lifetime of this Tidings instance, not in the slightest bit.\n';
    }
    const lines = ['Dave, I have observed latency spikes in this Tidings instance. You don\'t mind talking about it, do you Dave?', ''];
    let i = 1;
    const names = [...this.events.keys()];
    for (const name of names) {
      const samples = this.events.get(name)!.samples;
      const n = samples.length;
      const avg = samples.reduce((a, s) => a + s.latency, 0) / n;
      const dev = samples.reduce((a, s) => a + Math.abs(s.latency - avg), 0) / n;
      const period = n > 1 ? (samples[n - 1]!.time - samples[0]!.time) / (n - 1) : 1;
      lines.push(
        `${i++}. ${name}: ${n} latency spikes (average ${Math.round(avg)}ms, mean deviation ${Math.round(dev)}ms, period ${period.toFixed(2)} sec). ` +
          `Worst all time event ${this.events.get(name)!.max}ms.`,
      );
    }
    lines.push('', 'I have a few advices for you:', '');
    if (names.includes('command') || names.includes('fast-command')) {
      lines.push('- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Use SLOWLOG GET.');
    }
    if (names.includes('fast-command')) {
      lines.push('- Commands flagged fast took long: the process may be starved of CPU (other processes, a loaded machine) or paused by garbage collection.');
    }
    if (names.includes('expire-cycle') || names.some((n) => n.startsWith('eviction'))) {
      lines.push(
        '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.',
      );
    }
    if (lines[lines.length - 1] === '') {
      lines.push('- Check what the server was doing when the events above happened: they are slower than latency-monitor-threshold.');
    }
    return lines.join('\n') + '\n';
  }

  // ---------------------------------------------------------------- per-command histograms

  recordCommand(name: string, usec: number): void {
    if (!this.tracking) return;
    this.histogramFor(name).record(usec * 1000);
  }

  /** Bumped when the histograms are dropped: a caller caching one from histogramFor() re-fetches. */
  histogramGeneration = 0;

  /** A command's histogram, created empty if needed (record into it only while `tracking`). */
  histogramFor(name: string): Histogram {
    let h = this.histograms.get(name);
    if (h === undefined) {
      h = new Histogram();
      this.histograms.set(name, h);
    }
    return h;
  }

  histogram(name: string): Histogram | undefined {
    const h = this.histograms.get(name);
    return h !== undefined && h.total > 0 ? h : undefined;
  }

  commandHistograms(): [string, Histogram][] {
    return [...this.histograms.entries()].filter(([, h]) => h.total > 0);
  }

  resetHistograms(): void {
    this.histograms.clear();
    this.histogramGeneration++;
  }

  /** INFO latencystats's lines. */
  infoFields(): [string, string][] {
    const out: [string, string][] = [];
    for (const [name, h] of this.commandHistograms()) {
      const parts = this.percentiles.map((p) => `p${formatPercentile(p)}=${(h.percentile(p) / 1000).toFixed(3)}`);
      out.push([`latency_percentiles_usec_${name}`, parts.join(',')]);
    }
    return out;
  }
}

function formatPercentile(p: number): string {
  return String(Number(p.toFixed(6)));
}

/** A sample's age under the chart, in seconds/minutes/hours/days, written downwards. */
function ageLabel(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

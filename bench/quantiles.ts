/** A Prometheus histogram: cumulative counts per upper bound. */
export interface Histogram {
  /** Upper bounds in ascending order, the unit of the metric (seconds for latencies); the last is Infinity. */
  readonly bounds: readonly number[];
  /** Observations ≤ each bound (cumulative). */
  readonly cumulative: readonly number[];
}

/** Thrown when /metrics lacks the histogram asked for. */
export class MetricsFormatError extends Error {
  readonly code = 'METRICS_FORMAT';
}

/**
 * Reads the buckets of histogram `name` whose labels include `labels` (e.g. `track="video"`) from
 * Prometheus text exposition.
 */
export function parseHistogram(metricsText: string, name: string, labels: string): Histogram {
  const pattern = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  const buckets: Array<[number, number]> = [];
  for (const match of metricsText.matchAll(pattern)) {
    const labelText = match[1]!;
    if (!labelText.includes(labels)) continue;
    const le = /le="([^"]+)"/.exec(labelText)?.[1];
    if (le === undefined) continue;
    buckets.push([le === '+Inf' ? Infinity : Number(le), Number(match[2])]);
  }
  if (buckets.length === 0) throw new MetricsFormatError(`no ${name}{${labels}} buckets in /metrics`);
  buckets.sort((a, b) => a[0] - b[0]);
  return { bounds: buckets.map((b) => b[0]), cumulative: buckets.map((b) => b[1]) };
}

/** The observations made between two readings of the same histogram. */
export function histogramDelta(before: Histogram, after: Histogram): Histogram {
  return { bounds: after.bounds, cumulative: after.cumulative.map((count, i) => count - (before.cumulative[i] ?? 0)) };
}

/** Number of observations in a histogram. */
export function histogramCount(histogram: Histogram): number {
  return histogram.cumulative.at(-1) ?? 0;
}

/**
 * The q-quantile (0..1) of a histogram, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does (the first bucket starts at 0; the +Inf bucket answers its lower bound).
 * NaN when the histogram is empty.
 */
export function histogramQuantile(histogram: Histogram, q: number): number {
  const total = histogramCount(histogram);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  const { bounds, cumulative } = histogram;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i]! < rank) continue;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    if (bounds[i] === Infinity) return lower;
    const below = i === 0 ? 0 : cumulative[i - 1]!;
    const inBucket = cumulative[i]! - below;
    return inBucket === 0 ? lower : lower + ((bounds[i]! - lower) * (rank - below)) / inBucket;
  }
  return bounds.at(-2) ?? Number.NaN;
}

/** The q-quantile (0..1) of raw samples, interpolated between closest ranks; NaN when there are none. */
export function sampleQuantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

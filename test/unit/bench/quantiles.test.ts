import { histogramCount, histogramDelta, histogramQuantile, MetricsFormatError, parseHistogram, sampleQuantile } from '../../../bench/quantiles';

/** A /metrics excerpt as prom-client writes it (two tracks, cumulative buckets). */
const METRICS = `# HELP gateway_frame_latency_seconds Time a frame spends in the gateway
# TYPE gateway_frame_latency_seconds histogram
gateway_frame_latency_seconds_bucket{le="0.001",track="video"} 10
gateway_frame_latency_seconds_bucket{le="0.002",track="video"} 30
gateway_frame_latency_seconds_bucket{le="0.005",track="video"} 40
gateway_frame_latency_seconds_bucket{le="+Inf",track="video"} 40
gateway_frame_latency_seconds_sum{track="video"} 0.05
gateway_frame_latency_seconds_count{track="video"} 40
gateway_frame_latency_seconds_bucket{le="0.001",track="audio"} 0
gateway_frame_latency_seconds_bucket{le="0.002",track="audio"} 0
gateway_frame_latency_seconds_bucket{le="0.005",track="audio"} 1
gateway_frame_latency_seconds_bucket{le="+Inf",track="audio"} 3
`;

describe('histogram quantiles', () => {
  test('reads one track\'s buckets', () => {
    const video = parseHistogram(METRICS, 'gateway_frame_latency_seconds', 'track="video"');
    expect(video).toEqual({ bounds: [0.001, 0.002, 0.005, Infinity], cumulative: [10, 30, 40, 40] });
    expect(histogramCount(video)).toBe(40);
  });

  test('interpolates inside the bucket that holds the rank, as histogram_quantile does', () => {
    const video = parseHistogram(METRICS, 'gateway_frame_latency_seconds', 'track="video"');
    expect(histogramQuantile(video, 0.25)).toBeCloseTo(0.001); // rank 10: top of the first bucket
    expect(histogramQuantile(video, 0.5)).toBeCloseTo(0.0015); // rank 20: half-way through (0.001, 0.002]
    expect(histogramQuantile(video, 0.99)).toBeCloseTo(0.002 + 0.003 * (39.6 - 30) / 10);
  });

  test('a rank in the +Inf bucket answers its lower bound; an empty histogram answers NaN', () => {
    const audio = parseHistogram(METRICS, 'gateway_frame_latency_seconds', 'track="audio"');
    expect(histogramQuantile(audio, 0.99)).toBe(0.005);
    expect(histogramQuantile(histogramDelta(audio, audio), 0.5)).toBeNaN();
  });

  test('the delta of two scrapes holds only the observations made in between', () => {
    const before = parseHistogram(METRICS, 'gateway_frame_latency_seconds', 'track="video"');
    const after = parseHistogram(METRICS.replace('le="0.005",track="video"} 40', 'le="0.005",track="video"} 50').replace('le="+Inf",track="video"} 40', 'le="+Inf",track="video"} 50'), 'gateway_frame_latency_seconds', 'track="video"');
    const delta = histogramDelta(before, after);
    expect(delta.cumulative).toEqual([0, 0, 10, 10]);
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.0035);
  });

  test('a missing histogram is a MetricsFormatError', () => {
    expect(() => parseHistogram('up 1\n', 'gateway_frame_latency_seconds', 'track="video"')).toThrow(MetricsFormatError);
  });

  test('sample quantiles interpolate between closest ranks', () => {
    expect(sampleQuantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(sampleQuantile([5], 0.99)).toBe(5);
    expect(sampleQuantile([0, 100], 0.99)).toBe(99);
    expect(sampleQuantile([], 0.5)).toBeNaN();
  });
});

import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { PerFrameHistogram } from '../../../server/metrics/per-frame-histogram';

const BUCKETS = [0.001, 0.005, 0.01, 0.1];
const NAME = 'test_latency_seconds';
const HELP = 'Latency of something';

/** Observations that land below, on and between the bounds and above all of them, for two labels, the first label seen second. */
const OBSERVATIONS: ReadonlyArray<[track: string, seconds: number]> = [
  ['video', 0.0004], ['audio', 0.001], ['video', 0.001], ['video', 0.003], ['audio', 0.05],
  ['video', 0.0099], ['audio', 0.2], ['video', 0.1], ['video', 7], ['audio', 0.0051],
];

/** prom-client's own Histogram and ours, each in its own registry, given the same observations. */
function both(observations = OBSERVATIONS): { theirs: Registry; ours: Registry; histogram: PerFrameHistogram } {
  const theirs = new Registry();
  const reference = new Histogram({ name: NAME, help: HELP, labelNames: ['track'], buckets: BUCKETS, registers: [theirs] });
  const ours = new Registry();
  const histogram = new PerFrameHistogram({ name: NAME, help: HELP, labelName: 'track', buckets: BUCKETS, registry: ours });
  for (const [track, seconds] of observations) {
    reference.observe({ track }, seconds);
    histogram.observe(track, seconds);
  }
  return { theirs, ours, histogram };
}

/** getMetricsAsJSON without prom-client's empty exemplar fields, which carry nothing. */
async function json(registry: Registry): Promise<unknown> {
  const metrics = await registry.getMetricsAsJSON();
  return metrics.map((metric) => ({
    ...metric,
    values: metric.values.map((value) => Object.fromEntries(Object.entries(value).filter(([key, v]) => !(key === 'exemplar' && (v === null || v === undefined))))),
  }));
}

describe('PerFrameHistogram', () => {
  test('its /metrics text is prom-client Histogram\'s for the same observations', async () => {
    const { theirs, ours } = both();
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    // A value on a bound counts in that bucket; one above every bound only in +Inf.
    expect(text).toContain(`${NAME}_bucket{le="0.001",track="video"} 2`);
    expect(text).toContain(`${NAME}_bucket{le="0.1",track="video"} 5`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf",track="video"} 6`);
    expect(text).toContain(`${NAME}_count{track="audio"} 4`);
  });

  test('its JSON is prom-client\'s too, and media workers\' copies add up as Histograms do', async () => {
    const { theirs, ours } = both();
    expect(await json(ours)).toEqual(await json(theirs));
    const [ourJson, theirJson] = [await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON()];
    const ourSum = await AggregatorRegistry.aggregate([ourJson, ourJson]).metrics();
    expect(ourSum).toBe(await AggregatorRegistry.aggregate([theirJson, theirJson]).metrics());
    expect(ourSum).toContain(`${NAME}_count{track="video"} 12`);
  });

  test('a value that is not a finite number is ignored; reset forgets everything', async () => {
    const { ours, histogram } = both([['video', 0.002]]);
    histogram.observe('video', Number.NaN);
    histogram.observe('video', Number.POSITIVE_INFINITY);
    expect(await ours.metrics()).toContain(`${NAME}_count{track="video"} 1`);
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain(`${NAME}_count`);
  });
});

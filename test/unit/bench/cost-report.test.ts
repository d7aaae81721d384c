import type { CostColumn } from '../../../bench/cost-figures';
import { formatCostTable } from '../../../bench/cost-report';

/** A column whose CPU is `perStream` % per stream plus a fixed 4 %, and whose memory grows by 2 MB per stream plus 10 MB. */
function column(label: string, streams: number, perStream: number, split: boolean): CostColumn {
  const cpu = 4 + perStream * streams;
  const memory = { rssMb: 10 + 2 * streams, pssMb: 5 + streams };
  return {
    label, streams, failures: [], cpuPercent: cpu, nodeCpuPercent: cpu / 2, childrenCpuPercent: cpu / 2,
    ...(split ? { nodeSplit: { receive: cpu / 4, codecs: 0, sinks: cpu / 8, other: cpu / 8, sampledMs: 1000 } } : {}),
    memory: { total: memory, node: memory, children: { rssMb: 0, pssMb: 0 } },
    childProcesses: streams, publishersCpuPercent: 12.5, pacerLagMs: { window: 3, phase: 40 },
  };
}

/** The cells after the metric of the row whose metric starts with `metric`. */
function row(text: string, metric: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(metric));
  return line!.trim().split(/ {2,}/).slice(1);
}

describe('cost table', () => {
  const text = formatCostTable([
    { gateway: column('gateway', 8, 1, true), baseline: column('baseline', 8, 3, false) },
    { gateway: column('gateway', 32, 1, true), baseline: column('baseline', 32, 3, false) },
  ]);

  test('per stream at each count beside the baseline, then per added stream: the fixed cost drops out', () => {
    expect(row(text, 'cost per stream')).toEqual(['gateway 8', 'baseline 8', 'gateway 32', 'baseline 32', 'gateway per added stream 8→32', 'baseline per added stream 8→32']);
    // (4 + 8) / 8, (4 + 24) / 8, (4 + 32) / 32, (4 + 96) / 32; then the slopes 1 and 3.
    expect(row(text, 'CPU, % of one core')).toEqual(['1.50', '3.50', '1.13', '3.13', '1.00', '3.00']);
    expect(row(text, 'RSS, MB')).toEqual(['3.3', '3.3', '2.3', '2.3', '2.0', '2.0']);
    expect(row(text, 'PSS, MB')).toEqual(['1.6', '1.6', '1.2', '1.2', '1.0', '1.0']);
  });

  test('a column without a split shows n/a; whole figures have no per-added cell', () => {
    expect(row(text, '  sinks (node)')).toEqual(['0.19', 'n/a', '0.14', 'n/a', '0.13', 'n/a']);
    expect(row(text, 'streams delivered / child processes')).toEqual(['8 / 8', '8 / 8', '32 / 32', '32 / 32']);
    expect(row(text, 'load generator, % of one core (whole)')).toEqual(['12.5', '12.5', '12.5', '12.5']);
    expect(row(text, 'load generator: pacer lag max, window / phase, ms')).toEqual(['3 / 40', '3 / 40', '3 / 40', '3 / 40']);
  });
});

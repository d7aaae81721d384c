import { Registry } from 'prom-client';
import type { CodecPoolStats } from '../../../server/codec/codec-pool';
import { codecMetrics } from '../../../server/metrics/codec-metrics';

describe('codec worker metrics', () => {
  test('workers, sessions and backlog per worker, and restarts, drops and refusals as counters that only grows by what happened', async () => {
    let stats: CodecPoolStats = { workers: [{ pid: 11, sessions: 3, backlogBytes: 2048 }, { pid: 12, sessions: 2, backlogBytes: 0 }], restarts: 1, droppedInputs: 0, refusedInputs: 4 };
    const registry = new Registry();
    codecMetrics(registry, () => stats);
    let text = await registry.metrics();
    expect(text).toContain('gateway_codec_workers 2');
    expect(text).toContain('gateway_codec_sessions{pid="11"} 3');
    expect(text).toContain('gateway_codec_backlog_bytes{pid="11"} 2048');
    expect(text).toContain('gateway_codec_worker_restarts_total 1');
    expect(text).toContain('gateway_codec_inputs_refused_total 4');
    expect(text).toContain('gateway_codec_inputs_dropped_total 0');
    // Worker 11 died and was replaced by 13: its series goes, the counter counts one more.
    stats = { workers: [{ pid: 13, sessions: 3, backlogBytes: 0 }, { pid: 12, sessions: 2, backlogBytes: 0 }], restarts: 2, droppedInputs: 7, refusedInputs: 4 };
    text = await registry.metrics();
    expect(text).not.toContain('pid="11"');
    expect(text).toContain('gateway_codec_sessions{pid="13"} 3');
    expect(text).toContain('gateway_codec_worker_restarts_total 2');
    expect(text).toContain('gateway_codec_inputs_dropped_total 7');
    expect(text).toContain('gateway_codec_inputs_refused_total 4');
  });
});

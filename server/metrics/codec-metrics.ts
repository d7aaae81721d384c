import { Counter, Gauge, type Registry } from 'prom-client';
import type { CodecPoolStats } from '../codec/codec-pool';

/** The codec workers' series: how many run, the sessions and backlog of each, and their restarts. */
export function codecMetrics(registry: Registry, stats: () => CodecPoolStats): void {
  new Gauge({
    name: 'gateway_codec_workers',
    help: 'Codec worker processes running (codec_workers is the most)',
    registers: [registry],
    collect() {
      this.set(stats().workers.length);
    },
  });
  new Gauge({
    name: 'gateway_codec_sessions',
    help: 'Codec sessions (Opus to AAC, sound mixes, VP8 to H.264) per codec worker',
    labelNames: ['pid'],
    registers: [registry],
    collect() {
      this.reset();
      for (const worker of stats().workers) this.set({ pid: String(worker.pid) }, worker.sessions);
    },
  });
  new Gauge({
    name: 'gateway_codec_backlog_bytes',
    help: 'Bytes sent to a codec worker and not yet answered: grows when a worker falls behind',
    labelNames: ['pid'],
    registers: [registry],
    collect() {
      this.reset();
      for (const worker of stats().workers) this.set({ pid: String(worker.pid) }, worker.backlogBytes);
    },
  });
  let reported = 0;
  new Counter({
    name: 'gateway_codec_worker_restarts_total',
    help: 'Codec workers that ended without being asked to (a native crash, a wedge) and were replaced',
    registers: [registry],
    collect() {
      const { restarts } = stats();
      if (restarts > reported) this.inc(restarts - reported);
      reported = Math.max(reported, restarts);
    },
  });
}

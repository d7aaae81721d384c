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
  totalCounter(registry, 'gateway_codec_worker_restarts_total', 'Codec workers that ended without being asked to (a native crash, a wedge) and were replaced', () => stats().restarts);
  totalCounter(registry, 'gateway_codec_inputs_dropped_total', 'Codec inputs dropped because their worker was behind or restarting', () => stats().droppedInputs);
  totalCounter(registry, 'gateway_codec_inputs_refused_total', "Codec inputs refused by a worker's checks before they reached FFmpeg (malformed or hostile)", () => stats().refusedInputs);
}

/** A counter that follows a total kept elsewhere. */
function totalCounter(registry: Registry, name: string, help: string, total: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = total();
      if (now > reported) this.inc(now - reported);
      reported = Math.max(reported, now);
    },
  });
}

import type { CodecJob } from '../codec/protocol';
import { AacMixSession } from './aac-mix-session';
import { AacToOpusSession } from './aac-to-opus-session';
import { OpusToAacSession } from './opus-to-aac-session';
import { MAX_VP8_SIDE, Vp8ToH264Session } from './vp8-to-h264-session';
import type { WorkerSession } from './worker-session';

/**
 * Opens the session a job asks for. Throws when it cannot be opened, also for parameters no
 * caller means (they would reach FFmpeg, which may take them and misbehave later).
 */
export function createWorkerSession(job: CodecJob): WorkerSession {
  switch (job.kind) {
    case 'opus-to-aac':
      requireInRange('bitrateBps', job.bitrateBps, 8_000, 512_000);
      requireInRange('channels', job.channels, 1, 2);
      return new OpusToAacSession(job.bitrateBps, job.channels);
    case 'aac-mix':
      requireInRange('bitrateBps', job.bitrateBps, 8_000, 512_000);
      if (!(job.audioSpecificConfig instanceof Uint8Array)) throw new Error('audioSpecificConfig is not bytes');
      return new AacMixSession(job);
    case 'aac-to-opus':
      requireInRange('bitrateBps', job.bitrateBps, 6_000, 510_000);
      requireInRange('sampleRate', job.sampleRate, 7_350, 96_000);
      requireInRange('channels', job.channels, 1, 8);
      if (!(job.audioSpecificConfig instanceof Uint8Array) || job.audioSpecificConfig.byteLength > 64) throw new Error('audioSpecificConfig is not a short byte array');
      return new AacToOpusSession(job);
    case 'vp8-to-h264':
      requireInRange('width', job.width, 2, MAX_VP8_SIDE);
      requireInRange('height', job.height, 2, MAX_VP8_SIDE);
      requireInRange('bitrateKbps', job.bitrateKbps, 50, 50_000);
      requireInRange('keyframeIntervalMs', job.keyframeIntervalMs, 100, 60_000);
      return new Vp8ToH264Session(job);
    default:
      throw new Error(`${(job as { kind: unknown }).kind} is not supported`);
  }
}

function requireInRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} ${value} is not an integer in ${min}..${max}`);
}

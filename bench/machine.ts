import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The machine a bench ran on, for the report. */
export interface MachineInfo {
  /** Logical CPUs available to the process (nproc). */
  readonly cpus: number;
  /** Model name from /proc/cpuinfo. */
  readonly cpuModel: string;
  /** Installed memory, GiB. */
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** First line of `ffmpeg -version`. */
  readonly ffmpeg: string;
  /** 1-minute load average when the bench started (other work on the box makes figures noisier). */
  readonly loadAverage: number;
}

/** Describes this machine; `ffmpegPath` is the ffmpeg the bench runs. */
export function describeMachine(ffmpegPath: string): MachineInfo {
  let ffmpeg = 'unknown';
  try {
    ffmpeg = execFileSync(ffmpegPath, ['-version'], { encoding: 'utf8', timeout: 5000 }).split('\n')[0] ?? ffmpeg;
  } catch {
    // reported as unknown
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    ffmpeg,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

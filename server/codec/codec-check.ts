import { CodecWorkerProcess } from './codec-worker-process';
import type { CodecJob, FromWorkerBatch } from './protocol';

/** What the start-up check found: FFmpeg's version, or why the codec workers cannot work. */
export type CodecCheckResult = { readonly ok: true; readonly ffmpegVersion: string } | { readonly ok: false; readonly problem: string };

/** The job the check opens and drains: the one every WebRTC publisher's push needs. */
const CHECK_JOB: CodecJob = { kind: 'opus-to-aac', bitrateBps: 64_000, channels: 1 };
const CHECK_SESSION = 1;
/** Longest a check may take, ms: a worker starts in well under a second even on a loaded machine. */
const CHECK_TIMEOUT_MS = 20_000;

/**
 * Starts one codec worker as the gateway will (a child process: a native crash while node-av loads
 * cannot take the gateway down), waits for it to load node-av, opens and drains an Opus→AAC
 * session in it (the decoder and the encoder exist and open), and stops it.
 */
export async function checkCodecWorkers(timeoutMs = CHECK_TIMEOUT_MS): Promise<CodecCheckResult> {
  const worker = new CodecWorkerProcess({ stallTimeoutMs: timeoutMs, startTimeoutMs: timeoutMs });
  try {
    return await new Promise<CodecCheckResult>((resolve) => {
      let ffmpegVersion = '';
      worker.once('exit', (reason) => resolve({ ok: false, problem: `node-av cannot be loaded (${errorOf(reason)})` }));
      worker.once('ready', (version) => {
        ffmpegVersion = version;
        worker.open(CHECK_SESSION, CHECK_JOB);
        worker.drainSession(CHECK_SESSION);
      });
      worker.on('batch', (batch: FromWorkerBatch) => {
        const failed = batch.failed.find((f) => f.session === CHECK_SESSION);
        if (failed) resolve({ ok: false, problem: `FFmpeg ${ffmpegVersion} in node-av cannot make AAC from Opus (${failed.reason})` });
        else if (batch.drained.includes(CHECK_SESSION)) resolve({ ok: true, ffmpegVersion });
      });
    });
  } finally {
    await worker.close();
  }
}

/** Longest reason kept from the worker's stderr, characters. */
const MAX_REASON_CHARS = 300;

/**
 * The error a worker died of, in one line: from `codec worker exited with code 1: <stderr>`, the
 * thrown error's message and the detail lines under it (node-av lists what it tried), without the
 * source excerpt and the stack.
 */
export function errorOf(reason: string): string {
  const lines = reason.split('\n');
  const first = lines.findIndex((line) => /^\w*Error: /.test(line));
  if (first < 0) return lines[0]!.slice(0, MAX_REASON_CHARS);
  const detail: string[] = [lines[first]!.replace(/^\w*Error: /, '')];
  for (const line of lines.slice(first + 1)) {
    if (/^\s+at /.test(line)) break;
    const text = line.trim();
    if (text !== '' && text !== 'Errors:') detail.push(text);
  }
  const text = detail.join(' ');
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}

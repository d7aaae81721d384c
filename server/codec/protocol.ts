/**
 * The messages between the gateway and its codec workers (child processes that run FFmpeg
 * in-process through node-av, many codec sessions each). Both directions send batches: one IPC
 * message per event-loop turn that carries everything due, so the per-message cost is paid once
 * for many streams. Sent with `serialization: 'advanced'`, so byte arrays travel as they are.
 */

/** What one codec session does. */
export type CodecJob =
  /** Opus packets in (mono or stereo, 48 kHz), AAC-LC 48 kHz with `channels` out. */
  | { kind: 'opus-to-aac'; bitrateBps: number; channels: 1 | 2 }
  /**
   * A push's AAC frames in, each with the sound clip's samples for the same duration; the mix
   * out, AAC with exactly the input's configuration (object type, rate, channels).
   */
  | { kind: 'aac-mix'; bitrateBps: number; sampleRate: number; channels: number; audioSpecificConfig: Uint8Array }
  /**
   * Raw AAC frames in (the decoder configured by `audioSpecificConfig`; `sampleRate` and
   * `channels` as the track's parameters say: the SBR rate for HE-AAC); Opus out, 20 ms packets at
   * 48 kHz, stereo, or mono when the input is.
   */
  | { kind: 'aac-to-opus'; sampleRate: number; channels: number; audioSpecificConfig: Uint8Array; bitrateBps: number }
  /** Complete VP8 frames in (the first a keyframe), H.264 out (Main profile, no B-frames, yuv420p). */
  | { kind: 'vp8-to-h264'; width: number; height: number; bitrateKbps: number; preset: string; keyframeIntervalMs: number };

export type CodecJobKind = CodecJob['kind'];

/** One input of a session. */
export interface CodecInput {
  readonly session: number;
  /**
   * opus-to-aac, aac-to-opus: unused (the worker counts samples; see CodecOutput.pts).
   * aac-mix: the output slot this frame fills, passed back with its mixed frame.
   * vp8-to-h264: presentation time, ms.
   */
  readonly pts: number;
  /** One Opus packet, one raw AAC frame (no ADTS header), or one complete VP8 frame. */
  readonly data: Uint8Array;
  /** aac-mix: the clip's samples for this frame, 48 kHz stereo s16le interleaved. */
  readonly clip?: Uint8Array;
}

/** Gateway → worker: one batch, handled in order. */
export interface ToWorkerBatch {
  /** Increases by one per batch; the worker acknowledges it once handled. */
  readonly seq: number;
  readonly opens: ReadonlyArray<{ readonly session: number; readonly job: CodecJob }>;
  readonly inputs: readonly CodecInput[];
  /**
   * Sessions whose input has ended: the worker flushes what the encoder still holds (aac-mix: the
   * last frames fed), answers it with `drained`, and closes them.
   */
  readonly drains: readonly number[];
  readonly closes: readonly number[];
}

/** One output of a session. */
export interface CodecOutput {
  readonly session: number;
  /**
   * opus-to-aac: time of the frame's first sample, in samples since the session's first input
   * sample (the encoder's priming frame comes first, at -1024).
   * aac-to-opus: time of the packet's first sample, in 48 kHz samples since the session's first
   * input sample (the encoder's pre-skip comes first: the first packet starts before 0).
   * aac-mix: the `pts` of the input frame this mixed frame replaces.
   * vp8-to-h264: presentation time, ms (the input's).
   */
  readonly pts: number;
  /** vp8-to-h264: decode time, ms. Equal to pts elsewhere. */
  readonly dts: number;
  readonly keyframe: boolean;
  /** A raw AAC frame, an Opus packet, or an H.264 access unit as NAL units with 4-byte lengths (AVCC), no SPS/PPS. */
  readonly data: Uint8Array;
}

/** Worker → gateway: what a batch produced, and session events. */
export interface FromWorkerBatch {
  /** The last input batch handled. */
  readonly ack: number;
  readonly outputs: readonly CodecOutput[];
  /** vp8-to-h264: the encoder's SPS and PPS, before its first frame and whenever they change. */
  readonly parameters: ReadonlyArray<{ readonly session: number; readonly sps: Uint8Array; readonly pps: Uint8Array }>;
  /** Inputs refused by validation before they reached native code; the session goes on. */
  readonly refused: ReadonlyArray<{ readonly session: number; readonly reason: string }>;
  /** Sessions that cannot go on (open failed, codec error); the worker has closed them. */
  readonly failed: ReadonlyArray<{ readonly session: number; readonly reason: string }>;
  /** Sessions drained as asked: their last outputs are in `outputs`, and the worker has closed them. */
  readonly drained: readonly number[];
}

/** Worker → gateway, once, when node-av is loaded and batches can be sent. */
export interface WorkerReady {
  readonly ready: true;
  /** FFmpeg's version string from node-av. */
  readonly ffmpegVersion: string;
}

/** A byte array from the other side as a Buffer over the same memory (the IPC hands over Uint8Arrays). */
export function bufferOf(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

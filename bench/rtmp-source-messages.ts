/** What the harness tells the RTMP sources process at start (argv[2], JSON). */
export interface RtmpSourcesConfig {
  /** H.264 Annex B of the clip. */
  readonly h264Path: string;
  /** AAC (ADTS) of the clip. */
  readonly aacPath: string;
  /** Frame rate of the clip's video, frames/s. */
  readonly fps: number;
  /** Publishes connected at once. */
  readonly connectConcurrency: number;
}

/** Messages from the harness to the RTMP sources process (IPC). */
export type RtmpSourcesCommand =
  /** Connects one more source per entry, publishing `name` as the key of the application at `url`; answered with `added`. */
  | { readonly kind: 'add'; readonly sources: ReadonlyArray<{ readonly name: string; readonly url: string }> }
  /** Answered with `lag`: the pacer's longest lag since the previous `lag`. */
  | { readonly kind: 'lag' }
  /** Closes every source, then the process exits. */
  | { readonly kind: 'stop' };

/** Messages from the RTMP sources process to the harness (IPC). */
export type RtmpSourcesMessage =
  | { readonly kind: 'added'; readonly publishing: readonly string[]; readonly failed: ReadonlyArray<{ readonly name: string; readonly reason: string }> }
  /** Longest any frame was written after it was due, ms: large values mean the sources themselves were saturated. */
  | { readonly kind: 'lag'; readonly maxLagMs: number };

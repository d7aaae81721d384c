import type { BeamSession } from '../beam/beam-session';
import { beamViews, type BeamView } from '../beam/beam-view';
import type { PathDirectory } from '../paths/path-directory';
import type { PushStatus } from '../push/types';
import type { RecordLinks } from '../records/record-links';
import { recordingView, type RecordingView } from '../rest/recording-view';
import { ruleView, serverView, type RtmpServerControl } from '../rest/rtmp-server-routes';
import { streamViews, type StreamView } from '../rest/stream-view';
import { transponderView, type TransponderView, type ViewRights } from '../rest/transponder-view';
import { redactKey, redactUrl } from '../sinks/rtmp-target';
import type { BitrateMeter } from './bitrate-meter';

/** Where the console's snapshot is read from: the same parts the REST routes read. */
export interface ConsoleSources {
  readonly directory: PathDirectory;
  /** The page captures; undefined before the signalling listens. */
  readonly beams: { list(): BeamSession[] } | undefined;
  readonly rtmpServers: Pick<RtmpServerControl, 'getAll' | 'getRules'>;
  readonly links: RecordLinks;
}

/** A push as the console shows it: the API's view, the whole output URL (secrets masked), its bitrate now. */
export interface ConsolePush extends TransponderView {
  /** Where the stream goes, target stream name included, its key shortened. */
  outputUrl: string;
  /** Time spent publishing, every session together, ms. */
  durationMs: number;
  /** bit/s sent over the last second; null before two samples. */
  bitrate: number | null;
}

/** A recording as the console shows it: the API's view (its latest files only) and its bitrate now. */
export interface ConsoleRecording extends RecordingView {
  bitrate: number | null;
}

/** An RTMP server as `/api/rtmp-servers/getAll` shows it, with its rules (stream keys shortened). */
export type ConsoleRtmpServer = ReturnType<typeof serverView> & { rules: Array<ReturnType<typeof ruleView>> };

/** Everything the console shows, at one moment. */
export interface ConsoleSnapshot {
  /** Unix ms the snapshot was read. */
  time: number;
  streams: StreamView[];
  pushes: ConsolePush[];
  recordings: ConsoleRecording[];
  beams: BeamView[];
  rtmpServers: ConsoleRtmpServer[];
}

/**
 * What the sources held at one moment, read once for every console connection; only the pushes
 * are viewed per connection (their errors depend on who asks).
 */
export interface ConsoleState extends Omit<ConsoleSnapshot, 'pushes'> {
  readonly pushes: readonly PushStatus[];
  /** bit/s of every push and recording, by id. */
  readonly rates: ReadonlyMap<string, number | null>;
}

/** Finished files a recording lists in the console (the recorder API has them all). */
const RECORDING_FILES_SHOWN = 5;

/** Reads the sources once; `meter` turns byte counters into bitrates, at monotonic time `at` (ms). */
export async function readConsoleState(sources: ConsoleSources, meter: BitrateMeter, at: number): Promise<ConsoleState> {
  const [paths, pushes, recordings, beams] = await Promise.all([
    sources.directory.listPaths(),
    sources.directory.findPushes({}),
    sources.directory.findPushes({ recordings: true }),
    beamViews(sources.beams?.list() ?? [], sources.directory, sources.links),
  ]);
  const time = Date.now();
  const rates = meter.sample([...pushes, ...recordings].map((push) => [push.id, push.sentBytes] as const), at);
  const rules = sources.rtmpServers.getRules().map(ruleView);
  const rtmpServers = sources.rtmpServers.getAll().map((server) => ({
    ...serverView(server),
    rules: rules.filter((rule) => rule.server_id === server.id).map((rule) => ({
      ...rule,
      rule_stream_key: rule.rule_stream_key === '*' ? '*' : redactKey(rule.rule_stream_key),
      rule_webhook_url: rule.rule_webhook_url === null ? null : redactUrl(rule.rule_webhook_url, false),
    })),
  }));
  return {
    time,
    streams: streamViews(paths, { metrics: true, now: time }),
    pushes,
    rates,
    recordings: recordings.map((recording) => {
      const view = recordingView(recording, sources.links);
      return { ...view, files: view.files.slice(-RECORDING_FILES_SHOWN), bitrate: rates.get(recording.id) ?? null };
    }),
    // A meeting URL may carry its room's token.
    beams: beams.map((beam) => ({ ...beam, meeting_url: redactUrl(beam.meeting_url, false) })),
    rtmpServers,
  };
}

/** The snapshot a caller with `rights` sees (the console never shows secrets in full). */
export function consoleSnapshot(state: ConsoleState, rights: ViewRights): ConsoleSnapshot {
  const masked = { ...rights, secrets: false };
  return {
    time: state.time,
    streams: state.streams,
    pushes: state.pushes.map((push) => ({
      ...transponderView(push, masked),
      outputUrl: outputUrl(push),
      durationMs: push.totalDurationMs,
      bitrate: state.rates.get(push.id) ?? null,
    })),
    recordings: state.recordings,
    beams: state.beams,
    rtmpServers: state.rtmpServers,
  };
}

/** The masked URL with the target stream name, unless the URL already ends with it (a full URL). */
function outputUrl(push: PushStatus): string {
  if (!/^rtmps?:/i.test(push.safeUrl) || push.safeTargetStreamName === '') return push.safeUrl;
  const [base = '', query] = push.safeUrl.split('?', 2);
  if (base.endsWith(`/${push.safeTargetStreamName}`)) return push.safeUrl;
  return `${base.replace(/\/+$/, '')}/${push.safeTargetStreamName}${query === undefined ? '' : `?${query}`}`;
}

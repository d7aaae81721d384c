import { TypedEmitter } from '../events/typed-emitter';
import type { Logger } from '../log';
import type { PathDirectory } from '../paths/path-directory';
import { BeamError, type BeamStart } from './beam-request';
import { BeamSession, type BeamSessionOptions, type BeamState } from './beam-session';

/** What the beams share beside a session's own options. */
export interface BeamManagerOptions extends Omit<BeamSessionOptions, 'logger'> {
  /** Beams running at once at most (each takes about a core). */
  readonly maxBeams: number;
  readonly directory: PathDirectory;
  readonly logger: Logger;
}

export type BeamManagerEvents = {
  /** A beam changed state. */
  state: [beam: BeamSession, state: BeamState];
};

/**
 * The beams by room_id (100ms's beam API): at most one running per room and `maxBeams` in all; a
 * failed or stopped beam is forgotten when its room starts again.
 */
export class BeamManager extends TypedEmitter<BeamManagerEvents> {
  readonly #options: BeamManagerOptions;
  readonly #beams = new Map<string, BeamSession>();
  #closing: Promise<void> | undefined;

  constructor(options: BeamManagerOptions) {
    super();
    this.#options = options;
    // A beam's recording leaves the directory when it ends; the beam keeps its files to show them.
    options.directory.on('recording-file', (file) => {
      for (const beam of this.#beams.values()) if (beam.recordingId === file.mediaSessionId) beam.noteRecordedFile(file);
    });
  }

  /** Every beam known, oldest first. */
  list(): BeamSession[] {
    return [...this.#beams.values()];
  }

  async start(request: BeamStart): Promise<BeamSession> {
    if (this.#closing) throw new BeamError(2, 'the gateway is shutting down');
    const existing = this.#beams.get(request.roomId);
    if (existing && isLive(existing.state)) throw new BeamError(1);
    const live = this.list().filter((beam) => isLive(beam.state)).length;
    if (live >= this.#options.maxBeams) throw new BeamError(2, `${this.#options.maxBeams} beams run already (setting beam_max)`);
    const beam = new BeamSession(request, this.#options);
    this.#beams.set(request.roomId, beam);
    beam.on('state', (state) => this.emit('state', beam, state));
    try {
      await beam.start();
    } catch (err) {
      this.#beams.delete(request.roomId);
      await beam.stop();
      throw new BeamError(2, (err as Error).message);
    }
    this.emit('state', beam, beam.state);
    return beam;
  }

  async stop(roomId: string): Promise<BeamSession> {
    const beam = this.#beams.get(roomId);
    if (!beam || !isLive(beam.state)) throw new BeamError(10);
    await beam.stop();
    return beam;
  }

  /** Stops every beam still live (gateway shutdown). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= Promise.all(this.list().filter((beam) => isLive(beam.state)).map((beam) => beam.stop())).then(() => undefined);
    return this.#closing;
  }
}

/** A beam that holds a room: not over yet. */
function isLive(state: BeamState): boolean {
  return state === 'starting' || state === 'running';
}

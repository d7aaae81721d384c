import type { EndReason } from '../hub/end-reason';
import type { Logger } from '../log';
import { PlayRejectedError, type PlayHandle, type PlayRequest, type PlayService } from '../signalling/play-service';
import type { FromWorker } from './protocol';

/** The WebRTC viewers a media worker child serves for the main process, by the main process's id. */
export class WorkerPlays {
  readonly #player: PlayService;
  readonly #send: (message: FromWorker) => void;
  readonly #log: Logger;
  readonly #handles = new Map<number, PlayHandle>();

  constructor(player: PlayService, send: (message: FromWorker) => void, log: Logger) {
    this.#player = player;
    this.#send = send;
    this.#log = log;
  }

  /** Negotiates viewer `id`; its answer, or why not, and then its life go to the main process. */
  start(id: number, request: PlayRequest, logBindings: Record<string, unknown>): void {
    const events = {
      onPlaying: () => this.#send({ kind: 'playing', id }),
      onEnded: (info: string, failed: boolean) => {
        this.#handles.delete(id);
        this.#send({ kind: 'play-ended', id, info, failed });
      },
    };
    this.#player.play(request, events, this.#log.child(logBindings)).then(
      (handle) => {
        this.#handles.set(id, handle);
        this.#send({ kind: 'play-answer', id, answerSdp: handle.answerSdp });
      },
      (err: unknown) => this.#send({ kind: 'play-failed', id, refusal: err instanceof PlayRejectedError ? err.refusal : undefined, message: (err as Error).message }),
    );
  }

  stop(id: number, reason: EndReason): void {
    this.#handles.get(id)?.stop(reason);
  }
}

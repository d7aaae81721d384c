import { systemClock, type Clock, type TimerHandle } from '../events/clock';
import { TypedEmitter } from '../events/typed-emitter';
import { isDeliberate, type EndReason } from '../hub/end-reason';
import { HubStream, type StreamSource } from '../hub/stream';
import type { TrackDerivation } from '../hub/track-derivation';
import type { Logger } from '../log';
import type { PushTask } from '../push/push-task';
import { publishSummary } from './publish-summary';
import { StreamNameInUseError } from './stream-name-in-use';

/** What every path shares. */
export interface PathOptions {
  /** Tracks the hub may derive on demand (AAC from Opus). */
  readonly derivations: readonly TrackDerivation[];
  /** How long pushes wait, their sessions open, for a publisher that left without meaning to, ms (0: no wait). */
  readonly gracePeriodMs: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** Events of a path. */
export type PathEvents = {
  published: [stream: HubStream];
  unpublished: [stream: HubStream, reason: EndReason];
  /** Nothing is left: no stream, no grace period, no push. The directory forgets the path. */
  idle: [];
};

/**
 * Everything that happens under one stream name, in one place (MediaMTX's path): the current
 * publication (the hub stream its ingest writes), the pushes of that name, reserved ones included,
 * and the publisher grace period. A publisher that leaves without meaning to (a page reload, a
 * network drop) has `gracePeriodMs` to come back before the pushes let go of their sessions; one
 * that stops on purpose ends them at once (reserved ones wait for the next publish).
 */
export class Path extends TypedEmitter<PathEvents> {
  readonly name: string;
  readonly #options: PathOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #pushes = new Map<string, PushTask>();
  #stream: HubStream | undefined;
  #graceTimer: TimerHandle | undefined;
  #closed = false;

  constructor(name: string, options: PathOptions) {
    super();
    this.name = name;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger.child({ streamName: name });
  }

  /** The published stream, if any. */
  get stream(): HubStream | undefined {
    return this.#stream;
  }

  /** Pushes of this name, oldest first. */
  get pushes(): PushTask[] {
    return [...this.#pushes.values()];
  }

  /** True while pushes wait for a publisher that left. */
  get inGrace(): boolean {
    return this.#graceTimer !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts a publication; throws StreamNameInUseError while another one runs. */
  publish(source: StreamSource): HubStream {
    if (this.#closed) throw new Error(`path ${this.name} is closed`);
    if (this.#stream) throw new StreamNameInUseError(this.name);
    this.#endGrace();
    const stream = new HubStream(this.name, source, this.#options.derivations, this.#options.logger);
    this.#stream = stream;
    stream.once('close', (reason) => this.#onStreamClosed(stream, reason));
    for (const push of this.#pushes.values()) push.attach(stream);
    this.emit('published', stream);
    return stream;
  }

  /** Adopts a push of this name; it reads the stream at once if there is one. */
  addPush(push: PushTask): void {
    this.#pushes.set(push.id, push);
    push.once('close', (state) => {
      if (state === 'stopped') this.removePush(push);
    });
    if (this.#stream) push.attach(this.#stream);
  }

  /** Forgets a push (stopped, or a failed one replaced or terminated). */
  removePush(push: PushTask): void {
    if (this.#pushes.get(push.id) !== push) return;
    this.#pushes.delete(push.id);
    this.#checkIdle();
  }

  /** Ends everything under the name: pushes close their sessions cleanly, the stream ends (and its ingest with it). */
  async close(reason: EndReason): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#endGrace();
    await Promise.all(this.pushes.map((push) => push.close(reason)));
    this.#stream?.close(reason);
  }

  #onStreamClosed(stream: HubStream, reason: EndReason): void {
    if (this.#stream !== stream) return;
    this.#stream = undefined;
    this.#log.info(publishSummary(stream, reason), 'publish ended');
    const waiting = [...this.#pushes.values()].filter((push) => push.active);
    const graceMs = this.#options.gracePeriodMs;
    if (!this.#closed && !isDeliberate(reason) && graceMs > 0 && waiting.length > 0) {
      this.#log.info({ reason: reason.info, graceMs, pushes: waiting.length }, 'publisher gone: pushes hold their sessions for its return');
      for (const push of waiting) push.hold();
      this.#graceTimer = this.#clock.setTimeout(() => {
        this.#graceTimer = undefined;
        const over: EndReason = { code: reason.code, info: `${reason.info}; the stream did not come back within ${graceMs} ms` };
        for (const push of this.#pushes.values()) void push.sourceGone(over);
        this.#checkIdle();
      }, graceMs);
    } else {
      for (const push of waiting) void push.sourceGone(reason);
    }
    this.emit('unpublished', stream, reason);
    this.#checkIdle();
  }

  #endGrace(): void {
    this.#clock.clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
  }

  #checkIdle(): void {
    if (!this.#stream && !this.#graceTimer && this.#pushes.size === 0) this.emit('idle');
  }
}

import { TypedEmitter } from '../events/typed-emitter';
import { HubStream, type StreamSource } from './stream';

/** Thrown when a stream name is taken by another publisher. */
export class StreamNameInUseError extends Error {
  readonly code = 'STREAM_NAME_IN_USE';
  constructor(name: string) {
    super(`Stream name is already in use: ${name}`);
  }
}

/** Events of the registry. */
export type StreamRegistryEvents = {
  published: [stream: HubStream];
  unpublished: [stream: HubStream, reason: string];
};

/** Every published stream by name: publishers add theirs, sinks look them up. */
export class StreamRegistry extends TypedEmitter<StreamRegistryEvents> {
  readonly #streams = new Map<string, HubStream>();

  /** Registers a new stream; throws StreamNameInUseError if the name is taken. */
  publish(name: string, source: StreamSource): HubStream {
    if (this.#streams.has(name)) throw new StreamNameInUseError(name);
    const stream = new HubStream(name, source);
    this.#streams.set(name, stream);
    stream.once('close', (reason) => {
      if (this.#streams.get(name) === stream) this.#streams.delete(name);
      this.emit('unpublished', stream, reason);
    });
    this.emit('published', stream);
    return stream;
  }

  get(name: string): HubStream | undefined {
    return this.#streams.get(name);
  }

  all(): HubStream[] {
    return [...this.#streams.values()];
  }

  /** Closes every stream (gateway shutdown). */
  closeAll(reason: string): void {
    for (const stream of this.all()) stream.close(reason);
  }
}

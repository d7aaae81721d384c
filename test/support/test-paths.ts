import pino from 'pino';
import { TypedEmitter } from '../../server/events/typed-emitter';
import type { HubStream, StreamSource } from '../../server/hub/stream';
import type { LocalPaths } from '../../server/paths/local-paths';
import { Path } from '../../server/paths/path';
import type { PathDirectoryEvents } from '../../server/paths/path-directory';

/**
 * Real paths without the rest of the gateway (no pushes, no derived tracks, no grace period), for
 * tests of one ingest or one player: what `LocalPaths` asks for, plus the publish events.
 */
export class TestPaths extends TypedEmitter<Pick<PathDirectoryEvents, 'path-published'>> implements LocalPaths {
  readonly #paths = new Map<string, Path>();

  publish(name: string, source: StreamSource): HubStream {
    let path = this.#paths.get(name);
    if (!path) {
      const made = new Path(name, { derivations: [], gracePeriodMs: 0, logger: pino({ level: 'silent' }) });
      made.on('published', () => this.emit('path-published', { name, stream: undefined, inGrace: false, pushes: [] }));
      made.on('idle', () => this.#paths.delete(name));
      this.#paths.set(name, made);
      path = made;
    }
    return path.publish(source);
  }

  stream(name: string): HubStream | undefined {
    return this.#paths.get(name)?.stream;
  }

  /** Every published stream. */
  streams(): HubStream[] {
    return [...this.#paths.values()].flatMap((path) => (path.stream ? [path.stream] : []));
  }
}

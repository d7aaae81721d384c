import type { HubStream, StreamSource } from '../hub/stream';

/**
 * The media side of the path directory, in this process: what ingests and players use. The
 * PathManager implements it; tests may pass anything that does.
 */
export interface LocalPaths {
  /** Starts publishing `name`; throws StreamNameInUseError while someone else publishes it. */
  publish(name: string, source: StreamSource): HubStream;
  /** The stream published as `name`, if any. */
  stream(name: string): HubStream | undefined;
}

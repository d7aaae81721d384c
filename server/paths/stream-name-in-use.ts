/** Thrown when a stream name is taken by another publisher. */
export class StreamNameInUseError extends Error {
  readonly code = 'STREAM_NAME_IN_USE';
  constructor(name: string) {
    super(`Stream name is already in use: ${name}`);
  }
}

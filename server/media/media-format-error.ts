/**
 * Base class of every error a media parser throws on malformed input. `code` is stable
 * (safe to match on and to log); `message` is a human sentence.
 */
export class MediaFormatError<Code extends string = string> extends Error {
  /** Stable machine-readable reason, e.g. 'SPS_TRUNCATED'. */
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

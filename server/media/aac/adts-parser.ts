import { AacFormatError } from './aac-format-error';
import { type AdtsHeader, ADTS_HEADER_LENGTH, isAdtsSync, parseAdtsHeader } from './adts-header';

/** One AAC frame taken out of an ADTS stream. */
export interface AdtsFrame {
  /** Raw AAC (header and CRC removed); a view of the pushed bytes, do not modify. */
  readonly data: Buffer;
  /** Audio object type (2 = AAC-LC). */
  readonly objectType: number;
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
}

/**
 * Incremental ADTS demuxer: push bytes as they arrive (any chunking) and get back the complete frames.
 *
 * While in sync it trusts each header whose fixed fields match the previous frame. On garbage it
 * skips to the next syncword whose header is valid AND is followed, frame_length bytes later,
 * by another matching header, so a stray 0xFFF inside the garbage does not fool it; a header
 * announcing another format (object type, rate, channels) must be confirmed the same way.
 * Frames holding more than one raw_data_block are dropped (counted in `unsupportedFrames`).
 */
export class AdtsParser {
  /** Bytes of an unfinished frame (or unconfirmed candidate) kept from the last push. */
  #pending: Buffer = Buffer.alloc(0);
  /** Header of the last frame delivered while in sync; undefined after garbage or at the start. */
  #last: AdtsHeader | undefined;
  /** False after garbage: a header is only believed once the header after it confirms it. */
  #inSync = true;
  #skippedBytes = 0;
  #unsupportedFrames = 0;

  /** Garbage bytes skipped while looking for a syncword. */
  get skippedBytes(): number {
    return this.#skippedBytes;
  }

  /** Valid frames dropped because they carry several raw data blocks. */
  get unsupportedFrames(): number {
    return this.#unsupportedFrames;
  }

  /** Adds bytes and returns the frames they complete, in stream order. */
  push(chunk: Buffer): AdtsFrame[] {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: AdtsFrame[] = [];
    let offset = 0;
    while (buf.length - offset >= ADTS_HEADER_LENGTH) {
      const header = validHeaderAt(buf, offset);
      if (header === undefined) {
        offset = this.#skipToNextSync(buf, offset + 1);
        continue;
      }
      // A valid header of another format: the stream changed or this is garbage; confirm it like after garbage.
      if (this.#last !== undefined && !sameStream(this.#last, header)) this.#loseSync();
      if (!this.#inSync) {
        const nextOffset = offset + header.frameLength;
        if (buf.length - nextOffset < ADTS_HEADER_LENGTH) break; // cannot confirm yet
        const next = validHeaderAt(buf, nextOffset);
        if (next === undefined || !sameStream(header, next)) {
          offset = this.#skipToNextSync(buf, offset + 1);
          continue;
        }
        this.#inSync = true;
      }
      if (buf.length - offset < header.frameLength) break;
      if (header.rawDataBlocks === 1) {
        frames.push({
          data: buf.subarray(offset + header.headerLength, offset + header.frameLength),
          objectType: header.objectType,
          sampleRate: header.sampleRate,
          channels: header.channels,
        });
      } else {
        this.#unsupportedFrames++;
      }
      this.#last = header;
      offset += header.frameLength;
    }
    this.#pending = buf.subarray(offset);
    return frames;
  }

  #loseSync(): void {
    this.#inSync = false;
    this.#last = undefined;
  }

  /** Loses sync and returns the offset of the next possible syncword at or after `from`. */
  #skipToNextSync(buf: Buffer, from: number): number {
    this.#loseSync();
    let candidate = buf.indexOf(0xff, from);
    while (candidate !== -1 && candidate + 1 < buf.length && !isAdtsSync(buf, candidate)) {
      candidate = buf.indexOf(0xff, candidate + 1);
    }
    // With no candidate, keep a final 0xFF: it may be the first half of a syncword.
    const next = candidate === -1 ? buf.length : candidate;
    this.#skippedBytes += next - (from - 1);
    return next;
  }
}

/** The header at `offset` if there is a valid one; otherwise undefined. */
function validHeaderAt(buf: Buffer, offset: number): AdtsHeader | undefined {
  try {
    return parseAdtsHeader(buf, offset);
  } catch (err) {
    if (err instanceof AacFormatError) return undefined;
    throw err;
  }
}

/** True when two headers carry the fixed fields of one stream (object type, rate, channels). */
function sameStream(a: AdtsHeader, b: AdtsHeader): boolean {
  return (
    a.objectType === b.objectType &&
    a.samplingFrequencyIndex === b.samplingFrequencyIndex &&
    a.channelConfiguration === b.channelConfiguration
  );
}

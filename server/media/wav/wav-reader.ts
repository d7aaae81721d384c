import { WavFormatError } from './wav-format-error';

/** Sample encodings the reader accepts: unsigned 8-bit, signed little-endian integers, IEEE floats. */
export type WavSampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

/** A parsed WAV file: its format and its sample bytes. */
export interface WavFile {
  readonly sampleFormat: WavSampleFormat;
  /** Hz, 8000..192000. */
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** Bytes per sample frame (all channels). */
  readonly blockAlign: number;
  /** Interleaved samples, whole frames only; a view of the input. */
  readonly data: Buffer;
  /** Sample frames in `data`. */
  readonly frameCount: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Sample format by bits per sample. */
const PCM_FORMATS: ReadonlyMap<number, WavSampleFormat> = new Map([
  [8, 'u8'],
  [16, 's16'],
  [24, 's24'],
  [32, 's32'],
]);
const FLOAT_FORMATS: ReadonlyMap<number, WavSampleFormat> = new Map([
  [32, 'f32'],
  [64, 'f64'],
]);

/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID derived from a WAVE format code (bytes 0..1). */
const SUBTYPE_GUID_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');

/** Names of common formats we refuse, for a helpful message. */
const FORMAT_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0002, 'Microsoft ADPCM'],
  [0x0006, 'A-law'],
  [0x0007, 'µ-law'],
  [0x0011, 'IMA ADPCM'],
  [0x0031, 'GSM 6.10'],
  [0x0050, 'MPEG'],
  [0x0055, 'MP3'],
  [0x00ff, 'AAC'],
  [0x2000, 'AC-3'],
]);

const MIN_SAMPLE_RATE = 8000;
const MAX_SAMPLE_RATE = 192000;

/** The fmt chunk fields that matter, with the extensible sub-format resolved. */
interface FmtChunk {
  readonly formatCode: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
}

/**
 * Parses a RIFF/WAVE file: PCM (8-bit unsigned, 16/24/32-bit signed), IEEE float (32/64-bit) or
 * WAVE_FORMAT_EXTENSIBLE with one of those sub-formats; mono or stereo; 8000..192000 Hz.
 * Unknown chunks are skipped; a data chunk longer than the file is cut to what is present
 * (as written by streaming encoders). Anything else throws WavFormatError.
 */
export function parseWav(file: Buffer): WavFile {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF') {
    throw new WavFormatError('NOT_RIFF', 'not a RIFF WAV file');
  }
  if (file.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavFormatError('NOT_WAVE', `RIFF file is not WAVE audio (form type '${file.toString('latin1', 8, 12)}')`);
  }
  let fmt: FmtChunk | undefined;
  let data: Buffer | undefined;
  let offset = 12;
  while (offset + 8 <= file.length && (fmt === undefined || data === undefined)) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const bodyStart = offset + 8;
    const bodyEnd = bodyStart + size;
    if (id === 'fmt ') {
      if (bodyEnd > file.length) throw new WavFormatError('TRUNCATED', 'WAV fmt chunk is cut off');
      fmt = parseFmt(file.subarray(bodyStart, bodyEnd));
    } else if (id === 'data') {
      data = file.subarray(bodyStart, Math.min(bodyEnd, file.length));
    }
    offset = bodyEnd + (size & 1); // chunks are padded to an even size
  }
  if (fmt === undefined) throw new WavFormatError('MISSING_FMT', 'WAV file has no fmt chunk');
  if (data === undefined) throw new WavFormatError('MISSING_DATA', 'WAV file has no data chunk');
  const { sampleFormat, channels, sampleRate, blockAlign } = checkFormat(fmt);
  const frameCount = Math.floor(data.length / blockAlign);
  return { sampleFormat, channels, sampleRate, blockAlign, data: data.subarray(0, frameCount * blockAlign), frameCount };
}

function parseFmt(body: Buffer): FmtChunk {
  if (body.length < 16) throw new WavFormatError('BAD_FMT', `WAV fmt chunk of ${body.length} bytes is too short`);
  let formatCode = body.readUInt16LE(0);
  if (formatCode === WAVE_FORMAT_EXTENSIBLE) {
    if (body.length < 40) throw new WavFormatError('BAD_FMT', `WAVE_FORMAT_EXTENSIBLE fmt chunk of ${body.length} bytes is too short`);
    const subFormat = body.subarray(24, 40);
    if (!subFormat.subarray(2).equals(SUBTYPE_GUID_TAIL)) {
      throw new WavFormatError('UNSUPPORTED_ENCODING', `unsupported WAV encoding: extensible sub-format ${subFormat.toString('hex')}`);
    }
    formatCode = subFormat.readUInt16LE(0);
  }
  return {
    formatCode,
    channels: body.readUInt16LE(2),
    sampleRate: body.readUInt32LE(4),
    blockAlign: body.readUInt16LE(12),
    bitsPerSample: body.readUInt16LE(14),
  };
}

function checkFormat(fmt: FmtChunk): Pick<WavFile, 'sampleFormat' | 'channels' | 'sampleRate' | 'blockAlign'> {
  const { formatCode, channels, sampleRate, blockAlign, bitsPerSample } = fmt;
  if (channels === 0) throw new WavFormatError('NO_CHANNELS', 'WAV file declares 0 channels');
  if (channels > 2) {
    throw new WavFormatError('TOO_MANY_CHANNELS', `WAV file has ${channels} channels; only mono and stereo are supported`);
  }
  const sampleFormat = sampleFormatOf(formatCode, bitsPerSample);
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new WavFormatError(
      'UNSUPPORTED_SAMPLE_RATE',
      `unsupported WAV sample rate ${sampleRate} Hz (supported: ${MIN_SAMPLE_RATE}..${MAX_SAMPLE_RATE})`,
    );
  }
  const expectedBlockAlign = (channels * bitsPerSample) / 8;
  if (blockAlign !== expectedBlockAlign) {
    throw new WavFormatError(
      'BLOCK_ALIGN_MISMATCH',
      `WAV block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample}-bit samples (${expectedBlockAlign})`,
    );
  }
  return { sampleFormat, channels: channels as 1 | 2, sampleRate, blockAlign };
}

function sampleFormatOf(formatCode: number, bitsPerSample: number): WavSampleFormat {
  if (formatCode === WAVE_FORMAT_PCM) {
    const format = PCM_FORMATS.get(bitsPerSample);
    if (format !== undefined) return format;
    throw new WavFormatError('UNSUPPORTED_BIT_DEPTH', `unsupported WAV sample size: ${bitsPerSample}-bit PCM (8, 16, 24 or 32)`);
  }
  if (formatCode === WAVE_FORMAT_IEEE_FLOAT) {
    const format = FLOAT_FORMATS.get(bitsPerSample);
    if (format !== undefined) return format;
    throw new WavFormatError('UNSUPPORTED_BIT_DEPTH', `unsupported WAV sample size: ${bitsPerSample}-bit float (32 or 64)`);
  }
  const name = FORMAT_NAMES.get(formatCode);
  const named = name === undefined ? '' : ` (${name})`;
  throw new WavFormatError('UNSUPPORTED_ENCODING', `unsupported WAV encoding: format ${formatCode}${named}`);
}

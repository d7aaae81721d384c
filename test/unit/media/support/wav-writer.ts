/** A RIFF chunk: four-character id and body (a pad byte is added after odd bodies). */
export interface Chunk {
  id: string;
  body: Buffer;
  /** Size to write in the header instead of body.length (to fake overruns). */
  declaredSize?: number;
}

/** Serialises chunks into a RIFF/WAVE file. */
export function riffWave(chunks: readonly Chunk[], formType = 'WAVE'): Buffer {
  const parts = chunks.flatMap((chunk) => {
    const header = Buffer.alloc(8);
    header.write(chunk.id, 0, 'latin1');
    header.writeUInt32LE(chunk.declaredSize ?? chunk.body.length, 4);
    return chunk.body.length % 2 === 1 ? [header, chunk.body, Buffer.alloc(1)] : [header, chunk.body];
  });
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write(formType, 8, 'latin1');
  return Buffer.concat([header, body]);
}

/** Fields of a fmt chunk; `subFormat` makes it WAVE_FORMAT_EXTENSIBLE with that sub-format code. */
export interface FmtFields {
  formatCode: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign?: number;
  subFormat?: number;
}

/** A fmt chunk body: 16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE. */
export function fmtChunk(fields: FmtFields): Chunk {
  const extensible = fields.subFormat !== undefined;
  const body = Buffer.alloc(extensible ? 40 : 16);
  const blockAlign = fields.blockAlign ?? (fields.channels * fields.bitsPerSample) / 8;
  body.writeUInt16LE(extensible ? 0xfffe : fields.formatCode, 0);
  body.writeUInt16LE(fields.channels, 2);
  body.writeUInt32LE(fields.sampleRate, 4);
  body.writeUInt32LE(fields.sampleRate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(fields.bitsPerSample, 14);
  if (extensible) {
    body.writeUInt16LE(22, 16); // cbSize
    body.writeUInt16LE(fields.bitsPerSample, 18); // valid bits
    body.writeUInt32LE(fields.channels === 1 ? 4 : 3, 20); // channel mask
    body.writeUInt16LE(fields.subFormat!, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(body, 26);
  }
  return { id: 'fmt ', body };
}

/** Encodes samples in -1..1 (interleaved) in one of the WAV sample formats. */
export function encodeSamples(samples: readonly number[], format: 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64'): Buffer {
  const bytes = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 }[format];
  const out = Buffer.alloc(samples.length * bytes);
  samples.forEach((s, i) => {
    const o = i * bytes;
    if (format === 'u8') out[o] = Math.round(s * 128) + 128;
    else if (format === 's16') out.writeInt16LE(Math.round(s * 32768), o);
    else if (format === 's24') out.writeIntLE(Math.round(s * 8388608), o, 3);
    else if (format === 's32') out.writeInt32LE(Math.round(s * 2147483648), o);
    else if (format === 'f32') out.writeFloatLE(s, o);
    else out.writeDoubleLE(s, o);
  });
  return out;
}

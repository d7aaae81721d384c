import { AacFormatError } from '../../../server/media/aac/aac-format-error';
import { buildAdtsHeader, parseAdtsHeader } from '../../../server/media/aac/adts-header';
import { type AdtsFrame, AdtsParser } from '../../../server/media/aac/adts-parser';
import { seededRandom } from './support/prng';
import { killRunningTools, runTool } from './support/run-tool';

/** A raw frame of `length` bytes that contains no 0xFF (so it cannot look like a syncword). */
const payload = (length: number, seed: number): Buffer => Buffer.alloc(length, (seed % 200) + 1);

const adtsFrame = (data: Buffer, rate = 48000, channels = 2): Buffer => Buffer.concat([buildAdtsHeader(2, rate, channels, data.length), data]);

/** An ADTS frame with protection_absent = 0: a 2-byte CRC sits between header and data. */
function adtsFrameWithCrc(data: Buffer): Buffer {
  const header = buildAdtsHeader(2, 48000, 2, data.length + 2);
  header[1] = 0xf0; // protection_absent = 0
  return Buffer.concat([header, Buffer.from([0xab, 0xcd]), data]);
}

const payloads = (frames: readonly AdtsFrame[]): string[] => frames.map((f) => f.data.toString('hex'));

afterAll(killRunningTools);

describe('ADTS header', () => {
  it('round-trips build and parse', () => {
    const header = buildAdtsHeader(2, 44100, 1, 300);
    // AAC-LC (profile 1), index 4, channel configuration 1, frame length 307, fullness 0x7FF, 1 block.
    expect(header.toString('hex')).toBe('fff15040267ffc');
    expect(parseAdtsHeader(header)).toEqual({
      objectType: 2,
      samplingFrequencyIndex: 4,
      sampleRate: 44100,
      channelConfiguration: 1,
      channels: 1,
      headerLength: 7,
      frameLength: 307,
      rawDataBlocks: 1,
    });
  });

  it('reports a 9-byte header when a CRC is present', () => {
    expect(parseAdtsHeader(adtsFrameWithCrc(payload(10, 1)))).toMatchObject({ headerLength: 9, frameLength: 7 + 2 + 10 });
  });

  it.each([
    ['ADTS_TRUNCATED', Buffer.from('fff150', 'hex')],
    ['ADTS_BAD_SYNC', Buffer.from('fff750802e7ffc', 'hex')], // layer 3
    ['ADTS_BAD_SYNC', Buffer.from('00f150802e7ffc', 'hex')],
    ['ADTS_INVALID', Buffer.from('fff17c802e7ffc', 'hex')], // sampling index 15
    ['ADTS_INVALID', Buffer.from('fff15080007ffc', 'hex')], // frame length 0
    ['ADTS_UNSUPPORTED', Buffer.from('fff150002e7ffc', 'hex')], // channel configuration 0
  ])('throws %s', (code, bytes) => {
    expect(() => parseAdtsHeader(bytes)).toThrow(expect.objectContaining({ code }));
    expect(() => parseAdtsHeader(bytes)).toThrow(AacFormatError);
  });

  it('refuses to build headers ADTS cannot express', () => {
    expect(() => buildAdtsHeader(2, 50000, 2, 10)).toThrow(expect.objectContaining({ code: 'ADTS_INVALID' }));
    expect(() => buildAdtsHeader(2, 48000, 2, 9000)).toThrow(AacFormatError);
  });
});

describe('AdtsParser', () => {
  const frames = [payload(200, 1), payload(7, 2), payload(350, 3), payload(1, 4), payload(99, 5)];
  const stream = Buffer.concat(frames.map((f) => adtsFrame(f)));
  const expected = frames.map((f) => f.toString('hex'));

  it('returns raw frames with their format, as views of the input', () => {
    const out = new AdtsParser().push(stream);
    expect(payloads(out)).toEqual(expected);
    expect(out[0]).toMatchObject({ objectType: 2, sampleRate: 48000, channels: 2 });
    expect(out[0]?.data.buffer).toBe(stream.buffer);
  });

  it('reassembles frames pushed one byte at a time and in random chunks', () => {
    const parser = new AdtsParser();
    const byByte: AdtsFrame[] = [];
    for (let i = 0; i < stream.length; i++) byByte.push(...parser.push(stream.subarray(i, i + 1)));
    expect(payloads(byByte)).toEqual(expected);

    const random = seededRandom(7);
    for (let round = 0; round < 50; round++) {
      const chunked = new AdtsParser();
      const out: AdtsFrame[] = [];
      for (let offset = 0; offset < stream.length; ) {
        const size = 1 + Math.floor(random() * 300);
        out.push(...chunked.push(stream.subarray(offset, offset + size)));
        offset += size;
      }
      expect(payloads(out)).toEqual(expected);
    }
  });

  it('strips the CRC of protected frames', () => {
    const out = new AdtsParser().push(Buffer.concat([adtsFrameWithCrc(payload(20, 1)), adtsFrameWithCrc(payload(30, 2))]));
    expect(payloads(out)).toEqual([payload(20, 1).toString('hex'), payload(30, 2).toString('hex')]);
  });

  it('skips garbage, including a false syncword, and resumes on a confirmed header', () => {
    // The fake header is valid on its own but is not followed by another header frame_length later.
    const fakeSync = Buffer.concat([buildAdtsHeader(2, 48000, 2, 20).subarray(0, 7), Buffer.alloc(5, 0x42)]);
    const garbage = Buffer.concat([Buffer.from([0x00, 0xff, 0x12, 0xff]), fakeSync, Buffer.from([0xff])]);
    const parser = new AdtsParser();
    const out = [
      ...parser.push(Buffer.concat([garbage, adtsFrame(frames[0]), adtsFrame(frames[1])])),
      ...parser.push(Buffer.concat([garbage, adtsFrame(frames[2]), adtsFrame(frames[3]), adtsFrame(frames[4])])),
    ];
    expect(payloads(out)).toEqual(expected);
    expect(parser.skippedBytes).toBe(2 * garbage.length);
  });

  it('follows a format change after confirming it with a second header', () => {
    const parser = new AdtsParser();
    const out = parser.push(Buffer.concat([adtsFrame(frames[0]), adtsFrame(frames[1], 44100, 1), adtsFrame(frames[2], 44100, 1)]));
    expect(out.map((f) => [f.sampleRate, f.channels])).toEqual([
      [48000, 2],
      [44100, 1],
      [44100, 1],
    ]);
  });

  it('drops frames with several raw data blocks and counts them', () => {
    const multi = adtsFrame(payload(40, 9));
    multi[6] |= 0x01; // number_of_raw_data_blocks_in_frame = 1 → 2 blocks
    const parser = new AdtsParser();
    expect(payloads(parser.push(Buffer.concat([adtsFrame(frames[0]), multi, adtsFrame(frames[1])])))).toEqual(expected.slice(0, 2));
    expect(parser.unsupportedFrames).toBe(1);
  });

  it('splits a real ffmpeg ADTS stream into as many frames as ffprobe counts', async () => {
    const encoded = await runTool('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=1'],
      ...['-ac', '2', '-c:a', 'aac', '-b:a', '96k', '-f', 'adts', '-'],
    ]);
    expect(encoded.code).toBe(0);
    const probe = await runTool(
      'ffprobe',
      ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', '-f', 'aac', '-i', 'pipe:0'],
      encoded.stdout,
    );
    const out = new AdtsParser().push(encoded.stdout);
    expect(out.length).toBe(Number(probe.stdout.toString().trim()));
    expect(out.every((f) => f.sampleRate === 44100 && f.channels === 2 && f.objectType === 2)).toBe(true);
  });
});

import { oggCrc32 } from '../../../server/media/containers/ogg-crc';
import { OggOpusWriter } from '../../../server/media/containers/ogg-opus-writer';
import { buildOggPage, OGG_MAX_PACKET_ON_PAGE, OggPageFlag } from '../../../server/media/containers/ogg-page';
import { oggPackets, readOggPages } from '../../../server/media/containers/ogg-reader';
import { OpusFormatError } from '../../../server/media/opus/opus-format-error';
import { opusFrameSamples, opusLossPacket, opusPacketSamples } from '../../../server/media/opus/opus-packet';
import { killRunningTools, runTool } from './support/run-tool';

afterAll(killRunningTools);

const page = (packet: Buffer, flags = 0, sequence = 0): Buffer => buildOggPage({ flags, granulePosition: 960n, serial: 7, sequence }, packet);

describe('Ogg pages', () => {
  it('uses the Ogg CRC-32 (poly 0x04C11DB7, init 0, no reflection, no final XOR)', () => {
    expect(oggCrc32(Buffer.from('123456789'))).toBe(0x89a1897f);
    expect(oggCrc32(Buffer.alloc(0))).toBe(0);
  });

  it.each([0, 1, 254, 255, 256, 510, 4000, OGG_MAX_PACKET_ON_PAGE])('laces and reads back a %i-byte packet', (size) => {
    const packet = Buffer.alloc(size, 0x5a);
    const bytes = page(packet, OggPageFlag.BEGINNING_OF_STREAM, 3);
    const [read] = readOggPages(bytes);
    expect(read).toMatchObject({ flags: OggPageFlag.BEGINNING_OF_STREAM, granulePosition: 960n, serial: 7, sequence: 3 });
    expect(read.lacing).toHaveLength(Math.floor(size / 255) + 1);
    expect(read.lacing.at(-1)).toBe(size % 255);
    const packets = oggPackets([read]);
    expect(packets).toHaveLength(1);
    expect(packets[0].data.equals(packet)).toBe(true);
  });

  it('refuses a packet that needs more than one page', () => {
    expect(() => page(Buffer.alloc(OGG_MAX_PACKET_ON_PAGE + 1))).toThrow(expect.objectContaining({ code: 'PACKET_TOO_LARGE' }));
  });

  it('joins a packet continued across pages', () => {
    const first = Buffer.concat([page(Buffer.alloc(0)).subarray(0, 26), Buffer.from([2, 255, 255]), Buffer.alloc(510, 1)]);
    first.writeUInt32LE(0, 22);
    first.writeUInt32LE(oggCrc32(first), 22);
    const second = page(Buffer.alloc(10, 2), OggPageFlag.CONTINUED, 1);
    const packets = oggPackets(readOggPages(Buffer.concat([first, second])));
    expect(packets.map((p) => p.data)).toEqual([Buffer.concat([Buffer.alloc(510, 1), Buffer.alloc(10, 2)])]);
  });

  it('throws typed errors on damaged streams', () => {
    const good = page(Buffer.from('hello'));
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] ^= 1;
    const badVersion = Buffer.from(good);
    badVersion[4] = 1;
    expect(() => readOggPages(badCrc)).toThrow(expect.objectContaining({ code: 'BAD_CRC' }));
    expect(() => readOggPages(badVersion)).toThrow(expect.objectContaining({ code: 'BAD_VERSION' }));
    expect(() => readOggPages(Buffer.concat([good, Buffer.from('junk')]))).toThrow(expect.objectContaining({ code: 'PAGE_TRUNCATED' }));
    expect(() => readOggPages(good.subarray(0, good.length - 1))).toThrow(expect.objectContaining({ code: 'PAGE_TRUNCATED' }));
    expect(() => readOggPages(Buffer.alloc(40))).toThrow(expect.objectContaining({ code: 'BAD_CAPTURE_PATTERN' }));
  });
});

describe('Opus packet durations', () => {
  it('reads the frame size of every TOC config (RFC 6716 Table 2)', () => {
    const ms = Array.from({ length: 32 }, (_, config) => opusFrameSamples(config << 3) / 48);
    expect(ms).toEqual([
      ...[10, 20, 40, 60, 10, 20, 40, 60, 10, 20, 40, 60],
      ...[10, 20, 10, 20],
      ...[2.5, 5, 10, 20, 2.5, 5, 10, 20, 2.5, 5, 10, 20, 2.5, 5, 10, 20],
    ]);
  });

  it('multiplies by the frame count of codes 0 to 3', () => {
    const toc = (config: number, code: number): number => (config << 3) | code;
    expect(opusPacketSamples(Buffer.from([toc(31, 0), 1, 2]))).toBe(960);
    expect(opusPacketSamples(Buffer.from([toc(31, 1), 1, 2]))).toBe(1920);
    expect(opusPacketSamples(Buffer.from([toc(1, 2), 1, 2]))).toBe(1920);
    expect(opusPacketSamples(Buffer.from([toc(16, 3), 0x85]))).toBe(5 * 120);
    expect(opusPacketSamples(Buffer.from([toc(3, 3), 2]))).toBe(5760); // 2 × 60 ms = the 120 ms limit
  });

  it('throws OpusFormatError for empty, truncated and over-long packets', () => {
    expect(() => opusPacketSamples(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'EMPTY_PACKET' }));
    expect(() => opusPacketSamples(Buffer.from([0xfb]))).toThrow(expect.objectContaining({ code: 'PACKET_TRUNCATED' }));
    expect(() => opusPacketSamples(Buffer.from([0xfb, 0x00]))).toThrow(expect.objectContaining({ code: 'PACKET_INVALID' }));
    expect(() => opusPacketSamples(Buffer.from([(3 << 3) | 3, 3]))).toThrow(OpusFormatError);
  });
});

describe('opusLossPacket', () => {
  it('is a TOC-only code 0 packet of the requested duration, keeping mode, bandwidth and stereo when it can', () => {
    const celtFbStereo = (31 << 3) | 0x04 | 1;
    for (const samples of [120, 240, 480, 960]) {
      const loss = opusLossPacket(celtFbStereo, samples);
      expect(loss).toHaveLength(1);
      expect(loss[0] & 3).toBe(0);
      expect(loss[0] & 0x04).toBe(0x04);
      expect(loss[0] >> 3).toBeGreaterThanOrEqual(28); // still CELT fullband
      expect(opusPacketSamples(loss)).toBe(samples);
    }
    expect(opusLossPacket(9 << 3, 2880)[0] >> 3).toBe(11); // SILK wideband 60 ms
    expect(opusLossPacket(13 << 3, 480)[0] >> 3).toBe(12); // hybrid SWB 10 ms
  });

  it('switches mode when the previous one has no frame of that size', () => {
    expect(opusPacketSamples(opusLossPacket(31 << 3, 2880))).toBe(2880); // CELT has no 60 ms frames
    expect(opusPacketSamples(opusLossPacket(1 << 3, 120))).toBe(120); // SILK has no 2.5 ms frames
    expect(() => opusLossPacket(31 << 3, 1000)).toThrow(expect.objectContaining({ code: 'BAD_FRAME_SIZE' }));
  });
});

describe('OggOpusWriter', () => {
  it('writes OpusHead and OpusTags pages, then one page per packet with cumulative granules', () => {
    const writer = new OggOpusWriter({ preSkip: 312, serial: 0x1234 });
    const stream = Buffer.concat([
      writer.headerPages(),
      writer.packetPage(Buffer.from([0xfc, 1, 2, 3])),
      writer.packetPage(Buffer.from([0xfd, 1, 2, 3])),
      writer.packetPage(Buffer.from([0xfc, 1]), 960, true),
    ]);
    const pages = readOggPages(stream);
    expect(pages.map((p) => [p.flags, p.granulePosition, p.sequence, p.serial])).toEqual([
      [OggPageFlag.BEGINNING_OF_STREAM, 0n, 0, 0x1234],
      [0, 0n, 1, 0x1234],
      [0, 960n, 2, 0x1234],
      [0, 2880n, 3, 0x1234],
      [OggPageFlag.END_OF_STREAM, 3840n, 4, 0x1234],
    ]);
    const head = pages[0].body;
    expect(head.toString('latin1', 0, 8)).toBe('OpusHead');
    expect([head[8], head[9], head.readUInt16LE(10), head.readUInt32LE(12), head.readInt16LE(16), head[18]]).toEqual([1, 2, 312, 48000, 0, 0]);
    expect(pages[1].body.toString('latin1', 0, 8)).toBe('OpusTags');
    expect(writer.granulePosition).toBe(3840n);
  });

  it('feeds ffmpeg a stream, with concealed gaps, that decodes to exactly the granule total', async () => {
    const encoded = await runTool('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1'],
      ...['-ac', '2', '-c:a', 'libopus', '-b:a', '64k', '-f', 'ogg', '-'],
    ]);
    expect(encoded.code).toBe(0);
    const opus = oggPackets(readOggPages(encoded.stdout)).slice(2).map((p) => p.data); // skip OpusHead/OpusTags

    const writer = new OggOpusWriter();
    const pages = [writer.headerPages()];
    let inserted = 0;
    opus.forEach((packet, i) => {
      pages.push(writer.packetPage(packet));
      if (i % 10 === 5) {
        for (const samples of [960, 2880, 120]) {
          pages.push(writer.packetPage(opusLossPacket(packet[0], samples)));
          inserted += samples;
        }
      }
    });
    const total = opus.reduce((sum, packet) => sum + opusPacketSamples(packet), 0) + inserted;
    expect(writer.granulePosition).toBe(BigInt(total));

    const decoded = await runTool('ffmpeg', ['-v', 'warning', '-f', 'ogg', '-i', 'pipe:0', '-f', 's16le', '-'], Buffer.concat(pages));
    expect(decoded.code).toBe(0);
    expect(decoded.stderr).toBe('');
    expect(decoded.stdout.length / 4).toBe(total); // stereo s16: 4 bytes per sample frame
  });
});

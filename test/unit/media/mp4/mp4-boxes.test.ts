import { box, boxHeader, fullBox, mdatHeader, uint16, uint32, uint64 } from '../../../../server/media/containers/mp4/box';
import { childBoxes, FieldReader } from '../../../../server/media/containers/mp4/box-parser';
import { FragmentedMp4Writer } from '../../../../server/media/containers/mp4/fmp4-writer';
import { parseMovie } from '../../../../server/media/containers/mp4/moov-parser';
import { Mp4FormatError } from '../../../../server/media/containers/mp4/mp4-format-error';
import { buildAvcDecoderConfig } from '../../../../server/media/h264/avc-decoder-config';
import { AAC_CONFIG, AUDIO_48K, boxesIn, childrenOf, find, SPS, VIDEO_90K, all } from './mp4-test-boxes';

describe('box helpers', () => {
  test('a box is its size, its type, then its payload parts', () => {
    const b = box('abcd', Buffer.from([1, 2]), Buffer.from([3]));
    expect(b.toString('hex')).toBe('0000000b' + Buffer.from('abcd').toString('hex') + '010203');
  });

  test('a full box starts its payload with version and flags', () => {
    const b = fullBox('tfdt', 1, 0x020001, uint64(2 ** 40));
    expect(b.length).toBe(20);
    expect(b.readUInt32BE(8)).toBe(0x01020001);
    expect(b.readBigUInt64BE(12)).toBe(2n ** 40n);
  });

  test('field helpers write big-endian fields and refuse what does not fit', () => {
    expect(uint16(1, 0xffff).toString('hex')).toBe('0001ffff');
    expect(uint32(1, 0xffffffff).toString('hex')).toBe('00000001ffffffff');
    expect(() => uint32(2 ** 32)).toThrow(/out of range/);
    expect(() => box('toolong')).toThrow(RangeError);
  });

  test('a header takes a 64-bit largesize when the size passes 32 bits, or when asked', () => {
    const large = boxHeader('mdat', 2 ** 33);
    expect(large.length).toBe(16);
    expect(large.readUInt32BE(0)).toBe(1);
    expect(large.readBigUInt64BE(8)).toBe(2n ** 33n);
    expect(boxHeader('mdat', 100).length).toBe(8);
    expect(boxHeader('mdat', 100, true).readBigUInt64BE(8)).toBe(100n);
    // An mdat's size counts its own header, 16 bytes once it needs a largesize.
    expect(mdatHeader(100).readUInt32BE(0)).toBe(108);
    expect(mdatHeader(2 ** 32 - 9).readUInt32BE(0)).toBe(2 ** 32 - 1);
    expect(mdatHeader(2 ** 32 - 8).readBigUInt64BE(8)).toBe(2n ** 32n + 8n);
  });

  test('the parser reads back nested boxes, 32-bit and 64-bit headers alike', () => {
    const inner = Buffer.concat([boxHeader('larg', 16 + 3, true), Buffer.from([7, 8, 9])]);
    const outer = box('outr', box('aaaa', uint32(5)), inner);
    const [top] = childBoxes(outer, 0, outer.length, 'test');
    expect(top).toEqual({ type: 'outr', start: 0, payload: 8, end: outer.length });
    const children = childBoxes(outer, top!.payload, top!.end, 'outr');
    expect(children.map((c) => [c.type, c.payload, c.end])).toEqual([['aaaa', 16, 20], ['larg', 36, 39]]);
    expect(new FieldReader(outer, children[0]!, 'aaaa').u32()).toBe(5);
  });

  test('the parser refuses sizes that break the tree, with a clear error', () => {
    const overrun = box('outr', box('aaaa', uint32(5)));
    overrun.writeUInt32BE(100, 8);
    expect(() => childBoxes(overrun, 8, overrun.length, 'outr')).toThrow(expect.objectContaining({ code: 'MP4_BAD_BOX_SIZE', message: expect.stringMatching(/overruns its parent/) }));
    const tooSmall = box('outr', box('aaaa', uint32(5)));
    tooSmall.writeUInt32BE(4, 8);
    expect(() => childBoxes(tooSmall, 8, tooSmall.length, 'outr')).toThrow(Mp4FormatError);
    const fields = new FieldReader(box('aaaa', uint16(1)), { payload: 8, end: 10 }, 'aaaa');
    expect(fields.u16()).toBe(1);
    expect(() => fields.u32()).toThrow(expect.objectContaining({ code: 'MP4_BAD_BOX_SIZE' }));
  });
});

describe('initialization segment', () => {
  const init = new FragmentedMp4Writer({ video: VIDEO_90K, audio: AUDIO_48K }).init();
  const top = boxesIn(init);

  test('is ftyp then moov with mvhd, a trak per track and mvex with a trex per track', () => {
    expect(top.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(find(top, 'ftyp').body.toString('latin1')).toBe('iso6\0\0\0\0iso6iso5avc1mp41');
    const moov = childrenOf(find(top, 'moov'));
    expect(moov.map((b) => b.type)).toEqual(['mvhd', 'trak', 'trak', 'mvex']);
    const mvhd = find(moov, 'mvhd');
    expect(mvhd.size).toBe(108);
    expect(mvhd.body.readUInt32BE(12)).toBe(1000); // movie timescale
    expect(mvhd.body.readUInt32BE(96)).toBe(3); // next_track_ID
    const trexes = all(childrenOf(find(moov, 'mvex')), 'trex');
    expect(trexes.map((t) => [t.size, t.body.readUInt32BE(4), t.body.readUInt32BE(8)])).toEqual([[32, 1, 1], [32, 2, 1]]);
  });

  test('the video trak: tkhd id 1 with the picture size, mdhd in the track timescale, vide handler, avc1 with the avcC', () => {
    const [video] = all(childrenOf(find(top, 'moov')), 'trak');
    const trak = childrenOf(video!);
    const tkhd = find(trak, 'tkhd');
    expect(tkhd.size).toBe(92);
    expect(tkhd.body.readUInt32BE(12)).toBe(1);
    expect([tkhd.body.readUInt32BE(76) / 65536, tkhd.body.readUInt32BE(80) / 65536]).toEqual([320, 240]);
    const mdhd = find(trak, 'mdia/mdhd');
    expect(mdhd.size).toBe(32);
    expect(mdhd.body.readUInt32BE(12)).toBe(90_000);
    expect(find(trak, 'mdia/hdlr').body.toString('latin1', 8, 12)).toBe('vide');
    expect(find(trak, 'mdia/minf/vmhd').size).toBe(20);
    const stbl = childrenOf(find(trak, 'mdia/minf/stbl'));
    expect(stbl.map((b) => b.type)).toEqual(['stsd', 'stts', 'stsc', 'stsz', 'stco']);
    const avc1 = childrenOf(find(stbl, 'stsd'), 8)[0]!;
    expect(avc1.type).toBe('avc1');
    expect([avc1.body.readUInt16BE(24), avc1.body.readUInt16BE(26)]).toEqual([320, 240]);
    const avcC = childrenOf(avc1, 78)[0]!;
    expect(avcC.type).toBe('avcC');
    expect(avcC.body).toEqual(buildAvcDecoderConfig(SPS, VIDEO_90K.pps));
  });

  test('the audio trak: id 2, soun handler, mp4a with channels, rate and the AudioSpecificConfig in esds', () => {
    const [, audio] = all(childrenOf(find(top, 'moov')), 'trak');
    const trak = childrenOf(audio!);
    expect(find(trak, 'tkhd').body.readUInt32BE(12)).toBe(2);
    expect(find(trak, 'mdia/mdhd').body.readUInt32BE(12)).toBe(48_000);
    expect(find(trak, 'mdia/hdlr').body.toString('latin1', 8, 12)).toBe('soun');
    const mp4a = childrenOf(find(trak, 'mdia/minf/stbl/stsd'), 8)[0]!;
    expect(mp4a.type).toBe('mp4a');
    expect(mp4a.body.readUInt16BE(16)).toBe(2);
    expect(mp4a.body.readUInt32BE(24) / 65536).toBe(48_000);
    const esds = childrenOf(mp4a, 28)[0]!;
    expect(esds.type).toBe('esds');
    // ES_Descriptor > DecoderConfigDescriptor (MPEG-4 audio, audio stream) > DecoderSpecificInfo = the config.
    const expected = Buffer.concat([Buffer.from([0x05, AAC_CONFIG.length]), AAC_CONFIG]);
    expect(esds.body.indexOf(expected)).toBeGreaterThan(0);
    expect(esds.body.subarray(4, 5)[0]).toBe(0x03);
    expect(esds.body.indexOf(Buffer.from([0x04, 0x11, 0x40, 0x15]))).toBeGreaterThan(0);
  });

  test('the module reader parses it back', () => {
    const movie = parseMovie(init.subarray(find(top, 'moov').offset));
    expect(movie.tracks.map((t) => ({ ...t, sampleEntry: t.sampleEntry.toString('latin1', 4, 8) }))).toEqual([
      { trackId: 1, handler: 'vide', timescale: 90_000, width: 320, height: 240, sampleEntry: 'avc1' },
      { trackId: 2, handler: 'soun', timescale: 48_000, width: 0, height: 0, sampleEntry: 'mp4a' },
    ]);
    expect([...movie.trackExtends.keys()]).toEqual([1, 2]);
  });

  test('an audio-only writer makes one track with id 2', () => {
    const moov = childrenOf(find(boxesIn(new FragmentedMp4Writer({ audio: AUDIO_48K }).init()), 'moov'));
    const traks = all(moov, 'trak');
    expect(traks).toHaveLength(1);
    expect(find(childrenOf(traks[0]!), 'tkhd').body.readUInt32BE(12)).toBe(2);
  });
});

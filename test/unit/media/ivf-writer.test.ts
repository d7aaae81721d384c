import { IVF_FILE_HEADER_LENGTH, ivfFileHeader, ivfFrameHeader } from '../../../server/media/containers/ivf-writer';

describe('IVF writer', () => {
  it('writes the 32-byte file header as libvpx does', () => {
    const header = ivfFileHeader({ width: 320, height: 240, timebaseDenominator: 30, frameCount: 30 });
    // Bytes of an IVF written by ffmpeg/libvpx for a 320x240, 1/30 s, 30-frame stream.
    expect(header.toString('hex')).toBe('444b494600002000565038304001f0001e000000010000001e00000000000000');
    expect(header).toHaveLength(IVF_FILE_HEADER_LENGTH);
  });

  it('defaults to a 1/90000 time base and an unknown frame count', () => {
    const header = ivfFileHeader({ width: 1280, height: 720 });
    expect(header.readUInt32LE(16)).toBe(90000);
    expect(header.readUInt32LE(20)).toBe(1);
    expect(header.readUInt32LE(24)).toBe(0);
  });

  it('writes frame headers with size and a 64-bit timestamp', () => {
    expect(ivfFrameHeader(1234, 2 ** 33 + 5).toString('hex')).toBe('d2040000' + '0500000002000000');
  });
});

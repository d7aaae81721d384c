import { publisherCodecOrder } from '../../../web-sdk/src/codec-preferences';

// RTCRtpSender.getCapabilities('video').codecs of Chromium 156 (fake camera), reduced to the fields read.
const CHROMIUM_VIDEO = [
  { mimeType: 'video/VP8' },
  { mimeType: 'video/rtx' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' },
  { mimeType: 'video/H264', sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f' },
  { mimeType: 'video/AV1', sdpFmtpLine: 'level-idx=5;profile=0;tier=0' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
  { mimeType: 'video/red' },
  { mimeType: 'video/ulpfec' },
];

const AUDIO = [{ mimeType: 'audio/opus', sdpFmtpLine: 'minptime=10;useinbandfec=1' }, { mimeType: 'audio/red' }, { mimeType: 'audio/PCMU' }];

const describeCodec = (codec: { mimeType: string; sdpFmtpLine?: string }): string =>
  `${codec.mimeType}${/packetization-mode=(\d)/.exec(codec.sdpFmtpLine ?? '')?.[0].replace('packetization-mode=', ' pm') ?? ''}`;

describe('publisherCodecOrder', () => {
  it('moves H.264 packetization-mode=1 to the front in browser order and keeps the rest in order', () => {
    expect(publisherCodecOrder(CHROMIUM_VIDEO, '')?.map(describeCodec)).toEqual([
      'video/H264 pm1',
      'video/H264 pm1',
      'video/VP8',
      'video/rtx',
      'video/H264 pm0',
      'video/H264 pm0',
      'video/AV1',
      'video/VP9',
      'video/red',
      'video/ulpfec',
    ]);
    expect(publisherCodecOrder(CHROMIUM_VIDEO, '')?.[1].sdpFmtpLine).toContain('42e01f');
  });

  it('returns the same objects it was given (setCodecPreferences needs the capability entries)', () => {
    const ordered = publisherCodecOrder(CHROMIUM_VIDEO, '') ?? [];
    expect(ordered.every((codec) => CHROMIUM_VIDEO.includes(codec))).toBe(true);
    expect(ordered).toHaveLength(CHROMIUM_VIDEO.length);
  });

  it('drops stripped codecs case-insensitively before ordering', () => {
    expect(publisherCodecOrder(CHROMIUM_VIDEO, 'vp8, AV1')?.map(describeCodec)).toEqual([
      'video/H264 pm1',
      'video/H264 pm1',
      'video/rtx',
      'video/H264 pm0',
      'video/H264 pm0',
      'video/VP9',
      'video/red',
      'video/ulpfec',
    ]);
  });

  it('keeps the browser order when H.264 is stripped', () => {
    expect(publisherCodecOrder(CHROMIUM_VIDEO, 'H264')?.map(describeCodec)).toEqual([
      'video/VP8',
      'video/rtx',
      'video/AV1',
      'video/VP9',
      'video/red',
      'video/ulpfec',
    ]);
  });

  it('does not treat packetization-mode=10 or a missing fmtp line as mode 1', () => {
    const codecs = [{ mimeType: 'video/VP8' }, { mimeType: 'video/H264' }, { mimeType: 'video/H264', sdpFmtpLine: 'packetization-mode=10' }];
    expect(publisherCodecOrder(codecs, '')).toEqual(codecs);
  });

  it('only filters audio', () => {
    expect(publisherCodecOrder(AUDIO, 'pcmu')).toEqual(AUDIO.slice(0, 2));
  });

  it('returns null when only RTX/RED/FEC would be left, since an empty preference list means "browser defaults"', () => {
    expect(publisherCodecOrder(CHROMIUM_VIDEO, 'VP8,H264,AV1,VP9')).toBeNull();
    expect(publisherCodecOrder([], '')).toBeNull();
  });
});

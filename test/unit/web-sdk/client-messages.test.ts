import {
  connectionRequest,
  encodeClientMessage,
  publishStreamRequest,
  unpublishStreamRequest,
} from '../../../web-sdk/src/client-messages';

const MEDIA_SESSION_ID = '0b7c6f3e-9a51-4d2c-8e10-3f2a6c1d9b47';

describe('encodeClientMessage', () => {
  it('wraps the payload as {"message", "data": [payload]}', () => {
    const frame = encodeClientMessage({
      message: 'unPublishStream',
      payload: unpublishStreamRequest({ mediaSessionId: MEDIA_SESSION_ID, name: 'cam1', status: 'PUBLISHING' }),
    });
    expect(JSON.parse(frame)).toEqual({
      message: 'unPublishStream',
      data: [{ mediaSessionId: MEDIA_SESSION_ID, name: 'cam1', published: true, hasVideo: true, hasAudio: true, status: 'PUBLISHING', record: false }],
    });
  });

  it('answers ping with exactly {"message":"pong","data":[null]}', () => {
    expect(encodeClientMessage({ message: 'pong', payload: null })).toBe('{"message":"pong","data":[null]}');
  });
});

describe('connectionRequest', () => {
  it('carries the fixed WCS client fields and the browser strings', () => {
    const request = connectionRequest({
      appKey: 'defaultApp',
      clientOSVersion: '5.0 (X11; Linux x86_64)',
      clientBrowserVersion: 'Mozilla/5.0 Chrome/156',
      custom: { token: 'abc' },
    });
    expect(JSON.parse(encodeClientMessage({ message: 'connection', payload: request }))).toEqual({
      message: 'connection',
      data: [
        {
          appKey: 'defaultApp',
          mediaProviders: ['WebRTC'],
          keepAlive: false,
          clientVersion: '2.0',
          clientOSVersion: '5.0 (X11; Linux x86_64)',
          clientBrowserVersion: 'Mozilla/5.0 Chrome/156',
          msePacketizationVersion: 2,
          custom: { token: 'abc' },
        },
      ],
    });
  });

  it('leaves custom and authToken out of the frame when there are none', () => {
    const frame = encodeClientMessage({
      message: 'connection',
      payload: connectionRequest({ appKey: 'app', clientOSVersion: 'os', clientBrowserVersion: 'ua' }),
    });
    expect(JSON.parse(frame).data[0]).not.toHaveProperty('custom');
    expect(JSON.parse(frame).data[0]).not.toHaveProperty('authToken');
  });

  it('carries the authToken for the connect REST hook', () => {
    const request = connectionRequest({ appKey: 'app', clientOSVersion: 'os', clientBrowserVersion: 'ua', authToken: 't0k3n' });
    expect(JSON.parse(encodeClientMessage({ message: 'connection', payload: request })).data[0]).toMatchObject({ authToken: 't0k3n' });
  });
});

describe('publishStreamRequest', () => {
  const base = {
    mediaSessionId: MEDIA_SESSION_ID,
    name: 'cam1',
    sdp: 'v=0\r\n',
    hasAudio: true,
    hasVideo: true,
    constraints: { audio: true, video: { width: 640, height: 360 } },
  };

  it('builds the WCS publishStream object with rtmpUrl, custom and bitrates in kbps', () => {
    const request = publishStreamRequest({
      ...base,
      bitrates: { minBitrate: 300, maxBitrate: 1500 },
      rtmpUrl: 'rtmp://live.example/app',
      custom: { a: 1 },
    });
    expect(request).toStrictEqual({
      mediaSessionId: MEDIA_SESSION_ID,
      name: 'cam1',
      published: true,
      hasVideo: true,
      hasAudio: true,
      status: 'PENDING',
      record: false,
      mediaProvider: 'WebRTC',
      sdp: 'v=0\r\n',
      custom: { a: 1 },
      rtmpUrl: 'rtmp://live.example/app',
      constraints: { audio: true, video: { width: 640, height: 360 } },
      minBitrate: 300,
      maxBitrate: 1500,
    });
  });

  it('sends neither rtmpUrl, custom nor bitrate fields that were not given', () => {
    const data = JSON.parse(encodeClientMessage({ message: 'publishStream', payload: publishStreamRequest({ ...base, bitrates: {} }) })).data[0];
    expect(Object.keys(data).sort()).toEqual(
      ['constraints', 'hasAudio', 'hasVideo', 'mediaProvider', 'mediaSessionId', 'name', 'published', 'record', 'sdp', 'status'].sort(),
    );
  });
});

import pino from 'pino';
import { HubStream } from '../../../server/hub/stream';
import { AudioIngest } from '../../../server/webrtc/audio-ingest';
import { RtpClock, SenderClock } from '../../../server/webrtc/rtp-clock';

/** 20 ms CELT packets (TOC config 31, code 0), mono or stereo by the TOC's s bit, with one payload byte. */
const MONO = Buffer.from([0xf8, 0x00]);
const STEREO = Buffer.from([0xfc, 0x00]);

function setup(channels: number) {
  const stream = new HubStream('s', { kind: 'webrtc', mediaSessionId: 's', requestKeyframe: () => undefined }, [], pino({ level: 'silent' }));
  const track = stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48000, params: { codec: 'opus', channels } });
  const changes: number[] = [];
  stream.on('params', (changed) => changed === track && changed.params?.codec === 'opus' && changes.push(changed.params.channels));
  const ingest = new AudioIngest(stream, track, new RtpClock(48000, new SenderClock()));
  let seq = 0;
  const send = (payload: Buffer): void => {
    ingest.onRtp({ header: { sequenceNumber: seq, timestamp: seq * 960, marker: false }, payload });
    seq++;
  };
  return { track, changes, send };
}

describe('AudioIngest channels', () => {
  test('a mono-negotiated track turns stereo at its first stereo packet, once, and never back', () => {
    const { track, changes, send } = setup(1);
    send(MONO);
    send(MONO);
    expect(changes).toEqual([]);
    send(STEREO);
    send(STEREO);
    send(MONO);
    expect(changes).toEqual([2]);
    expect(track.params).toEqual({ codec: 'opus', channels: 2 });
  });

  test('a stereo track sending mono packets stays stereo', () => {
    const { track, changes, send } = setup(2);
    send(MONO);
    expect(changes).toEqual([]);
    expect(track.params).toEqual({ codec: 'opus', channels: 2 });
  });
});

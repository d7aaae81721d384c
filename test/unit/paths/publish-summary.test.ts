import { EndReasons } from '../../../server/hub/end-reason';
import { createLogger } from '../../../server/log';
import { Path } from '../../../server/paths/path';
import { publishSummary } from '../../../server/paths/publish-summary';
import { frameOf, h264Params } from '../../support/media-frames';

describe("a publish's 'publish ended' line", () => {
  test('one line when the publisher leaves its path: who, how long, what came in, why', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }, 'json');
    const path = new Path('cam1', { derivations: [], gracePeriodMs: 0, logger });
    const stream = path.publish({ kind: 'rtmp', mediaSessionId: 'pub-1', requestKeyframe: () => undefined });
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 1000, params: h264Params(320, 240) });
    const audio = stream.addTrack({ kind: 'audio', codec: 'aac', timescale: 1000 });
    for (let ms = 0; ms < 400; ms += 40) stream.write(frameOf(video, ms, { keyframe: ms === 0, data: Buffer.alloc(1000) }));
    for (let ms = 0; ms < 400; ms += 20) stream.write(frameOf(audio, ms, { data: Buffer.alloc(100) }));
    stream.close(EndReasons.publisherStop);
    stream.close(EndReasons.shutdown);

    const ended = lines.filter((line) => line.msg === 'publish ended');
    expect(ended).toEqual([
      expect.objectContaining({ level: 30, streamName: 'cam1', mediaSessionId: 'pub-1', sourceKind: 'rtmp', bytes: 12_000, videoFrames: 10, audioFrames: 20, reason: EndReasons.publisherStop.info }),
    ]);
    expect(ended[0]!.durationMs).toEqual(expect.any(Number));
  });

  test('duration and average rate from the publish time', () => {
    const logger = createLogger('silent');
    const stream = new Path('cam2', { derivations: [], gracePeriodMs: 0, logger }).publish({ kind: 'webrtc', mediaSessionId: 'pub-2', requestKeyframe: () => undefined });
    const video = stream.addTrack({ kind: 'video', codec: 'h264', timescale: 1000, params: h264Params(320, 240) });
    stream.write(frameOf(video, 0, { keyframe: true, data: Buffer.alloc(250_000) }));
    expect(publishSummary(stream, EndReasons.sessionDisconnect, stream.publishedAt + 2000)).toEqual({
      mediaSessionId: 'pub-2',
      sourceKind: 'webrtc',
      durationMs: 2000,
      bytes: 250_000,
      averageKbps: 1000,
      videoFrames: 1,
      audioFrames: 0,
      reason: EndReasons.sessionDisconnect.info,
    });
    expect(publishSummary(stream, EndReasons.shutdown, stream.publishedAt)).toMatchObject({ durationMs: 0, averageKbps: 0 });
  });
});

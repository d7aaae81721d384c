import type { StreamSourceKind } from '../../../server/hub/stream';
import { GatewayMetrics } from '../../../server/metrics/gateway-metrics';

describe('gateway metrics: publishers and stream readers', () => {
  test('each scrape counts what is there now: a kind that has gone reads 0 or nothing, never its last count', async () => {
    let kinds: StreamSourceKind[] = ['whip', 'webrtc', 'webrtc'];
    let readers = ['push', 'aac-from-opus', 'webrtc-viewer', 'webrtc-viewer', 'opus-from-aac'];
    const metrics = new GatewayMetrics({
      pushes: () => [],
      recordings: () => [],
      sentBytesTotal: () => 0,
      publisherKinds: () => kinds,
      readerLabels: () => readers,
      publisherQualities: () => [],
    });
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^gateway_publishers\{kind="whip"\} 1$/m);
    expect(text).toMatch(/^gateway_publishers\{kind="webrtc"\} 2$/m);
    expect(text).toMatch(/^gateway_publishers\{kind="rtmp"\} 0$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="webrtc-viewer"\} 2$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="aac-from-opus"\} 1$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="player"\} 0$/m);

    // The WHIP publisher, the viewers and the transcoders left; an RTMP publisher and a player came.
    kinds = ['webrtc', 'rtmp'];
    readers = ['push', 'player'];
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^gateway_publishers\{kind="whip"\} 0$/m);
    expect(text).toMatch(/^gateway_publishers\{kind="rtmp"\} 1$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="webrtc-viewer"\} 0$/m);
    expect(text).toMatch(/^gateway_stream_readers\{reader="player"\} 1$/m);
    expect(text).not.toContain('reader="aac-from-opus"');
  });
});

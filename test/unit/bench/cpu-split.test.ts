import type { Profiler } from 'node:inspector';
import { splitCpuProfile } from '../../../bench/cpu-split';

/** A profile node: id, function, script URL, children. */
function node(id: number, functionName: string, url: string, children: number[] = []): Profiler.ProfileNode {
  return { id, callFrame: { functionName, scriptId: String(id), url, lineNumber: 0, columnNumber: 0 }, children };
}

const ROOT = '/work/gateway/dist/server';

describe('CPU profile split', () => {
  // (root) ─┬─ onMessage (node:dgram) ─ handleRtp (werift) ─ copy (native)
  //         ├─ onMessage (node:dgram)  [datagram callback with no script above]
  //         ├─ drain (server/hub) ─ write (server/sinks) ─ writev (node:net) ─ writevGeneric (native)
  //         ├─ encode (server/transcode)
  //         ├─ handle (server/rest)
  //         ├─ (garbage collector)
  //         └─ (idle)
  const profile: Profiler.Profile = {
    nodes: [
      node(1, '(root)', '', [2, 5, 6, 10, 11, 12, 13]),
      node(2, 'onMessage', 'node:dgram', [3]),
      node(3, 'handleRtp', 'file:///work/gateway/node_modules/werift/lib/rtp.js', [4]),
      node(4, 'copy', ''),
      node(5, 'onMessage', 'node:dgram'),
      node(6, 'drain', `file://${ROOT}/hub/stream.js`, [7]),
      node(7, 'write', `file://${ROOT}/sinks/rtmp-push-sink.js`, [8]),
      node(8, 'writev', 'node:net', [9]),
      node(9, 'writevGeneric', ''),
      node(10, 'encode', `${ROOT}/transcode/opus-to-aac.js`),
      node(11, 'handle', `file://${ROOT}/rest/push-routes.js`),
      node(12, '(garbage collector)', ''),
      node(13, '(idle)', ''),
    ],
    startTime: 0,
    endTime: 10_000,
    // Each sample weighs the time since the previous one, µs, at most the sampling interval.
    samples: [4, 5, 9, 7, 10, 11, 12, 13, 13],
    timeDeltas: [1000, 1000, 3000, 1000, 1000, 500, 500, 5000, 5000],
  };

  test('each sample goes to the nearest script frame of its stack; idle is left out; the shares add up to 1', () => {
    const shares = splitCpuProfile(profile, 1000);
    // Busy: 6 ms. Receive: werift (1) + node:dgram (1); sinks: node:net under server/sinks (1 of the
    // 3 ms gap + 1); codecs 1; other: REST 0.5 + GC 0.5.
    expect(shares.sampledMs).toBeCloseTo(6);
    expect(shares.receive).toBeCloseTo(2 / 6);
    expect(shares.sinks).toBeCloseTo(2 / 6);
    expect(shares.codecs).toBeCloseTo(1 / 6);
    expect(shares.other).toBeCloseTo(1 / 6);
  });

  test('a gap longer than the interval counts as one interval: the thread was not running', () => {
    // With a 4 ms interval nothing is capped: the writev sample weighs its whole 3 ms.
    const shares = splitCpuProfile(profile, 4000);
    expect(shares.sampledMs).toBeCloseTo(8);
    expect(shares.sinks).toBeCloseTo(4 / 8);
  });

  test('a profile of an idle process has no shares', () => {
    const shares = splitCpuProfile({ ...profile, samples: [13], timeDeltas: [1000] });
    expect(shares.sampledMs).toBe(0);
    expect(shares.receive).toBeNaN();
  });
});

import { WhepTally } from '../../../bench/whep-tally';

/** One frame time at 30 fps in 90 kHz ticks, as the tally is given it; the gateway's steps are 33 or 34 ms. */
const FRAME_TICKS = 3000;
const stepOf = (frame: number): number => Math.round((frame * 1000) / 30) * 90;

/** Packets of `frames` frames of `packetsEach` packets from RTP sequence `firstSequence` and timestamp `firstTimestamp`. */
function packets(frames: number, packetsEach: number, firstSequence = 0, firstTimestamp = 0): Array<{ sequence: number; timestamp: number; marker: boolean }> {
  return Array.from({ length: frames * packetsEach }, (_, i) => ({
    sequence: (firstSequence + i) & 0xffff,
    timestamp: (firstTimestamp + stepOf(Math.floor(i / packetsEach))) >>> 0,
    marker: i % packetsEach === packetsEach - 1,
  }));
}

function feed(tally: WhepTally, list: ReadonlyArray<{ sequence: number; timestamp: number; marker: boolean }>): void {
  for (const p of list) tally.onVideo(p.sequence, p.timestamp, p.marker);
}

describe('WhepTally', () => {
  test('counts whole frames by their marker and calls back at the first; nothing lost without gaps, across sequence and timestamp wrap-around', () => {
    const first = jest.fn();
    const tally = new WhepTally(FRAME_TICKS, first);
    feed(tally, packets(60, 3, 0xfff0, 0xffff_0000));
    expect(first).toHaveBeenCalledTimes(1);
    expect(tally.window()).toEqual({ videoFrames: 60, audioFrames: 0, lostVideoFrames: 0, lostAudioFrames: 0 });
  });

  test('a packet lost inside a frame, at its head, its marker, or a whole frame: one frame lost each', () => {
    const all = packets(20, 3);
    const cases: Array<[string, number[]]> = [['middle', [4]], ['head', [3]], ['marker', [5]], ['whole frame', [3, 4, 5]]];
    for (const [what, dropped] of cases) {
      const tally = new WhepTally(FRAME_TICKS, () => undefined);
      feed(tally, all.filter((_, i) => !dropped.includes(i)));
      const received = what === 'middle' || what === 'head' ? 20 : 19;
      expect({ what, ...tally.window() }).toEqual({ what, videoFrames: received, audioFrames: 0, lostVideoFrames: 1, lostAudioFrames: 0 });
    }
  });

  test('repeated and late packets are ignored; a new window keeps continuity, so a gap across its start counts in it', () => {
    const all = packets(10, 2);
    const tally = new WhepTally(FRAME_TICKS, () => undefined);
    feed(tally, all.slice(0, 6));
    feed(tally, [all[5]!, all[2]!]);
    tally.resetWindow();
    feed(tally, all.slice(8));
    expect(tally.window()).toEqual({ videoFrames: 6, audioFrames: 0, lostVideoFrames: 1, lostAudioFrames: 0 });
  });

  test('audio: one frame a packet, gaps are lost frames', () => {
    const tally = new WhepTally(FRAME_TICKS, () => undefined);
    for (const sequence of [65534, 65535, 0, 3, 3, 2, 4]) tally.onAudio(sequence);
    expect(tally.window()).toEqual({ videoFrames: 0, audioFrames: 5, lostAudioFrames: 2, lostVideoFrames: 0 });
  });
});

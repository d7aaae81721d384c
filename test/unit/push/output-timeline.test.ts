import { OutputTimeline } from '../../../server/push/output-timeline';

describe('OutputTimeline', () => {
  test('starts at 0 at the first frame and follows the source exactly', () => {
    const timeline = new OutputTimeline();
    timeline.start(123_456.5, 33);
    expect(timeline.map(123_456.5)).toBe(0);
    expect(timeline.map(123_490)).toBeCloseTo(33.5, 9);
    expect(timeline.map(123_400)).toBeCloseTo(-56.5, 9);
    expect(timeline.last).toBeCloseTo(33.5, 9);
  });

  test('a new source continues just after the last frame sent', () => {
    const timeline = new OutputTimeline();
    timeline.start(5000, 33);
    timeline.map(9000);
    timeline.detach();
    expect(timeline.mapped).toBe(false);
    timeline.start(777, 33);
    expect(timeline.map(777)).toBe(4033);
  });

  test('filler time advances the timeline without a source', () => {
    const timeline = new OutputTimeline();
    timeline.start(0, 33);
    timeline.map(1000);
    timeline.detach();
    timeline.advanceTo(3500);
    timeline.start(50, 33);
    expect(timeline.map(50)).toBe(3533);
    expect(() => new OutputTimeline().map(1)).toThrow(/before start/);
  });
});

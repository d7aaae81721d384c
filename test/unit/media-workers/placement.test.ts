import { Placement } from '../../../server/media-workers/placement';

/** A main process holding the names in `local`. */
function placementWith(nodes: number, local: Set<string>): Placement {
  return new Placement(nodes, { has: (name) => local.has(name), load: () => local.size });
}

describe('Placement', () => {
  test('new names go to the least loaded node, the main process on a tie', () => {
    const local = new Set<string>();
    const placement = placementWith(3, local);
    expect(placement.place('a')).toBe(0);
    local.add('a'); // the main process publishes it
    expect(placement.place('b')).toBe(1);
    expect(placement.place('c')).toBe(2);
    expect(placement.place('d')).toBe(0);
  });

  test('a name stays on its node for its publisher, players and pushes', () => {
    const local = new Set(['a']);
    const placement = placementWith(2, local);
    expect(placement.place('b')).toBe(1);
    expect(placement.place('b')).toBe(1);
    expect(placement.nodeOf('b')).toBe(1);
    expect(placement.nodeOf('a')).toBe(0);
    expect(placement.nodeOf('nothing')).toBeUndefined();
  });

  test('a name a worker no longer holds is released, unless a hand-over to it is under way', () => {
    const placement = placementWith(2, new Set(['x']));
    expect(placement.place('b')).toBe(1);
    placement.handingOver('b');
    placement.removed('b', 1); // the worker's old path of b ended while the new connection travels
    expect(placement.nodeOf('b')).toBe(1);
    placement.published('b', 1);
    placement.handOverEnded('b', 1); // the publisher left after publishing: nothing changes
    expect(placement.nodeOf('b')).toBe(1);
    placement.removed('b', 1);
    expect(placement.nodeOf('b')).toBeUndefined();
  });

  test('a lost worker gives up its names and takes nothing new until it is back', () => {
    const local = new Set(['a']);
    const placement = placementWith(2, local);
    expect(placement.place('b')).toBe(1);
    expect(placement.nodeDown(1)).toEqual(['b']);
    expect(placement.nodeOf('b')).toBeUndefined();
    expect(placement.place('c')).toBe(0);
    placement.nodeUp(1);
    expect(placement.place('d')).toBe(1);
  });

  test('a name a worker published without a hand-over (renamed by a hook) lives there', () => {
    const placement = placementWith(2, new Set(['m']));
    placement.published('renamed', 1);
    expect(placement.nodeOf('renamed')).toBe(1);
    placement.published('m', 1); // the main process has it: it stays there
    expect(placement.nodeOf('m')).toBe(0);
  });
});

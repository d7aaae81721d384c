/**
 * Tells a mistyped key (`rtmp_transponder_full_ur`, `ws_port`, `HTTP.PORT`) from a key the gateway
 * simply does not use. Web Call Server's files carry hundreds of keys of their own, so only a key
 * within a small edit distance of a known one counts as a typo: one edit for keys up to 15
 * characters, two for longer ones, after case and the separators `.`, `_` and `-` are made alike.
 * (WCS's `rtmp.port` is two edits from `http.port`, and stays an unknown key.)
 */
export function mistypedSetting(key: string, knownKeys: Iterable<string>): string | undefined {
  const typed = normalized(key);
  const allowed = typed.length > 15 ? 2 : 1;
  let best: { key: string; distance: number } | undefined;
  for (const known of knownKeys) {
    const distance = editDistance(typed, normalized(known), allowed);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { key: known, distance };
  }
  return best?.key;
}

function normalized(key: string): string {
  return key.toLowerCase().replace(/[._-]/g, '_');
}

/**
 * Edits (insert, delete, replace, swap two neighbours) turning `a` into `b`; any result above
 * `limit` is reported as limit + 1, which lets a far pair stop early.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Three rows of the optimal string alignment table: two rows back, the previous one, this one.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      row.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = row;
  }
  return Math.min(previous[b.length]!, limit + 1);
}

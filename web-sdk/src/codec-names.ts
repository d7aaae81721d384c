/** Parses a `stripCodecs` list ("H264,VP9", " vp8 ") into upper-case encoding names; empty items are skipped. */
export function parseCodecNames(list: string): ReadonlySet<string> {
  const names = list
    .split(',')
    .map((name) => name.trim().toUpperCase())
    .filter((name) => name.length > 0);
  return new Set(names);
}

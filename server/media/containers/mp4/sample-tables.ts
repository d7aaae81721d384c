import { box, fullBox, uint32, UINT32_MAX, uint32Table } from './box';

/** trun / sample_flags bit set on samples that are not sync samples (sample_is_non_sync_sample). */
export const SAMPLE_IS_NON_SYNC = 0x0001_0000;

/** Per-sample values of one track, in decode order (index k describes sample k). */
export interface SampleColumns {
  readonly durations: Uint32Array;
  readonly sizes: Uint32Array;
  /** sample_flags as trun carries them. */
  readonly flags: Uint32Array;
  /** pts − dts. */
  readonly compositionOffsets: Int32Array;
}

/** Chunks of one track in file order: how many samples each holds and where it starts in the file. */
export interface ChunkColumns {
  readonly sampleCounts: readonly number[];
  readonly offsets: readonly number[];
}

/** `stsd` with one sample entry. */
export function sampleDescription(sampleEntry: Buffer): Buffer {
  return fullBox('stsd', 0, 0, uint32(1), sampleEntry);
}

/** `stbl` of a fragmented file's track: the sample entry and empty tables, the samples being in the fragments. */
export function emptySampleTables(sampleEntry: Buffer): Buffer {
  return box(
    'stbl',
    sampleDescription(sampleEntry),
    fullBox('stts', 0, 0, uint32(0)),
    fullBox('stsc', 0, 0, uint32(0)),
    fullBox('stsz', 0, 0, uint32(0, 0)),
    fullBox('stco', 0, 0, uint32(0)),
  );
}

/**
 * `stbl` of a regular file's track: stsd, stts, ctts (when a composition offset is not 0), stss
 * (when `withSyncTable`), stsz, stsc and stco — co64 when an offset passes 4 GiB.
 */
export function sampleTables(sampleEntry: Buffer, samples: SampleColumns, chunks: ChunkColumns, withSyncTable: boolean): Buffer {
  const tables = [sampleDescription(sampleEntry), timeToSample(samples.durations)];
  if (samples.compositionOffsets.some((offset) => offset !== 0)) tables.push(compositionOffsets(samples.compositionOffsets));
  if (withSyncTable) tables.push(syncSamples(samples.flags));
  tables.push(sampleSizes(samples.sizes), sampleToChunk(chunks.sampleCounts), chunkOffsets(chunks.offsets));
  return box('stbl', ...tables);
}

/** `stts`: runs of equal durations. */
function timeToSample(durations: Uint32Array): Buffer {
  return fullBox('stts', 0, 0, runTable(durations, (value) => value));
}

/** `ctts` version 1 (signed offsets): runs of equal composition offsets. */
function compositionOffsets(offsets: Int32Array): Buffer {
  return fullBox('ctts', 1, 0, runTable(offsets, (value) => value >>> 0));
}

/** Entry count, then (sample_count, value) for each run of equal values. */
function runTable(values: Uint32Array | Int32Array, toUint32: (value: number) => number): Buffer {
  const runs: number[] = [];
  for (let i = 0; i < values.length; ) {
    let end = i + 1;
    while (end < values.length && values[end] === values[i]) end++;
    runs.push(end - i, toUint32(values[i]!));
    i = end;
  }
  return Buffer.concat([uint32(runs.length / 2), uint32Table(runs)]);
}

/** `stss`: 1-based numbers of the sync samples. */
function syncSamples(flags: Uint32Array): Buffer {
  const numbers: number[] = [];
  flags.forEach((sampleFlags, i) => {
    if ((sampleFlags & SAMPLE_IS_NON_SYNC) === 0) numbers.push(i + 1);
  });
  return fullBox('stss', 0, 0, uint32(numbers.length), uint32Table(numbers));
}

/** `stsz` with a size per sample (sample_size 0). */
function sampleSizes(sizes: Uint32Array): Buffer {
  return fullBox('stsz', 0, 0, uint32(0, sizes.length), uint32Table(sizes));
}

/** `stsc`: an entry (first_chunk, samples_per_chunk, sample_description_index 1) where the count changes. */
function sampleToChunk(sampleCounts: readonly number[]): Buffer {
  const entries: number[] = [];
  sampleCounts.forEach((count, i) => {
    if (i === 0 || count !== sampleCounts[i - 1]) entries.push(i + 1, count, 1);
  });
  return fullBox('stsc', 0, 0, uint32(entries.length / 3), uint32Table(entries));
}

/** `stco`, or `co64` when the last offset does not fit 32 bits. */
function chunkOffsets(offsets: readonly number[]): Buffer {
  const large = offsets.some((offset) => offset > UINT32_MAX);
  const width = large ? 8 : 4;
  const body = Buffer.alloc(4 + width * offsets.length);
  body.writeUInt32BE(offsets.length, 0);
  offsets.forEach((offset, i) => {
    if (large) body.writeBigUInt64BE(BigInt(offset), 4 + 8 * i);
    else body.writeUInt32BE(offset, 4 + 4 * i);
  });
  return fullBox(large ? 'co64' : 'stco', 0, 0, body);
}

import { GatewayError } from '../../errors';

/** What a caller asks of one recording (WCS's recorder `config`, 100ms's beam layout). */
export interface RecordingSpec {
  /** File name template without extension (see file-template.ts); '/' makes subdirectories. */
  readonly fileTemplate: string;
  /** When to start a new file; undefined: one file from start to stop. */
  readonly rotation: Rotation | undefined;
  /** `{roomId}` of the template (100ms's beam layout); default the stream name. */
  readonly roomId?: string;
}

/** A new file starts at the first keyframe once the current one holds this much. */
export type Rotation = { readonly kind: 'size'; readonly bytes: number } | { readonly kind: 'duration'; readonly ms: number };

/** Shortest rotation accepted: a file holds at least a few GOPs. */
const MIN_ROTATION_MS = 1000;
const MIN_ROTATION_BYTES = 64 * 1024;

const SIZE_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads WCS's rotation setting: a number and a unit, upper case for a size (`20M`: 20 MiB; K, M,
 * G), lower case for a duration (`10m`: ten minutes; s, m, h). Throws GatewayError INVALID_BODY.
 */
export function parseRotation(text: string): Rotation {
  const match = /^(\d+(?:\.\d+)?)([KMGsmh])$/.exec(text.trim());
  if (!match) {
    throw new GatewayError('INVALID_BODY', `rotation '${text}' is not a size (20M: MiB, also K and G) or a duration (10m: minutes, also s and h)`);
  }
  const value = Number(match[1]);
  const unit = match[2]!;
  const size = SIZE_UNITS[unit];
  if (size !== undefined) {
    const bytes = Math.round(value * size);
    if (bytes < MIN_ROTATION_BYTES) throw new GatewayError('INVALID_BODY', `rotation '${text}' is smaller than 64K`);
    return { kind: 'size', bytes };
  }
  const ms = Math.round(value * DURATION_UNITS[unit]!);
  if (ms < MIN_ROTATION_MS) throw new GatewayError('INVALID_BODY', `rotation '${text}' is shorter than 1s`);
  return { kind: 'duration', ms };
}

/** The rotation as WCS writes it back. */
export function formatRotation(rotation: Rotation | undefined): string | undefined {
  if (!rotation) return undefined;
  if (rotation.kind === 'duration') return rotation.ms % 60_000 === 0 ? `${rotation.ms / 60_000}m` : `${rotation.ms / 1000}s`;
  return rotation.bytes % 1024 ** 2 === 0 ? `${rotation.bytes / 1024 ** 2}M` : `${Math.round(rotation.bytes / 1024)}K`;
}

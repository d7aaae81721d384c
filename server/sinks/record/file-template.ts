import { GatewayError } from '../../errors';

/** Values a file template may use. */
export interface TemplateValues {
  readonly streamName: string;
  readonly mediaSessionId: string;
  /** Unix ms of the file's first frame. */
  readonly startTime: number;
  /** Unix ms of its last frame; undefined while the file is being written. */
  readonly endTime: number | undefined;
  /** 1 for the first file of a recording, then one more per rotation. */
  readonly index: number;
  readonly roomId: string;
}

/** What `{endTime}` reads while a file is still being written. */
const OPEN_END = 'live';
/** Longest name of one path segment, characters (file systems allow 255 bytes). */
const MAX_SEGMENT = 200;
/** Deepest subdirectory nesting a template may make. */
const MAX_DEPTH = 6;

const VARIABLES: Record<string, (v: TemplateValues) => string> = {
  streamName: (v) => v.streamName,
  mediaSessionId: (v) => v.mediaSessionId,
  startTime: (v) => String(v.startTime),
  endTime: (v) => (v.endTime === undefined ? OPEN_END : String(v.endTime)),
  index: (v) => String(v.index),
  roomId: (v) => v.roomId,
  /** Unix seconds of the start (100ms's `<epoch>`). */
  epoch: (v) => String(Math.floor(v.startTime / 1000)),
  /** UTC date of the start, YYYYMMDD. */
  date: (v) => new Date(v.startTime).toISOString().slice(0, 10).replaceAll('-', ''),
  /** UTC time of the start, HHMMSS. */
  time: (v) => new Date(v.startTime).toISOString().slice(11, 19).replaceAll(':', ''),
};

/** The file layout of 100ms's beam recordings, under record_dir. */
export const BEAM_TEMPLATE = 'beam/{roomId}/{date}/Rec-{roomId}-{epoch}';

/** Throws GatewayError INVALID_BODY when a template names an unknown variable or nests too deep. */
export function checkTemplate(template: string): void {
  if (template.trim() === '') throw new GatewayError('INVALID_BODY', 'fileTemplate is empty');
  for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(name! in VARIABLES)) {
      throw new GatewayError('INVALID_BODY', `fileTemplate names an unknown variable {${name}}: known are ${Object.keys(VARIABLES).map((k) => `{${k}}`).join(', ')}`);
    }
  }
  if (template.split('/').filter((s) => s !== '').length > MAX_DEPTH + 1) throw new GatewayError('INVALID_BODY', `fileTemplate nests more than ${MAX_DEPTH} directories`);
}

/**
 * The file's path relative to record_dir, without extension: the template with its variables
 * filled in, every path segment made safe (letters, digits, `.`, `_` and `-`; anything else
 * becomes `_`; never `.` or `..`), so no value from a client can leave record_dir.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  const segments = template.split('/').map((segment) => {
    const filled = segment.replace(/\{([^}]*)\}/g, (_, name: string) => VARIABLES[name]?.(values) ?? '');
    return safeSegment(filled);
  });
  const kept = segments.filter((s) => s !== '');
  return kept.length > 0 ? kept.join('/') : safeSegment(values.streamName) || 'recording';
}

function safeSegment(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX_SEGMENT);
  return /^\.+$/.test(safe) ? safe.replace(/\./g, '_') : safe;
}

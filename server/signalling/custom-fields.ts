/** A client's `custom` object as the gateway keeps it: flat, scalar values only, bounded. */
export type CustomFields = Readonly<Record<string, string | number | boolean | null>>;

/** Most keys kept from `custom`. */
const MAX_KEYS = 32;
/** Longest key kept, characters. */
const MAX_KEY_LENGTH = 64;
/** Longest string value kept, characters. */
const MAX_STRING_LENGTH = 1024;

/**
 * Reads the `custom` object of `connection` or `publishStream` (WCS hands it to the REST hooks):
 * keeps at most 32 keys whose values are scalars, strings up to 1024 characters; drops the rest.
 * Client objects are never passed on as they came: a deeply nested one overflows the stack of
 * whoever serialises it next (JSON.stringify, pino).
 */
export function readCustom(value: unknown): CustomFields | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const kept: Record<string, string | number | boolean | null> = {};
  let count = 0;
  for (const [key, field] of Object.entries(value)) {
    if (count === MAX_KEYS) break;
    if (key.length > MAX_KEY_LENGTH || key === '__proto__') continue;
    const scalar = typeof field === 'string' ? (field.length <= MAX_STRING_LENGTH ? field : undefined)
      : typeof field === 'number' ? (Number.isFinite(field) ? field : undefined)
      : typeof field === 'boolean' || field === null ? field
      : undefined;
    if (scalar === undefined) continue;
    kept[key] = scalar;
    count++;
  }
  return kept;
}

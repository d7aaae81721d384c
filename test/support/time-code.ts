/**
 * A wall-clock time code drawn into the publishing page's synthetic picture and read back from the
 * decoded stream: the page's Date.now() when it drew the picture (ms, low 32 bits) and a CRC-8 of those,
 * as 40 black or white cells of 16×16 px in two rows along the bottom of the 320×240 canvas (one
 * macroblock each, so compression barely blurs them). A decoder reads the strip scaled to 20×2 gray
 * pixels, whatever resolution the encoder chose.
 */

/** Cells per row. */
export const TIME_CODE_COLUMNS = 20;
/** Rows of cells. */
export const TIME_CODE_ROWS = 2;
/** Where the strip starts and how tall it is, as fractions of the picture height (208 and 32 of 240 px). */
export const TIME_CODE_TOP = 208 / 240;
export const TIME_CODE_HEIGHT = 32 / 240;
/** Gray level above which a cell reads as 1. */
const CELL_THRESHOLD = 128;

/**
 * The page side: `drawTimeCode(g, ms)` draws the code for `ms` on a 320×240 canvas context. Page
 * script text; it must agree with `readTimeCode` below.
 */
export const TIME_CODE_PAGE_SCRIPT = `
function timeCodeCrc8(bytes) {
  let crc = 0xff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}
function drawTimeCode(g, ms) {
  const t = ms % 4294967296;
  const bytes = [Math.floor(t / 16777216) & 255, (t >>> 16) & 255, (t >>> 8) & 255, t & 255];
  const all = [...bytes, timeCodeCrc8(bytes)];
  for (let i = 0; i < 40; i++) {
    g.fillStyle = (all[i >> 3] >> (7 - (i & 7))) & 1 ? '#fff' : '#000';
    g.fillRect((i % ${TIME_CODE_COLUMNS}) * 16, 208 + Math.floor(i / ${TIME_CODE_COLUMNS}) * 16, 16, 16);
  }
}
`;

/**
 * Reads a time code from its cells (TIME_CODE_COLUMNS × TIME_CODE_ROWS gray levels, row by row):
 * the drawing time, ms, modulo 2^32; undefined when the check fails (a corrupt or missing code).
 */
export function readTimeCode(cells: Uint8Array): number | undefined {
  if (cells.length !== TIME_CODE_COLUMNS * TIME_CODE_ROWS) throw new RangeError(`a time code has ${TIME_CODE_COLUMNS * TIME_CODE_ROWS} cells, not ${cells.length}`);
  const bytes = [0, 0, 0, 0, 0];
  cells.forEach((level, i) => {
    if (level > CELL_THRESHOLD) bytes[i >> 3]! |= 0x80 >> (i & 7);
  });
  if (crc8(bytes.slice(0, 4)) !== bytes[4]) return undefined;
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** The full wall-clock time (ms since the epoch) of a time code read as `code` (mod 2^32), taking the one nearest `nearMs`. */
export function unwrapTimeCode(code: number, nearMs: number): number {
  const base = nearMs - (nearMs % 2 ** 32);
  const candidates = [base - 2 ** 32 + code, base + code, base + 2 ** 32 + code];
  return candidates.reduce((best, candidate) => (Math.abs(candidate - nearMs) < Math.abs(best - nearMs) ? candidate : best));
}

/**
 * CRC-8, polynomial 0x07, initial value 0xff (the page's timeCodeCrc8): not 0, so that an all-black
 * strip (a concealed picture, a stream without a code) does not read as time 0; all-white fails too.
 */
function crc8(bytes: readonly number[]): number {
  let crc = 0xff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

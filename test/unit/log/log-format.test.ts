import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseSettings } from '../../../server/config/settings';
import { createLogger, logWritten, type LogFormat } from '../../../server/log';
import { prettyLine } from '../../../server/log-format';
import { redactKey, redactUrl } from '../../../server/sinks/rtmp-target';

const ESC = '\x1b';
/** `HH:MM:SS.mmm LEVEL message…`: the clock and the level name, no number. */
const LINE_START = /^\d{2}:\d{2}:\d{2}\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /;

/** A logger writing into `lines`, as a pipe or (`isTTY`) a terminal would be written. */
function capture(format: LogFormat, isTTY = false): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = { isTTY, write: (line: string) => void lines.push(line) };
  return { logger: createLogger('trace', destination, format), lines };
}

describe('log format', () => {
  const noColor = process.env.NO_COLOR;
  beforeEach(() => {
    delete process.env.NO_COLOR;
  });
  afterAll(() => {
    if (noColor !== undefined) process.env.NO_COLOR = noColor;
  });

  test('json (and auto on a pipe): the JSON lines of before, numeric levels and every field', () => {
    for (const format of ['json', 'auto'] as const) {
      const { logger, lines } = capture(format);
      logger.child({ streamName: 'cam1', mediaSessionId: 'm-1' }).warn({ bytes: 42 }, 'slow target');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toEqual({ level: 40, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), service: 'gateway', streamName: 'cam1', mediaSessionId: 'm-1', bytes: 42, msg: 'slow target' });
    }
  });

  test('pretty: one line per event, time, level name, message, then the context and fields as key=value', () => {
    const { logger, lines } = capture('pretty');
    const log = logger.child({ streamName: 'cam 1', mediaSessionId: 'm-1' });
    log.info({ bytes: 1200, finalized: true, tracks: ['video', 'audio'], none: null }, 'recording file finished');
    log.warn('push connection lost, retrying');
    log.error('gave up');
    log.debug('detail');
    log.trace('more detail');
    log.fatal('cannot start');
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => LINE_START.test(line) && line.endsWith('\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  recording file finished streamName="cam 1" mediaSessionId=m-1 bytes=1200 finalized=true tracks=\["video","audio"\] none=null\n$/);
    expect(lines.map((line) => line.slice(13, 18))).toEqual(['INFO ', 'WARN ', 'ERROR', 'DEBUG', 'TRACE', 'FATAL']);
    // Nothing pino adds to every line: no number level, pid, hostname or service.
    expect(lines.join('')).not.toMatch(/level=|pid=|hostname=|service=|"level"/);
  });

  test('pretty: the time is the JSON time on the local clock', () => {
    const time = new Date(2024, 0, 2, 3, 4, 5, 67);
    const line = prettyLine(JSON.stringify({ level: 30, time: time.toISOString(), msg: 'm' }), { colour: false });
    expect(line).toBe('03:04:05.067 INFO  m\n');
  });

  test('pretty: an error shows its message and properties on the line, its stack on indented lines after it', () => {
    const { logger, lines } = capture('pretty');
    const err = Object.assign(new TypeError('bad thing'), { code: 'E_BAD' });
    logger.error({ err, streamName: 'cam1' }, 'request failed');
    const [first, ...stack] = lines[0]!.trimEnd().split('\n');
    expect(first).toMatch(/ ERROR request failed err="TypeError: bad thing" err\.code=E_BAD streamName=cam1$/);
    expect(stack.length).toBeGreaterThan(0);
    expect(stack.every((line) => line.startsWith('    at '))).toBe(true);
  });

  test('pretty: secrets stay masked as the JSON line has them', () => {
    const { logger, lines } = capture('pretty');
    logger.info({ rtmpUrl: redactUrl('rtmp://user:hunter2@live.example.com/app/streamkey123?token=t0ps3cret', true), targetStreamName: redactKey('streamkey123') }, 'push created');
    expect(lines[0]).toContain('rtmpUrl="rtmp://***@live.example.com/app/stre…"');
    expect(lines[0]).toContain('targetStreamName="stre…"');
    expect(lines[0]).not.toMatch(/hunter2|streamkey123|t0ps3cret/);
  });

  test('pretty: control and bidirectional characters from clients are shown escaped, never sent to the terminal', () => {
    const { logger, lines } = capture('pretty', true);
    logger.info({ streamName: `evil${ESC}[2J\u202ename`, path: '/a b"c' }, `no such stream: x${ESC}]0;title\x07\nnext`);
    const line = lines[0]!;
    expect(line.split('\n')).toHaveLength(2); // one line and its newline
    expect(line).toContain('no such stream: x\\u001b]0;title\\u0007\\nnext');
    expect(line).toContain('"evil\\u001b[2J\\u202ename"');
    expect(line).toContain('"/a b\\"c"');
    // The only escape sequences left are the gateway's own colours.
    expect(line.replace(/\x1b\[[0-9;]*m/g, '')).not.toContain(ESC);
  });

  test('colour only on a terminal (and not with NO_COLOR); auto is pretty on a terminal', () => {
    const pipe = capture('pretty', false);
    pipe.logger.warn({ a: 1 }, 'warned');
    expect(pipe.lines[0]).not.toContain(ESC);

    const terminal = capture('auto', true);
    terminal.logger.warn({ a: 1 }, 'warned');
    expect(terminal.lines[0]).toContain(`${ESC}[33mWARN `);
    expect(terminal.lines[0]!.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  warned a=1\n$/);

    process.env.NO_COLOR = '1';
    const noColour = capture('auto', true);
    noColour.logger.warn('warned');
    expect(noColour.lines[0]).not.toContain(ESC);
    expect(noColour.lines[0]).toMatch(LINE_START);

    const json = capture('json', true);
    json.logger.warn('warned');
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ level: 40, msg: 'warned' });
  });

  test('logWritten still waits for the lines in flight on sonic-boom with the pretty format', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'log-format-'));
    try {
      const file = path.join(dir, 'out.log');
      const destination = pino.destination({ dest: file, sync: false, minLength: 0 });
      const logger = createLogger('info', destination, 'pretty');
      for (let i = 0; i < 200; i++) logger.info({ i }, 'line');
      await logWritten(logger, 5000);
      const text = await readFile(file, 'utf8');
      const written = text.split('\n').filter((line) => line !== '');
      expect(written).toHaveLength(200);
      expect(written.at(-1)).toMatch(/ INFO  line i=199$/);
      destination.end();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('log_format takes auto (the default), json or pretty', () => {
    expect(parseSettings('', 'gw.properties').settings.logFormat).toBe('auto');
    expect(parseSettings('log_format=pretty', 'gw.properties').settings.logFormat).toBe('pretty');
    expect(() => parseSettings('log_format=text', 'gw.properties')).toThrow('gw.properties:1: log_format: must be one of auto, json, pretty (got \'text\')');
  });
});

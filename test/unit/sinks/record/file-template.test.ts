import { GatewayError } from '../../../../server/errors';
import { BEAM_TEMPLATE, checkTemplate, renderTemplate, type TemplateValues } from '../../../../server/sinks/record/file-template';

const VALUES: TemplateValues = {
  streamName: 'cam1',
  mediaSessionId: 'a1b2',
  startTime: Date.UTC(2026, 11, 6, 3, 4, 5, 678),
  endTime: Date.UTC(2026, 11, 6, 3, 14, 5, 0),
  index: 3,
  roomId: 'room-7',
};

describe('recording file templates', () => {
  test('fills in every variable', () => {
    expect(renderTemplate('{streamName}-{startTime}-{endTime}', VALUES)).toBe(`cam1-${VALUES.startTime}-${VALUES.endTime}`);
    expect(renderTemplate('{mediaSessionId}_{index}_{date}_{time}_{epoch}', VALUES)).toBe(`a1b2_3_20261206_030405_${Math.floor(VALUES.startTime / 1000)}`);
  });

  test('an open file reads "live" for its end time', () => {
    expect(renderTemplate('{streamName}-{endTime}', { ...VALUES, endTime: undefined })).toBe('cam1-live');
  });

  test('lays out 100ms beam recordings in subdirectories', () => {
    expect(renderTemplate(BEAM_TEMPLATE, VALUES)).toBe(`beam/room-7/20261206/Rec-room-7-${Math.floor(VALUES.startTime / 1000)}`);
  });

  test('values from clients cannot leave the directory or carry odd characters', () => {
    expect(renderTemplate('{streamName}', { ...VALUES, streamName: '../../etc/passwd' })).toBe('.._.._etc_passwd');
    expect(renderTemplate('{streamName}/{roomId}', { ...VALUES, streamName: '..', roomId: '.' })).toBe('__/_');
    expect(renderTemplate('a/../{streamName}', VALUES)).toBe('a/__/cam1');
    expect(renderTemplate('/{streamName}', { ...VALUES, streamName: 'x y\u0000z' })).toBe('x_y_z');
    expect(renderTemplate('{streamName}', { ...VALUES, streamName: 'é'.repeat(300) })).toHaveLength(200);
  });

  test('refuses unknown variables and deep nesting with the list of known ones', () => {
    expect(() => checkTemplate('{streamName}-{nope}')).toThrow(/unknown variable \{nope\}.*\{streamName\}/);
    expect(() => checkTemplate('a/b/c/d/e/f/g/h')).toThrow(GatewayError);
    expect(() => checkTemplate('  ')).toThrow(/empty/);
    expect(() => checkTemplate(BEAM_TEMPLATE)).not.toThrow();
  });
});

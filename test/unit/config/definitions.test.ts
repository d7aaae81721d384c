import { SETTING_CONSTRAINTS } from '../../../server/config/constraints';
import { SETTING_DEFINITIONS, SETTING_GROUPS } from '../../../server/config/definitions';
import { parseSettings } from '../../../server/config/settings';

describe('settings table', () => {
  test('flattens every group in order', () => {
    expect(SETTING_DEFINITIONS.map((d) => d.key)).toEqual(SETTING_GROUPS.flatMap((g) => g.settings.map((d) => d.key)));
    expect(SETTING_GROUPS.map((g) => g.title)).toEqual([
      'Network and TLS',
      'API access and limits',
      'WebRTC',
      'ICE servers for clients (STUN/TURN)',
      'Republishing (transponders)',
      'Recording',
      'Page capture (beam)',
      'Media',
      'RTMP server (ingest/playback)',
      'Limits: RTMP',
      'Limits: WebSocket and WebRTC',
      'REST hooks',
      'Logging',
    ]);
  });

  test('keys and fields are unique, so no two rows write the same field', () => {
    const keys = SETTING_DEFINITIONS.map((d) => d.key);
    const fields = SETTING_DEFINITIONS.map((d) => d.field);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(fields).size).toBe(fields.length);
  });

  test('keys are properties keys and fields are camelCase identifiers', () => {
    for (const { key, field } of SETTING_DEFINITIONS) {
      expect(key).toMatch(/^[a-z][a-z0-9_.]*$/);
      expect(field).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    }
  });

  test('every doc is one non-empty line', () => {
    for (const { key, doc } of SETTING_DEFINITIONS) {
      expect({ key, doc: doc.trim() === doc && doc !== '' && !doc.includes('\n') }).toEqual({ key, doc: true });
    }
  });

  test('every default is valid and lands in its field', () => {
    const { settings } = parseSettings('', 'defaults');
    expect(Object.keys(settings).sort()).toEqual(SETTING_DEFINITIONS.map((d) => d.field).sort());
  });

  test('every cross-setting rule names keys of the table', () => {
    const keys = new Set(SETTING_DEFINITIONS.map((d) => d.key));
    for (const constraint of SETTING_CONSTRAINTS) {
      expect(constraint.keys.filter((key) => !keys.has(key))).toEqual([]);
    }
  });
});

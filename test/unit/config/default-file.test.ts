import fs from 'node:fs';
import path from 'node:path';
import { SETTING_DEFINITIONS, SETTING_GROUPS } from '../../../server/config/definitions';
import { parseProperties } from '../../../server/config/properties';
import { loadSettings, parseSettings } from '../../../server/config/settings';

const DEFAULT_FILE = path.join(__dirname, '../../../config/flashphoner.properties');
const fileText = fs.readFileSync(DEFAULT_FILE, 'utf8');
const fileLines = fileText.split('\n');

describe('config/flashphoner.properties', () => {
  test('loads with no warnings and yields exactly the defaults', () => {
    const { settings, warnings } = loadSettings(DEFAULT_FILE);
    expect(warnings).toEqual([]);
    expect(settings).toEqual(parseSettings('', 'empty').settings);
  });

  test('lists every key of the table, in table order, with its default value as written there', () => {
    const entries = parseProperties(fileText, DEFAULT_FILE).entries;
    expect(entries.map((e) => [e.key, e.value])).toEqual(SETTING_DEFINITIONS.map((d) => [d.key, d.default]));
  });

  test("each key is preceded by its table doc as a comment, so the file and the table say the same", () => {
    const mismatches = SETTING_DEFINITIONS.filter(({ key, doc }) => {
      const at = fileLines.findIndex((line) => line.startsWith(`${key}=`));
      return at < 1 || fileLines[at - 1] !== `# ${doc}`;
    }).map((d) => d.key);
    expect(mismatches).toEqual([]);
  });

  test('each group starts with a header comment naming it, before its first key', () => {
    for (const group of SETTING_GROUPS) {
      const header = fileLines.indexOf(`# ---- ${group.title} ----`);
      const firstKey = fileLines.findIndex((line) => line.startsWith(`${group.settings[0].key}=`));
      expect({ group: group.title, headerFound: header >= 0, beforeFirstKey: header < firstKey }).toEqual({
        group: group.title,
        headerFound: true,
        beforeFirstKey: true,
      });
    }
  });
});

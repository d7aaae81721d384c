import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listSoundFiles } from '../../../server/console/sound-files';

describe('listSoundFiles', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'console-sounds-'));
    for (const name of ['jingle.wav', 'Alarm.WAV', '.hidden.wav', 'notes.txt']) await writeFile(path.join(dir, name), 'x');
    await mkdir(path.join(dir, 'folder.wav'));
    await symlink(path.join(dir, 'jingle.wav'), path.join(dir, 'linked.wav'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the WAV files of the directory, sorted: no hidden names, folders or other files', async () => {
    expect(await listSoundFiles(dir)).toEqual(['Alarm.WAV', 'jingle.wav', 'linked.wav']);
  });

  test('none for a directory that does not exist', async () => {
    expect(await listSoundFiles(path.join(dir, 'missing'))).toEqual([]);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HttpAccess, isLoopback } from '../../../server/access/http-access';
import { hashPassword, PasswordFile, PasswordFileError } from '../../../server/access/password-file';

const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` });

describe('HttpAccess', () => {
  let dir: string;
  let users: PasswordFile;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'access-'));
    const file = path.join(dir, 'users');
    await writeFile(file, `# REST users\n${await hashPassword('alice', 'pa:ss wörd')}\n\n${await hashPassword('bob', 'hunter2')}\n`);
    users = PasswordFile.load(file);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('with no credentials configured only loopback gets in, and the refusal names the settings', async () => {
    const access = new HttpAccess({ disabled: false, users: undefined, token: '' });
    await expect(access.admit({}, '127.0.0.1')).resolves.toEqual({ kind: 'loopback' });
    await expect(access.admit({}, '::ffff:127.0.0.1')).resolves.toEqual({ kind: 'loopback' });
    await expect(access.admit({}, '::1')).resolves.toEqual({ kind: 'loopback' });
    await expect(access.admit({}, '10.1.2.3')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/rest_auth_users_file.*api_access_token.*disable_rest_auth=true/) });
    await expect(access.admit(basic('alice:x'), '127.0.0.1')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Wrong credentials' });
  });

  test('with credentials configured everyone must present them, loopback too', async () => {
    const access = new HttpAccess({ disabled: false, users, token: 't0ken' });
    await expect(access.admit({}, '127.0.0.1')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^Authentication required/) });
    await expect(access.admit(basic('alice:pa:ss wörd'), '10.0.0.9')).resolves.toEqual({ kind: 'user', name: 'alice' });
    await expect(access.admit(basic('alice:pa:ss wörd'), '10.0.0.9')).resolves.toEqual({ kind: 'user', name: 'alice' }); // remembered
    await expect(access.admit(basic('alice:wrong'), '10.0.0.9')).rejects.toMatchObject({ message: 'Wrong credentials' });
    await expect(access.admit(basic('carol:hunter2'), '10.0.0.9')).rejects.toMatchObject({ message: 'Wrong credentials' });
    // The token: Bearer (100ms), x-access-token (Callaba), Basic-encoded (OvenMediaEngine).
    await expect(access.admit({ authorization: 'Bearer t0ken' }, '10.0.0.9')).resolves.toEqual({ kind: 'token' });
    await expect(access.admit({ 'x-access-token': 't0ken' }, '10.0.0.9')).resolves.toEqual({ kind: 'token' });
    await expect(access.admit(basic('t0ken'), '10.0.0.9')).resolves.toEqual({ kind: 'token' });
    await expect(access.admit({ authorization: 'Bearer t0ken2' }, '10.0.0.9')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test('disable_rest_auth lets anyone in, unauthenticated', async () => {
    const access = new HttpAccess({ disabled: true, users, token: 't0ken' });
    await expect(access.admit({}, '203.0.113.5')).resolves.toEqual({ kind: 'open' });
  });

  test('a users file with a bad line is refused with the line', async () => {
    const file = path.join(dir, 'bad');
    await writeFile(file, 'alice:plaintext\n');
    expect(() => PasswordFile.load(file)).toThrow(PasswordFileError);
    expect(() => PasswordFile.load(file)).toThrow(/bad:1: expected user:scrypt/);
    expect(() => PasswordFile.load(path.join(dir, 'missing'))).toThrow(/cannot read the users file/);
    await expect(hashPassword('a:b', 'x')).rejects.toThrow(PasswordFileError);
  });

  test('loopback means 127/8 and ::1 only', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1', undefined].some(isLoopback)).toBe(false);
  });
});

import { createInterface } from 'node:readline';
import { hashPassword, PasswordFileError } from '../access/password-file';

/**
 * `node dist/server/tools/rest-user.js <user>`: reads a password from standard input (one line)
 * and prints the line to add to the file of rest_auth_users_file, e.g.
 *   echo 's3cret' | node dist/server/tools/rest-user.js admin >> config/rest-users
 */
async function main(): Promise<number> {
  const user = process.argv[2];
  if (user === undefined || process.argv.length > 3) {
    process.stderr.write('usage: node dist/server/tools/rest-user.js <user>  (the password is read from standard input)\n');
    return 2;
  }
  const lines = createInterface({ input: process.stdin });
  const password = await new Promise<string>((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(''));
  });
  lines.close();
  if (password === '') {
    process.stderr.write('rest-user: an empty password is refused\n');
    return 2;
  }
  try {
    process.stdout.write(`${await hashPassword(user, password)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof PasswordFileError)) throw err;
    process.stderr.write(`rest-user: ${err.message}\n`);
    return 2;
  }
}

void main().then((code) => {
  process.exitCode = code;
});

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY_NODE_FLAGS, missingNodeFlags, workerExecArgv } from '../../../server/node-flags';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('the gateway\'s V8 flags', () => {
  test('this node takes every one of them (it refuses a flag it does not know)', () => {
    expect(GATEWAY_NODE_FLAGS.length).toBeGreaterThan(0);
    const run = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, '-e', '0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(spawnSync(process.execPath, ['--no-such-v8-flag', '-e', '0']).status).not.toBe(0);
  });

  test('scripts/serve.sh and the Dockerfile start the gateway with exactly them', () => {
    const between = (words: string[]): string[] => words.slice(words.indexOf('node') + 1, words.indexOf('dist/server/main.js'));
    const serve = readFileSync(path.join(ROOT, 'scripts', 'serve.sh'), 'utf8').split('\n').find((line) => line.startsWith('exec node '))!;
    const docker = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').split('\n').find((line) => line.startsWith('ENTRYPOINT '))!;
    expect(between(serve.split(' '))).toEqual(GATEWAY_NODE_FLAGS);
    expect(between(JSON.parse(docker.slice('ENTRYPOINT '.length)) as string[])).toEqual(GATEWAY_NODE_FLAGS);
  });

  test('forked workers get them, and a process started without them is told which it lacks', () => {
    expect(workerExecArgv()).toEqual(expect.arrayContaining([...GATEWAY_NODE_FLAGS]));
    expect(missingNodeFlags(['--inspect'])).toEqual([...GATEWAY_NODE_FLAGS]);
    expect(missingNodeFlags(['--inspect', ...GATEWAY_NODE_FLAGS])).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVE_SH_ENV } from '../../../bench/gateway-process';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('the bench\'s gateway environment', () => {
  test('is what scripts/serve.sh exports and the Dockerfile sets (PATH aside), so the bench measures the gateway as it is run', () => {
    const serve = readFileSync(path.join(ROOT, 'scripts', 'serve.sh'), 'utf8');
    const exported = Object.fromEntries([...serve.matchAll(/^export (\w+)="\$\{\1:-([^}]*)\}"$/gm)].map(([, name, value]) => [name, value]));
    const docker = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const set = Object.fromEntries([...docker.matchAll(/^ENV (\w+)=(\S+)$/gm)].map(([, name, value]) => [name, value]).filter(([name]) => name !== 'PATH'));
    expect(Object.keys(SERVE_SH_ENV).length).toBeGreaterThan(0);
    expect(exported).toEqual(SERVE_SH_ENV);
    expect(set).toEqual(SERVE_SH_ENV);
  });
});

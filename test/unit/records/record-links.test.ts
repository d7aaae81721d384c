import { RecordLinks, isSafeRelativePath } from '../../../server/records/record-links';

const NOW = Date.UTC(2026, 11, 6);

function partsOf(url: string): { fileName: string; expires: string; signature: string } {
  const parsed = new URL(url);
  return {
    fileName: decodeURIComponent(parsed.pathname.replace(/^\/records\//, '')),
    expires: parsed.searchParams.get('expires')!,
    signature: parsed.searchParams.get('signature')!,
  };
}

describe('signed download links', () => {
  const links = new RecordLinks({ secret: 'k', expirySeconds: 3600, baseUrl: 'http://gw:8081/' });

  test('a link works until its expiry, not after', () => {
    const url = links.url('beam/r1/20261206/Rec-r1-1.mp4', NOW);
    expect(url).toMatch(/^http:\/\/gw:8081\/records\/beam\/r1\/20261206\/Rec-r1-1\.mp4\?expires=\d+&signature=[0-9a-f]{64}$/);
    const { fileName, expires, signature } = partsOf(url);
    expect(links.verify(fileName, expires, signature, NOW + 3599_000)).toBe('ok');
    expect(links.verify(fileName, expires, signature, NOW + 3601_000)).toBe('expired');
  });

  test('a link cannot be moved to another file, given a later expiry or forged', () => {
    const { fileName, expires, signature } = partsOf(links.url('a.mp4', NOW));
    expect(links.verify('b.mp4', expires, signature, NOW)).toBe('bad-signature');
    expect(links.verify(fileName, String(Number(expires) + 1), signature, NOW)).toBe('bad-signature');
    expect(links.verify(fileName, expires, signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')), NOW)).toBe('bad-signature');
    expect(links.verify(fileName, expires, undefined, NOW)).toBe('bad-signature');
    expect(links.verify(fileName, 'soon', signature, NOW)).toBe('bad-signature');
    const other = new RecordLinks({ secret: 'other', expirySeconds: 3600, baseUrl: 'http://gw:8081' });
    expect(other.verify(fileName, expires, signature, NOW)).toBe('bad-signature');
  });

  test('names with special characters survive the URL', () => {
    const { fileName, expires, signature } = partsOf(links.url('cam 1#?.mp4', NOW));
    expect(fileName).toBe('cam 1#?.mp4');
    expect(links.verify(fileName, expires, signature, NOW)).toBe('ok');
  });

  test('paths that climb out of the directory are refused before any check', () => {
    for (const bad of ['../a.mp4', 'a/../../b.mp4', '/etc/passwd', 'a//b', 'a\\b', './a', '', 'a\0b']) expect(isSafeRelativePath(bad)).toBe(false);
    expect(links.verify('../x.mp4', '9999999999', 'a'.repeat(64), NOW)).toBe('bad-path');
  });
});

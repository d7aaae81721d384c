import { OutboundPolicy } from '../../../server/access/outbound-policy';

const DEFAULT_DENY = ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254', '100.100.100.200', 'metadata.google.internal'];

describe('OutboundPolicy', () => {
  test('denies cloud metadata and link-local by default, by address and by name; allows the rest', async () => {
    const policy = new OutboundPolicy({ allow: [], deny: DEFAULT_DENY });
    await expect(policy.check('169.254.169.254')).rejects.toMatchObject({ code: 'FORBIDDEN_TARGET', message: expect.stringContaining('outbound_deny') });
    await expect(policy.check('[fe80::1]')).rejects.toMatchObject({ code: 'FORBIDDEN_TARGET' });
    await expect(policy.check('metadata.google.internal')).rejects.toMatchObject({ code: 'FORBIDDEN_TARGET' });
    await expect(policy.check('127.0.0.1')).resolves.toBeUndefined();
    await expect(policy.check('localhost')).resolves.toBeUndefined();
  });

  test('a name is judged by every address it resolves to', async () => {
    const policy = new OutboundPolicy({ allow: [], deny: ['127.0.0.0/8', '::1'] });
    await expect(policy.check('localhost')).rejects.toMatchObject({ message: expect.stringMatching(/^Target localhost \(.*127\.0\.0\.1.*\) is not allowed/) });
  });

  test('with an allow list only what it lists may be reached', async () => {
    const policy = new OutboundPolicy({ allow: ['*.example.com', '10.0.0.0/8'], deny: DEFAULT_DENY });
    await expect(policy.check('10.1.2.3')).resolves.toBeUndefined();
    await expect(policy.check('live.example.com')).resolves.toBeUndefined();
    await expect(policy.check('example.com')).resolves.toBeUndefined();
    await expect(policy.check('127.0.0.1')).rejects.toMatchObject({ message: expect.stringContaining('outbound_allow') });
    await expect(policy.check('evil-example.com')).rejects.toMatchObject({ code: 'FORBIDDEN_TARGET' });
  });

  test('the connect-time lookup refuses a name that resolves to a denied address (DNS rebinding)', async () => {
    const policy = new OutboundPolicy({ allow: [], deny: ['127.0.0.0/8', '::1'] });
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => policy.checkedLookup('localhost', {}, (err) => resolve(err)));
    expect(error).toMatchObject({ code: 'FORBIDDEN_TARGET' });
    const open = new OutboundPolicy({ allow: [], deny: [] });
    const address = await new Promise<string>((resolve, reject) => open.checkedLookup('localhost', { family: 4 }, (err, a) => (err ? reject(err) : resolve(a as string))));
    expect(address).toBe('127.0.0.1');
  });
});

import { adobeAuthResponse, nextAdobeAuthStep } from '../../../server/rtmp/adobe-auth';

const credentials = { user: 'user1', password: 'pass1' };

// Expected values computed independently with openssl, following FFmpeg's do_adobe_auth:
//   h1 = base64(md5("user1" + "SALT" + "pass1"))      = hv/RJw/Jj3+Hluu5trt1XQ==
//   response = base64(md5(h1 + (opaque or challenge) + "0a1b2c3d"))
test('the response hashes user, salt and password, then the opaque (or challenge) and our challenge', () => {
  const base = { user: 'user1', password: 'pass1', salt: 'SALT', clientChallenge: '0a1b2c3d' };
  expect(adobeAuthResponse({ ...base, challenge: 'CHAL' })).toBe('f1VoshyLZti+uuWQGUfHOw==');
  expect(adobeAuthResponse({ ...base, challenge: 'CHAL', opaque: 'OPQ' })).toBe('fhAq4PhS5pxQvWkruOCRPw==');
  expect(adobeAuthResponse(base)).toBe('KxsKZj5WFy9JTo+6MuLOCQ==');
});

test('step 1: "need auth" asks to reconnect with authmod and user', () => {
  const description = '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ';
  expect(nextAdobeAuthStep(description, credentials, false)).toEqual({ action: 'retry', authParams: '?authmod=adobe&user=user1' });
});

test('step 2: the challenge is answered with the response, our challenge and the opaque', () => {
  const description = '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=user1&salt=SALT&challenge=CHAL&opaque=OPQ';
  expect(nextAdobeAuthStep(description, credentials, false, '0a1b2c3d')).toEqual({
    action: 'retry',
    authParams: '?authmod=adobe&user=user1&challenge=0a1b2c3d&response=fhAq4PhS5pxQvWkruOCRPw==&opaque=OPQ',
  });
  const withoutOpaque = '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=user1&salt=SALT&challenge=CHAL';
  expect(nextAdobeAuthStep(withoutOpaque, credentials, false, '0a1b2c3d')).toEqual({
    action: 'retry',
    authParams: '?authmod=adobe&user=user1&challenge=0a1b2c3d&response=f1VoshyLZti+uuWQGUfHOw==',
  });
});

test('a random client challenge is 8 hex digits', () => {
  const step = nextAdobeAuthStep('authmod=adobe ?reason=needauth&user=u&salt=s&challenge=c', credentials, false);
  expect(step).toMatchObject({ action: 'retry', authParams: expect.stringMatching(/&challenge=[0-9a-f]{8}&response=/) });
});

test('failures: wrong password, unknown user, second rejection, no credentials, no challenge', () => {
  expect(nextAdobeAuthStep('authmod=adobe ?reason=authfailed', credentials, false)).toMatchObject({ action: 'fail', reason: expect.stringMatching(/wrong user or password/) });
  expect(nextAdobeAuthStep('authmod=adobe ?reason=nosuchuser', credentials, false)).toMatchObject({ action: 'fail', reason: expect.stringMatching(/unknown user/) });
  expect(nextAdobeAuthStep('authmod=adobe ?reason=needauth&salt=s', credentials, true)).toMatchObject({ action: 'fail' });
  expect(nextAdobeAuthStep('code=403 need auth; authmod=adobe', undefined, false)).toMatchObject({ action: 'fail', reason: expect.stringMatching(/user:password@/) });
  expect(nextAdobeAuthStep('authmod=adobe', credentials, false)).toMatchObject({ action: 'fail', reason: expect.stringMatching(/no challenge/) });
});

test('other rejections are not Adobe authentication', () => {
  expect(nextAdobeAuthStep('Application not found', credentials, false)).toBeUndefined();
  expect(nextAdobeAuthStep('authmod=llnw ?reason=needauth', credentials, false)).toBeUndefined();
});

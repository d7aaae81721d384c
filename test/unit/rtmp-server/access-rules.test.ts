import type { AccessDecision, StreamRequest } from '../../../server/rtmp/server/access-policy';
import { RuleAccessPolicy } from '../../../server/rtmp-servers/access-rules';
import type { AccessRuleRecord } from '../../../server/rtmp-servers/rtmp-server-record';
import type { ValidationRequest } from '../../../server/rtmp-servers/validation-webhook';

const SERVER = { id: 'srv-1', name: 'studio' };
const signal = new AbortController().signal;
let ruleCount = 0;

function rule(fields: Partial<AccessRuleRecord> & Pick<AccessRuleRecord, 'action'>): AccessRuleRecord {
  ruleCount++;
  return { id: `rule-${ruleCount}`, serverId: SERVER.id, app: 'live', streamKey: '*', webhookUrl: null, allowIps: [], denyIps: [], created: '', modified: '', ...fields };
}

function request(fields: Partial<StreamRequest> = {}): StreamRequest {
  return { clientIp: '10.0.0.5', app: 'live', action: 'publish', streamKey: 'cam', query: '', ...fields };
}

/** A policy over fixed rules whose webhook answers with `answer` and records what it was asked. */
function policy(rules: AccessRuleRecord[], answer: AccessDecision = { allowed: true }) {
  const asked: { url: string; request: ValidationRequest }[] = [];
  const subject = new RuleAccessPolicy(SERVER, () => rules, async (url, validation) => {
    asked.push({ url, request: validation });
    return answer;
  });
  return { subject, asked };
}

describe('RuleAccessPolicy', () => {
  test('a server without rules is open: every connect, publish and play is allowed', async () => {
    const { subject } = policy([]);
    expect(subject.admitConnection({ clientIp: '1.2.3.4', app: 'anything' })).toEqual({ allowed: true });
    expect(await subject.authorizeStream(request({ action: 'play' }), signal)).toEqual({ allowed: true });
  });

  test('an exact key rule allows that key only; an action without rules stays open', async () => {
    const { subject } = policy([rule({ action: 'publish', streamKey: 'cam' })]);
    expect(await subject.authorizeStream(request(), signal)).toEqual({ allowed: true });
    expect(await subject.authorizeStream(request({ streamKey: 'other' }), signal)).toEqual({ allowed: false, reason: "stream key 'other' is not registered for publish in application 'live'" });
    expect(await subject.authorizeStream(request({ app: 'vod' }), signal)).toMatchObject({ allowed: false });
    expect(await subject.authorizeStream(request({ action: 'play', streamKey: 'other' }), signal)).toEqual({ allowed: true });
  });

  test("'*' matches any application and any key", async () => {
    const { subject } = policy([rule({ action: 'play', app: '*', streamKey: '*' })]);
    expect(await subject.authorizeStream(request({ action: 'play', app: 'x', streamKey: 'y' }), signal)).toEqual({ allowed: true });
  });

  test('deny lists win over allow lists; an allow list admits only its ranges', async () => {
    const { subject } = policy([rule({ action: 'publish', allowIps: ['10.0.0.0/8'], denyIps: ['10.0.0.5'] })]);
    expect(await subject.authorizeStream(request({ clientIp: '10.9.9.9' }), signal)).toEqual({ allowed: true });
    expect(await subject.authorizeStream(request({ clientIp: '::ffff:10.9.9.9' }), signal)).toEqual({ allowed: true });
    expect(await subject.authorizeStream(request({ clientIp: '10.0.0.5' }), signal)).toEqual({ allowed: false, reason: "10.0.0.5 may not publish 'live/cam'" });
    expect(await subject.authorizeStream(request({ clientIp: '192.168.0.1' }), signal)).toMatchObject({ allowed: false });
  });

  test('connect is rejected only when neither publish nor play could admit the client to the app', () => {
    const denyLocal = { denyIps: ['127.0.0.0/8'] };
    const both = policy([rule({ action: 'publish', ...denyLocal }), rule({ action: 'play', ...denyLocal })]).subject;
    expect(both.admitConnection({ clientIp: '127.0.0.1', app: 'live' })).toEqual({ allowed: false, reason: "127.0.0.1 may not use application 'live' on this server" });
    expect(both.admitConnection({ clientIp: '10.1.1.1', app: 'live' })).toEqual({ allowed: true });
    expect(both.admitConnection({ clientIp: '10.1.1.1', app: 'other' })).toMatchObject({ allowed: false });
    // Play has no rules, so it is open: the client may connect (and will learn about publish at publish time).
    const publishOnly = policy([rule({ action: 'publish', ...denyLocal })]).subject;
    expect(publishOnly.admitConnection({ clientIp: '127.0.0.1', app: 'live' })).toEqual({ allowed: true });
  });

  test('a webhook rule asks the webhook with the request, and follows its answer', async () => {
    const allowing = policy([rule({ action: 'publish', webhookUrl: 'http://auth.example/check' })]);
    expect(await allowing.subject.authorizeStream(request({ query: 'token=abc' }), signal)).toEqual({ allowed: true });
    expect(allowing.asked).toEqual([
      {
        url: 'http://auth.example/check',
        request: { action: 'publish', server_id: 'srv-1', server_name: 'studio', app: 'live', stream_key: 'cam', query: 'token=abc', client_ip: '10.0.0.5' },
      },
    ]);
    const denying = policy([rule({ action: 'publish', webhookUrl: 'http://auth.example/check' })], { allowed: false, reason: 'bad token' });
    expect(await denying.subject.authorizeStream(request(), signal)).toEqual({ allowed: false, reason: 'bad token' });
  });

  test('exact-key rules are tried before any-key rules, so a plain registered key needs no webhook', async () => {
    const { subject, asked } = policy([rule({ action: 'publish', streamKey: '*', webhookUrl: 'http://auth.example/check' }), rule({ action: 'publish', streamKey: 'cam' })], { allowed: false, reason: 'no' });
    expect(await subject.authorizeStream(request(), signal)).toEqual({ allowed: true });
    expect(asked).toEqual([]);
    expect(await subject.authorizeStream(request({ streamKey: 'guest' }), signal)).toEqual({ allowed: false, reason: 'no' });
    expect(asked).toHaveLength(1);
  });

  test('the webhook is not asked for a client its rule denies by address', async () => {
    const { subject, asked } = policy([rule({ action: 'publish', webhookUrl: 'http://auth.example/check', denyIps: ['10.0.0.0/8'] })]);
    expect(await subject.authorizeStream(request(), signal)).toMatchObject({ allowed: false });
    expect(asked).toEqual([]);
  });
});

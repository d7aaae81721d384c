import type { AccessDecision, ConnectRequest, RtmpAccessPolicy, StreamRequest } from '../rtmp/server/access-policy';
import { IpRangeSet } from './cidr';
import { ANY, type AccessRuleRecord, type RuleAction } from './rtmp-server-record';
import type { ValidationRequest } from './validation-webhook';

/** Asks a validation webhook; resolves (never rejects) with its decision. */
export type WebhookAsker = (url: string, request: ValidationRequest, signal: AbortSignal) => Promise<AccessDecision>;

/** The server a policy guards, as the webhook is told. */
export interface GuardedServer {
  readonly id: string;
  readonly name: string;
}

const ALLOWED: AccessDecision = { allowed: true };
const ACTIONS: readonly RuleAction[] = ['publish', 'play'];

/**
 * The access rules of one server as the RTMP listener's policy (mmids-style):
 * - an action (publish, play) without rules is open to everyone;
 * - otherwise a request needs a rule of that action whose app and stream key match (exact, or `*`),
 *   whose deny list does not hold the client address and whose allow list (if not empty) does,
 *   and whose validation webhook (if set) approves; exact-key rules are tried before `*` rules;
 * - `connect` is rejected when neither action could admit this client to this app.
 * Rules are read at every request, so changes apply to the next client without a restart.
 */
export class RuleAccessPolicy implements RtmpAccessPolicy {
  readonly #server: GuardedServer;
  readonly #readRules: () => readonly AccessRuleRecord[];
  readonly #askWebhook: WebhookAsker;

  constructor(server: GuardedServer, readRules: () => readonly AccessRuleRecord[], askWebhook: WebhookAsker) {
    this.#server = server;
    this.#readRules = readRules;
    this.#askWebhook = askWebhook;
  }

  admitConnection(request: ConnectRequest): AccessDecision {
    const rules = this.#readRules();
    const admits = ACTIONS.some((action) => {
      const forAction = rules.filter((rule) => rule.action === action);
      return forAction.length === 0 || forAction.some((rule) => matches(rule.app, request.app) && addressPermitted(rule, request.clientIp));
    });
    return admits ? ALLOWED : { allowed: false, reason: `${request.clientIp} may not use application '${request.app}' on this server` };
  }

  async authorizeStream(request: StreamRequest, signal: AbortSignal): Promise<AccessDecision> {
    const forAction = this.#readRules().filter((rule) => rule.action === request.action);
    if (forAction.length === 0) return ALLOWED;
    const candidates = forAction
      .filter((rule) => matches(rule.app, request.app) && matches(rule.streamKey, request.streamKey))
      .sort((a, b) => Number(a.streamKey === ANY) - Number(b.streamKey === ANY));
    let refusal = `stream key '${request.streamKey}' is not registered for ${request.action} in application '${request.app}'`;
    for (const rule of candidates) {
      if (!addressPermitted(rule, request.clientIp)) {
        refusal = `${request.clientIp} may not ${request.action} '${request.app}/${request.streamKey}'`;
        continue;
      }
      if (rule.webhookUrl === null) return ALLOWED;
      const answer = await this.#askWebhook(rule.webhookUrl, this.#validationRequest(request), signal);
      if (answer.allowed) return ALLOWED;
      refusal = answer.reason;
    }
    return { allowed: false, reason: refusal };
  }

  #validationRequest(request: StreamRequest): ValidationRequest {
    return {
      action: request.action,
      server_id: this.#server.id,
      server_name: this.#server.name,
      app: request.app,
      stream_key: request.streamKey,
      query: request.query,
      client_ip: request.clientIp,
    };
  }
}

function matches(pattern: string, value: string): boolean {
  return pattern === ANY || pattern === value;
}

/** Deny wins over allow; an empty allow list allows every address not denied. */
function addressPermitted(rule: AccessRuleRecord, clientIp: string): boolean {
  if (new IpRangeSet(rule.denyIps).contains(clientIp)) return false;
  const allowed = new IpRangeSet(rule.allowIps);
  return allowed.size === 0 || allowed.contains(clientIp);
}

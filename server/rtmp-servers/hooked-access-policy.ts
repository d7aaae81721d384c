import os from 'node:os';
import type { RestHookClient } from '../hooks/rest-hook-client';
import type { Logger } from '../log';
import type { AccessDecision, ConnectRequest, RtmpAccessPolicy, StreamRequest } from '../rtmp/server/access-policy';

/** WCS's name for the media provider of RTMP clients. */
const RTMP_PROVIDER = 'Flash';

/**
 * An RTMP listener's access policy with the customer's REST hooks after its own rules, as Web Call
 * Server does for RTMP clients: a publish asks `publishStream`, a play asks `playStream`, with WCS's
 * field names. A 403 refuses ('Restricted access'), a failed call follows rest_hook_on_error.
 */
export class HookedAccessPolicy implements RtmpAccessPolicy {
  readonly #rules: RtmpAccessPolicy;
  readonly #hooks: RestHookClient;
  readonly #log: Logger;
  readonly #nodeId = os.hostname();

  constructor(rules: RtmpAccessPolicy, hooks: RestHookClient, logger: Logger) {
    this.#rules = rules;
    this.#hooks = hooks;
    this.#log = logger;
  }

  admitConnection(request: ConnectRequest): AccessDecision {
    return this.#rules.admitConnection(request);
  }

  async authorizeStream(request: StreamRequest, signal: AbortSignal): Promise<AccessDecision> {
    const byRules = await this.#rules.authorizeStream(request, signal);
    if (!byRules.allowed || signal.aborted) return byRules;
    const publishing = request.action === 'publish';
    const verdict = await this.#hooks.call(publishing ? 'publishStream' : 'playStream', {
      nodeId: this.#nodeId,
      appKey: request.app,
      name: request.streamKey,
      published: publishing,
      status: 'PENDING',
      mediaProvider: RTMP_PROVIDER,
      custom: { query: request.query, clientIp: request.clientIp },
    }, this.#log.child({ streamName: request.streamKey, client: request.clientIp }));
    if (verdict.allowed) return { allowed: true };
    return { allowed: false, reason: verdict.cause === 'forbidden' ? 'Restricted access' : 'Authorization backend unavailable' };
  }
}

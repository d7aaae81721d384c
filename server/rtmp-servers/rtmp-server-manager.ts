import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { LimitReporter } from '../metrics/limits';
import type { RtmpClientLimits } from '../rtmp/server/client-limits';
import { RtmpListenError, RtmpListener } from '../rtmp/server/rtmp-listener';
import type { ServerSessionOptions } from '../rtmp/server/server-session';
import { EndReasons } from '../hub/end-reason';
import type { LocalPaths } from '../paths/local-paths';
import type { RestHookClient } from '../hooks/rest-hook-client';
import type { RtmpAccessPolicy } from '../rtmp/server/access-policy';
import { RuleAccessPolicy, type WebhookAsker } from './access-rules';
import { HookedAccessPolicy } from './hooked-access-policy';
import { CidrError, IpRangeSet } from './cidr';
import type { AccessRuleRecord, AccessRuleSettings, RtmpServerRecord, RtmpServerSettings } from './rtmp-server-record';
import { RtmpServerStore } from './rtmp-server-store';
import { askValidationWebhook } from './validation-webhook';

/** What the manager needs from the gateway. */
export interface RtmpServerManagerOptions {
  /** Where RTMP publishers publish and RTMP players read. */
  readonly paths: LocalPaths;
  /** SQLite file holding servers and rules; created, with its directory, on the first API call. */
  readonly dbFile: string;
  /** IP address every listener binds, e.g. 0.0.0.0. */
  readonly listenAddress: string;
  readonly logger: Logger;
  /** What one client may make a listener hold (the 'Limits: RTMP' settings). */
  readonly limits: RtmpClientLimits;
  /** Told of every client refused or dropped at a limit. */
  readonly limitReporter: LimitReporter;
  /** Asks validation webhooks; default: an HTTP POST (see validation-webhook.ts). */
  readonly askWebhook?: WebhookAsker;
  /** The customer's REST hooks (publishStream, playStream), asked after the rules; none by default. */
  readonly hooks?: RestHookClient;
  /** Where the publishes and plays of a listener's clients run (media workers); default: in this process. */
  readonly placeStreams?: (listener: RtmpListenerContext) => ServerSessionOptions['placeStream'];
}

/** What a listener's connections take along when they are handed to another process. */
export interface RtmpListenerContext {
  /** The listener's policy, for the later publishes and plays of a handed-over connection. */
  readonly access: RtmpAccessPolicy;
  readonly playerMaxQueuedMs: number;
  readonly traceMessages: boolean;
  /** Log context of the listener. */
  readonly logBindings: Record<string, string>;
}

/** Editable fields of a rule (the server it belongs to is fixed). */
export type AccessRuleChanges = Partial<Omit<AccessRuleSettings, 'serverId'>>;

/**
 * The RTMP servers of the gateway as persistent records with a lifecycle: create, update
 * (restarts the listener, dropping its clients), start, stop (drops every client, frees the port),
 * remove; and the access rules of each. Every change is stored before it is answered; restore()
 * brings the servers back after a restart. Changes run one at a time, so checks and the listener
 * state always agree. Errors are GatewayErrors: NOT_FOUND, CONFLICT (name, port, bind failure), INVALID_BODY.
 */
export class RtmpServerManager {
  readonly #options: RtmpServerManagerOptions;
  readonly #log: Logger;
  readonly #listeners = new Map<string, RtmpListener>();
  /** Opened at restore() when the file exists, else on first use: a gateway that never has servers writes no file. */
  #store: RtmpServerStore | undefined;
  #closed = false;
  /** Tail of the queue of changes. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: RtmpServerManagerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'rtmp-servers' });
  }

  /** Starts every active server of the database, if there is one; a server that cannot bind is logged and left stopped (still active in its record). */
  restore(): Promise<void> {
    return this.#serially(async () => {
      if (!existsSync(this.#options.dbFile)) return;
      for (const server of this.#db.servers()) {
        if (!server.active) continue;
        try {
          this.#listeners.set(server.id, await this.#listen(server));
        } catch (err) {
          this.#log.error({ rtmpServer: server.name, port: server.port, reason: (err as Error).message }, 'RTMP server could not be restored');
        }
      }
    });
  }

  /** Every server, oldest first. */
  getAll(): RtmpServerRecord[] {
    return this.#db.servers();
  }

  getById(id: string): RtmpServerRecord {
    return this.#server(id);
  }

  /** Stores a new server and, when active, starts listening (nothing is stored if the port cannot be bound). */
  create(settings: RtmpServerSettings): Promise<RtmpServerRecord> {
    return this.#serially(async () => {
      this.#checkUnique(settings);
      const now = new Date().toISOString();
      const server: RtmpServerRecord = { ...settings, id: randomUUID(), created: now, modified: now };
      if (server.active) this.#listeners.set(server.id, await this.#listen(server));
      this.#db.saveServer(server);
      this.#log.info({ rtmpServer: server.name, id: server.id, port: server.port, active: server.active }, 'RTMP server created');
      return server;
    });
  }

  /**
   * Changes a server and restarts its listener with the new settings (its clients are dropped).
   * On a new port the new listener is bound first, so a refused port leaves the server as it was.
   */
  update(id: string, changes: Partial<RtmpServerSettings>): Promise<RtmpServerRecord> {
    return this.#serially(async () => {
      const old = this.#server(id);
      const server: RtmpServerRecord = { ...old, ...changes, modified: new Date().toISOString() };
      this.#checkUnique(server, id);
      const running = this.#listeners.get(id);
      if (server.port === old.port) await this.#stopListener(id, running);
      const replacement = server.active ? await this.#listen(server) : undefined;
      if (server.port !== old.port) await this.#stopListener(id, running);
      if (replacement) this.#listeners.set(id, replacement);
      this.#db.saveServer(server);
      this.#log.info({ rtmpServer: server.name, id, port: server.port, active: server.active }, 'RTMP server updated');
      return server;
    });
  }

  /** Starts listening (no-op when it already is) and records the server as active. */
  start(id: string): Promise<void> {
    return this.#serially(async () => {
      const server = this.#server(id);
      if (!this.#listeners.has(id)) this.#listeners.set(id, await this.#listen(server));
      this.#db.saveServer({ ...server, active: true, modified: new Date().toISOString() });
    });
  }

  /** Drops every client, frees the port and records the server as stopped. */
  stop(id: string): Promise<void> {
    return this.#serially(async () => {
      const server = this.#server(id);
      await this.#stopListener(id, this.#listeners.get(id));
      this.#db.saveServer({ ...server, active: false, modified: new Date().toISOString() });
    });
  }

  /** Stops a server and deletes it with its rules. */
  remove(id: string): Promise<void> {
    return this.#serially(async () => {
      const server = this.#server(id);
      await this.#stopListener(id, this.#listeners.get(id));
      this.#db.deleteServer(id);
      this.#log.info({ rtmpServer: server.name, id }, 'RTMP server removed');
    });
  }

  /** Rules of one server (404 if it does not exist), or of every server. */
  getRules(serverId?: string): AccessRuleRecord[] {
    if (serverId !== undefined) this.#server(serverId);
    return this.#db.rules(serverId);
  }

  getRule(id: string): AccessRuleRecord {
    const rule = this.#db.rule(id);
    if (rule === undefined) throw new GatewayError('NOT_FOUND', `No access rule with id ${id}`);
    return rule;
  }

  /** Adds a rule to a server; it applies from the next client on. */
  createRule(settings: AccessRuleSettings): Promise<AccessRuleRecord> {
    return this.#serially(async () => {
      this.#server(settings.serverId);
      checkRule(settings);
      const now = new Date().toISOString();
      const rule: AccessRuleRecord = { ...settings, id: randomUUID(), created: now, modified: now };
      this.#db.saveRule(rule);
      return rule;
    });
  }

  /** Changes a rule; it applies from the next client on. */
  updateRule(id: string, changes: AccessRuleChanges): Promise<AccessRuleRecord> {
    return this.#serially(async () => {
      const rule: AccessRuleRecord = { ...this.getRule(id), ...changes, modified: new Date().toISOString() };
      checkRule(rule);
      this.#db.saveRule(rule);
      return rule;
    });
  }

  removeRule(id: string): Promise<void> {
    return this.#serially(async () => {
      this.getRule(id);
      this.#db.deleteRule(id);
    });
  }

  /** Stops every listener (the records keep their state for the next start) and closes the database. */
  close(): Promise<void> {
    return this.#serially(async () => {
      await Promise.all([...this.#listeners.keys()].map((id) => this.#stopListener(id, this.#listeners.get(id))));
      this.#closed = true;
      this.#store?.close();
    });
  }

  get #db(): RtmpServerStore {
    if (this.#closed) throw new Error('RtmpServerManager used after close()');
    this.#store ??= RtmpServerStore.open(this.#options.dbFile);
    return this.#store;
  }

  #server(id: string): RtmpServerRecord {
    const server = this.#db.server(id);
    if (server === undefined) throw new GatewayError('NOT_FOUND', `No RTMP server with id ${id}`);
    return server;
  }

  #checkUnique(settings: RtmpServerSettings, id?: string): void {
    for (const other of this.#db.servers()) {
      if (other.id === id) continue;
      if (other.name === settings.name) throw new GatewayError('CONFLICT', `An RTMP server named '${settings.name}' already exists (id ${other.id})`);
      if (other.port === settings.port) throw new GatewayError('CONFLICT', `Port ${settings.port} is already used by RTMP server '${other.name}' (id ${other.id})`);
    }
  }

  async #listen(server: RtmpServerRecord): Promise<RtmpListener> {
    try {
      const access = this.#accessPolicy(server);
      const playerMaxQueuedMs = server.bufferSeconds * 1000;
      const traceMessages = server.type === 'SERVER_TYPE_RTMP_DEBUG';
      const logBindings = { rtmpServer: server.name, rtmpServerId: server.id };
      const placeStream = this.#options.placeStreams?.({ access, playerMaxQueuedMs, traceMessages, logBindings });
      return await RtmpListener.listen({
        host: this.#options.listenAddress,
        port: server.port,
        paths: this.#options.paths,
        access,
        playerMaxQueuedMs,
        traceMessages,
        logger: this.#log.child(logBindings),
        limits: this.#options.limits,
        limitReporter: this.#options.limitReporter,
        ...(placeStream ? { placeStream } : {}),
      });
    } catch (err) {
      if (err instanceof RtmpListenError) throw new GatewayError('CONFLICT', `Cannot start RTMP server '${server.name}': ${err.message}`);
      throw err;
    }
  }

  /** The server's rules, then the REST hooks when they are configured. */
  #accessPolicy(server: RtmpServerRecord): RtmpAccessPolicy {
    const rules = new RuleAccessPolicy(server, () => this.#db.rules(server.id), this.#options.askWebhook ?? askValidationWebhook);
    return this.#options.hooks ? new HookedAccessPolicy(rules, this.#options.hooks, this.#log.child({ rtmpServer: server.name })) : rules;
  }

  async #stopListener(id: string, listener: RtmpListener | undefined): Promise<void> {
    if (listener === undefined) return;
    this.#listeners.delete(id);
    await listener.close(EndReasons.sessionDisconnect);
  }

  /** Runs `change` after every change queued before it; a failure fails only its own caller. */
  #serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(change);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** Rejects address ranges that cannot be read and webhooks that are not http(s) URLs (INVALID_BODY). */
function checkRule(rule: AccessRuleSettings): void {
  try {
    new IpRangeSet([...rule.allowIps, ...rule.denyIps]);
  } catch (err) {
    if (err instanceof CidrError) throw new GatewayError('INVALID_BODY', err.message);
    throw err;
  }
  if (rule.webhookUrl !== null && !/^https?:$/.test(URL.parse(rule.webhookUrl)?.protocol ?? '')) {
    throw new GatewayError('INVALID_BODY', `rule_webhook_url must be an http:// or https:// URL, got ${JSON.stringify(rule.webhookUrl)}`);
  }
}

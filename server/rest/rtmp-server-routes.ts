import { type Request, type Response, Router } from 'express';
import type { AccessRuleChanges } from '../rtmp-servers/rtmp-server-manager';
import {
  type AccessRuleRecord,
  type AccessRuleSettings,
  DEFAULT_BUFFER_SECONDS,
  type RtmpServerRecord,
  type RtmpServerSettings,
  type RtmpServerType,
  type RuleAction,
} from '../rtmp-servers/rtmp-server-record';
import { createRuleSchema, createServerSchema, getRulesSchema, idRequestSchema, updateRuleSchema, updateServerSchema } from './rtmp-server-schemas';
import { bodyValidator } from './validation';

/** What the RTMP server endpoints drive (the RTMP server manager). */
export interface RtmpServerControl {
  create(settings: RtmpServerSettings): Promise<RtmpServerRecord>;
  update(id: string, changes: Partial<RtmpServerSettings>): Promise<RtmpServerRecord>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  getAll(): RtmpServerRecord[];
  getById(id: string): RtmpServerRecord;
  createRule(settings: AccessRuleSettings): Promise<AccessRuleRecord>;
  updateRule(id: string, changes: AccessRuleChanges): Promise<AccessRuleRecord>;
  removeRule(id: string): Promise<void>;
  getRules(serverId?: string): AccessRuleRecord[];
  getRule(id: string): AccessRuleRecord;
}

/** Server fields as the API names them. */
interface ServerFields {
  server_name: string;
  server_type: RtmpServerType;
  server_buflen: number;
  server_port: number;
  server_active: boolean;
}

/** Rule fields as the API names them. */
interface RuleFields {
  rule_action: RuleAction;
  rule_app: string;
  rule_stream_key: string;
  rule_webhook_url: string | null;
  rule_allow_ips: string[];
  rule_deny_ips: string[];
}

const validateCreate = bodyValidator<Pick<ServerFields, 'server_name' | 'server_port'> & Partial<ServerFields>>(createServerSchema);
const validateUpdate = bodyValidator<{ id: string } & Partial<ServerFields>>(updateServerSchema);
const validateId = bodyValidator<{ id: string }>(idRequestSchema);
const validateCreateRule = bodyValidator<{ server_id: string } & Pick<RuleFields, 'rule_action' | 'rule_app' | 'rule_stream_key'> & Partial<RuleFields>>(createRuleSchema);
const validateUpdateRule = bodyValidator<{ id: string } & Partial<RuleFields>>(updateRuleSchema);
const validateGetRules = bodyValidator<{ server_id?: string }>(getRulesSchema);

const SUCCESS = { success: true } as const;

/**
 * `/api/rtmp-servers/*` shaped like Callaba Engine's API (JSON bodies, POST except remove, which is
 * DELETE): create, update, start, stop, getAll, getById, remove; and `/rules/*` with the same verbs
 * for the access rules. With an access token configured, every call needs it in x-access-token.
 */
export function rtmpServerRoutes(control: RtmpServerControl): Router {
  const router = Router();

  router.post('/create', async (req: Request, res: Response) => {
    const body = validateCreate(req.body);
    const server = await control.create({
      name: body.server_name,
      type: body.server_type ?? 'SERVER_TYPE_RTMP',
      bufferSeconds: body.server_buflen ?? DEFAULT_BUFFER_SECONDS,
      port: body.server_port,
      active: body.server_active ?? true,
    });
    res.json(serverView(server));
  });

  router.post('/update', async (req: Request, res: Response) => {
    const body = validateUpdate(req.body);
    res.json(serverView(await control.update(body.id, serverChanges(body))));
  });

  router.post('/start', async (req: Request, res: Response) => {
    await control.start(validateId(req.body).id);
    res.json(SUCCESS);
  });

  router.post('/stop', async (req: Request, res: Response) => {
    await control.stop(validateId(req.body).id);
    res.json(SUCCESS);
  });

  router.delete('/remove', async (req: Request, res: Response) => {
    await control.remove(validateId(req.body).id);
    res.json(SUCCESS);
  });

  router.post('/getAll', (_req: Request, res: Response) => {
    res.json(control.getAll().map(serverView));
  });

  router.post('/getById', (req: Request, res: Response) => {
    res.json(serverView(control.getById(validateId(req.body).id)));
  });

  router.post('/rules/create', async (req: Request, res: Response) => {
    const body = validateCreateRule(req.body);
    const rule = await control.createRule({
      serverId: body.server_id,
      action: body.rule_action,
      app: body.rule_app,
      streamKey: body.rule_stream_key,
      webhookUrl: body.rule_webhook_url ?? null,
      allowIps: body.rule_allow_ips ?? [],
      denyIps: body.rule_deny_ips ?? [],
    });
    res.json(ruleView(rule));
  });

  router.post('/rules/update', async (req: Request, res: Response) => {
    const body = validateUpdateRule(req.body);
    res.json(ruleView(await control.updateRule(body.id, ruleChanges(body))));
  });

  router.delete('/rules/remove', async (req: Request, res: Response) => {
    await control.removeRule(validateId(req.body).id);
    res.json(SUCCESS);
  });

  router.post('/rules/getAll', (req: Request, res: Response) => {
    res.json(control.getRules(validateGetRules(req.body).server_id).map(ruleView));
  });

  router.post('/rules/getById', (req: Request, res: Response) => {
    res.json(ruleView(control.getRule(validateId(req.body).id)));
  });

  return router;
}

export function serverView(server: RtmpServerRecord): { id: string; server_created: string; server_modified: string } & ServerFields {
  return {
    id: server.id,
    server_name: server.name,
    server_type: server.type,
    server_buflen: server.bufferSeconds,
    server_port: server.port,
    server_active: server.active,
    server_created: server.created,
    server_modified: server.modified,
  };
}

export function ruleView(rule: AccessRuleRecord): { id: string; server_id: string; rule_created: string; rule_modified: string } & RuleFields {
  return {
    id: rule.id,
    server_id: rule.serverId,
    rule_action: rule.action,
    rule_app: rule.app,
    rule_stream_key: rule.streamKey,
    rule_webhook_url: rule.webhookUrl,
    rule_allow_ips: [...rule.allowIps],
    rule_deny_ips: [...rule.denyIps],
    rule_created: rule.created,
    rule_modified: rule.modified,
  };
}

/** Only the fields the body names change. */
function serverChanges(body: Partial<ServerFields>): Partial<RtmpServerSettings> {
  return {
    ...(body.server_name === undefined ? {} : { name: body.server_name }),
    ...(body.server_type === undefined ? {} : { type: body.server_type }),
    ...(body.server_buflen === undefined ? {} : { bufferSeconds: body.server_buflen }),
    ...(body.server_port === undefined ? {} : { port: body.server_port }),
    ...(body.server_active === undefined ? {} : { active: body.server_active }),
  };
}

function ruleChanges(body: Partial<RuleFields>): AccessRuleChanges {
  return {
    ...(body.rule_action === undefined ? {} : { action: body.rule_action }),
    ...(body.rule_app === undefined ? {} : { app: body.rule_app }),
    ...(body.rule_stream_key === undefined ? {} : { streamKey: body.rule_stream_key }),
    ...(body.rule_webhook_url === undefined ? {} : { webhookUrl: body.rule_webhook_url }),
    ...(body.rule_allow_ips === undefined ? {} : { allowIps: body.rule_allow_ips }),
    ...(body.rule_deny_ips === undefined ? {} : { denyIps: body.rule_deny_ips }),
  };
}

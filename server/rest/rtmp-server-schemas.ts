import { RTMP_SERVER_TYPES } from '../rtmp-servers/rtmp-server-record';

/**
 * JSON Schemas of `/api/rtmp-servers/*` (Callaba Engine's shapes: snake_case fields prefixed by
 * the entity) and of the access rules beside them. They validate requests (ajv) and feed the
 * OpenAPI document. Unknown fields are ignored, so a body copied from getById can be sent back.
 */

const id = { type: 'string', minLength: 1, maxLength: 64, description: 'Id returned by create.' } as const;

const serverFields = {
  server_name: { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S', description: 'Unique name of the server.' },
  server_type: { type: 'string', enum: RTMP_SERVER_TYPES, description: 'SERVER_TYPE_RTMP, or SERVER_TYPE_RTMP_DEBUG to log every RTMP message. Default SERVER_TYPE_RTMP.' },
  server_buflen: { type: 'number', exclusiveMinimum: 0, maximum: 600, description: 'Seconds of media a player may fall behind before whole GOPs are skipped. Default 5.' },
  server_port: { type: 'integer', minimum: 1, maximum: 65535, description: 'TCP port, unique among servers.' },
  server_active: { type: 'boolean', description: 'Listen now (true) or only store the server. Default true.' },
} as const;

/** POST /api/rtmp-servers/create */
export const createServerSchema = {
  type: 'object',
  required: ['server_name', 'server_port'],
  properties: serverFields,
} as const;

/** POST /api/rtmp-servers/update: the id and any fields to change. */
export const updateServerSchema = {
  type: 'object',
  required: ['id'],
  properties: { id, ...serverFields },
} as const;

/** POST start, stop, getById and DELETE remove, of servers and of rules. */
export const idRequestSchema = {
  type: 'object',
  required: ['id'],
  properties: { id },
} as const;

/** An RTMP server as every call returns it. */
export const rtmpServerSchema = {
  type: 'object',
  required: ['id', 'server_name', 'server_type', 'server_buflen', 'server_port', 'server_active', 'server_created', 'server_modified'],
  properties: {
    id,
    ...serverFields,
    server_created: { type: 'string', description: 'ISO 8601 time of creation.' },
    server_modified: { type: 'string', description: 'ISO 8601 time of the last update, start or stop.' },
  },
} as const;

const ipList = {
  type: 'array',
  maxItems: 256,
  items: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

const ruleFields = {
  rule_action: { type: 'string', enum: ['publish', 'play'], description: 'What the rule lets a client do.' },
  rule_app: { type: 'string', minLength: 1, maxLength: 256, description: "Application (rtmp://host:port/<app>/<key>), or '*' for any." },
  rule_stream_key: { type: 'string', minLength: 1, maxLength: 256, description: "The exact stream key (without '?query'), or '*' for any key." },
  rule_webhook_url: { type: ['string', 'null'], maxLength: 2048, description: 'http(s) URL that must also approve each matching request: POST JSON, answer {"allow": true}.' },
  rule_allow_ips: { ...ipList, description: 'Client addresses or CIDR ranges allowed; empty allows any address not denied.' },
  rule_deny_ips: { ...ipList, description: 'Client addresses or CIDR ranges refused; checked first.' },
} as const;

/** POST /api/rtmp-servers/rules/create */
export const createRuleSchema = {
  type: 'object',
  required: ['server_id', 'rule_action', 'rule_app', 'rule_stream_key'],
  properties: { server_id: id, ...ruleFields },
} as const;

/** POST /api/rtmp-servers/rules/update: the id and any fields to change (not server_id). */
export const updateRuleSchema = {
  type: 'object',
  required: ['id'],
  properties: { id, ...ruleFields },
} as const;

/** POST /api/rtmp-servers/rules/getAll: optionally one server's rules. */
export const getRulesSchema = {
  type: 'object',
  properties: { server_id: id },
} as const;

/** An access rule as every call returns it. */
export const accessRuleSchema = {
  type: 'object',
  required: ['id', 'server_id', 'rule_action', 'rule_app', 'rule_stream_key', 'rule_webhook_url', 'rule_allow_ips', 'rule_deny_ips', 'rule_created', 'rule_modified'],
  properties: {
    id,
    server_id: id,
    ...ruleFields,
    rule_created: { type: 'string', description: 'ISO 8601 time of creation.' },
    rule_modified: { type: 'string', description: 'ISO 8601 time of the last update.' },
  },
} as const;

/** The answer of start, stop and remove. */
export const successSchema = {
  type: 'object',
  required: ['success'],
  properties: { success: { const: true } },
} as const;

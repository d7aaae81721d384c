import {
  accessRuleSchema,
  createRuleSchema,
  createServerSchema,
  getRulesSchema,
  idRequestSchema,
  rtmpServerSchema,
  successSchema,
  updateRuleSchema,
  updateServerSchema,
} from './rtmp-server-schemas';

/** One documented operation of /api/rtmp-servers. */
interface Operation {
  readonly summary: string;
  readonly method: 'post' | 'delete';
  readonly request?: object;
  readonly response: 'RtmpServer' | 'RtmpServers' | 'AccessRule' | 'AccessRules' | 'Success';
  readonly errors: readonly number[];
}

const OPERATIONS: Readonly<Record<string, Operation>> = {
  create: { summary: 'Create an RTMP server; an active one listens at once.', method: 'post', request: createServerSchema, response: 'RtmpServer', errors: [400, 401, 409] },
  update: { summary: 'Change a server; its listener restarts with the new settings and drops its clients.', method: 'post', request: updateServerSchema, response: 'RtmpServer', errors: [400, 401, 404, 409] },
  start: { summary: 'Start listening (the server is stored as active).', method: 'post', request: idRequestSchema, response: 'Success', errors: [400, 401, 404, 409] },
  stop: { summary: 'Drop every connection and free the port (stored as inactive).', method: 'post', request: idRequestSchema, response: 'Success', errors: [400, 401, 404] },
  remove: { summary: 'Stop and delete a server with its rules.', method: 'delete', request: idRequestSchema, response: 'Success', errors: [400, 401, 404] },
  getAll: { summary: 'List every RTMP server.', method: 'post', response: 'RtmpServers', errors: [401] },
  getById: { summary: 'One RTMP server.', method: 'post', request: idRequestSchema, response: 'RtmpServer', errors: [400, 401, 404] },
  'rules/create': { summary: 'Add a publish or play rule to a server.', method: 'post', request: createRuleSchema, response: 'AccessRule', errors: [400, 401, 404] },
  'rules/update': { summary: 'Change a rule; it applies to the next client.', method: 'post', request: updateRuleSchema, response: 'AccessRule', errors: [400, 401, 404] },
  'rules/remove': { summary: 'Delete a rule.', method: 'delete', request: idRequestSchema, response: 'Success', errors: [400, 401, 404] },
  'rules/getAll': { summary: 'List the rules of one server (server_id) or of all.', method: 'post', request: getRulesSchema, response: 'AccessRules', errors: [400, 401, 404] },
  'rules/getById': { summary: 'One rule.', method: 'post', request: idRequestSchema, response: 'AccessRule', errors: [400, 401, 404] },
};

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid body or field',
  401: 'Missing or wrong x-access-token',
  404: 'Unknown server or rule id',
  409: 'Name or port already used, or the port cannot be bound (the message says why)',
};

/** The `/api/rtmp-servers/*` paths of the OpenAPI document; errors refer to `#/components/schemas/Error`. */
export function rtmpServerApiPaths(): Record<string, object> {
  const paths: Record<string, object> = {};
  for (const [name, op] of Object.entries(OPERATIONS)) {
    const responses = {
      200: { description: op.response, content: json(responseSchema(op.response)) },
      ...Object.fromEntries(op.errors.map((status) => [status, { description: ERROR_DESCRIPTIONS[status], content: json({ $ref: '#/components/schemas/Error' }) }])),
    };
    const operation = {
      summary: op.summary,
      operationId: `rtmpServers_${name.replace('/', '_')}`,
      security: [{ accessToken: [] }],
      ...(op.request ? { requestBody: { required: true, content: json(op.request) } } : {}),
      responses,
    };
    paths[`/api/rtmp-servers/${name}`] = { [op.method]: operation };
  }
  return paths;
}

/** Schemas and the security scheme the paths refer to. */
export const rtmpServerApiComponents = {
  schemas: { RtmpServer: rtmpServerSchema, AccessRule: accessRuleSchema, Success: successSchema },
  securitySchemes: { accessToken: { type: 'apiKey', in: 'header', name: 'x-access-token' } },
} as const;

function responseSchema(kind: Operation['response']): object {
  if (kind === 'RtmpServers') return { type: 'array', items: { $ref: '#/components/schemas/RtmpServer' } };
  if (kind === 'AccessRules') return { type: 'array', items: { $ref: '#/components/schemas/AccessRule' } };
  return { $ref: `#/components/schemas/${kind}` };
}

function json(schema: object): object {
  return { 'application/json': { schema } };
}

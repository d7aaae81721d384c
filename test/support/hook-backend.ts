import http from 'node:http';
import type net from 'node:net';

/** One hook call as the backend received it. */
export interface HookRequest {
  readonly method: string;
  /** The URL path, e.g. `/apps/test/connect`. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: any;
}

/** How the backend answers: a status and a body (an object is sent as JSON), or 'hang' to never answer. */
export type HookAnswer = { status: number; body?: unknown; headers?: http.OutgoingHttpHeaders } | 'hang';

/** A customer's backend for REST hook tests: records every call and answers with `answer(request)`. */
export class HookBackend {
  readonly requests: HookRequest[] = [];
  /** Decides each answer; by default 200 echoing the request body, as WCS's EchoApp does. */
  answer: (request: HookRequest) => HookAnswer = (request) => ({ status: 200, body: request.body });

  private constructor(private readonly server: http.Server, readonly baseUrl: string) {
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const request: HookRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text === '' ? undefined : JSON.parse(text) };
        this.requests.push(request);
        const answer = this.answer(request);
        if (answer === 'hang') return;
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(body);
      });
    });
  }

  /** Starts on a free port of 127.0.0.1; hooks go to `<baseUrl>/<method>`. */
  static async start(): Promise<HookBackend> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new HookBackend(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/apps/test`);
  }

  /** The calls of hook `method` so far. */
  calls(method: string): HookRequest[] {
    return this.requests.filter((r) => r.path.endsWith(`/${method}`));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * The Lambda Runtime API of one execution environment, on its own loopback port: runtimes take
 * AWS_LAMBDA_RUNTIME_API as `host:port` and nothing more (AWS's runtime interface clients split it
 * on `:` or hand it to an HTTP connection as the host), so a path prefix on Drydock's port would
 * break them. Routes as AWS serves them: GET /invocation/next (held until an invocation arrives),
 * POST /invocation/{id}/response and /invocation/{id}/error, POST /init/error; 202 for what is
 * accepted, AWS's error documents for what is not (an unknown request id, an oversized response).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime';
/** The largest response a function may return: the figure AWS's error names. */
const MAX_RESPONSE_BYTES = 6_291_556;

/** An invocation as the runtime receives it from /invocation/next. */
export interface RuntimeInvocation {
  requestId: string;
  payload: Buffer;
  /** Epoch milliseconds (the host's clock, which the function reads) by which it must end. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
}

/** What the runtime reported for an invocation. */
export type RuntimeOutcome = { kind: 'response'; body: Buffer } | { kind: 'error'; body: Buffer; errorType?: string };

interface RuntimeApiEvents {
  /** The runtime asked for its first invocation: its initialization is over. */
  ready(): void;
  /** The runtime reported that its initialization failed. */
  initError(body: Buffer, errorType: string | undefined): void;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body, or undefined once it passed `limit` bytes (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

export class RuntimeApi {
  private held?: ServerResponse;
  private queued?: RuntimeInvocation;
  private current?: { requestId: string; settle: (outcome: RuntimeOutcome) => void };
  private readied = false;

  private constructor(
    private readonly server: Server,
    private readonly events: RuntimeApiEvents,
  ) {}

  static async start(events: RuntimeApiEvents): Promise<RuntimeApi> {
    const server = createServer({ keepAliveTimeout: 0, requestTimeout: 0 });
    const api = new RuntimeApi(server, events);
    server.on('request', (req, res) => {
      api.route(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, { errorMessage: 'Internal error', errorType: 'InternalError' });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return api;
  }

  /** `host:port`, what AWS_LAMBDA_RUNTIME_API holds. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Hands the invocation to the runtime (now if it is waiting on /next); `settle` hears its outcome. */
  deliver(invocation: RuntimeInvocation, settle: (outcome: RuntimeOutcome) => void): void {
    this.current = { requestId: invocation.requestId, settle };
    const held = this.held;
    this.held = undefined;
    if (held && !held.destroyed) this.answerNext(held, invocation);
    else this.queued = invocation;
  }

  /** Forgets the current invocation (it timed out or the runtime died): later reports about it are refused. */
  abandon(): void {
    this.current = undefined;
    this.queued = undefined;
  }

  close(): void {
    this.held?.destroy();
    this.held = undefined;
    this.server.close();
    this.server.closeAllConnections();
  }

  private answerNext(res: ServerResponse, invocation: RuntimeInvocation): void {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': invocation.payload.length,
      'lambda-runtime-aws-request-id': invocation.requestId,
      'lambda-runtime-deadline-ms': invocation.deadlineMs,
      'lambda-runtime-invoked-function-arn': invocation.invokedFunctionArn,
      'lambda-runtime-trace-id': invocation.traceId,
    };
    if (invocation.clientContext) headers['lambda-runtime-client-context'] = invocation.clientContext;
    res.writeHead(200, headers);
    res.end(invocation.payload);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      if (!this.readied) {
        this.readied = true;
        this.events.ready();
      }
      const queued = this.queued;
      this.queued = undefined;
      if (queued) this.answerNext(res, queued);
      else this.held = res;
      return;
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      const body = (await readBody(req, MAX_RESPONSE_BYTES)) ?? Buffer.alloc(0);
      send(res, 202, { status: 'OK' });
      this.events.initError(body, header(req, 'lambda-runtime-function-error-type'));
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && m) {
      const body = await readBody(req, MAX_RESPONSE_BYTES);
      const current = this.current;
      if (!current || current.requestId !== decodeURIComponent(m[1])) {
        send(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
        return;
      }
      this.current = undefined;
      if (body === undefined) {
        send(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' });
        const payload = { errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'Function.ResponseSizeTooLarge' };
        current.settle({ kind: 'error', body: Buffer.from(JSON.stringify(payload)), errorType: payload.errorType });
        return;
      }
      send(res, 202, { status: 'OK' });
      current.settle(m[2] === 'response' ? { kind: 'response', body } : { kind: 'error', body, errorType: header(req, 'lambda-runtime-function-error-type') });
      return;
    }
    send(res, 404, { errorMessage: `No route ${req.method} ${path}`, errorType: 'InvalidRequest' });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

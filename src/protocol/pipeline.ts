/**
 * The AWS request pipeline: route → authenticate → deserialize → validate → invoke → serialize.
 * Generic over services: everything it knows about one comes from its model and its handlers.
 *
 * Gaps: no SigV4a (multi-region) signatures, no SigV2 header auth (only S3's SigV2 presigned
 * URLs), no `Date` header in place of X-Amz-Date, no event streams and no rpcv2-cbor protocol.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Codec } from './codecs/codec.js';
import { jsonCodec } from './codecs/json.js';
import { queryCodec, formParams } from './codecs/query.js';
import { restXmlCodec } from './codecs/rest-xml.js';
import { restJsonCodec } from './codecs/rest-json.js';
import { compileRoutes, type RestRouter } from './codecs/rest.js';
import type { Operation } from './model.js';
import type { CredentialLookup, HttpRequest, HttpResponse, RequestContext } from './types.js';
import { parseSigV4, verifySigV4, unknownAccessKey, sha256Hex, type AuthStyle, type SigV4Auth } from './sigv4.js';
import { parseSigV2Query, verifySigV2Query, type SigV2QueryAuth } from './sigv2.js';
import { verifiedBody } from './body.js';
import type { OperationInvoker, BoundService } from './invoke.js';
import { AwsError } from '../core/errors.js';
import { DEFAULT_REGION, isRegion, type Principal } from '../core/accounts.js';
import { requestId as newRequestId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

interface Prepared extends BoundService {
  codec: Codec;
  /** REST services: their routes, compiled on the first request (startup reads no operation). */
  router?: () => RestRouter;
  style: AuthStyle;
}

export interface PipelineOptions {
  services: BoundService[];
  /** Validate → invoke, shared with in-process calls. */
  invoker: OperationInvoker;
  credentials: CredentialLookup;
  clock: Clock;
  log: Logger;
  endpoint: () => string;
  /** Largest non-streaming body accepted, in bytes. */
  maxBodyBytes: number;
}

/** Hosts whose first label is an S3 bucket (virtual-hosted-style requests). */
const S3_VIRTUAL_HOST = /^(.+?)\.(?:s3(?:[.-][a-z0-9-]+)?\.)?(?:localhost|localhost\.localstack\.cloud|amazonaws\.com)$/;
const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;
const PRESIGNED_SCOPE = /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\//;

export class Pipeline {
  private readonly byName = new Map<string, Prepared>();
  private readonly byTarget = new Map<string, Prepared>();
  private readonly bySigningName = new Map<string, Prepared>();
  /** Whether an operation's input payload is a stream, worked out on its first request. */
  private readonly streamingOps = new WeakMap<Operation, boolean>();

  constructor(private readonly opts: PipelineOptions) {
    for (const svc of opts.services) {
      const { model } = svc;
      const serializationError = model.protocol === 'rest-xml' ? 'MalformedXML' : model.protocol === 'query' ? (svc.validationError || 'ValidationError') : 'SerializationException';
      const factory = { json: jsonCodec, query: queryCodec, ec2: queryCodec, 'rest-xml': restXmlCodec, 'rest-json': restJsonCodec }[model.protocol];
      const prepared: Prepared = {
        ...svc,
        codec: factory(model, { serializationError }),
        router: model.protocol.startsWith('rest') ? once(() => compileRoutes(model)) : undefined,
        style: model.signingName === 's3' ? 's3' : 'default',
      };
      this.byName.set(svc.name, prepared);
      if (model.metadata.targetPrefix) this.byTarget.set(model.metadata.targetPrefix, prepared);
      this.bySigningName.set(model.signingName, prepared);
    }
  }

  private isStreaming(service: Prepared, op: Operation): boolean {
    let streaming = this.streamingOps.get(op);
    if (streaming === undefined) {
      const payload = op.input?.payload;
      streaming = !!payload && !!service.model.member(op.input!.members![payload]).streaming;
      this.streamingOps.set(op, streaming);
    }
    return streaming;
  }

  async handle(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const req = this.head(incoming);
    let service: Prepared | undefined;
    let operation = '';
    let response: HttpResponse;
    try {
      // The service is known before its operation: routing errors are then answered in its protocol.
      const routed = await this.route(req, incoming, (found) => (service = found));
      operation = routed.op.name;
      response = await this.execute(routed.service, routed.op, routed.labels, req, incoming, requestId);
    } catch (err) {
      // A client that hung up mid-body is not a server fault (and will never see the answer).
      const clientGone = !(err instanceof AwsError) && incoming.destroyed && !incoming.complete;
      response = this.errorResponse(clientGone ? incompleteBody() : err, service, requestId, `${service?.name ?? '?'}.${operation || '?'}`);
    }
    // Whatever was not read of the body (errors before a streaming upload was consumed) is drained
    // so the connection stays usable.
    if (!incoming.readableEnded) incoming.resume();
    await writeResponse(res, response, req.method === 'HEAD');
    // Guarded: building the log record costs allocations on every request even when debug is off.
    if (this.opts.log.isLevelEnabled('debug')) {
      this.opts.log.debug({ requestId, service: service?.name, operation, status: response.status, ms: +(performance.now() - started).toFixed(2) }, 'request');
    }
  }

  /** The parts of the request known before its body is read. */
  private head(incoming: IncomingMessage): HttpRequest {
    const url = incoming.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const query: [string, string][] = [];
    for (const part of rawQuery.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      query.push([safeDecode(k), safeDecode(v)]);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(incoming.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    return { method: (incoming.method ?? 'GET').toUpperCase(), path, rawQuery, query, headers, body: Buffer.alloc(0) };
  }

  private async route(req: HttpRequest, incoming: IncomingMessage, serviceFound: (service: Prepared) => void): Promise<{ service: Prepared; op: Operation; labels: Record<string, string> }> {
    // Routing may need the body at several points; the stream can be read only once.
    let bodyRead = false;
    const readBodyOnce = async () => {
      if (bodyRead) return;
      bodyRead = true;
      req.body = await readBody(incoming, this.opts.maxBodyBytes);
    };
    const target = req.headers['x-amz-target'];
    if (target) {
      const dot = target.lastIndexOf('.');
      const service = this.byTarget.get(target.slice(0, dot));
      const op = service?.model.operations.get(target.slice(dot + 1));
      if (!service) {
        const scope = signingScope(req);
        if (scope && !this.bySigningName.has(scope)) throw notEmulated(scope);
      } else {
        serviceFound(service);
      }
      if (!service || !op) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`, { status: 400 });
      // awsJson is POST only: another method must not run an operation (a HEAD must not write).
      if (req.method !== 'POST') throw new AwsError('UnknownOperationException', `${service.model.metadata.serviceId} operations are called with POST, not ${req.method}`, { status: 404 });
      await readBodyOnce();
      return { service, op, labels: {} };
    }
    const scope = signingScope(req);
    // A client signing for a service Drydock does not emulate would otherwise get S3's answers.
    if (scope && !this.bySigningName.has(scope)) throw notEmulated(scope);
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let service = scope ? this.bySigningName.get(scope) : undefined;
    if (!service && (isForm || req.query.some(([k]) => k === 'Action'))) {
      // Unsigned query requests (AssumeRoleWithWebIdentity): the Action names the service.
      await readBodyOnce();
      const action = formParams(req.body, req.query).get('Action');
      service = [...this.byName.values()].find((s) => s.model.protocol === 'query' && action && s.model.operations.has(action));
    }
    service ??= this.bySigningName.get('s3');
    if (!service) throw new AwsError('UnknownOperationException', 'No service matches this request', { status: 404 });
    serviceFound(service);

    if (service.model.protocol === 'query' || service.model.protocol === 'ec2') {
      await readBodyOnce();
      const action = formParams(req.body, req.query).get('Action');
      if (!action) throw new AwsError('MissingAction', 'Missing Action parameter', { status: 400 });
      const op = service.model.operations.get(action);
      if (!op) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${service.model.metadata.apiVersion}`, { status: 400 });
      return { service, op, labels: {} };
    }
    if (service.router) {
      if (service.style === 's3') this.rewriteVirtualHost(req);
      const match = service.router().match(req);
      if (!match) {
        throw service.style === 's3'
          ? new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { status: 405, fields: { Method: req.method, ResourceType: 'OBJECT' } })
          : new AwsError('UnknownOperationException', `No operation of ${service.name} matches ${req.method} ${req.path}`, { status: 404 });
      }
      if (!this.isStreaming(service, match.op)) await readBodyOnce();
      return { service, ...match };
    }
    throw new AwsError('UnknownOperationException', `${service.name} needs an X-Amz-Target header`, { status: 400 });
  }

  private rewriteVirtualHost(req: HttpRequest): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const m = S3_VIRTUAL_HOST.exec(host);
    if (!m || m[1] === 's3' || /^s3[.-]/.test(m[1])) return;
    req.signedPath = req.path;
    req.path = `/${m[1]}${req.path === '/' ? '' : req.path}`;
  }

  private async execute(service: Prepared, op: Operation, labels: Record<string, string>, req: HttpRequest, incoming: IncomingMessage, requestId: string): Promise<HttpResponse> {
    const { principal, region, signing } = await this.authenticate(service, op, req);
    if (this.isStreaming(service, op)) {
      const body = verifiedBody(incoming, req.headers, signing);
      req.stream = body.stream;
      req.trailers = body.trailers;
    } else if (service.style === 's3') {
      checkPayloadHash(req);
    }
    const input = service.codec.decode(op, req, labels);
    const ctx: RequestContext = {
      requestId,
      service: service.name,
      operation: op.name,
      account: principal.account,
      region,
      principal,
      endpoint: this.opts.endpoint(),
      http: req,
    };
    const output = await this.opts.invoker.run(service, op, input, ctx);
    return service.codec.encode(op, output, requestId);
  }

  private async authenticate(service: Prepared, op: Operation, req: HttpRequest): Promise<{ principal: Principal; region: string; signing?: { key: Uint8Array; auth: SigV4Auth } }> {
    const auth = parseSigV4(req, service.style);
    if (!auth) {
      const legacy = service.style === 's3' ? parseSigV2Query(req) : undefined;
      if (legacy) return { principal: this.authenticateSigV2(req, legacy), region: DEFAULT_REGION };
      if (op.unsigned) return { principal: anonymous(), region: DEFAULT_REGION };
      throw service.style === 's3'
        ? new AwsError('AccessDenied', 'Anonymous access is not allowed: sign requests with SigV4 (the default credentials test/test work).', { status: 403 })
        : new AwsError(service.model.protocol === 'json' ? 'MissingAuthenticationTokenException' : 'MissingAuthenticationToken', 'Request is missing Authentication Token', { status: 403 });
    }
    const credential = this.opts.credentials(auth.accessKeyId);
    if (!credential || credential.active === false) throw unknownAccessKey(service.style);
    if (credential.sessionToken !== undefined) {
      const token = auth.presigned ? auth.sessionToken : req.headers['x-amz-security-token'];
      if (token !== credential.sessionToken) {
        throw service.style === 's3'
          ? new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', { status: 400 })
          : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
      }
      // Credential lifetimes are Drydock state: they follow Drydock's (scalable, warpable) clock.
      if (credential.expiresAt !== undefined && this.opts.clock.now() > credential.expiresAt) {
        throw new AwsError('ExpiredToken', 'The security token included in the request is expired', { status: service.style === 's3' ? 400 : 403 });
      }
    }
    // Signing times come from the client's wall clock, so skew and presigned expiry are checked
    // against the wall clock: a warped or scaled Drydock clock must not invalidate every signature.
    const key = await verifySigV4({ ...req, path: req.signedPath ?? req.path }, auth, credential, { style: service.style, now: Date.now(), host: req.headers.host ?? '' });
    return { principal: credential.principal, region: isRegion(auth.region) ? auth.region : DEFAULT_REGION, signing: { key, auth } };
  }

  /** S3 presigned URLs in the legacy SigV2 form (`aws s3 presign` of the aws CLI v1). */
  private authenticateSigV2(req: HttpRequest, auth: SigV2QueryAuth): Principal {
    const credential = this.opts.credentials(auth.accessKeyId);
    if (!credential || credential.active === false) throw unknownAccessKey('s3');
    if (credential.sessionToken !== undefined && auth.sessionToken !== credential.sessionToken) {
      throw new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', { status: 400 });
    }
    // SigV2 signs the path-style resource (`/bucket/key`) even for virtual-hosted requests.
    verifySigV2Query(req, req.path, auth, credential, Date.now());
    return credential.principal;
  }

  private errorResponse(err: unknown, service: Prepared | undefined, requestId: string, where: string): HttpResponse {
    let error: AwsError;
    if (err instanceof AwsError) {
      error = err;
    } else {
      this.opts.log.error({ err, requestId, where }, 'unhandled error');
      error = new AwsError(service?.style === 's3' ? 'InternalError' : 'InternalFailure', 'We encountered an internal error. Please try again.', { status: 500 });
    }
    if (service) return service.codec.encodeError(error, requestId);
    return {
      status: error.status ?? 400,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  }
}

/** The service named by the SigV4 credential scope (Authorization header or presigned query), if signed. */
function signingScope(req: HttpRequest): string | undefined {
  const header = req.headers['authorization'];
  if (header) return CREDENTIAL_SCOPE.exec(header)?.[1];
  const credential = req.query.find(([k]) => k === 'X-Amz-Credential')?.[1];
  return credential ? PRESIGNED_SCOPE.exec(credential)?.[1] : undefined;
}

function notEmulated(service: string): AwsError {
  return new AwsError('NotImplemented', `Drydock does not emulate the '${service}' service`, { status: 501 });
}

function anonymous(): Principal {
  return { account: '000000000000', arn: 'anonymous', userId: 'anonymous', kind: 'root', accessKeyId: '' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Reads a whole body, refusing more than `max` bytes with 413 before buffering it. */
export function readBody(incoming: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(tooLarge(max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        incoming.removeAllListeners('data');
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    // A client that disconnects mid-body: settle (the answer goes nowhere) instead of waiting forever.
    incoming.on('error', () => reject(incompleteBody()));
    incoming.on('close', () => {
      if (!incoming.complete) reject(incompleteBody());
    });
  });
}

/** S3 signs the x-amz-content-sha256 header, so a buffered body must match it. */
function checkPayloadHash(req: HttpRequest): void {
  const declared = req.headers['x-amz-content-sha256'];
  if (!declared || !/^[0-9a-fA-F]{64}$/.test(declared)) return;
  const actual = sha256Hex(req.body);
  if (actual !== declared.toLowerCase()) {
    throw new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", { status: 400, fields: { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: actual } });
  }
}

function incompleteBody(): AwsError {
  return new AwsError('IncompleteBody', 'The request body terminated before the length the client declared.', { status: 400 });
}

function tooLarge(max: number): AwsError {
  return new AwsError('RequestEntityTooLarge', `Request body is larger than the ${max} bytes Drydock accepts for this operation`, { status: 413 });
}

async function writeResponse(res: ServerResponse, response: HttpResponse, headOnly: boolean): Promise<void> {
  const { body } = response;
  const headers = { ...response.headers };
  if (body === undefined) headers['content-length'] ??= '0';
  else if (typeof body === 'string') headers['content-length'] ??= String(Buffer.byteLength(body));
  else if (Buffer.isBuffer(body)) headers['content-length'] ??= String(body.length);
  res.writeHead(response.status, headers);
  if (headOnly || body === undefined) {
    if (body instanceof Readable) body.destroy();
    res.end();
    return;
  }
  if (body instanceof Readable) {
    await new Promise<void>((resolve) => {
      body.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', resolve);
      body.pipe(res);
    });
    return;
  }
  res.end(body);
}

/** `make`'s result, made on the first call. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * The AWS request pipeline: route → authenticate → deserialize → validate → invoke → serialize.
 * Generic over services: everything it knows about one comes from its model and its handlers.
 *
 * Gaps: no SigV4a (multi-region) signatures, no `Date` header in place of X-Amz-Date for SigV4, no
 * event streams and no rpcv2-cbor protocol. SigV2 (S3's only) is the S3 dialect's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DEFAULT_REGION, isRegion, type Principal } from '../core/accounts.js';
import type { Clock } from '../core/clock.js';
import { AwsError } from '../core/errors.js';
import { requestId as newRequestId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { isThenable } from '../core/thenable.js';
import { verifiedBody } from './body.js';
import type { Codec } from './codecs/codec.js';
import { jsonCodec } from './codecs/json.js';
import { queryCodec } from './codecs/query.js';
import { restJsonCodec } from './codecs/rest-json.js';
import { restXmlCodec } from './codecs/rest-xml.js';
import { checkCredential } from './credentials.js';
import { awsErrors, DEFAULT_SIGNING, type PipelineErrors, type SigningRules } from './dialect.js';
import type { BoundService, OperationInvoker } from './invoke.js';
import type { Operation, ServiceModel } from './model.js';
import { isStreamingInput, Routing } from './routing.js';
import { checkPayloadHash, parseSigV4, SIGV4_AUTHORIZATION_PREFIX, type SigV4Auth, verifySigV4 } from './sigv4.js';
import type { CredentialLookup, HttpRequest, HttpResponse, RequestContext } from './types.js';
import { UnservedRequest } from './unserved.js';

/** A bound service with what the pipeline works out once from its model and dialect. */
interface Prepared extends BoundService {
  codec: Codec;
  errors: PipelineErrors;
  signing: SigningRules;
}

/** What authentication needs of a service: a served one's or an unserved request's wording and rules. */
type Authenticating = Pick<Prepared, 'name' | 'errors' | 'signing' | 'dialect'>;

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
  /** One info line per request (service, operation, status, ms, request id), once it is answered. */
  requestLog: boolean;
  /**
   * Group commit (Store.batched/committed): a request's synchronous work may share one SQLite
   * commit with the other requests of its event-loop turn, and every answer waits until what it
   * may have seen is committed, so nothing is acknowledged that kill -9 could still take back.
   */
  groupCommit?: GroupCommit;
}

export interface GroupCommit {
  /** Runs `work` where its transactions may join the turn's shared commit. */
  batched<T>(work: () => T): T;
  /** Settles once every write made so far is committed; undefined when it already is. */
  committed(): Promise<void> | undefined;
}

export class Pipeline {
  private readonly routing: Routing<Prepared>;

  constructor(private readonly opts: PipelineOptions) {
    const prepare = (svc: BoundService, model: ServiceModel): Prepared => {
      const serializationError = model.protocol === 'rest-xml' ? 'MalformedXML' : model.protocol === 'query' ? svc.validationError || 'ValidationError' : 'SerializationException';
      const factory = { json: jsonCodec, query: queryCodec, ec2: queryCodec, 'rest-xml': restXmlCodec, 'rest-json': restJsonCodec }[model.protocol];
      return {
        ...svc,
        model,
        codec: factory(model, { serializationError }),
        errors: { ...awsErrors(model.protocol), ...svc.dialect?.errors },
        signing: svc.dialect?.signing ?? DEFAULT_SIGNING,
      };
    };
    // A service that also speaks awsQuery is routed twice: by X-Amz-Target to its JSON model, and
    // (listed after it, so that its signing name routes to it) by Action to its query model.
    const prepared = opts.services.flatMap((svc) => {
      const queryModel = svc.dialect?.queryModel;
      return queryModel ? [prepare(svc, svc.model), prepare(svc, queryModel)] : [prepare(svc, svc.model)];
    });
    this.routing = new Routing(prepared);
  }

  async handle(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    // Guarded: building the log record costs allocations on every request even when info is off.
    const logged = this.opts.requestLog && this.opts.log.isLevelEnabled('info');
    const started = logged ? performance.now() : 0;
    const requestId = newRequestId();
    const req = this.head(incoming);
    let service: Prepared | undefined;
    let unserved: UnservedRequest | undefined;
    let operation = '';
    let response: HttpResponse;
    try {
      // The service is known before its operation: routing errors are then answered in its protocol.
      const routed = await this.routing.route(
        req,
        () => readBody(req, incoming, this.opts.maxBodyBytes),
        (found) => (service = found),
      );
      operation = routed.op.name;
      const execute = () => this.execute(routed.service, routed.op, routed.labels, req, incoming, requestId);
      const output = this.opts.groupCommit ? this.opts.groupCommit.batched(execute) : execute();
      // Awaited only when the handler answered asynchronously: awaiting a plain value costs a microtask hop.
      response = routed.service.codec.encode(routed.op, isThenable(output) ? await output : output, requestId);
    } catch (err) {
      if (err instanceof UnservedRequest) {
        unserved = err;
        response = this.answerUnserved(err, req, requestId);
      } else {
        // A client that hung up mid-body is not a server fault (and will never see the answer).
        const clientGone = !(err instanceof AwsError) && incoming.destroyed && !incoming.complete;
        response = this.errorResponse(clientGone ? incompleteBody() : err, service, requestId, `${service?.name ?? '?'}.${operation || '?'}`);
      }
    }
    // Whatever was not read of the body (errors before a streaming upload was consumed) is drained.
    // The connection is not reused when the answer comes before the whole body did: a client that
    // sees an early answer may never send the rest, and its next request would be read as that body.
    if (!incoming.readableEnded) incoming.resume();
    // A verified upload stream the handler never consumed (the request failed first) is drained
    // too; its own verdict (a payload hash or chunk signature mismatch) no longer has anyone to go
    // to, and must not surface as an unhandled stream error that would end the process.
    if (req.stream && !req.stream.readableEnded) {
      req.stream.on('error', () => {});
      req.stream.resume();
    }
    const commit = this.opts.groupCommit?.committed();
    if (commit) {
      try {
        await commit;
      } catch (err) {
        // The shared commit failed: what this answer reports (or read) was rolled back.
        if (response.body instanceof Readable) response.body.destroy();
        response = this.errorResponse(err, service, requestId, `${service?.name ?? '?'}.${operation || '?'}`);
      }
    } else {
      await endOfTurn();
    }
    if (!bodyReceived(incoming, req)) response.headers.connection = 'close';
    const streaming = writeResponse(res, response, req.method === 'HEAD');
    if (streaming) await streaming;
    if (logged) {
      const ms = Math.round((performance.now() - started) * 100) / 100;
      this.opts.log.info({ service: service?.name ?? unserved?.signingName, operation: operation || unserved?.operation, status: response.status, ms, requestId }, 'request');
    }
  }

  /** The parts of the request known before its body is read. */
  private head(incoming: IncomingMessage): HttpRequest {
    const url = incoming.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const query: [string, string][] = [];
    if (rawQuery) {
      for (const part of rawQuery.split('&')) {
        if (!part) continue;
        const eq = part.indexOf('=');
        const k = eq < 0 ? part : part.slice(0, eq);
        const v = eq < 0 ? '' : part.slice(eq + 1);
        query.push([safeDecode(k), safeDecode(v)]);
      }
    }
    // Node's own header object is used as it is unless it holds an array (only Set-Cookie is
    // kept as one): copying it cost every request an object and an entries array.
    const nodeHeaders = incoming.headers;
    const headers = nodeHeaders['set-cookie'] === undefined ? (nodeHeaders as Record<string, string>) : joinedHeaders(nodeHeaders);
    // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d; policies name them as IPv4.
    const remote = incoming.socket.remoteAddress;
    const sourceIp = remote?.startsWith('::ffff:') ? remote.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') : remote;
    return { method: (incoming.method ?? 'GET').toUpperCase(), path, rawQuery, query, headers, body: NO_BODY, sourceIp };
  }

  /** Authenticates, decodes and runs the operation: its handler's output, synchronously unless the handler answers a promise. */
  private execute(service: Prepared, op: Operation, labels: Record<string, string>, req: HttpRequest, incoming: IncomingMessage, requestId: string): unknown {
    const maxHeaderBytes = service.dialect?.maxHeaderBytes;
    if (maxHeaderBytes !== undefined) {
      const size = headerBytes(req);
      if (size > maxHeaderBytes) throw service.errors.headersTooLarge(size, maxHeaderBytes);
    }
    const { principal, region, signing } = this.authenticate(service, op, req);
    if (isStreamingInput(service.model, op)) {
      const body = verifiedBody(incoming, req.headers, signing, service.errors);
      req.stream = body.stream;
      req.trailers = body.trailers;
    } else if (service.signing.payloadHash === 'header') {
      // The signature covered the declared hash, not the body: the body must be what was declared.
      checkPayloadHash(req, service.errors);
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
    return this.opts.invoker.run(service, op, input, ctx);
  }

  private authenticate(service: Authenticating, op: Pick<Operation, 'unsigned'>, req: HttpRequest): { principal: Principal; region: string; signing?: { key: Uint8Array; auth: SigV4Auth } } {
    const { errors } = service;
    // An Authorization header of another scheme is the dialect's to read (S3's SigV2) before it is refused.
    const header = req.headers.authorization;
    const otherScheme = header !== undefined && !header.startsWith(SIGV4_AUTHORIZATION_PREFIX);
    const auth = otherScheme ? undefined : parseSigV4(req, errors);
    if (!auth) {
      const other = service.dialect?.authenticateUnsigned?.(req, { credentials: this.opts.credentials, now: this.opts.clock.now(), errors });
      if (other) return other;
      if (otherScheme) throw errors.unsupportedAuthorization();
      if (op.unsigned) return { principal: anonymous(), region: DEFAULT_REGION };
      throw errors.missingAuthentication();
    }
    const sessionToken = auth.presigned ? auth.sessionToken : req.headers['x-amz-security-token'];
    const credential = checkCredential(this.opts.credentials(auth.accessKeyId), { sessionToken, now: this.opts.clock.now() }, errors);
    // Signing times come from the client's wall clock, so skew and presigned expiry are checked
    // against the wall clock: a warped or scaled Drydock clock must not invalidate every signature.
    // Copied only when the signed path differs: spreading the request costs on every call.
    const signed = req.signedPath === undefined ? req : { ...req, path: req.signedPath };
    const key = verifySigV4(signed, auth, credential, { errors, signing: service.signing, now: Date.now(), host: req.headers.host ?? '' });
    const region = isRegion(auth.region) ? auth.region : DEFAULT_REGION;
    credential.onUse?.(service.name, region);
    return { principal: credential.principal, region, signing: { key, auth } };
  }

  /** A request for a service Drydock does not serve: authenticated like any other, then answered 501 in its own protocol. */
  private answerUnserved(unserved: UnservedRequest, req: HttpRequest, requestId: string): HttpResponse {
    try {
      this.authenticate({ name: unserved.signingName ?? '', errors: unserved.errors, signing: DEFAULT_SIGNING }, { unsigned: false }, req);
      return unserved.encodeError(unserved.notServed, requestId);
    } catch (err) {
      if (err instanceof AwsError) return unserved.encodeError(err, requestId);
      this.opts.log.error({ err, requestId, where: unserved.signingName }, 'unhandled error');
      return unserved.encodeError(unserved.errors.internal(), requestId);
    }
  }

  private errorResponse(err: unknown, service: Prepared | undefined, requestId: string, where: string): HttpResponse {
    let error: AwsError;
    if (err instanceof AwsError) {
      error = err;
    } else {
      this.opts.log.error({ err, requestId, where }, 'unhandled error');
      error = service ? service.errors.internal() : awsErrors('json').internal();
    }
    if (service) return service.codec.encodeError(error, requestId);
    return {
      status: error.status ?? 400,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  }
}

let turnEnd: Promise<void> | undefined;

/**
 * Settles once the poll phase of this event-loop turn is over, one promise for every answer ready
 * in it: a turn's answers leave together, as the ones waiting for its group commit do. Answering
 * each at once cost about 30% more server CPU per request at 16 connections (measured on
 * GetParameter), with fewer requests read per poll and each write waking the client on its own;
 * one connection waits one hop more (about 10 µs).
 */
function endOfTurn(): Promise<void> {
  turnEnd ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      turnEnd = undefined;
      resolve();
    }),
  );
  return turnEnd;
}

/** The body of a request until it is read: shared, as an empty buffer holds nothing to change. */
const NO_BODY = Buffer.alloc(0);

/** The size of a request's header section as sent: `name: value\r\n` per header. */
function headerBytes(req: HttpRequest): number {
  let size = 0;
  for (const name in req.headers) size += name.length + Buffer.byteLength(req.headers[name]) + 4;
  return size;
}

/** Node's headers with Set-Cookie's array joined, as every other repeated header already is. */
function joinedHeaders(nodeHeaders: IncomingMessage['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(nodeHeaders)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  return headers;
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

/**
 * Reads a whole body into `req.body`, refusing more than `max` bytes with 413 before buffering it.
 * A body of a declared length is complete with its last byte, without waiting a tick more for the
 * stream's 'end'; a request that declares neither a length nor a chunked body has none to wait for.
 */
function readBody(req: HttpRequest, incoming: IncomingMessage, max: number): Promise<void> {
  const lengthHeader = incoming.headers['content-length'];
  const declared = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (declared !== undefined && declared > max) return Promise.reject(tooLarge(max));
  if (declared === 0 || (declared === undefined && incoming.headers['transfer-encoding'] === undefined)) return BODY_READ;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      resolve();
    };
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        incoming.removeAllListeners('data');
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
      if (size === declared) done();
    });
    // A chunked body: complete at its end. A refused body that is drained afterwards also ends: it is no request's body.
    if (declared === undefined) incoming.on('end', () => size <= max && done());
    // A client that disconnects mid-body: settle (the answer goes nowhere) instead of waiting forever.
    // Node emits a broken request's 'error' only to listeners, and 'close' after it in any case.
    incoming.on('close', () => {
      if (!incoming.complete) reject(incompleteBody());
    });
  });
}

/** What readBody answers for a request without a body. */
const BODY_READ = Promise.resolve();

/**
 * Whether the whole request has arrived. Node marks a request complete only after the 'data' event
 * of its last byte (and after the 'request' event of one without a body), so an answer made in
 * between counts the bytes of the length the request declared.
 */
function bodyReceived(incoming: IncomingMessage, req: HttpRequest): boolean {
  if (incoming.complete) return true;
  const lengthHeader = incoming.headers['content-length'];
  if (lengthHeader === undefined) return incoming.headers['transfer-encoding'] === undefined;
  return req.stream === undefined && req.body.length === Number(lengthHeader);
}

function incompleteBody(): AwsError {
  return new AwsError('IncompleteBody', 'The request body terminated before the length the client declared.', { status: 400 });
}

function tooLarge(max: number): AwsError {
  return new AwsError('RequestEntityTooLarge', `Request body is larger than the ${max} bytes Drydock accepts for this operation`, { status: 413 });
}

/**
 * Writes the answer; a promise only for a streamed body, settled once it has been sent. Headers go
 * to Node as a flat name/value list: an object (and the copy that kept the response's own
 * unchanged) cost several microseconds more per request in Node's header serialisation.
 */
function writeResponse(res: ServerResponse, response: HttpResponse, headOnly: boolean): Promise<void> | undefined {
  const { body } = response;
  const flat: (string | undefined)[] = [];
  let hasLength = false;
  for (const name in response.headers) {
    let value: string | undefined = response.headers[name];
    if (name === 'content-length') {
      hasLength = true;
      value ??= contentLength(body);
    }
    flat.push(name, value);
  }
  if (!hasLength) {
    const length = contentLength(body);
    if (length !== undefined) flat.push('content-length', length);
  }
  // Node refuses an undefined value (a streamed body's unset content-length) as it did in an object.
  res.writeHead(response.status, flat as string[]);
  if (headOnly || body === undefined) {
    if (body instanceof Readable) body.destroy();
    res.end();
    return undefined;
  }
  if (body instanceof Readable) {
    return new Promise<void>((resolve) => {
      body.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', resolve);
      body.pipe(res);
    });
  }
  res.end(body);
  return undefined;
}

/** The Content-Length of a body known in full; undefined for a stream. */
function contentLength(body: HttpResponse['body']): string | undefined {
  if (body === undefined) return '0';
  if (typeof body === 'string') return String(Buffer.byteLength(body));
  if (Buffer.isBuffer(body)) return String(body.length);
  return undefined;
}

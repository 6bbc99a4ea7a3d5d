/**
 * Function URLs: the configuration operations, and the URLs themselves, served on Drydock's port at
 * `/_lambda/url/<url-id>/` (AWS's are `https://<url-id>.lambda-url.<region>.on.aws/`). A request
 * becomes AWS's payload format 2.0 event and the function's answer an HTTP response, as AWS maps
 * them. AuthType AWS_IAM needs a SigV4 signature (service `lambda`) from a principal allowed
 * lambda:InvokeFunctionUrl; AuthType NONE needs the function's resource policy to allow it to
 * everyone, as AWS requires.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  CreateFunctionUrlConfigRequest,
  CreateFunctionUrlConfigResponse,
  DeleteFunctionUrlConfigRequest,
  FunctionUrlConfig,
  GetFunctionUrlConfigRequest,
  GetFunctionUrlConfigResponse,
  ListFunctionUrlConfigsRequest,
  ListFunctionUrlConfigsResponse,
  UpdateFunctionUrlConfigRequest,
  UpdateFunctionUrlConfigResponse,
} from '@aws-sdk/client-lambda';
import type { Principal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { iamId, uuid } from '../../core/ids.js';
import { evaluate } from '../../core/policy.js';
import { checkCredential } from '../../protocol/credentials.js';
import { awsErrors, DEFAULT_SIGNING } from '../../protocol/dialect.js';
import { parseSigV4, verifySigV4 } from '../../protocol/sigv4.js';
import type { HttpRequest, RequestContext } from '../../protocol/types.js';
import { conflict, functionArn, type LambdaContext, lambdaTimestamp, notFound } from './common.js';
import { invocationTarget, runInvocation, traceFor } from './invoke.js';
import { functionResourcePolicy } from './permissions.js';
import { findFunction, resolveFunction } from './resolve.js';

/** Where function URLs are served, under the service's HTTP prefix. */
export const FUNCTION_URL_PATH = '/_lambda/url/';

function urlOf(endpoint: string, urlId: string): string {
  return `${endpoint}${FUNCTION_URL_PATH}${urlId}/`;
}

/** The qualifier a URL is for: an alias, `$LATEST`, or none; AWS refuses version numbers. */
function urlTarget(c: LambdaContext, functionName: string, qualifier: string | undefined, ctx: RequestContext) {
  const { ref, fn } = findFunction(c, functionName, qualifier, ctx);
  if (ref.qualifier !== undefined && /^\d+$/.test(ref.qualifier))
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${ref.qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)`,
    );
  if (ref.qualifier !== undefined) resolveFunction(c, functionName, qualifier, ctx);
  return { ref, fn, key: ref.qualifier ?? '' };
}

function view(ctx: RequestContext, row: { account: string; region: string; function_name: string; qualifier: string; url_id: string; config: string }): FunctionUrlConfig {
  const stored = JSON.parse(row.config) as Omit<FunctionUrlConfig, 'FunctionUrl' | 'FunctionArn'>;
  return { FunctionUrl: urlOf(ctx.endpoint, row.url_id), FunctionArn: functionArn(row, row.function_name, row.qualifier || undefined), ...stored } as FunctionUrlConfig;
}

export function createFunctionUrlConfig(c: LambdaContext, input: CreateFunctionUrlConfigRequest, ctx: RequestContext): CreateFunctionUrlConfigResponse {
  return c.store.tx(() => {
    const { ref, fn, key } = urlTarget(c, input.FunctionName!, input.Qualifier, ctx);
    if (c.store.getUrl(ref, fn.name, key))
      throw conflict(`Failed to create function url config for [functionArn = ${functionArn(ref, fn.name, key || undefined)}]. Error message:  FunctionUrlConfig exists for this Lambda function`);
    const now = lambdaTimestamp(c.rt.clock.now());
    const config = { AuthType: input.AuthType, ...(input.Cors ? { Cors: input.Cors } : {}), CreationTime: now, LastModifiedTime: now, InvokeMode: input.InvokeMode ?? 'BUFFERED' };
    const urlId = iamId('', 32).toLowerCase();
    c.store.putUrl(ref, fn.name, key, urlId, JSON.stringify(config));
    const { LastModifiedTime: _modified, ...created } = view(ctx, {
      account: ref.account,
      region: ref.region,
      function_name: fn.name,
      qualifier: key,
      url_id: urlId,
      config: JSON.stringify(config),
    });
    return created as CreateFunctionUrlConfigResponse;
  });
}

export function getFunctionUrlConfig(c: LambdaContext, input: GetFunctionUrlConfigRequest, ctx: RequestContext): GetFunctionUrlConfigResponse {
  const { ref, fn, key } = urlTarget(c, input.FunctionName!, input.Qualifier, ctx);
  const row = c.store.getUrl(ref, fn.name, key);
  if (!row) throw notFound('The resource you requested does not exist.');
  return view(ctx, row) as GetFunctionUrlConfigResponse;
}

export function updateFunctionUrlConfig(c: LambdaContext, input: UpdateFunctionUrlConfigRequest, ctx: RequestContext): UpdateFunctionUrlConfigResponse {
  return c.store.tx(() => {
    const { ref, fn, key } = urlTarget(c, input.FunctionName!, input.Qualifier, ctx);
    const row = c.store.getUrl(ref, fn.name, key);
    if (!row) throw notFound('The resource you requested does not exist.');
    const previous = JSON.parse(row.config) as Record<string, unknown>;
    const config = {
      ...previous,
      ...(input.AuthType ? { AuthType: input.AuthType } : {}),
      ...(input.Cors ? { Cors: input.Cors } : {}),
      ...(input.InvokeMode ? { InvokeMode: input.InvokeMode } : {}),
      LastModifiedTime: lambdaTimestamp(c.rt.clock.now()),
    };
    c.store.putUrl(ref, fn.name, key, row.url_id, JSON.stringify(config));
    return view(ctx, { ...row, config: JSON.stringify(config) }) as UpdateFunctionUrlConfigResponse;
  });
}

export function deleteFunctionUrlConfig(c: LambdaContext, input: DeleteFunctionUrlConfigRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const { ref, fn, key } = urlTarget(c, input.FunctionName!, input.Qualifier, ctx);
    if (!c.store.getUrl(ref, fn.name, key)) throw notFound('The resource you requested does not exist.');
    c.store.deleteUrl(ref, fn.name, key);
  });
  return {};
}

export function listFunctionUrlConfigs(c: LambdaContext, input: ListFunctionUrlConfigsRequest, ctx: RequestContext): ListFunctionUrlConfigsResponse {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return { FunctionUrlConfigs: c.store.urls(ref, fn.name).map((row) => view(ctx, row)) };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readRequest(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The caller of an AWS_IAM URL, from its SigV4 signature; undefined when unsigned or invalid. */
async function signedCaller(c: LambdaContext, http: HttpRequest): Promise<Principal | undefined> {
  const errors = awsErrors('rest-json');
  try {
    const auth = parseSigV4(http, errors);
    if (!auth) return undefined;
    const credential = checkCredential(c.rt.credential(auth.accessKeyId), { sessionToken: http.headers['x-amz-security-token'], now: c.rt.clock.now() }, errors);
    verifySigV4(http, auth, credential, { errors, signing: DEFAULT_SIGNING, now: Date.now(), host: http.headers.host ?? '' });
    return credential.principal;
  } catch {
    return undefined;
  }
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded))/;

/** AWS's payload format 2.0 event for an HTTP request. */
function urlEvent(urlId: string, callerAccount: string, region: string, http: HttpRequest, body: Buffer, sourceIp: string, now: number) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(http.headers)) if (name !== 'cookie') headers[name] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of http.query) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const text = !http.headers['content-type'] || TEXT_TYPES.test(http.headers['content-type']);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: http.path,
    rawQueryString: http.rawQuery,
    ...(http.headers.cookie ? { cookies: http.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(http.query.length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: callerAccount,
      apiId: urlId,
      domainName: `${urlId}.lambda-url.${region}.on.aws`,
      domainPrefix: urlId,
      http: { method: http.method, path: http.path, protocol: 'HTTP/1.1', sourceIp, userAgent: http.headers['user-agent'] ?? '' },
      requestId: uuid(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** The HTTP response a function's answer stands for, as AWS maps it. */
function sendFunctionAnswer(res: ServerResponse, payload: Buffer): void {
  let answer: unknown;
  try {
    answer = JSON.parse(payload.toString('utf8'));
  } catch {
    answer = payload.toString('utf8');
  }
  if (answer && typeof answer === 'object' && 'statusCode' in answer) {
    const a = answer as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
    const body = a.body === undefined ? Buffer.alloc(0) : Buffer.from(a.body, a.isBase64Encoded ? 'base64' : 'utf8');
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json', ...a.headers, 'content-length': String(body.length) };
    if (a.cookies?.length) headers['set-cookie'] = a.cookies;
    res.writeHead(a.statusCode, headers);
    res.end(body);
    return;
  }
  const body = Buffer.from(typeof answer === 'string' ? answer : JSON.stringify(answer));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** Serves a request to a function URL: `rest` is `<url-id>/<path>`. */
export async function serveFunctionUrl(c: LambdaContext, req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  const slash = rest.indexOf('/');
  const urlId = slash < 0 ? rest : rest.slice(0, slash);
  const row = c.store.urlById(urlId);
  if (!row) return sendJson(res, 403, { Message: 'Forbidden' });
  const body = await readRequest(req);
  const [rawPath, rawQuery = ''] = (req.url ?? '').split('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const http: HttpRequest = { method: req.method ?? 'GET', path: rawPath, rawQuery, query: [...new URLSearchParams(rawQuery)], headers, body };
  const config = JSON.parse(row.config) as { AuthType: string };
  const scope = { account: row.account, region: row.region };
  const resource = functionArn(scope, row.function_name, row.qualifier || undefined);
  const policy = functionResourcePolicy(c, resource);
  const context = { 'lambda:FunctionUrlAuthType': config.AuthType };
  let allowed: boolean;
  let callerAccount = 'anonymous';
  if (config.AuthType === 'AWS_IAM') {
    const principal = await signedCaller(c, http);
    callerAccount = principal?.account ?? callerAccount;
    allowed =
      principal !== undefined &&
      c.rt.api('iam').authorize(principal, { action: 'lambda:InvokeFunctionUrl', resource, region: row.region, context, resourcePolicy: policy, resourceAccount: row.account }).decision === 'Allow';
  } else {
    const anyone = { arn: '*', account: '', kind: 'anonymous' as const };
    allowed = evaluate({ principal: anyone, action: 'lambda:InvokeFunctionUrl', resource, context, identityPolicies: [], resourcePolicy: policy }).decision === 'Allow';
  }
  if (!allowed) return sendJson(res, 403, { Message: 'Forbidden' });
  const path = slash < 0 ? '/' : rest.slice(slash);
  const event = urlEvent(urlId, callerAccount, row.region, { ...http, path }, body, req.socket.remoteAddress ?? '127.0.0.1', c.rt.clock.now());
  try {
    const target = invocationTarget(c, resolveFunction(c, row.function_name, row.qualifier || undefined, scope));
    const trace = traceFor(undefined, scope, row.function_name, c.rt.clock.now());
    const result = await runInvocation(c, target, Buffer.from(JSON.stringify(event)), uuid(), trace.header);
    if (result.functionError) return sendJson(res, 502, { Message: 'Internal Server Error' });
    sendFunctionAnswer(res, result.payload);
  } catch (err) {
    if (err instanceof AwsError && err.code === 'TooManyRequestsException') return sendJson(res, 429, { Message: 'Rate Exceeded.' });
    if (err instanceof AwsError) return sendJson(res, 502, { Message: 'Internal Server Error' });
    throw err;
  }
}

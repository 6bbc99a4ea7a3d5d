/**
 * Routing: which service and operation a request is for, from (in order) the X-Amz-Target header
 * (JSON protocols), the SigV4 credential scope's service name, the Action field of unsigned query
 * requests, or the service whose dialect answers everything else (S3); then, within the service,
 * the Action field (query protocols) or the model's REST path templates (`requestUri` + method).
 * Reads the body only where the route depends on it, and never that of a streaming upload.
 * A request for a service Drydock does not serve (a signing name, X-Amz-Target prefix or unsigned
 * Action no service has) is an UnservedRequest, thrown with its body read (its signature covers it).
 */
import { AwsError } from '../core/errors.js';
import { once } from '../core/lazy.js';
import { formParams } from './codecs/query.js';
import { compileRoutes, type RestRouter } from './codecs/rest.js';
import { awsErrors, type ProtocolDialect } from './dialect.js';
import type { Operation, ServiceModel } from './model.js';
import type { HttpRequest } from './types.js';
import { UnservedRequest } from './unserved.js';

export interface RoutableService {
  name: string;
  model: ServiceModel;
  dialect?: ProtocolDialect;
}

export interface Route<S> {
  service: S;
  op: Operation;
  /** REST path labels (`{Bucket}`, `{Key+}`), decoded. */
  labels: Record<string, string>;
}

export interface RoutingOptions<S> {
  /** The service for requests nothing names; by default the one whose dialect claims them (`catchAll`). */
  fallback?: S;
}

const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;
const PRESIGNED_SCOPE = /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\//;

export class Routing<S extends RoutableService> {
  private readonly byTarget = new Map<string, S>();
  private readonly bySigningName = new Map<string, S>();
  private readonly queryServices: S[];
  /** REST services' routes, compiled on their first request (startup reads no operation). */
  private readonly routers = new Map<S, () => RestRouter>();
  private readonly fallback: S | undefined;
  /** The signing names Drydock serves, as an unserved request's answer lists them. */
  private readonly served: string[];

  constructor(services: S[], opts: RoutingOptions<S> = {}) {
    for (const service of services) {
      const { model } = service;
      if (model.metadata.targetPrefix) this.byTarget.set(model.metadata.targetPrefix, service);
      this.bySigningName.set(model.signingName, service);
      if (model.protocol.startsWith('rest'))
        this.routers.set(
          service,
          once(() => compileRoutes(model)),
        );
    }
    this.queryServices = services.filter((s) => s.model.protocol === 'query');
    this.fallback = opts.fallback ?? services.find((s) => s.dialect?.catchAll);
    this.served = [...this.bySigningName.keys()].sort();
  }

  /**
   * The service and operation `req` is for. `loadBody` fills `req.body` (called at most where the
   * route needs it, and for every operation but streaming uploads); `serviceFound` learns the
   * service as soon as it is known, so that a routing error is answered in that service's protocol.
   */
  route(req: HttpRequest, loadBody: () => Promise<void>, serviceFound: (service: S) => void = () => {}): Promise<Route<S>> {
    const target = req.headers['x-amz-target'];
    if (!target) return this.routeUntargeted(req, loadBody, serviceFound);
    // Every awsJson call comes this way: one promise for its body, without async frames around it.
    let route: Route<S> | undefined;
    try {
      route = this.byTargetHeader(req, target, serviceFound);
    } catch (err) {
      return Promise.reject(err);
    }
    return loadBody().then(() => {
      if (!route) throw new UnservedRequest(req, signingScope(req), this.served, undefined);
      return route;
    });
  }

  /** The route of a request without X-Amz-Target: by its signing name, Action or REST path. */
  private async routeUntargeted(req: HttpRequest, loadBody: () => Promise<void>, serviceFound: (service: S) => void): Promise<Route<S>> {
    let bodyLoaded = false;
    const loadBodyOnce = async () => {
      if (bodyLoaded) return;
      bodyLoaded = true;
      await loadBody();
    };
    const service = await this.serviceOf(req, loadBodyOnce);
    serviceFound(service);
    if (service.model.protocol === 'query' || service.model.protocol === 'ec2') {
      await loadBodyOnce();
      const action = formParams(req.body, req.query).get('Action');
      if (!action) throw new AwsError('MissingAction', 'Missing Action parameter', { status: 400 });
      const op = service.model.operations.get(action);
      if (!op) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${service.model.metadata.apiVersion}`, { status: 400 });
      return { service, op, labels: {} };
    }
    const router = this.routers.get(service);
    if (!router) throw new AwsError('UnknownOperationException', `${service.name} needs an X-Amz-Target header`, { status: 400 });
    service.dialect?.rewriteRequest?.(req);
    const match = router().match(req);
    if (!match) throw (service.dialect?.errors?.noRoute ?? awsErrors(service.model.protocol).noRoute)(req, service.name);
    if (!isStreamingInput(service.model, match.op)) await loadBodyOnce();
    return { service, ...match };
  }

  /** The route an X-Amz-Target names; undefined when it names a service Drydock does not serve. */
  private byTargetHeader(req: HttpRequest, target: string, serviceFound: (service: S) => void): Route<S> | undefined {
    const dot = target.lastIndexOf('.');
    const service = this.byTarget.get(target.slice(0, dot));
    const op = service?.model.operations.get(target.slice(dot + 1));
    if (!service) {
      // An X-Amz-Target prefix of no service Drydock serves: unless signed for one that it serves (and then an unknown operation of it).
      const scope = signingScope(req);
      if (!scope || !this.bySigningName.has(scope)) return undefined;
    } else {
      serviceFound(service);
    }
    if (!service || !op) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`, { status: 400 });
    // awsJson is POST only: another method must not run an operation (a HEAD must not write).
    if (req.method !== 'POST') throw new AwsError('UnknownOperationException', `${service.model.metadata.serviceId} operations are called with POST, not ${req.method}`, { status: 404 });
    return { service, op, labels: {} };
  }

  /** The service of a request without X-Amz-Target. */
  private async serviceOf(req: HttpRequest, loadBody: () => Promise<void>): Promise<S> {
    const scope = signingScope(req);
    // A client signing for a service Drydock does not serve would otherwise get the fallback's answers.
    if (scope && !this.bySigningName.has(scope)) {
      const action = await this.actionOf(req, loadBody);
      await loadBody();
      throw new UnservedRequest(req, scope, this.served, action);
    }
    let service = scope ? this.bySigningName.get(scope) : undefined;
    if (!service) {
      // Unsigned query requests (AssumeRoleWithWebIdentity) go to `/`, where the Action names the
      // service; elsewhere an Action parameter is an S3 object's query, even one a query service has.
      const action = await this.actionOf(req, loadBody);
      service = action && req.path === '/' ? this.queryServices.find((s) => s.model.operations.has(action)) : undefined;
      if (!service && action && req.path === '/') throw new UnservedRequest(req, undefined, this.served, action);
    }
    service ??= this.fallback;
    if (!service) throw new AwsError('UnknownOperationException', 'No service matches this request', { status: 404 });
    return service;
  }

  /** The Action field of a query-style request (body or query string). */
  private async actionOf(req: HttpRequest, loadBody: () => Promise<void>): Promise<string | undefined> {
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (!isForm && !req.query.some(([k]) => k === 'Action')) return undefined;
    await loadBody();
    return formParams(req.body, req.query).get('Action');
  }
}

/** Whether an operation's input payload is a stream (S3 PutObject), worked out once per operation. */
const streamingOps = new WeakMap<Operation, boolean>();
export function isStreamingInput(model: ServiceModel, op: Operation): boolean {
  let streaming = streamingOps.get(op);
  if (streaming === undefined) {
    const payload = op.input?.payload;
    streaming = !!payload && !!model.member(op.input!.members![payload]).streaming;
    streamingOps.set(op, streaming);
  }
  return streaming;
}

/** The service named by the SigV4 credential scope (Authorization header or presigned query), if signed. */
function signingScope(req: HttpRequest): string | undefined {
  const header = req.headers.authorization;
  if (header) return CREDENTIAL_SCOPE.exec(header)?.[1];
  const credential = req.query.find(([k]) => k === 'X-Amz-Credential')?.[1];
  return credential ? PRESIGNED_SCOPE.exec(credential)?.[1] : undefined;
}

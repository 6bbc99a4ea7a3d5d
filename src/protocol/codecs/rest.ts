/**
 * HTTP bindings shared by restJson1 and restXml: URI templates, query strings, headers, status
 * codes and payload members, all read from the model's `location`/`locationName`/`payload`.
 */
import type { Operation, ServiceModel, Shape } from '../model.js';
import type { HttpRequest } from '../types.js';
import { formatScalar, formatTimestamp, memberPath, parseJsonValueHeader, parseScalar } from '../wire.js';

interface CompiledRoute {
  op: Operation;
  pattern: RegExp;
  labels: { name: string; greedy: boolean }[];
  literalLength: number;
  requiredHeaders: string[];
  /** Required query-bound members: S3's UploadPart, ListParts … share a URI with PutObject, GetObject … and differ only by these. */
  requiredQuery: string[];
  /** The literal query of the request URI (`?tagging`, `?list-type=2`) as name/value pairs. */
  staticQuery: [string, string][];
}

export interface RestRouter {
  match(req: HttpRequest): { op: Operation; labels: Record<string, string> } | undefined;
  /** True when some operation exists for the path under another method. */
  pathExists(req: HttpRequest): boolean;
}

export function compileRoutes(model: ServiceModel): RestRouter {
  const routes: CompiledRoute[] = [];
  for (const op of model.operations.values()) {
    const labels: { name: string; greedy: boolean }[] = [];
    let literalLength = 0;
    const source = op.path.replace(/\{([^}]+?)(\+)?\}|[^{]+/g, (whole, name: string | undefined, plus: string | undefined) => {
      if (name) {
        labels.push({ name, greedy: !!plus });
        return plus ? '(.+)' : '([^/]+)';
      }
      literalLength += whole.length;
      return whole.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
    const tail = op.path.endsWith('/') || labels.some((l) => l.greedy) ? '' : '/?';
    const requiredHeaders: string[] = [];
    const requiredQuery: string[] = [];
    if (op.input) {
      for (const name of op.input.required ?? []) {
        const member = model.member(op.input.members![name]);
        if (member.location === 'header') requiredHeaders.push(member.locationName!.toLowerCase());
        if (member.location === 'querystring' && member.type !== 'map') requiredQuery.push(member.locationName ?? name);
      }
    }
    routes.push({ op, pattern: new RegExp(`^${source}${tail}$`), labels, literalLength, requiredHeaders, requiredQuery, staticQuery: Object.entries(op.staticQuery) });
  }
  // Most specific first; among equals a deprecated operation (S3 GetBucketLifecycle, …) yields to its successor.
  const score = (r: CompiledRoute) => (Object.keys(r.op.staticQuery).length + r.requiredQuery.length) * 1000 + r.requiredHeaders.length * 100 + r.literalLength - (r.op.deprecated ? 1 : 0);
  routes.sort((a, b) => score(b) - score(a));

  // The routes of each method, in the same order: a request is tried only against its method's.
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const route of routes) {
    const list = byMethod.get(route.op.method);
    if (list) list.push(route);
    else byMethod.set(route.op.method, [route]);
  }

  return {
    match(req) {
      const queryKeys = req.query.length ? new Set(req.query.map(([k]) => k)) : NO_QUERY_KEYS;
      for (const route of byMethod.get(req.method) ?? []) {
        // The query and header conditions first: cheaper than the path's regular expression, and
        // most routes (S3's `?acl`, `?tagging` …) fail them. Plain loops: a closure per condition
        // per route cost every request dozens of calls.
        if (!meetsConditions(route, req, queryKeys)) continue;
        const m = route.pattern.exec(req.path);
        if (!m) continue;
        const labels: Record<string, string> = {};
        for (let i = 0; i < route.labels.length; i++) labels[route.labels[i].name] = safeDecode(m[i + 1]);
        return { op: route.op, labels };
      }
      return undefined;
    },
    pathExists(req) {
      return routes.some((r) => r.pattern.test(req.path));
    },
  };
}

const NO_QUERY_KEYS: ReadonlySet<string> = new Set();

/** Whether the request has the route's literal query, required headers and required query members. */
function meetsConditions(route: CompiledRoute, req: HttpRequest, queryKeys: ReadonlySet<string>): boolean {
  for (const [k, v] of route.staticQuery) {
    if (!queryKeys.has(k)) return false;
    if (v !== '' && !req.query.some(([qk, qv]) => qk === k && qv === v)) return false;
  }
  for (const header of route.requiredHeaders) if (req.headers[header] === undefined) return false;
  for (const k of route.requiredQuery) if (!queryKeys.has(k)) return false;
  return true;
}

function safeDecode(text: string): string {
  // Most labels (bucket names, plain keys) have nothing escaped: decoding them answers the same text.
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One member bound to the URI, the query string or headers, with what decoding it needs worked out once. */
interface InputBinding {
  name: string;
  member: Shape;
  /** The member's name in error paths (`key`). */
  path: string;
  /** Its name on the wire; for headers, lower-cased as Node gives header names. */
  wire: string;
}

interface InputBindings {
  uri: InputBinding[];
  query: InputBinding[];
  /** A map member taking the query parameters no other member names. */
  queryMap?: InputBinding;
  /** Members of header, headers and uri location, in model order (the order they land in the input). */
  ordered: InputBinding[];
}

/** Each input shape's bindings, worked out on its first request: names, paths and wire names were rebuilt per member per request. */
const inputBindings = new WeakMap<Shape, InputBindings>();
function bindingsOf(model: ServiceModel, input: Shape): InputBindings {
  let bindings = inputBindings.get(input);
  if (!bindings) {
    bindings = { uri: [], query: [], ordered: [] };
    for (const { name, shape: member } of model.fields(input)) {
      if (member.location === undefined) continue;
      const wire = member.locationName ?? name;
      const binding = { name, member, path: memberPath('', name), wire: member.location === 'header' ? wire.toLowerCase() : wire };
      if (member.location === 'querystring') {
        if (member.type === 'map') bindings.queryMap = binding;
        else bindings.query.push(binding);
      }
      bindings.ordered.push(binding);
    }
    inputBindings.set(input, bindings);
  }
  return bindings;
}

/** Members bound to the URI, query string and headers. */
export function decodeHttpBindings(model: ServiceModel, input: Shape, req: HttpRequest, labels: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const { ordered, queryMap } = bindingsOf(model, input);
  for (const { name, member, path, wire } of ordered) {
    switch (member.location) {
      case 'uri':
        if (labels[wire] !== undefined) out[name] = parseScalar(member, labels[wire], path);
        break;
      case 'querystring': {
        if (member.type === 'map' || req.query.length === 0) break;
        const values = req.query.filter(([k]) => k === wire).map(([, v]) => v);
        if (!values.length) break;
        if (member.type === 'list') {
          const item = model.member(member.member!);
          out[name] = values.map((v, i) => parseScalar(item, v, `${path}.${i + 1}.member`));
        } else {
          out[name] = parseScalar(member, values[0], path);
        }
        break;
      }
      case 'header': {
        const value = req.headers[wire];
        if (value === undefined) break;
        if (member.jsonvalue) out[name] = parseJsonValueHeader(value, path);
        else if (member.type === 'list') {
          const item = model.member(member.member!);
          out[name] = value.split(',').map((v, i) => parseScalar(item, v.trim(), `${path}.${i + 1}.member`));
        } else out[name] = parseScalar(member, value, path);
        break;
      }
      case 'headers': {
        const prefix = (member.locationName ?? '').toLowerCase();
        let map: Record<string, string> | undefined;
        for (const h in req.headers) {
          if (!h.startsWith(prefix)) continue;
          map ??= {};
          map[h.slice(prefix.length)] = req.headers[h];
        }
        if (map) out[name] = map;
        break;
      }
    }
  }
  if (queryMap && req.query.length) {
    const boundQueryKeys = new Set(bindingsOf(model, input).query.map((binding) => binding.wire));
    const valueShape = model.member(queryMap.member.value!);
    const map: Record<string, unknown> = {};
    for (const [k, v] of req.query) {
      if (boundQueryKeys.has(k)) continue;
      if (valueShape.type !== 'list') map[k] ??= v;
      else if (Array.isArray(map[k])) (map[k] as string[]).push(v);
      else map[k] = [v];
    }
    if (Object.keys(map).length) out[queryMap.name] = map;
  }
  return out;
}

/** One output member bound to a header, a header prefix or the status code, its wire name lower-cased once. */
interface OutputBinding {
  name: string;
  member: Shape;
  /** The header's name, or the prefix of a header map's names. */
  wire: string;
}

/** Each output shape's bound members in model order, worked out on its first answer: most members of S3's outputs are headers. */
const outputBindings = new WeakMap<Shape, OutputBinding[]>();
function outputBindingsOf(model: ServiceModel, output: Shape): OutputBinding[] {
  let bindings = outputBindings.get(output);
  if (!bindings) {
    bindings = [];
    for (const { name, shape: member } of model.fields(output)) {
      if (member.location === 'header') bindings.push({ name, member, wire: (member.locationName ?? name).toLowerCase() });
      else if (member.location === 'headers') bindings.push({ name, member, wire: (member.locationName ?? '').toLowerCase() });
      else if (member.location === 'statusCode') bindings.push({ name, member, wire: '' });
    }
    outputBindings.set(output, bindings);
  }
  return bindings;
}

/**
 * Headers and status code from header/statusCode-bound output members; the headers are added to
 * `headers` when given (the codec's own, which then needs no copy of them).
 */
export function encodeHttpBindings(model: ServiceModel, output: Shape, value: Record<string, unknown>, headers: Record<string, string> = {}): { headers: Record<string, string>; status?: number } {
  let status: number | undefined;
  for (const { name, member, wire } of outputBindingsOf(model, output)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    if (member.location === 'header') {
      if (member.jsonvalue) headers[wire] = Buffer.from(JSON.stringify(v)).toString('base64');
      else if (member.type === 'list') headers[wire] = (v as unknown[]).map((item) => formatScalar(model.member(member.member!), item, 'rfc822')).join(',');
      else if (member.type === 'timestamp') headers[wire] = String(formatTimestamp(v, member.timestampFormat ?? 'rfc822'));
      else headers[wire] = formatScalar(member, v, 'rfc822');
    } else if (member.location === 'headers') {
      for (const [k, hv] of Object.entries(v as Record<string, string>)) headers[`${wire}${k}`] = String(hv);
    } else {
      status = Number(v);
    }
  }
  return { headers, status };
}

/** Whether each shape has members in the body, worked out once: decoding and encoding ask on every request. */
const bodyMembers = new WeakMap<Shape, boolean>();

/** Members that travel in the body (no HTTP location). */
export function hasBodyMembers(model: ServiceModel, shape: Shape): boolean {
  let has = bodyMembers.get(shape);
  if (has === undefined) {
    has = Object.values(shape.members ?? {}).some((ref) => !model.member(ref).location);
    bodyMembers.set(shape, has);
  }
  return has;
}

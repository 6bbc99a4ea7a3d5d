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
    routes.push({ op, pattern: new RegExp(`^${source}${tail}$`), labels, literalLength, requiredHeaders, requiredQuery });
  }
  // Most specific first; among equals a deprecated operation (S3 GetBucketLifecycle, …) yields to its successor.
  const score = (r: CompiledRoute) => (Object.keys(r.op.staticQuery).length + r.requiredQuery.length) * 1000 + r.requiredHeaders.length * 100 + r.literalLength - (r.op.deprecated ? 1 : 0);
  routes.sort((a, b) => score(b) - score(a));

  return {
    match(req) {
      const queryKeys = new Set(req.query.map(([k]) => k));
      for (const route of routes) {
        if (route.op.method !== req.method) continue;
        const m = route.pattern.exec(req.path);
        if (!m) continue;
        if (!Object.entries(route.op.staticQuery).every(([k, v]) => queryKeys.has(k) && (v === '' || req.query.some(([qk, qv]) => qk === k && qv === v)))) continue;
        if (!route.requiredHeaders.every((h) => req.headers[h] !== undefined)) continue;
        if (!route.requiredQuery.every((k) => queryKeys.has(k))) continue;
        const labels: Record<string, string> = {};
        route.labels.forEach((label, i) => {
          labels[label.name] = safeDecode(m[i + 1]);
        });
        return { op: route.op, labels };
      }
      return undefined;
    },
    pathExists(req) {
      return routes.some((r) => r.pattern.test(req.path));
    },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Members bound to the URI, query string and headers. */
export function decodeHttpBindings(model: ServiceModel, input: Shape, req: HttpRequest, labels: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const boundQueryKeys = new Set<string>();
  let queryMapMember: [string, Shape] | undefined;
  for (const { name, shape: member } of model.fields(input)) {
    if (member.location === undefined) continue;
    const path = memberPath('', name);
    const wire = member.locationName ?? name;
    switch (member.location) {
      case 'uri':
        if (labels[wire] !== undefined) out[name] = parseScalar(member, labels[wire], path);
        break;
      case 'querystring': {
        if (member.type === 'map') {
          queryMapMember = [name, member];
          break;
        }
        boundQueryKeys.add(wire);
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
        const value = req.headers[wire.toLowerCase()];
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
        const map: Record<string, string> = {};
        for (const [h, v] of Object.entries(req.headers)) if (h.startsWith(prefix)) map[h.slice(prefix.length)] = v;
        if (Object.keys(map).length) out[name] = map;
        break;
      }
    }
  }
  if (queryMapMember) {
    const [name, member] = queryMapMember;
    const valueShape = model.member(member.value!);
    const map: Record<string, unknown> = {};
    for (const [k, v] of req.query) {
      if (boundQueryKeys.has(k)) continue;
      if (valueShape.type !== 'list') map[k] ??= v;
      else if (Array.isArray(map[k])) (map[k] as string[]).push(v);
      else map[k] = [v];
    }
    if (Object.keys(map).length) out[name] = map;
  }
  return out;
}

/** Headers and status code from header/statusCode-bound output members. */
export function encodeHttpBindings(model: ServiceModel, output: Shape, value: Record<string, unknown>): { headers: Record<string, string>; status?: number } {
  const headers: Record<string, string> = {};
  let status: number | undefined;
  for (const { name, shape: member } of model.fields(output)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    if (member.location === 'header') {
      const wire = (member.locationName ?? name).toLowerCase();
      if (member.jsonvalue) headers[wire] = Buffer.from(JSON.stringify(v)).toString('base64');
      else if (member.type === 'list') headers[wire] = (v as unknown[]).map((item) => formatScalar(model.member(member.member!), item, 'rfc822')).join(',');
      else if (member.type === 'timestamp') headers[wire] = String(formatTimestamp(v, member.timestampFormat ?? 'rfc822'));
      else headers[wire] = formatScalar(member, v, 'rfc822');
    } else if (member.location === 'headers') {
      const prefix = (member.locationName ?? '').toLowerCase();
      for (const [k, hv] of Object.entries(v as Record<string, string>)) headers[`${prefix}${k}`] = String(hv);
    } else if (member.location === 'statusCode') {
      status = Number(v);
    }
  }
  return { headers, status };
}

/** Members that travel in the body (no HTTP location). */
export function hasBodyMembers(model: ServiceModel, shape: Shape): boolean {
  return Object.values(shape.members ?? {}).some((ref) => !model.member(ref).location);
}

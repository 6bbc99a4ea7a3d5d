/**
 * awsQuery: form-encoded `Action=…&Version=…` requests (body or query string), XML responses
 * wrapped in `<OpResponse><OpResult>` with `ResponseMetadata`, and `<ErrorResponse>` errors.
 */

import { AwsError } from '../../core/errors.js';
import type { ServiceModel, Shape } from '../model.js';
import { memberPath, parseScalar, setEntry, WireError } from '../wire.js';
import type { Codec, CodecFactory } from './codec.js';
import { errorWire } from './codec.js';
import { escapeXml, writeXml } from './xml.js';

/** Form parameters of a query request: the body for POST, the query string otherwise. */
export function formParams(body: Buffer, query: [string, string][]): Map<string, string> {
  const params = new Map<string, string>(query);
  if (body.length) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  return params;
}

/** The form parameters and every dotted prefix of their names (`A.member.1.B` → `A`, `A.member`, …). */
interface Form {
  params: Map<string, string>;
  prefixes: Set<string>;
}

function toForm(params: Map<string, string>): Form {
  const prefixes = new Set<string>();
  for (const key of params.keys()) {
    for (let dot = key.indexOf('.'); dot > 0; dot = key.indexOf('.', dot + 1)) prefixes.add(key.slice(0, dot));
  }
  return { params, prefixes };
}

function readForm(model: ServiceModel, shape: Shape, form: Form, prefix: string, path: string): unknown {
  const { params } = form;
  // Only descend where parameters exist: keeps decoding proportional to the request and
  // terminates on recursive shapes.
  if (prefix && (shape.type === 'structure' || shape.type === 'list' || shape.type === 'map') && !form.prefixes.has(prefix) && !params.has(prefix)) return undefined;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const { name, shape: member } of model.fields(shape)) {
        const key = prefix ? `${prefix}.${member.locationName ?? name}` : (member.locationName ?? name);
        const value = readForm(model, member, form, key, memberPath(path, name));
        if (value !== undefined) out[name] = value;
      }
      return Object.keys(out).length || !prefix ? out : undefined;
    }
    case 'list': {
      const item = model.member(shape.member!);
      const base = shape.flattened ? prefix : `${prefix}.${item.locationName ?? 'member'}`;
      // An empty list is sent as the bare name with an empty value.
      if (params.get(prefix) === '') return [];
      const out: unknown[] = [];
      for (let i = 1; ; i++) {
        const v = readForm(model, item, form, `${base}.${i}`, `${path}.${i}.member`);
        if (v === undefined) break;
        out.push(v);
      }
      return out.length ? out : undefined;
    }
    case 'map': {
      const keyShape = model.member(shape.key!);
      const valueShape = model.member(shape.value!);
      const base = shape.flattened ? prefix : `${prefix}.entry`;
      const out: Record<string, unknown> = {};
      for (let i = 1; ; i++) {
        const k = params.get(`${base}.${i}.${keyShape.locationName ?? 'key'}`);
        if (k === undefined) break;
        setEntry(out, k, readForm(model, valueShape, form, `${base}.${i}.${valueShape.locationName ?? 'value'}`, `${path}.${k}`));
      }
      return Object.keys(out).length ? out : undefined;
    }
    default: {
      const text = params.get(prefix);
      return text === undefined ? undefined : parseScalar(shape, text, path);
    }
  }
}

export const queryCodec: CodecFactory = (model, { serializationError }): Codec => {
  const ns = model.metadata.xmlNamespace ? ` xmlns="${model.metadata.xmlNamespace}"` : '';
  const xmlHeaders = (requestId: string) => ({ 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  return {
    decode(op, req) {
      if (!op.input) return {};
      try {
        return readForm(model, op.input, toForm(formParams(req.body, req.query)), '', '') as Record<string, unknown>;
      } catch (err) {
        if (err instanceof WireError) throw new AwsError(serializationError, err.message);
        throw err;
      }
    },
    encode(op, output, requestId) {
      const result = op.output && op.resultWrapper ? writeXml(model, op.output, output ?? {}, op.resultWrapper) : '';
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${op.name}Response${ns}>${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op.name}Response>`;
      return { status: 200, headers: xmlHeaders(requestId), body };
    },
    encodeError(err, requestId) {
      const { code, status, sender } = errorWire(model, err);
      const extra = Object.entries(err.fields)
        .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
        .join('');
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${ns}><Error><Type>${sender ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return { status, headers: { ...xmlHeaders(requestId), ...err.headers }, body };
    },
  };
};

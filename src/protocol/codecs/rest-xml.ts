/** restXml (S3 and friends): HTTP bindings plus XML documents for body members and payloads. */
import { Readable } from 'node:stream';
import { AwsError } from '../../core/errors.js';
import { pooledRandomText } from '../../core/ids.js';
import type { Shape } from '../model.js';
import { WireError } from '../wire.js';
import type { Codec, CodecFactory } from './codec.js';
import { errorWire } from './codec.js';
import { decodeHttpBindings, encodeHttpBindings, hasBodyMembers } from './rest.js';
import { escapeXml, parseXmlDocument, readXml, writeXml } from './xml.js';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * The extended request id S3 sends as `x-amz-id-2` on every answer and as `<HostId>` in error
 * documents (the same value): 56 opaque bytes, base64, as AWS's look.
 */
const hostId = pooledRandomText(56, 'base64');

/**
 * Key under which a handler's output may carry {@link ResponseOverrides}: the generic way for a
 * restXml service to answer what the model alone cannot describe (a 206 or 304 status, the root
 * element names and namespace S3 really sends, a document that is only a text root).
 */
export const RESPONSE_OVERRIDES = Symbol('drydock.responseOverrides');

export interface ResponseOverrides {
  /** HTTP status instead of the operation's default (206 Partial Content, 304 Not Modified …). */
  status?: number;
  /** Root element of the response document instead of `<Operation>Result` or the payload member's name. */
  xmlRoot?: string;
  /** `xmlns` of the root element when the model declares none. */
  xmlNamespace?: string;
  /** Render this top-level output member as the root element's text (S3 GetBucketLocation). */
  xmlTextMember?: string;
}

/** Attaches response overrides to a handler output (merged with any it already carries). */
export function withResponse<T extends object>(output: T, overrides: ResponseOverrides): T {
  const carrier = output as { [RESPONSE_OVERRIDES]?: ResponseOverrides };
  const current = carrier[RESPONSE_OVERRIDES];
  // Kept as given when there is nothing to merge (every S3 answer gets its namespace this way): never mutated, only replaced.
  carrier[RESPONSE_OVERRIDES] = current ? { ...current, ...overrides } : overrides;
  return output;
}

/**
 * Moves Content-Length behind every other header. Node (20.x) re-encodes a Content-Disposition that
 * follows a Content-Length as bytes and then refuses any ISO-8859-1 character in it, dropping the
 * answer: one that precedes it is sent as the ISO-8859-1 it is, as S3 sends it.
 */
function lengthLast(headers: Record<string, string>): void {
  const length = headers['content-length'];
  if (length === undefined || headers['content-disposition'] === undefined) return;
  delete headers['content-length'];
  headers['content-length'] = length;
}

export const restXmlCodec: CodecFactory = (model, { serializationError }): Codec => {
  const malformed = () => new AwsError(serializationError, 'The XML you provided was not well-formed or did not validate against our published schema', { status: 400 });
  const nsAttr = (shape: Shape, overrides: ResponseOverrides) => {
    const uri = shape.xmlNamespace?.uri ?? model.metadata.xmlNamespace ?? overrides.xmlNamespace;
    return uri ? ` xmlns="${uri}"` : '';
  };
  const parseDocument = (body: Buffer, shape: Shape, path: string) => {
    if (!body.length) return undefined;
    try {
      const { node } = parseXmlDocument(body.toString('utf8'));
      return readXml(model, shape, node, path);
    } catch (err) {
      if (err instanceof WireError && err.path) throw new AwsError(serializationError, err.message, { status: 400 });
      throw malformed();
    }
  };
  return {
    decode(op, req, labels) {
      if (!op.input) return {};
      let input: Record<string, unknown>;
      try {
        input = decodeHttpBindings(model, op.input, req, labels);
      } catch (err) {
        if (err instanceof WireError) throw new AwsError('InvalidArgument', err.message, { status: 400 });
        throw err;
      }
      const payloadName = op.input.payload;
      if (payloadName) {
        const member = model.member(op.input.members![payloadName]);
        if (member.type === 'structure') {
          const value = parseDocument(req.body, member, '');
          if (value !== undefined) input[payloadName] = value;
        } else if (member.streaming) {
          input[payloadName] = req.stream ?? Readable.from(req.body);
        } else if (req.body.length) {
          input[payloadName] = member.type === 'string' ? req.body.toString('utf8') : req.body;
        }
      } else if (hasBodyMembers(model, op.input)) {
        Object.assign(input, parseDocument(req.body, op.input, '') ?? {});
      }
      return input;
    },
    encode(op, output, requestId) {
      const value = (output ?? {}) as Record<string, unknown>;
      const overrides = (value as { [RESPONSE_OVERRIDES]?: ResponseOverrides })[RESPONSE_OVERRIDES] ?? {};
      const headers: Record<string, string> = { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId() };
      if (!op.output) return { status: overrides.status ?? op.responseCode, headers };
      const bindings = encodeHttpBindings(model, op.output, value, headers);
      lengthLast(headers);
      const status = overrides.status ?? bindings.status ?? op.responseCode;
      if (status === 304) {
        // Not Modified has no body: a stream the handler opened anyway is released here.
        for (const member of Object.values(value)) if (member instanceof Readable) member.destroy();
        return { status, headers };
      }
      if (overrides.xmlTextMember !== undefined) {
        const root = overrides.xmlRoot ?? overrides.xmlTextMember;
        const text = value[overrides.xmlTextMember];
        headers['content-type'] = 'application/xml';
        const ns = nsAttr(op.output, overrides);
        return { status, headers, body: XML_DECL + (text === undefined || text === null || text === '' ? `<${root}${ns}/>` : `<${root}${ns}>${escapeXml(String(text))}</${root}>`) };
      }
      const payloadName = op.output.payload;
      if (payloadName) {
        const member = model.member(op.output.members![payloadName]);
        const payload = value[payloadName];
        if (payload === undefined || payload === null) return { status, headers };
        if (member.type === 'structure') {
          headers['content-type'] = 'application/xml';
          return { status, headers, body: XML_DECL + writeXml(model, member, payload, overrides.xmlRoot ?? member.locationName ?? payloadName, nsAttr(member, overrides)) };
        }
        return { status, headers, body: payload as Buffer | string | Readable };
      }
      if (!hasBodyMembers(model, op.output)) return { status, headers };
      headers['content-type'] = 'application/xml';
      return { status, headers, body: XML_DECL + writeXml(model, op.output, value, overrides.xmlRoot ?? op.output.locationName ?? `${op.name}Result`, nsAttr(op.output, overrides)) };
    },
    encodeError(err, requestId) {
      const { code, status } = errorWire(model, err);
      const extra = Object.entries(err.fields)
        .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
        .join('');
      const host = hostId();
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': host, ...err.headers },
        body: `${XML_DECL}<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${host}</HostId></Error>`,
      };
    },
  };
};

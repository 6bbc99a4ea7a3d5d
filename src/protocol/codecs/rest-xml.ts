/** restXml (S3 and friends): HTTP bindings plus XML documents for body members and payloads. */
import { Readable } from 'node:stream';
import type { Codec, CodecFactory } from './codec.js';
import { errorWire } from './codec.js';
import { decodeHttpBindings, encodeHttpBindings, hasBodyMembers } from './rest.js';
import { writeXml, parseXmlDocument, readXml, escapeXml } from './xml.js';
import { AwsError } from '../../core/errors.js';
import { WireError } from '../wire.js';
import type { Shape } from '../model.js';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export const restXmlCodec: CodecFactory = (model, { serializationError }): Codec => {
  const malformed = () => new AwsError(serializationError, 'The XML you provided was not well-formed or did not validate against our published schema', { status: 400 });
  const nsAttr = (shape: Shape) => {
    const uri = shape.xmlNamespace?.uri ?? model.metadata.xmlNamespace;
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
      const headers: Record<string, string> = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
      if (!op.output) return { status: op.responseCode, headers };
      const bindings = encodeHttpBindings(model, op.output, value);
      Object.assign(headers, bindings.headers);
      const status = bindings.status ?? op.responseCode;
      const payloadName = op.output.payload;
      if (payloadName) {
        const member = model.member(op.output.members![payloadName]);
        const payload = value[payloadName];
        if (payload === undefined || payload === null) return { status, headers };
        if (member.type === 'structure') {
          headers['content-type'] = 'application/xml';
          return { status, headers, body: XML_DECL + writeXml(model, member, payload, member.locationName ?? payloadName, nsAttr(member)) };
        }
        return { status, headers, body: payload as Buffer | string | Readable };
      }
      if (!hasBodyMembers(model, op.output)) return { status, headers };
      headers['content-type'] = 'application/xml';
      return { status, headers, body: XML_DECL + writeXml(model, op.output, value, op.output.locationName ?? `${op.name}Result`, nsAttr(op.output)) };
    },
    encodeError(err, requestId) {
      const { code, status } = errorWire(model, err);
      const extra = Object.entries(err.fields).map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('');
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': requestId, ...err.headers },
        body: `${XML_DECL}<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`,
      };
    },
  };
};

/** restJson1: HTTP bindings plus JSON documents for body members and payloads. */
import { Readable } from 'node:stream';
import { AwsError } from '../../core/errors.js';
import type { Shape } from '../model.js';
import { WireError } from '../wire.js';
import type { Codec, CodecFactory } from './codec.js';
import { errorWire } from './codec.js';
import { decodeJsonValue, parseJsonBody, writeJsonValue } from './json-value.js';
import { decodeHttpBindings, encodeHttpBindings, hasBodyMembers } from './rest.js';

export const restJsonCodec: CodecFactory = (model, { serializationError }): Codec => {
  const decodeDocument = (body: Buffer, shape: Shape) => {
    let doc: unknown;
    try {
      doc = parseJsonBody(body);
    } catch {
      throw new AwsError(serializationError, 'The request body is not valid JSON.');
    }
    try {
      return decodeJsonValue(model, shape, doc, '');
    } catch (err) {
      if (err instanceof WireError) throw new AwsError(serializationError, err.message);
      throw err;
    }
  };
  /** Body members only: HTTP-bound members are ignored by the document walk. Built once per shape. */
  const bodyShapes = new WeakMap<Shape, Shape>();
  const bodyShape = (shape: Shape): Shape => {
    let body = bodyShapes.get(shape);
    if (!body) {
      body = { ...shape, members: Object.fromEntries(Object.entries(shape.members ?? {}).filter(([, ref]) => !model.member(ref).location)) };
      bodyShapes.set(shape, body);
    }
    return body;
  };
  return {
    decode(op, req, labels) {
      if (!op.input) return {};
      let input: Record<string, unknown>;
      try {
        input = decodeHttpBindings(model, op.input, req, labels);
      } catch (err) {
        if (err instanceof WireError) throw new AwsError(serializationError, err.message);
        throw err;
      }
      const payloadName = op.input.payload;
      if (payloadName) {
        const member = model.member(op.input.members![payloadName]);
        if (member.type === 'structure' || member.document) {
          if (req.body.length) input[payloadName] = decodeDocument(req.body, member);
        } else if (member.streaming) {
          input[payloadName] = req.stream ?? Readable.from(req.body);
        } else if (req.body.length) {
          input[payloadName] = member.type === 'string' ? req.body.toString('utf8') : req.body;
        }
      } else if (hasBodyMembers(model, op.input)) {
        Object.assign(input, decodeDocument(req.body, bodyShape(op.input)) ?? {});
      }
      return input;
    },
    encode(op, output, requestId) {
      const value = (output ?? {}) as Record<string, unknown>;
      const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
      if (!op.output) return { status: op.responseCode, headers };
      const bindings = encodeHttpBindings(model, op.output, value);
      Object.assign(headers, bindings.headers);
      const status = bindings.status ?? op.responseCode;
      const payloadName = op.output.payload;
      if (payloadName) {
        const member = model.member(op.output.members![payloadName]);
        const payload = value[payloadName];
        if (payload === undefined || payload === null) return { status, headers };
        if (member.type === 'structure' || member.document) {
          headers['content-type'] = 'application/json';
          return { status, headers, body: writeJsonValue(model, member, payload) };
        }
        return { status, headers, body: payload as Buffer | string | Readable };
      }
      headers['content-type'] = 'application/json';
      return { status, headers, body: writeJsonValue(model, bodyShape(op.output), value) ?? '{}' };
    },
    encodeError(err, requestId) {
      const { code, status } = errorWire(model, err);
      return {
        status,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': code, ...err.headers },
        body: JSON.stringify({ message: err.message, ...err.fields }),
      };
    },
  };
};

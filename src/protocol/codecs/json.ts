/** awsJson1_0 / awsJson1_1: POST /, X-Amz-Target names the operation, JSON both ways. */

import { AwsError } from '../../core/errors.js';
import { WireError } from '../wire.js';
import type { Codec, CodecFactory } from './codec.js';
import { errorWire } from './codec.js';
import { decodeJsonValue, encodeJsonValue, parseJsonBody } from './json-value.js';

export const jsonCodec: CodecFactory = (model, { serializationError }): Codec => {
  const contentType = `application/x-amz-json-${model.metadata.jsonVersion ?? '1.0'}`;
  return {
    decode(op, req) {
      let doc: unknown;
      try {
        doc = parseJsonBody(req.body);
      } catch {
        throw new AwsError(serializationError, 'Start of structure or map found where not expected, or the body is not valid JSON.');
      }
      if (!op.input) return {};
      try {
        return (decodeJsonValue(model, op.input, doc, '') ?? {}) as Record<string, unknown>;
      } catch (err) {
        if (err instanceof WireError) throw new AwsError(serializationError, err.message);
        throw err;
      }
    },
    encode(op, output, requestId) {
      const body = op.output ? encodeJsonValue(model, op.output, output ?? {}) : {};
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
        body: JSON.stringify(body ?? {}),
      };
    },
    encodeError(err, requestId) {
      const { code, status } = errorWire(model, err);
      return {
        status,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId, 'x-amzn-errortype': code, ...err.headers },
        body: JSON.stringify({ __type: code, message: err.message, ...err.fields }),
      };
    },
  };
};

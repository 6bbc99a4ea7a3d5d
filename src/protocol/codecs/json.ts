/** awsJson1_0 / awsJson1_1: POST /, X-Amz-Target names the operation, JSON both ways. */

import { AwsError } from '../../core/errors.js';
import { WireError } from '../wire.js';
import type { Codec, CodecFactory } from './codec.js';
import { errorWire } from './codec.js';
import { decodeJsonValue, parseJsonBody, writeJsonValue } from './json-value.js';

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
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
        body: (op.output && writeJsonValue(model, op.output, output ?? {})) || '{}',
      };
    },
    encodeError(err, requestId) {
      const { code, status, sender } = errorWire(model, err);
      if (!model.metadata.awsQueryCompatible) {
        return {
          status,
          headers: { 'content-type': contentType, 'x-amzn-requestid': requestId, 'x-amzn-errortype': code, ...err.headers },
          body: JSON.stringify({ __type: code, message: err.message, ...err.fields }),
        };
      }
      // A service that replaced awsQuery (SQS) names the error by its shape in the body and gives
      // the query protocol's code (the model's error code) in x-amzn-query-error, which the SDKs
      // of such services read first: clients written against the query codes keep working.
      const type = model.errorShape(err.code)?.name ?? err.code;
      return {
        status,
        headers: {
          'content-type': contentType,
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': type,
          'x-amzn-query-error': `${code};${sender ? 'Sender' : 'Receiver'}`,
          ...err.headers,
        },
        body: JSON.stringify({ __type: type, message: err.message, ...err.fields }),
      };
    },
  };
};

/** What each protocol family implements. */

import type { AwsError } from '../../core/errors.js';
import type { Operation, ServiceModel } from '../model.js';
import type { HttpRequest, HttpResponse } from '../types.js';

export interface Codec {
  /** Turns the request into the operation's input object; throws AwsError for malformed input. */
  decode(op: Operation, req: HttpRequest, labels: Record<string, string>): Record<string, unknown>;
  /** Turns the handler's output into the response. */
  encode(op: Operation, output: unknown, requestId: string): HttpResponse;
  /** Turns an error into the response, using the model's error shapes for code and status. */
  encodeError(err: AwsError, requestId: string): HttpResponse;
}

export type CodecFactory = (model: ServiceModel, options: { serializationError: string }) => Codec;

/** Status and wire code for an error, read from the model where the error is modelled. */
export function errorWire(model: ServiceModel, err: AwsError): { code: string; status: number; sender: boolean } {
  const shape = model.errorShape(err.code);
  const status = err.status ?? shape?.error?.httpStatusCode ?? (shape?.fault ? 500 : 400);
  const code = shape?.error?.code ?? err.code;
  return { code, status, sender: status < 500 };
}

/** SQS's errors in AWS's words. Codes are the model's shape names (the codecs send the query codes beside them) or AWS's unmodelled codes. */
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';

/** Whether the request came as an awsQuery form (older SDKs), whose answers word a few errors differently. */
export function isQueryRequest(ctx: RequestContext): boolean {
  return (ctx.http.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

export function queueDoesNotExist(ctx: RequestContext): AwsError {
  return new AwsError('QueueDoesNotExist', isQueryRequest(ctx) ? 'The specified queue does not exist for this wsdl version.' : 'The specified queue does not exist.');
}

export function invalidParameterValue(message: string): AwsError {
  return new AwsError('InvalidParameterValue', message, { status: 400 });
}

/** `Value <value> for parameter <name> is invalid. Reason: <reason>` (the value left out when AWS leaves it out). */
export function invalidValue(name: string, value: unknown, reason: string): AwsError {
  const shown = value === undefined ? '' : `${typeof value === 'object' ? JSON.stringify(value) : String(value)} `;
  return invalidParameterValue(`Value ${shown}for parameter ${name} is invalid. Reason: ${reason}`);
}

export function missingParameter(name: string): AwsError {
  return new AwsError('MissingParameter', `The request must contain the parameter ${name}.`, { status: 400 });
}

export function invalidAttributeName(message: string): AwsError {
  return new AwsError('InvalidAttributeName', message);
}

export function invalidAttributeValue(name: string, reason?: string): AwsError {
  return new AwsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`);
}

export function receiptHandleIsInvalid(handle: string): AwsError {
  return new AwsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
}

export function invalidAddress(address: string): AwsError {
  return new AwsError('InvalidAddress', `The address ${address} is not valid for this endpoint.`);
}

export function resourceNotFound(parameter: string): AwsError {
  return new AwsError('ResourceNotFoundException', `The resource that you specified for the ${parameter} parameter doesn't exist.`);
}

/** Operations only the queue's own account may call, whatever its queue policy grants (AWS's "cross-account permissions don't apply"). */
export function ownerOnly(action: string): AwsError {
  return new AwsError('AccessDenied', `Access to the resource is denied: cross-account permissions don't apply to ${action}.`, { status: 403 });
}

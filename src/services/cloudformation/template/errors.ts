/** The errors the template layer throws, worded as CloudFormation words them (all ValidationError, HTTP 400). */
import { AwsError } from '../../../core/errors.js';

/** A ValidationError with exactly this message. */
export function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message, { status: 400 });
}

/** "Template format error: …": what AWS answers for a template whose structure is wrong. */
export function formatError(message: string): AwsError {
  return validationError(`Template format error: ${message}`);
}

/** "Template error: …": what AWS answers for intrinsic functions used wrongly. */
export function templateError(message: string): AwsError {
  return validationError(`Template error: ${message}`);
}

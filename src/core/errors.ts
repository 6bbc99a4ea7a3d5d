/**
 * The one error type every layer throws. `code` is the AWS error code as the service's model
 * names it (shape name, e.g. `ParameterNotFound` or `NoSuchEntityException`); codecs translate it
 * into the wire code and HTTP status the model declares, so handlers never think about the wire.
 */
export class AwsError extends Error {
  readonly code: string;
  /** Explicit status; when absent the codec takes the model's `error.httpStatusCode`, else 400. */
  readonly status?: number;
  /** Extra members serialized into the error body (S3 `<Key>`, `<BucketName>` …). */
  readonly fields: Record<string, ErrorField>;
  /** Extra response headers (e.g. `x-amz-delete-marker`). */
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, options: { status?: number; fields?: Record<string, ErrorField>; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = options.status;
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
  }

  get fault(): 'client' | 'server' {
    return (this.status ?? 400) >= 500 ? 'server' : 'client';
  }
}

/** A member an error body carries beside its message: a scalar, or a structure JSON protocols write as an object (CloudWatch Logs' queryCompileError). */
export type ErrorField = string | number | boolean | { readonly [member: string]: ErrorField };

/** A modelled operation Drydock does not implement: never a silent success. `reason` says why, when there is more to say than "not yet". */
export function notImplemented(service: string, operation: string, reason?: string): AwsError {
  const message = reason ? `${service} ${operation} is not implemented by Drydock: ${reason}` : `${service} ${operation} is not implemented by Drydock yet`;
  return new AwsError('NotImplemented', message, { status: 501 });
}

/**
 * Page tokens: the opaque NextToken/nextToken/Marker strings of list operations. Each is the
 * position to continue from (and whatever the service needs to refuse a token from another list),
 * as base64url JSON; a token that does not decode to a position the service accepts is that
 * service's own error (InvalidNextTokenException, InvalidContinuationTokenException …).
 */

/** The token for continuing after `position`. */
export function pageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * The position a token names, checked by `valid`; anything else (not base64url JSON, or a value
 * `valid` refuses) throws `invalid()`.
 */
export function readPageToken<T>(token: string, valid: (value: unknown) => value is T, invalid: () => Error): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!valid(value)) throw invalid();
  return value;
}

/** A `valid` for readPageToken: an object whose listed members are all of the given types. */
export function hasMembers<T extends Record<string, unknown>>(types: { [K in keyof T]: 'string' | 'number' }): (value: unknown) => value is T {
  return (value): value is T =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.entries(types).every(([key, type]) => typeof (value as Record<string, unknown>)[key] === type);
}

/**
 * The shapes of CloudWatch Logs' opaque strings. Event ids and GetLogEvents tokens are 56 decimal
 * digits as AWS's are; here they pack an event's (timestamp, row id) position, which orders events
 * the way every read does. Page tokens of the Describe/Filter operations are core page tokens
 * (src/core/pagination.ts) that fail with invalidToken().
 */
import { AwsError } from '../../core/errors.js';
import { hasMembers, readPageToken } from '../../core/pagination.js';
import type { EventPosition } from './store.js';

const TS_DIGITS = 20;
const ID_DIGITS = 36;

function digits(position: EventPosition): string {
  return String(position.ts).padStart(TS_DIGITS, '0') + String(position.id).padStart(ID_DIGITS, '0');
}

/** FilterLogEvents eventId: stable per event, so pollers (`aws logs tail --follow`) can de-duplicate. */
export function eventId(position: EventPosition): string {
  return digits(position);
}

export interface StreamToken {
  direction: 'f' | 'b';
  /** Forward tokens read events after this position; backward tokens read events before it. */
  position: EventPosition;
}

export function streamToken(token: StreamToken): string {
  return `${token.direction}/${digits(token.position)}/s`;
}

const STREAM_TOKEN = new RegExp(`^([fb])/(\\d{${TS_DIGITS}})(\\d{${ID_DIGITS}})/s$`);

export function parseStreamToken(text: string): StreamToken {
  const m = STREAM_TOKEN.exec(text);
  const ts = m ? Number(m[2]) : NaN;
  const id = m ? Number(m[3]) : NaN;
  if (!m || !Number.isSafeInteger(ts) || !Number.isSafeInteger(id)) throw invalidToken();
  return { direction: m[1] as 'f' | 'b', position: { ts, id } };
}

/** Sequence tokens are ignored by PutLogEvents now, but AWS still hands them out: one per accepted batch. */
export function sequenceToken(streamId: number, sequence: number): string {
  return digits({ ts: streamId, id: sequence });
}

/** The error for any nextToken CloudWatch Logs did not hand out (page tokens and stream tokens alike). */
export function invalidToken(): AwsError {
  return new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
}

/** The position a Describe/Filter nextToken carries, with the members (and types) the operation wrote. */
export function readNextToken<T extends Record<string, unknown>>(token: string, members: { [K in keyof T]: 'string' | 'number' }): T {
  return readPageToken(token, hasMembers<T>(members), invalidToken);
}

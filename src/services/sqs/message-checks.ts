/**
 * What SendMessage and SendMessageBatch check of one message before it is queued, in AWS's words:
 * the body (present, allowed characters), the delay, the message (user) and system attributes, the
 * size limit, and the FIFO fields; and the message in the form it is stored.
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue, MessageSystemAttributeValue } from '@aws-sdk/client-sqs';
import { AwsError } from '../../core/errors.js';
import type { Queue } from './common.js';
import { invalidParameterValue, invalidValue, missingParameter } from './errors.js';
import { md5Hex, md5OfAttributes, type StoredAttribute } from './md5.js';

/** One message as SendMessage or a SendMessageBatch entry gives it. */
export interface OutgoingInput {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageSystemAttributes?: Record<string, MessageSystemAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

/** A checked message, ready to be queued. */
export interface Outgoing {
  body: string;
  md5Body: string;
  attributes?: Record<string, StoredAttribute>;
  md5Attributes?: string;
  systemAttributes?: Record<string, StoredAttribute>;
  md5SystemAttributes?: string;
  delaySeconds: number;
  groupId?: string;
  dedupId?: string;
}

const MAX_ATTRIBUTES = 10;
const MAX_NAME_BYTES = 256;
const MAX_DELAY = 900;
/** XML 1.0's characters: what a message body and string attribute values may contain. */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const INVALID_CHARACTERS_MESSAGE = 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `name` is how errors name the body: `MessageBody`, or `SendMessageBatchRequestEntry.N.MessageBody` in a batch. */
export function checkMessage(queue: Queue, input: OutgoingInput, bodyName = 'MessageBody'): Outgoing {
  const body = input.MessageBody;
  if (body === undefined || body === null || body === '') throw missingParameter(bodyName);
  const fifo = queue.fifo === 1;
  const delaySeconds = checkDelay(input.DelaySeconds, fifo) ?? queue.settings.delaySeconds;
  const attributes = checkUserAttributes(input.MessageAttributes);
  const systemAttributes = checkSystemAttributes(input.MessageSystemAttributes);
  const size = Buffer.byteLength(body, 'utf8') + attributesSize(attributes);
  const max = queue.settings.maximumMessageSize;
  if (size > max) throw invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
  if (INVALID_CHARACTER.test(body)) throw new AwsError('InvalidMessageContents', INVALID_CHARACTERS_MESSAGE);
  const { groupId, dedupId } = checkFifoFields(queue, input, body);
  return {
    body,
    md5Body: md5Hex(body),
    attributes,
    md5Attributes: attributes && md5OfAttributes(attributes),
    systemAttributes,
    md5SystemAttributes: systemAttributes && md5OfAttributes(systemAttributes),
    delaySeconds,
    groupId,
    dedupId,
  };
}

function checkDelay(delay: number | undefined, fifo: boolean): number | undefined {
  if (delay === undefined || delay === null) return undefined;
  // FIFO queues delay per queue only; an explicit 0 is still accepted.
  if (fifo && delay !== 0) throw invalidValue('DelaySeconds', delay, 'The request include parameter that is not valid for this queue type.');
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY) throw invalidValue('DelaySeconds', delay, `DelaySeconds must be >= 0 and <= ${MAX_DELAY}.`);
  return delay;
}

function checkFifoFields(queue: Queue, input: OutgoingInput, body: string): { groupId?: string; dedupId?: string } {
  const { MessageGroupId: groupId, MessageDeduplicationId: dedupId } = input;
  if (groupId !== undefined && !FIFO_ID.test(groupId)) {
    throw invalidValue('MessageGroupId', groupId, 'MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
  }
  if (dedupId !== undefined && !FIFO_ID.test(dedupId)) {
    throw invalidValue('MessageDeduplicationId', dedupId, 'MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
  }
  if (queue.fifo !== 1) {
    // Standard queues take a MessageGroupId (fair queues), never a deduplication id.
    if (dedupId !== undefined) throw invalidValue('MessageDeduplicationId', dedupId, 'The request include parameter that is not valid for this queue type.');
    return { groupId };
  }
  if (groupId === undefined) throw missingParameter('MessageGroupId');
  if (dedupId !== undefined) return { groupId, dedupId };
  if (!queue.settings.contentBasedDeduplication) {
    throw invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
  }
  return { groupId, dedupId: createHash('sha256').update(body, 'utf8').digest('hex') };
}

/** Size counted against MaximumMessageSize: each attribute's name, data type and value. */
function attributesSize(attributes: Record<string, StoredAttribute> | undefined): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.DataType, 'utf8');
    size += attribute.BinaryValue ? attribute.BinaryValue.length : Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
  }
  return size;
}

function checkUserAttributes(given: Record<string, MessageAttributeValue> | undefined): Record<string, StoredAttribute> | undefined {
  if (!given) return undefined;
  const names = Object.keys(given);
  if (!names.length) return undefined;
  if (names.length > MAX_ATTRIBUTES) throw invalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  const out: Record<string, StoredAttribute> = {};
  for (const name of names) {
    checkAttributeName(name);
    out[name] = checkAttributeValue(name, given[name]);
  }
  return out;
}

function checkAttributeName(name: string): void {
  if (!name) throw invalidParameterValue('The request must contain non-empty message (user) attribute names.');
  if (Buffer.byteLength(name, 'utf8') >= MAX_NAME_BYTES) throw invalidParameterValue(`Message (user) attribute name must be shorter than ${MAX_NAME_BYTES} bytes.`);
  if (!/^[\w.-]+$/.test(name)) {
    throw invalidParameterValue('Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ');
  }
  if (/^(aws\.|amazon\.)/i.test(name)) {
    throw invalidParameterValue("You can't use message attribute names beginning with 'AWS.' or 'Amazon'. These strings are reserved for internal use.");
  }
  if (name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
    throw invalidParameterValue(`Message (user) attribute name '${name}' is invalid: it must not start or end with a period, nor contain consecutive periods.`);
  }
}

function checkAttributeValue(name: string, value: MessageAttributeValue | undefined): StoredAttribute {
  const type = value?.DataType;
  if (!value || (value.StringValue === undefined && value.BinaryValue === undefined && !value.StringListValues && !value.BinaryListValues)) {
    throw invalidParameterValue(`The message (user) attribute '${name}' must contain a non-empty message attribute value.`);
  }
  if (!type) throw invalidParameterValue(`The message (user) attribute '${name}' must contain a non-empty message attribute type.`);
  if (Buffer.byteLength(type, 'utf8') >= MAX_NAME_BYTES) throw invalidParameterValue(`Message (user) attribute type must be shorter than ${MAX_NAME_BYTES} bytes.`);
  const base = /^(String|Number|Binary)(\..+)?$/.exec(type)?.[1];
  if (!base) {
    throw invalidParameterValue(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
  }
  if (value.StringListValues?.length || value.BinaryListValues?.length) throw invalidParameterValue('Message attribute list values in SendMessage operation are not supported.');
  if (base === 'Binary') {
    if (!value.BinaryValue?.length) throw invalidParameterValue(`Message (user) attribute '${name}' must contain a non-empty value of type '${base}'.`);
    return { DataType: type, BinaryValue: Buffer.from(value.BinaryValue) };
  }
  const text = value.StringValue;
  if (!text) throw invalidParameterValue(`Message (user) attribute '${name}' must contain a non-empty value of type '${base}'.`);
  if (base === 'Number' && !NUMBER.test(text)) throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  if (INVALID_CHARACTER.test(text)) throw invalidParameterValue(INVALID_CHARACTERS_MESSAGE);
  return { DataType: type, StringValue: text };
}

/** Only AWSTraceHeader may be sent, as a String. */
function checkSystemAttributes(given: Record<string, MessageSystemAttributeValue> | undefined): Record<string, StoredAttribute> | undefined {
  if (!given || !Object.keys(given).length) return undefined;
  const out: Record<string, StoredAttribute> = {};
  for (const [name, value] of Object.entries(given)) {
    if (name !== 'AWSTraceHeader') throw invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    if (value?.DataType !== 'String' || !value.StringValue) throw invalidParameterValue(`Message system attribute '${name}' must contain a non-empty value of type 'String'.`);
    out[name] = { DataType: 'String', StringValue: value.StringValue };
  }
  return out;
}

/** Message attributes of Publish and PublishBatch: AWS's checks (names, data types, values) and the size they add to a message. */
import type * as S from '@aws-sdk/client-sns';
import { AwsError } from '../../core/errors.js';
import type { MessageAttribute } from './messages.js';

const NAME_CHAR = /[A-Za-z0-9_.-]/;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;

const invalidValue = (message: string) => new AwsError('InvalidParameterValueException', message);

function checkName(name: string): void {
  if (Buffer.byteLength(name) > 256) throw invalidValue('Length of message attribute name must be less than 256 bytes.');
  if (name.startsWith('.')) throw invalidValue("Invalid message attribute name starting with character '.' was found.");
  if (name.endsWith('.')) throw invalidValue("Invalid message attribute name ending with character '.' was found.");
  for (const char of name) {
    if (!NAME_CHAR.test(char)) {
      const code = char.codePointAt(0)!.toString(16).toUpperCase();
      throw invalidValue(`Invalid non-alphanumeric character '#x${code}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`);
    }
  }
  if (name.includes('..')) throw invalidValue("Message attribute name can not have successive '.' character.");
}

/** Checks a request's attributes and answers them as SNS passes them on (Binary values in base64). */
export function checkMessageAttributes(attributes: Record<string, S.MessageAttributeValue> | undefined): Record<string, MessageAttribute> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  const out: Record<string, MessageAttribute> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    checkName(name);
    const type = attribute.DataType!;
    if (!DATA_TYPE.test(type)) {
      throw invalidValue(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const binary = type.startsWith('Binary');
    const given = binary ? attribute.BinaryValue : attribute.StringValue;
    const other = binary ? attribute.StringValue : attribute.BinaryValue;
    if (given === undefined && other !== undefined) throw invalidValue(`The message attribute '${name}' with type '${type}' must use field '${binary ? 'Binary' : 'String'}'.`);
    if (given === undefined || given.length === 0) throw invalidValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
    if (type.startsWith('Number') && !Number.isFinite(Number(given))) throw invalidValue(`Could not cast message attribute '${name}' value to number.`);
    out[name] = { type, value: binary ? Buffer.from(given as Uint8Array).toString('base64') : (given as string) };
  }
  return out;
}

/** Bytes a message counts against the 256 KiB limit: its text, and each attribute's name, type and value. */
export function publishedSize(message: string, attributes: Record<string, MessageAttribute> | undefined): number {
  let size = Buffer.byteLength(message);
  for (const [name, { type, value }] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(type) + (type.startsWith('Binary') ? Buffer.from(value, 'base64').length : Buffer.byteLength(value));
  }
  return size;
}

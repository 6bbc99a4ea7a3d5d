/** GetRandomPassword: characters drawn with node's CSPRNG, following AWS's character classes and rules. */
import { randomInt } from 'node:crypto';
import type { GetRandomPasswordRequest } from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../../core/errors.js';

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMBERS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const DEFAULT_LENGTH = 32;

export function randomPassword(input: GetRandomPasswordRequest): string {
  const length = input.PasswordLength ?? DEFAULT_LENGTH;
  const excluded = new Set(input.ExcludeCharacters ?? '');
  const keep = (chars: string) => [...chars].filter((c) => !excluded.has(c)).join('');
  // RequireEachIncludedType asks for a letter of each case, a number and a punctuation mark; a space is only ever optional.
  const requirable = [input.ExcludeLowercase ? '' : LOWERCASE, input.ExcludeUppercase ? '' : UPPERCASE, input.ExcludeNumbers ? '' : NUMBERS, input.ExcludePunctuation ? '' : PUNCTUATION]
    .map(keep)
    .filter((chars) => chars.length > 0);
  const all = requirable.join('') + (input.IncludeSpace && !excluded.has(' ') ? ' ' : '');
  if (all.length === 0) throw new AwsError('InvalidParameterException', 'The password must include at least one character type: every character type is excluded.');
  const requireEach = input.RequireEachIncludedType ?? true;
  if (requireEach && length < requirable.length) throw new AwsError('InvalidParameterException', 'Password length is too short based on the required types.');

  const chars: string[] = [];
  // One character of each class first (when required), the rest from the union; then a Fisher-Yates
  // shuffle so the required characters are not always at the front.
  if (requireEach) for (const cls of requirable) chars.push(cls[randomInt(cls.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

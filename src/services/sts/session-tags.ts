/**
 * Session tags (AssumeRole, GetFederationToken, and the claims of web identity and SAML sessions):
 * validated as STS does, merged with the transitive tags of the calling session (role chaining),
 * and exposed as the session's `aws:PrincipalTag/<key>` (session tags override the role's tags).
 */
import type { Tag } from '@aws-sdk/client-sts';
import { AwsError } from '../../core/errors.js';

const invalid = (message: string) => new AwsError('InvalidParameterValue', message, { status: 400 });

export interface SessionTagging {
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  /** Whether the request itself passes tags (then the role must allow sts:TagSession). */
  passed: boolean;
}

/**
 * The tags a new session carries: the caller session's transitive tags, plus the requested ones
 * (which may not override a transitive key). Keys are unique case-insensitively; every transitive
 * key must name one of the requested tags.
 */
export function sessionTagging(requested: Tag[] | undefined, transitive: string[] | undefined, inherited: Record<string, string>, inheritedTransitive: string[]): SessionTagging {
  const tags = requested ?? [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = tag.Key!.toLowerCase();
    if (seen.has(key)) throw invalid('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    if (key.startsWith('aws:')) throw invalid(`Tag keys can't start with the reserved prefix aws: (${tag.Key}).`);
    seen.add(key);
  }
  for (const key of transitive ?? []) {
    if (!seen.has(key.toLowerCase())) throw invalid('The specified transitive tag key must be included in the requested tags.');
  }
  const carried: Record<string, string> = {};
  for (const key of inheritedTransitive) if (inherited[key] !== undefined) carried[key] = inherited[key];
  const carriedLower = new Set(Object.keys(carried).map((k) => k.toLowerCase()));
  for (const tag of tags) {
    if (carriedLower.has(tag.Key!.toLowerCase())) {
      throw invalid("One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key in the calling session.");
    }
  }
  const out = { ...carried };
  for (const tag of tags) out[tag.Key!] = tag.Value ?? '';
  const transitiveKeys = [...Object.keys(carried)];
  for (const key of transitive ?? []) {
    const tag = tags.find((t) => t.Key!.toLowerCase() === key.toLowerCase())!;
    if (!transitiveKeys.includes(tag.Key!)) transitiveKeys.push(tag.Key!);
  }
  return { tags: out, transitiveTagKeys: transitiveKeys, passed: tags.length > 0 };
}

/** The condition keys a request's tags set: `aws:RequestTag/<key>`, `aws:TagKeys`, `sts:TransitiveTagKeys`. */
export function requestTagContext(requested: Tag[] | undefined, transitive: string[] | undefined): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const tag of requested ?? []) out[`aws:RequestTag/${tag.Key}`] = tag.Value ?? '';
  if (requested?.length) out['aws:TagKeys'] = requested.map((t) => t.Key!);
  if (transitive?.length) out['sts:TransitiveTagKeys'] = transitive;
  return out;
}

/** Parameter policies (Advanced tier): Expiration, ExpirationNotification, NoChangeNotification. */
import type { ParameterInlinePolicy } from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';

export interface ParameterPolicy {
  Type: string;
  Version: string;
  Attributes: Record<string, string>;
}

const MAX_POLICIES = 10;
const TYPES = ['Expiration', 'ExpirationNotification', 'NoChangeNotification'];

function invalidAttribute(message: string): AwsError {
  return new AwsError('InvalidPolicyAttributeException', message);
}

/** Parses and checks the Policies JSON of PutParameter; returns the policies in order. */
export function parsePolicies(text: string, now: number): ParameterPolicy[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsError('InvalidPolicyTypeException', 'The policy is not valid JSON. Verify the policy syntax and try again.');
  }
  if (!Array.isArray(parsed)) throw new AwsError('InvalidPolicyTypeException', 'Policies must be a JSON array of policy objects.');
  if (parsed.length > MAX_POLICIES) throw new AwsError('PoliciesLimitExceededException', `You can attach a maximum of ${MAX_POLICIES} policies to a parameter.`);
  const seen = new Set<string>();
  return parsed.map((entry: unknown) => {
    const policy = entry as Partial<ParameterPolicy> | null;
    if (!policy || typeof policy !== 'object' || typeof policy.Type !== 'string' || !TYPES.includes(policy.Type)) {
      throw new AwsError('InvalidPolicyTypeException', `The policy type is not supported: ${String(policy?.Type)}. Valid policy types include: [${TYPES.join(', ')}].`);
    }
    if (seen.has(policy.Type)) throw new AwsError('IncompatiblePolicyException', `A parameter can have only one ${policy.Type} policy.`);
    seen.add(policy.Type);
    if (policy.Version !== '1.0') throw invalidAttribute(`The policy version is not valid: ${String(policy.Version)}. The only supported version is 1.0.`);
    const attributes = (policy.Attributes ?? {}) as Record<string, string>;
    if (policy.Type === 'Expiration') {
      const at = Date.parse(String(attributes.Timestamp));
      if (Number.isNaN(at)) throw invalidAttribute('The Expiration policy needs a Timestamp attribute in ISO 8601 format.');
      if (at <= now) throw invalidAttribute('The Expiration policy Timestamp must be in the future.');
    } else {
      const amount = policy.Type === 'ExpirationNotification' ? attributes.Before : attributes.After;
      if (!/^\d+$/.test(String(amount)) || Number(amount) < 1) {
        throw invalidAttribute(`The ${policy.Type} policy needs a positive integer ${policy.Type === 'ExpirationNotification' ? 'Before' : 'After'} attribute.`);
      }
      if (attributes.Unit !== 'Days' && attributes.Unit !== 'Hours') throw invalidAttribute(`The ${policy.Type} policy Unit must be Days or Hours.`);
    }
    return { Type: policy.Type, Version: policy.Version, Attributes: attributes };
  });
}

/** When an Expiration policy deletes the parameter, if it has one. */
export function expirationTime(policies: ParameterPolicy[]): number | undefined {
  const expiration = policies.find((p) => p.Type === 'Expiration');
  return expiration ? Date.parse(expiration.Attributes.Timestamp) : undefined;
}

/** Policies as DescribeParameters and GetParameterHistory show them. */
export function describePolicies(stored: string | null): ParameterInlinePolicy[] {
  if (!stored) return [];
  return (JSON.parse(stored) as ParameterPolicy[]).map((p) => ({ PolicyText: JSON.stringify(p), PolicyType: p.Type, PolicyStatus: 'Pending' }));
}

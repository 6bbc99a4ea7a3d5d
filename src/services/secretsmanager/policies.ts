/** Resource policies of secrets: stored and checked for shape and public access, never evaluated. */
import type * as S from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { find, findWritable, type SecretsContext } from './common.js';
import { syncReplicas } from './replication.js';

function validatePolicyJson(policy: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new AwsError('MalformedPolicyDocumentException', 'This resource policy contains an unsupported syntax: it is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
    throw new AwsError('MalformedPolicyDocumentException', 'This resource policy contains an unsupported syntax: it needs a Statement.');
  }
  return doc as Record<string, unknown>;
}

/** An Allow statement for every principal without conditions makes a policy public. */
function isPublic(doc: Record<string, unknown>): boolean {
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.some((st: unknown) => {
    if (typeof st !== 'object' || st === null) return false;
    const s = st as Record<string, unknown>;
    const principal = s.Principal;
    const everyone = principal === '*' || (typeof principal === 'object' && principal !== null && [(principal as Record<string, unknown>).AWS].flat().includes('*'));
    return s.Effect === 'Allow' && everyone && s.Condition === undefined;
  });
}

export function getResourcePolicy(c: SecretsContext, input: S.GetResourcePolicyRequest, ctx: RequestContext): S.GetResourcePolicyResponse {
  const secret = find(c, ctx, input.SecretId!);
  return { ARN: secret.arn, Name: secret.name, ResourcePolicy: secret.resource_policy ?? undefined };
}

/** Sets (or, with null, removes) a secret's resource policy, and its replicas' after it. */
function setResourcePolicy(c: SecretsContext, ctx: RequestContext, secretId: string, policy: string | null): { ARN: string; Name: string } {
  return c.store.tx(() => {
    const secret = findWritable(c, ctx, secretId);
    c.store.updateSecret({ ...secret, resource_policy: policy });
    syncReplicas(c, ctx, secret.arn);
    return { ARN: secret.arn, Name: secret.name };
  });
}

export function putResourcePolicy(c: SecretsContext, input: S.PutResourcePolicyRequest, ctx: RequestContext): S.PutResourcePolicyResponse {
  const doc = validatePolicyJson(input.ResourcePolicy!);
  if (input.BlockPublicPolicy && isPublic(doc)) throw new AwsError('PublicPolicyException', "You can't attach a resource-based policy that allows broad access to the secret.");
  return setResourcePolicy(c, ctx, input.SecretId!, input.ResourcePolicy!);
}

export function deleteResourcePolicy(c: SecretsContext, input: S.DeleteResourcePolicyRequest, ctx: RequestContext): S.DeleteResourcePolicyResponse {
  return setResourcePolicy(c, ctx, input.SecretId!, null);
}

export function validateResourcePolicy(c: SecretsContext, input: S.ValidateResourcePolicyRequest, ctx: RequestContext): S.ValidateResourcePolicyResponse {
  if (input.SecretId !== undefined) find(c, ctx, input.SecretId);
  validatePolicyJson(input.ResourcePolicy!);
  return { PolicyValidationPassed: true, ValidationErrors: [] };
}

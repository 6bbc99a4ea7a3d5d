/**
 * Key policies in authorization: the policy of the key an ARN names (for the pipeline's
 * authorization step, where the key policy must allow: `required`), and the checks CreateKey and
 * PutKeyPolicy make on a new policy (principals that exist, and no lockout of the caller).
 */
import type { Scope } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ResourcePolicy } from '../authorization.js';
import type { KeyLookup } from './authorization.js';
import { type KmsContext, MAX_TAGS } from './common.js';
import { keyArn } from './keys.js';
import { awsManagedKeyPolicy, awsManagedService } from './managed-keys.js';
import type { KmsStore } from './store.js';

/**
 * The key policy of the key a key ARN names. Aliases have no policy of their own (alias operations
 * are IAM's alone; the table checks key operations on the key an alias points to), except an AWS
 * managed alias whose key does not exist yet: it has the policy its key will be created with (first
 * use creates it, after authorization).
 */
export function keyPolicy(store: KmsStore, resourceArn: string): ResourcePolicy | undefined {
  const parsed = parseArn(resourceArn);
  if (parsed?.service !== 'kms') return undefined;
  const scope: Scope = { account: parsed.account, region: parsed.region };
  if (parsed.resource.startsWith('alias/')) {
    const service = awsManagedService(parsed.resource);
    return service && !store.getAlias(scope, parsed.resource) ? { document: awsManagedKeyPolicy(scope, service), account: scope.account, required: true } : undefined;
  }
  const row = parsed.resource.startsWith('key/') ? store.getKey(scope, parsed.resource.slice('key/'.length)) : undefined;
  return row && { document: row.policy, account: scope.account, required: true };
}

/** What the authorization table reads of keys and aliases. */
export function keyLookup(store: KmsStore): KeyLookup {
  return {
    aliasTarget(aliasArn) {
      const parsed = parseArn(aliasArn);
      if (parsed?.service !== 'kms') return undefined;
      const scope: Scope = { account: parsed.account, region: parsed.region };
      const alias = store.getAlias(scope, parsed.resource);
      return alias && keyArn(scope, alias.key_id);
    },
    tags(resourceArn) {
      const parsed = parseArn(resourceArn);
      if (parsed?.service !== 'kms' || !parsed.resource.startsWith('key/')) return {};
      const scope: Scope = { account: parsed.account, region: parsed.region };
      return Object.fromEntries(store.listTags(scope, parsed.resource.slice('key/'.length), '', MAX_TAGS).map((t) => [t.tag_key, t.tag_value]));
    },
  };
}

const IAM_ENTITY = /^arn:aws[\w-]*:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/;

/** The AWS principals a policy's statements name (Principal and NotPrincipal), as written. */
function awsPrincipals(document: string): string[] {
  const doc = JSON.parse(document) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const out: string[] = [];
  for (const statement of statements) {
    if (typeof statement !== 'object' || statement === null) continue;
    for (const member of ['Principal', 'NotPrincipal'] as const) {
      const principal = (statement as Record<string, unknown>)[member];
      if (typeof principal !== 'object' || principal === null) continue;
      const aws = (principal as { AWS?: unknown }).AWS;
      for (const value of Array.isArray(aws) ? aws : [aws]) if (typeof value === 'string') out.push(value);
    }
  }
  return out;
}

/** KMS refuses a policy naming an IAM user or role that does not exist (AWS: "must exist and be visible to AWS KMS"). */
function checkPrincipalsExist(c: KmsContext, document: string): void {
  const iam = c.rt.api('iam');
  for (const principal of awsPrincipals(document)) {
    const match = IAM_ENTITY.exec(principal);
    if (!match) continue;
    const [, account, kind, name] = match;
    const entity = kind === 'user' ? iam.getUser(account!, name!) : iam.getRole(account!, name!);
    if (entity?.arn !== principal) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.');
  }
}

/**
 * The checks KMS makes on a key policy it is given: its principals exist, and, unless the request
 * bypasses the lockout safety check, the policy lets the caller call PutKeyPolicy on the key later.
 */
export function checkNewKeyPolicy(c: KmsContext, ctx: RequestContext, document: string, keyArn: string, bypassLockoutCheck: boolean | undefined): void {
  checkPrincipalsExist(c, document);
  if (bypassLockoutCheck || ctx.principal.kind === 'service') return;
  const decision = c.rt.api('iam').authorize(ctx.principal, {
    action: 'kms:PutKeyPolicy',
    resource: keyArn,
    region: ctx.region,
    context: { 'kms:CallerAccount': ctx.principal.account, 'kms:BypassPolicyLockoutSafetyCheck': 'false' },
    resourcePolicy: { document, account: ctx.account, required: true },
    resourceAccount: ctx.account,
  });
  if (decision.decision !== 'Allow') throw new AwsError('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
}

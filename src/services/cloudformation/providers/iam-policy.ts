/**
 * AWS::IAM::Policy: one inline policy put on each of its Roles, Users and Groups. Ref and GetAtt Id
 * are an id CloudFormation generates (`<stack>-<LogicalId>-<random>`); the policy itself is named
 * PolicyName on every principal.
 */
import { AwsError } from '../../../core/errors.js';
import { jsonDocumentProp, requiredStringProp, stringListProp, stringProp } from './foundation-helpers.js';
import { deleteInlinePolicy, type PrincipalKind, putInlinePolicy } from './iam-principal-policies.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const KINDS: [PrincipalKind, string][] = [
  ['Role', 'Roles'],
  ['User', 'Users'],
  ['Group', 'Groups'],
];

function principals(props: Properties): [PrincipalKind, string][] {
  return KINDS.flatMap(([kind, property]) => (stringListProp(props, property) ?? []).map((name): [PrincipalKind, string] => [kind, name]));
}

async function putEverywhere(ctx: ProviderContext, props: Properties): Promise<void> {
  const targets = principals(props);
  if (targets.length === 0) throw new AwsError('ValidationError', 'At least one of [Groups,Roles,Users] must be non-empty.');
  const document = jsonDocumentProp(props, 'PolicyDocument') ?? requiredStringProp(props, 'PolicyDocument');
  const name = requiredStringProp(props, 'PolicyName');
  for (const [kind, principal] of targets) await putInlinePolicy(ctx, kind, principal, name, document);
}

/** Deletes the policy `props` describes from its principals, except those `keep` still puts it on under the same name. */
async function deleteFrom(ctx: ProviderContext, props: Properties, keep?: Properties): Promise<void> {
  const name = requiredStringProp(props, 'PolicyName');
  const kept = new Set(keep && stringProp(keep, 'PolicyName') === name ? principals(keep).map(([kind, principal]) => `${kind}/${principal}`) : []);
  for (const [kind, principal] of principals(props)) if (!kept.has(`${kind}/${principal}`)) await deleteInlinePolicy(ctx, kind, principal, name);
}

export const iamPolicyProvider: ResourceProvider = {
  async create(ctx, props) {
    await putEverywhere(ctx, props);
    const id = ctx.physicalName({ maxLength: 128 });
    return { physicalId: id, attributes: { Id: id } };
  },

  async update(ctx, current, props) {
    await putEverywhere(ctx, props);
    await deleteFrom(ctx, current.props, props);
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete(ctx, current) {
    await deleteFrom(ctx, current.props);
  },
};

/**
 * What each CloudFormation operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for AWS CloudFormation"): stack operations on
 * the stack's ARN (`arn:…:cloudformation:<region>:<account>:stack/<name>/<id>`, with `*` for the id
 * when the request names the stack by name), with the condition keys `cloudformation:RoleArn`,
 * `cloudformation:TemplateUrl`, `cloudformation:StackPolicyUrl`, `cloudformation:ResourceTypes`
 * and the request's tags; creating or updating with a RoleARN also needs `iam:PassRole` on that
 * role. Listings, template validation and account limits are on `*`.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

/** The stack a StackName member names: its ARN when given one, else the name with any id. */
function stackResource(member: 'StackName' | 'ChangeSetName' = 'StackName') {
  return (input: Record<string, unknown>, ctx: RequestContext): string => {
    const value = input[member];
    if (typeof value !== 'string' || value === '') return '*';
    if (value.startsWith('arn:')) return member === 'StackName' ? value : '*';
    return `arn:${partitionOf(ctx.region)}:cloudformation:${ctx.region}:${ctx.account}:stack/${value}/*`;
  };
}

function requestTags(tags: C.Tag[] | undefined): Record<string, ContextValue> {
  if (!tags?.length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) out[`aws:RequestTag/${tag.Key}`] = tag.Value ?? '';
  return out;
}

interface StackRequest {
  RoleARN?: string;
  TemplateURL?: string;
  StackPolicyURL?: string;
  StackPolicyDuringUpdateURL?: string;
  ResourceTypes?: string[];
  Tags?: C.Tag[];
}

function stackContext(input: StackRequest): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = { ...requestTags(input.Tags) };
  if (input.RoleARN) out['cloudformation:RoleArn'] = input.RoleARN;
  if (input.TemplateURL) out['cloudformation:TemplateUrl'] = input.TemplateURL;
  const policyUrl = input.StackPolicyURL ?? input.StackPolicyDuringUpdateURL;
  if (policyUrl) out['cloudformation:StackPolicyUrl'] = policyUrl;
  if (input.ResourceTypes?.length) out['cloudformation:ResourceTypes'] = input.ResourceTypes;
  return out;
}

const passRole = {
  action: 'iam:PassRole',
  resource: (input: StackRequest) => input.RoleARN ?? '*',
  when: (input: StackRequest) => Boolean(input.RoleARN),
  context: () => ({ 'iam:PassedToService': 'cloudformation.amazonaws.com' }),
};

const onStack: ActionRule = { resource: stackResource() };
const changingStack: ActionRule = { resource: stackResource(), context: (input: StackRequest) => stackContext(input), also: [passRole] };

export const cloudFormationAuthorization: ServiceAuthorization = {
  prefix: 'cloudformation',
  rules: {
    CreateStack: changingStack,
    UpdateStack: changingStack,
    DeleteStack: { resource: stackResource(), context: (input: StackRequest) => stackContext(input), also: [passRole] },
    CreateChangeSet: changingStack,
    DescribeStacks: onStack,
    DescribeStackEvents: onStack,
    DescribeStackResource: onStack,
    DescribeStackResources: onStack,
    ListStackResources: onStack,
    GetTemplate: onStack,
    GetStackPolicy: onStack,
    SetStackPolicy: { resource: stackResource(), context: (input: StackRequest) => stackContext(input) },
    UpdateTerminationProtection: onStack,
    CancelUpdateStack: onStack,
    ContinueUpdateRollback: { resource: stackResource(), context: (input: StackRequest) => stackContext(input), also: [passRole] },
    RollbackStack: { resource: stackResource(), context: (input: StackRequest) => stackContext(input), also: [passRole] },
    DescribeChangeSet: onStack,
    ExecuteChangeSet: onStack,
    DeleteChangeSet: onStack,
    ListChangeSets: onStack,
    DetectStackDrift: onStack,
    DetectStackResourceDrift: onStack,
    DescribeStackResourceDrifts: onStack,
    // Named by a detection id, not a stack: AWS authorizes it on `*`.
    DescribeStackDriftDetectionStatus: {},
    SignalResource: onStack,
    GetTemplateSummary: { resource: (input: { StackName?: string }, ctx) => (input.StackName ? stackResource()(input, ctx) : '*') },
    ListStacks: {},
    ListExports: {},
    ListImports: {},
    ValidateTemplate: {},
    DescribeAccountLimits: {},
  },
};

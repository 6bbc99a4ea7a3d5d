/**
 * AWS's policy evaluation logic, case by case, from the IAM User Guide's documented examples: "Policy
 * evaluation logic" (identity and resource policies, explicit and implicit denies), "Cross-account
 * policy evaluation logic", "Permissions boundaries for IAM entities", "Session policies", "AWS JSON
 * policy elements: Principal / NotPrincipal / Condition", the example identity-based policies, KMS
 * key policies, role trust policies and Organizations SCP examples. Each case names its example.
 */
import { describe, expect, it } from 'vitest';
import { type ContextValue, type Decision, denialMessage, type EvaluationPrincipal, evaluate, type PolicySource, principalMatches } from './policy.js';

const ACCT = '111122223333';
const OTHER = '444455556666';

const user = (name: string, account = ACCT): EvaluationPrincipal => ({ arn: `arn:aws:iam::${account}:user/${name}`, account, kind: 'user' });
const root = (account = ACCT): EvaluationPrincipal => ({ arn: `arn:aws:iam::${account}:root`, account, kind: 'root' });
const session = (role: string, name: string, account = ACCT): EvaluationPrincipal => ({
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
  account,
  kind: 'assumed-role',
  roleArn: `arn:aws:iam::${account}:role/${role}`,
});
const service = (name: string): EvaluationPrincipal => ({ arn: name, account: ACCT, kind: 'service', servicePrincipal: name });
const federated = (provider: string): EvaluationPrincipal => ({ arn: provider, account: ACCT, kind: 'federated', federatedProvider: provider });
const anonymous: EvaluationPrincipal = { arn: '*', account: '', kind: 'anonymous' };

type Statement = Record<string, unknown>;
const policy = (...statements: Statement[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}): Statement => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}): Statement => ({ Effect: 'Deny', Action, Resource, ...extra });
const grant = (Principal: unknown, Action: string | string[], Resource?: string | string[], extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Principal,
  Action,
  ...(Resource === undefined ? {} : { Resource }),
  ...extra,
});
const refuse = (Principal: unknown, Action: string | string[], Resource?: string | string[], extra: Statement = {}): Statement => ({
  ...grant(Principal, Action, Resource, extra),
  Effect: 'Deny',
});
const aws = (...arns: string[]): { AWS: string | string[] } => ({ AWS: arns.length === 1 ? arns[0] : arns });

type Expected = { decision: 'Allow' } | { decision: Exclude<Decision, 'Allow'>; deniedBy: PolicySource };
const ALLOW: Expected = { decision: 'Allow' };
const explicit = (deniedBy: PolicySource): Expected => ({ decision: 'ExplicitDeny', deniedBy });
const implicit = (deniedBy: PolicySource): Expected => ({ decision: 'ImplicitDeny', deniedBy });

/** The reason AWS gives for each denial, written out as AWS words it. */
const EXPLICIT_REASON: Record<PolicySource, string> = {
  identity: 'with an explicit deny in an identity-based policy',
  resource: 'with an explicit deny in a resource-based policy',
  boundary: 'with an explicit deny in a permissions boundary',
  session: 'with an explicit deny in a session policy',
  scp: 'with an explicit deny in a service control policy',
};
const IMPLICIT_REASON: Record<PolicySource, (action: string) => string> = {
  identity: (action) => `because no identity-based policy allows the ${action} action`,
  resource: (action) => `because no resource-based policy allows the ${action} action`,
  boundary: (action) => `because no permissions boundary allows the ${action} action`,
  session: (action) => `because no session policy allows the ${action} action`,
  scp: (action) => `because no service control policy allows the ${action} action`,
};

interface Case {
  name: string;
  principal: EvaluationPrincipal;
  action: string;
  resource: string;
  context?: Record<string, ContextValue>;
  identity?: string[];
  resourcePolicy?: string;
  /** The account that owns the resource (the resource policy's too); defaults to the principal's. */
  resourceAccount?: string;
  boundary?: string;
  session?: string[];
  scps?: string[];
  required?: boolean;
  expect: Expected;
}

function run(c: Case) {
  const account = c.resourceAccount ?? c.principal.account;
  return evaluate({
    principal: c.principal,
    action: c.action,
    resource: c.resource,
    context: c.context ?? {},
    identityPolicies: c.identity ?? [],
    resourcePolicy: c.resourcePolicy === undefined ? undefined : { document: c.resourcePolicy, account },
    resourceAccount: account,
    permissionsBoundary: c.boundary,
    sessionPolicies: c.session,
    serviceControlPolicies: c.scps,
    resourcePolicyRequired: c.required,
  });
}

function check(c: Case): void {
  const result = run(c);
  expect({ decision: result.decision, deniedBy: result.deniedBy }).toEqual({ deniedBy: undefined, ...c.expect });
  if (c.expect.decision === 'Allow') return;
  const who = c.principal.arn === '*' ? 'anonymous' : c.principal.arn;
  const on = c.resource === '*' ? '' : ` on resource: ${c.resource}`;
  const reason = c.expect.decision === 'ExplicitDeny' ? EXPLICIT_REASON[c.expect.deniedBy] : IMPLICIT_REASON[c.expect.deniedBy](c.action);
  expect(denialMessage(c.principal.arn, c.action, c.resource, result)).toBe(`User: ${who} is not authorized to perform: ${c.action}${on} ${reason}`);
}

// --- Policy evaluation logic: "Example identity-based and resource-based policy evaluation" -----

const CARLOS = user('carlossalazar', '123456789012');
const CARLOS_POLICY = policy(
  {
    Sid: 'AllowS3ListRead',
    ...allow(['s3:GetBucketLocation', 's3:GetAccountPublicAccessBlock', 's3:ListAccessPoints', 's3:ListAllMyBuckets'], 'arn:aws:s3:::*'),
  },
  { Sid: 'AllowS3Self', ...allow('s3:*', ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar']) },
  { Sid: 'DenyS3Logs', ...deny('s3:*', 'arn:aws:s3:::*log*') },
);
const CARLOS_BUCKET_POLICY = policy(grant(aws('arn:aws:iam::123456789012:user/carlossalazar'), 's3:*', ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar']));

const singleAccountExample: Case[] = [
  {
    name: 'Carlos saving a file to carlossalazar-logs is denied by DenyS3Logs',
    principal: CARLOS,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar-logs/file.txt',
    identity: [CARLOS_POLICY],
    expect: explicit('identity'),
  },
  {
    name: 'Carlos saving a file to carlossalazar is allowed by both policies',
    principal: CARLOS,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file.txt',
    identity: [CARLOS_POLICY],
    resourcePolicy: CARLOS_BUCKET_POLICY,
    expect: ALLOW,
  },
  {
    name: 'same account: the bucket policy alone allows Carlos (the other policy type may stay silent)',
    principal: CARLOS,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file.txt',
    resourcePolicy: CARLOS_BUCKET_POLICY,
    expect: ALLOW,
  },
  {
    name: 'same account: the identity policy alone allows Carlos',
    principal: CARLOS,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file.txt',
    identity: [CARLOS_POLICY],
    expect: ALLOW,
  },
  {
    name: 'AllowS3ListRead lets Carlos read any bucket location',
    principal: CARLOS,
    action: 's3:GetBucketLocation',
    resource: 'arn:aws:s3:::somebucket',
    identity: [CARLOS_POLICY],
    expect: ALLOW,
  },
  {
    name: 'the bucket policy names only carlossalazar: another user without policies is implicitly denied',
    principal: user('marymajor', '123456789012'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::carlossalazar/file.txt',
    resourcePolicy: CARLOS_BUCKET_POLICY,
    expect: implicit('identity'),
  },
  {
    name: 'DenyS3Logs denies deleting the logs bucket even though s3:* is allowed elsewhere',
    principal: CARLOS,
    action: 's3:DeleteBucket',
    resource: 'arn:aws:s3:::carlossalazar-logs',
    identity: [CARLOS_POLICY],
    resourcePolicy: CARLOS_BUCKET_POLICY,
    expect: explicit('identity'),
  },
  {
    name: 'Carlos writing to a bucket no policy mentions is implicitly denied',
    principal: CARLOS,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::another-bucket/file.txt',
    identity: [CARLOS_POLICY],
    expect: implicit('identity'),
  },
  {
    name: 'if the bucket policy explicitly denied the request, it would be denied',
    principal: CARLOS,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::carlossalazar/file.txt',
    identity: [CARLOS_POLICY],
    resourcePolicy: policy(refuse(aws('arn:aws:iam::123456789012:user/carlossalazar'), 's3:PutObject', 'arn:aws:s3:::carlossalazar/*')),
    expect: explicit('resource'),
  },
];

// --- "The difference between explicit and implicit denies": AllowGetList / DenyReports ----------

const GET_LIST = policy({ Sid: 'AllowGetList', ...allow(['iam:Get*', 'iam:List*']) }, { Sid: 'DenyReports', ...deny('iam:*Report') });
const explicitAndImplicit: Case[] = [
  { name: 'AllowGetList allows iam:GetUser', principal: user('alice'), action: 'iam:GetUser', resource: `arn:aws:iam::${ACCT}:user/bob`, identity: [GET_LIST], expect: ALLOW },
  { name: 'AllowGetList allows iam:ListUsers', principal: user('alice'), action: 'iam:ListUsers', resource: '*', identity: [GET_LIST], expect: ALLOW },
  { name: 'iam:CreatePolicy is implicitly denied (no Allow)', principal: user('alice'), action: 'iam:CreatePolicy', resource: '*', identity: [GET_LIST], expect: implicit('identity') },
  {
    name: 'DenyReports explicitly denies iam:GetOrganizationsAccessReport although AllowGetList matches it',
    principal: user('alice'),
    action: 'iam:GetOrganizationsAccessReport',
    resource: '*',
    identity: [GET_LIST],
    expect: explicit('identity'),
  },
  {
    name: 'another policy granting iam:GenerateCredentialReport cannot override DenyReports',
    principal: user('alice'),
    action: 'iam:GenerateCredentialReport',
    resource: '*',
    identity: [GET_LIST, policy(allow('iam:GenerateCredentialReport'))],
    expect: explicit('identity'),
  },
  { name: 'no policy at all is an implicit deny', principal: user('alice'), action: 'iam:GetUser', resource: '*', expect: implicit('identity') },
];

// --- "Cross-account policy evaluation logic": Carlos (111111111111) and the Production bucket -----

const CARLOS_X = user('carlossalazar', '111111111111');
const CARLOS_X_POLICY = policy(
  { Sid: 'AllowS3ListRead', ...allow('s3:ListAllMyBuckets') },
  { Sid: 'AllowS3ProductionObjectActions', ...allow('s3:*Object*', 'arn:aws:s3:::Production/*') },
  { Sid: 'DenyS3Logs', ...deny('s3:*', ['arn:aws:s3:::*log*', 'arn:aws:s3:::*log*/*']) },
);
const PRODUCTION_POLICY = policy(grant(aws('arn:aws:iam::111111111111:user/carlossalazar'), ['s3:GetObject*', 's3:PutObject*', 's3:ReplicateObject', 's3:RestoreObject'], 'arn:aws:s3:::Production/*'));
const PROD = '222222222222';
const crossAccount: Case[] = [
  {
    name: 'cross-account: saving to Production-logs is denied by DenyS3Logs in the trusted account',
    principal: CARLOS_X,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::Production-logs/file.txt',
    identity: [CARLOS_X_POLICY],
    resourceAccount: PROD,
    expect: explicit('identity'),
  },
  {
    name: 'cross-account: saving to Production is allowed by both accounts',
    principal: CARLOS_X,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: PRODUCTION_POLICY,
    resourceAccount: PROD,
    expect: ALLOW,
  },
  {
    name: 'cross-account: Carlos can create and edit but not delete objects (the bucket policy omits DeleteObject)',
    principal: CARLOS_X,
    action: 's3:DeleteObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: PRODUCTION_POLICY,
    resourceAccount: PROD,
    expect: implicit('resource'),
  },
  {
    name: 'cross-account: without a bucket policy the trusting account denies',
    principal: CARLOS_X,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourceAccount: PROD,
    expect: implicit('resource'),
  },
  {
    name: 'cross-account: he cannot manage the bucket itself (neither policy allows s3:ListBucket)',
    principal: CARLOS_X,
    action: 's3:ListBucket',
    resource: 'arn:aws:s3:::Production',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: PRODUCTION_POLICY,
    resourceAccount: PROD,
    expect: implicit('identity'),
  },
  {
    name: 'cross-account: the bucket policy alone is not enough, the identity policy must allow too',
    principal: CARLOS_X,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    resourcePolicy: PRODUCTION_POLICY,
    resourceAccount: PROD,
    expect: implicit('identity'),
  },
  {
    name: 'Principal: an account root ARN trusts every principal of that account (with its identity policies)',
    principal: CARLOS_X,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: policy(grant(aws('arn:aws:iam::111111111111:root'), 's3:GetObject', 'arn:aws:s3:::Production/*')),
    resourceAccount: PROD,
    expect: ALLOW,
  },
  {
    name: 'Principal: a bare account id is the same as the root ARN',
    principal: CARLOS_X,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: policy(grant(aws('111111111111'), 's3:GetObject', 'arn:aws:s3:::Production/*')),
    resourceAccount: PROD,
    expect: ALLOW,
  },
  {
    name: 'Principal: a policy naming another account does not apply to Carlos',
    principal: CARLOS_X,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: policy(grant(aws('arn:aws:iam::333333333333:root'), 's3:GetObject', 'arn:aws:s3:::Production/*')),
    resourceAccount: PROD,
    expect: implicit('resource'),
  },
  {
    name: 'cross-account root user: needs only the resource policy naming its account',
    principal: root('111111111111'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    resourcePolicy: policy(grant(aws('111111111111'), 's3:GetObject', 'arn:aws:s3:::Production/*')),
    resourceAccount: PROD,
    expect: ALLOW,
  },
  {
    name: 'cross-account root user: no resource policy, no access',
    principal: root('111111111111'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    resourceAccount: PROD,
    expect: implicit('resource'),
  },
  {
    name: 'cross-account: an explicit deny in the bucket policy wins over both allows',
    principal: CARLOS_X,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::Production/file.txt',
    identity: [CARLOS_X_POLICY],
    resourcePolicy: policy(
      grant(aws('arn:aws:iam::111111111111:user/carlossalazar'), 's3:PutObject*', 'arn:aws:s3:::Production/*'),
      refuse(aws('111111111111'), 's3:PutObject', 'arn:aws:s3:::Production/*'),
    ),
    resourceAccount: PROD,
    expect: explicit('resource'),
  },
];

describe('evaluate: documented single-account and cross-account examples', () => {
  for (const c of [...singleAccountExample, ...explicitAndImplicit, ...crossAccount]) it(c.name, () => check(c));
});

// --- "Permissions boundaries for IAM entities" ---------------------------------------------------

const SHIRLEY = user('ShirleyRodriguez');
const SHIRLEY_BOUNDARY = policy(allow(['s3:*', 'cloudwatch:*', 'ec2:*']));
const X_COMPANY_BOUNDARIES = policy(
  { Sid: 'ServiceBoundaries', ...allow(['s3:*', 'cloudwatch:*', 'ec2:*', 'dynamodb:*']) },
  { Sid: 'AllowIAMConsoleForCredentials', ...allow(['iam:ListUsers', 'iam:GetAccountPasswordPolicy']) },
  {
    Sid: 'AllowManageOwnPasswordAndAccessKeys',
    ...allow(['iam:*AccessKey*', 'iam:ChangePassword', 'iam:GetUser', 'iam:*ServiceSpecificCredential*', 'iam:*SigningCertificate*'], ['arn:aws:iam::*:user/${aws:username}']),
  },
  { Sid: 'DenyS3Logs', ...deny('s3:*', ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*']) },
  { Sid: 'DenyEC2Production', ...deny('ec2:*', 'arn:aws:ec2:*:*:instance/i-1234567890abcdef0') },
);
const ADMIN = policy(allow('*'));
const ZHANG = user('Zhang');
const DELEGATED_USER_BOUNDARY = policy(
  {
    Sid: 'CreateOrChangeOnlyWithBoundary',
    ...allow(['iam:CreateUser', 'iam:DeleteUserPolicy', 'iam:AttachUserPolicy', 'iam:DetachUserPolicy', 'iam:PutUserPermissionsBoundary'], '*', {
      Condition: { StringEquals: { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCT}:policy/XCompanyBoundaries` } },
    }),
  },
  { Sid: 'CloudWatchAndOtherIAMTasks', ...allow(['cloudwatch:*', 'iam:GetUser', 'iam:ListUsers', 'iam:DeleteUser', 'iam:CreatePolicy', 'iam:*Group*']) },
  {
    Sid: 'NoBoundaryPolicyEdit',
    ...deny(
      ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      [`arn:aws:iam::${ACCT}:policy/XCompanyBoundaries`, `arn:aws:iam::${ACCT}:policy/DelegatedUserBoundary`],
    ),
  },
  { Sid: 'NoBoundaryUserDelete', ...deny('iam:DeleteUserPermissionsBoundary') },
);
const DELEGATED_USER_PERMISSIONS = policy(
  { Sid: 'IAM', ...allow('iam:*') },
  { Sid: 'CloudWatchLimited', ...allow(['cloudwatch:GetDashboard', 'cloudwatch:GetMetricData', 'cloudwatch:ListDashboards']) },
);
const SESSION_APP = session('app-role', 'app-session');
const boundaries: Case[] = [
  {
    name: 'ShirleyRodriguez: iam:CreateUser allowed by her policy fails outside her boundary',
    principal: SHIRLEY,
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCT}:user/new`,
    identity: [policy(allow('iam:CreateUser'))],
    boundary: SHIRLEY_BOUNDARY,
    expect: implicit('boundary'),
  },
  {
    name: 'ShirleyRodriguez: an S3 permission policy inside the boundary allows S3',
    principal: SHIRLEY,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [policy(allow('iam:CreateUser')), policy(allow('s3:*'))],
    boundary: SHIRLEY_BOUNDARY,
    expect: ALLOW,
  },
  {
    name: 'ShirleyRodriguez: the boundary grants nothing on its own',
    principal: SHIRLEY,
    action: 'ec2:DescribeInstances',
    resource: '*',
    boundary: SHIRLEY_BOUNDARY,
    expect: implicit('identity'),
  },
  {
    name: 'ShirleyRodriguez: updating the boundary to allow iam:CreateUser lets her create users',
    principal: SHIRLEY,
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCT}:user/new`,
    identity: [policy(allow('iam:CreateUser'))],
    boundary: policy(allow(['s3:*', 'cloudwatch:*', 'ec2:*', 'iam:CreateUser'])),
    expect: ALLOW,
  },
  {
    name: 'XCompanyBoundaries: DenyS3Logs denies an administrator the logs bucket',
    principal: user('newhire'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::logs/2024/app.log',
    identity: [ADMIN],
    boundary: X_COMPANY_BOUNDARIES,
    expect: explicit('boundary'),
  },
  {
    name: 'XCompanyBoundaries: DenyEC2Production denies the i-1234567890abcdef0 instance',
    principal: user('newhire'),
    action: 'ec2:StopInstances',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1234567890abcdef0`,
    identity: [ADMIN],
    boundary: X_COMPANY_BOUNDARIES,
    expect: explicit('boundary'),
  },
  {
    name: 'XCompanyBoundaries: ServiceBoundaries leaves other instances to the permission policies',
    principal: user('newhire'),
    action: 'ec2:StopInstances',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0aaaaaaaaaaaaaaaa`,
    identity: [ADMIN],
    boundary: X_COMPANY_BOUNDARIES,
    expect: ALLOW,
  },
  {
    name: 'XCompanyBoundaries: AllowManageOwnPasswordAndAccessKeys allows the user his own access keys',
    principal: user('newhire'),
    action: 'iam:CreateAccessKey',
    resource: `arn:aws:iam::${ACCT}:user/newhire`,
    context: { 'aws:username': 'newhire' },
    identity: [ADMIN],
    boundary: X_COMPANY_BOUNDARIES,
    expect: ALLOW,
  },
  {
    name: "XCompanyBoundaries: …but not another user's",
    principal: user('newhire'),
    action: 'iam:CreateAccessKey',
    resource: `arn:aws:iam::${ACCT}:user/Zhang`,
    context: { 'aws:username': 'newhire' },
    identity: [ADMIN],
    boundary: X_COMPANY_BOUNDARIES,
    expect: implicit('boundary'),
  },
  {
    name: 'XCompanyBoundaries: users cannot manage users even with full IAM permissions',
    principal: user('newhire'),
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCT}:user/another`,
    identity: [ADMIN],
    boundary: X_COMPANY_BOUNDARIES,
    expect: implicit('boundary'),
  },
  {
    name: 'DelegatedUserBoundary: Zhang may create users with the XCompanyBoundaries boundary',
    principal: ZHANG,
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCT}:user/newhire`,
    context: { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCT}:policy/XCompanyBoundaries` },
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: ALLOW,
  },
  {
    name: 'DelegatedUserBoundary: Zhang may not create users without a boundary',
    principal: ZHANG,
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCT}:user/newhire`,
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: implicit('boundary'),
  },
  {
    name: 'DelegatedUserBoundary: Zhang may not create users with another boundary',
    principal: ZHANG,
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCT}:user/newhire`,
    context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' },
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: implicit('boundary'),
  },
  {
    name: 'DelegatedUserBoundary: NoBoundaryUserDelete denies removing any boundary',
    principal: ZHANG,
    action: 'iam:DeleteUserPermissionsBoundary',
    resource: `arn:aws:iam::${ACCT}:user/Zhang`,
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: explicit('boundary'),
  },
  {
    name: 'DelegatedUserBoundary: NoBoundaryPolicyEdit denies editing XCompanyBoundaries',
    principal: ZHANG,
    action: 'iam:CreatePolicyVersion',
    resource: `arn:aws:iam::${ACCT}:policy/XCompanyBoundaries`,
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: explicit('boundary'),
  },
  {
    name: 'DelegatedUserPermissions: CloudWatchLimited allows reading dashboards',
    principal: ZHANG,
    action: 'cloudwatch:GetDashboard',
    resource: '*',
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: ALLOW,
  },
  {
    name: 'DelegatedUserPermissions: the boundary allows cloudwatch:* but the permissions policy does not allow writing',
    principal: ZHANG,
    action: 'cloudwatch:PutDashboard',
    resource: '*',
    identity: [DELEGATED_USER_PERMISSIONS],
    boundary: DELEGATED_USER_BOUNDARY,
    expect: implicit('identity'),
  },
  {
    name: 'boundaries and resource-based policies: a bucket policy naming the IAM user grants past an implicit deny in the boundary',
    principal: SHIRLEY,
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`,
    boundary: SHIRLEY_BOUNDARY,
    resourcePolicy: policy(grant(aws(SHIRLEY.arn), 'dynamodb:GetItem')),
    expect: ALLOW,
  },
  {
    name: 'boundaries and resource-based policies: naming the role ARN is limited by the role boundary',
    principal: SESSION_APP,
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`,
    boundary: SHIRLEY_BOUNDARY,
    resourcePolicy: policy(grant(aws(SESSION_APP.roleArn!), 'dynamodb:GetItem')),
    expect: implicit('boundary'),
  },
  {
    name: 'boundaries and resource-based policies: naming the role session ARN grants past the boundary',
    principal: SESSION_APP,
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`,
    boundary: SHIRLEY_BOUNDARY,
    resourcePolicy: policy(grant(aws(SESSION_APP.arn), 'dynamodb:GetItem')),
    expect: ALLOW,
  },
  {
    name: 'boundaries and resource-based policies: naming the role ARN grants past the role permissions policy when the boundary allows',
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    boundary: SHIRLEY_BOUNDARY,
    resourcePolicy: policy(grant(aws(SESSION_APP.roleArn!), 's3:GetObject', 'arn:aws:s3:::reports/*')),
    expect: ALLOW,
  },
  {
    name: 'boundaries across accounts: the boundary limits a user even when the bucket policy names him',
    principal: user('ShirleyRodriguez', OTHER),
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`,
    identity: [ADMIN],
    boundary: SHIRLEY_BOUNDARY,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${OTHER}:user/ShirleyRodriguez`), 'dynamodb:GetItem')),
    resourceAccount: ACCT,
    expect: implicit('boundary'),
  },
  {
    name: 'NotPrincipal with Deny always denies a principal that has a permissions boundary',
    principal: SHIRLEY,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ADMIN],
    boundary: SHIRLEY_BOUNDARY,
    resourcePolicy: policy(refuse(undefined, 's3:*', ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'], { Principal: undefined, NotPrincipal: aws(SHIRLEY.arn, `arn:aws:iam::${ACCT}:root`) })),
    expect: explicit('resource'),
  },
  {
    name: 'NotPrincipal with Deny: the same user without a boundary is exempt',
    principal: SHIRLEY,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ADMIN],
    resourcePolicy: policy(refuse(undefined, 's3:*', ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'], { Principal: undefined, NotPrincipal: aws(SHIRLEY.arn, `arn:aws:iam::${ACCT}:root`) })),
    expect: ALLOW,
  },
];

// --- "Session policies" ----------------------------------------------------------------------------

const ROLE_POLICY = policy(allow(['s3:*', 'dynamodb:*']));
const SESSION_POLICY = policy(allow('s3:GetObject', 'arn:aws:s3:::reports/*'));
const sessions: Case[] = [
  {
    name: "session policies: the session's permissions are the intersection of the role's policy and the session policy",
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    session: [SESSION_POLICY],
    expect: ALLOW,
  },
  {
    name: 'session policies: an action the role allows but the session policy does not is denied',
    principal: SESSION_APP,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    session: [SESSION_POLICY],
    expect: implicit('session'),
  },
  {
    name: 'session policies cannot grant more than the role allows',
    principal: SESSION_APP,
    action: 'iam:ListUsers',
    resource: '*',
    identity: [ROLE_POLICY],
    session: [policy(allow('*'))],
    expect: implicit('identity'),
  },
  {
    name: 'session policies: an explicit deny in a session policy wins',
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    session: [policy(allow('*'), deny('s3:GetObject'))],
    expect: explicit('session'),
  },
  {
    name: 'session policies: managed session policies (PolicyArns) are intersected as one set with the inline one',
    principal: SESSION_APP,
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`,
    identity: [ROLE_POLICY],
    session: [SESSION_POLICY, policy(allow('dynamodb:GetItem'))],
    expect: ALLOW,
  },
  {
    name: 'session policies: a session without session policies has the role permissions',
    principal: SESSION_APP,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    session: [],
    expect: ALLOW,
  },
  {
    name: 'session policies and resource-based policies: naming the session ARN grants past the session policy',
    principal: SESSION_APP,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    session: [SESSION_POLICY],
    resourcePolicy: policy(grant(aws(SESSION_APP.arn), 's3:PutObject', 'arn:aws:s3:::reports/*')),
    expect: ALLOW,
  },
  {
    name: 'session policies and resource-based policies: naming the role ARN is limited by the session policy',
    principal: SESSION_APP,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    session: [SESSION_POLICY],
    resourcePolicy: policy(grant(aws(SESSION_APP.roleArn!), 's3:PutObject', 'arn:aws:s3:::reports/*')),
    expect: implicit('session'),
  },
  {
    name: 'session policies and resource-based policies: naming the role ARN grants when the session policy allows, without a role policy',
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    session: [SESSION_POLICY],
    resourcePolicy: policy(grant(aws(SESSION_APP.roleArn!), 's3:GetObject', 'arn:aws:s3:::reports/*')),
    expect: ALLOW,
  },
  {
    name: 'session policies and resource-based policies: naming the account delegates to the role policy',
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    session: [SESSION_POLICY],
    resourcePolicy: policy(grant(aws(ACCT), 's3:GetObject', 'arn:aws:s3:::reports/*')),
    expect: implicit('identity'),
  },
  {
    name: 'session policies with a boundary: all three must allow',
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    boundary: policy(allow('s3:*')),
    session: [SESSION_POLICY],
    expect: ALLOW,
  },
  {
    name: 'session policies with a boundary: the boundary denies what it does not allow',
    principal: SESSION_APP,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    boundary: policy(allow('dynamodb:*')),
    session: [SESSION_POLICY],
    expect: implicit('boundary'),
  },
  {
    name: 'session policies across accounts: naming the session ARN still needs the identity side',
    principal: session('app-role', 'app-session', OTHER),
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::reports/q1.csv',
    identity: [ROLE_POLICY],
    session: [SESSION_POLICY],
    resourcePolicy: policy(grant(aws(`arn:aws:sts::${OTHER}:assumed-role/app-role/app-session`), 's3:PutObject', 'arn:aws:s3:::reports/*')),
    resourceAccount: ACCT,
    expect: implicit('session'),
  },
];

describe('evaluate: permissions boundaries and session policies', () => {
  for (const c of [...boundaries, ...sessions]) it(c.name, () => check(c));
});

// --- "AWS JSON policy elements: Principal" ----------------------------------------------------------

const BUCKET = 'arn:aws:s3:::amzn-s3-demo-bucket';
const OBJECT = `${BUCKET}/photo.jpg`;
const principals: Case[] = [
  {
    name: 'Principal, AWS account principals: the account grant needs the identity policy within the account',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:root`), 's3:GetObject', `${BUCKET}/*`)),
    expect: implicit('identity'),
  },
  {
    name: 'Principal, IAM role principals: every session of the role in another account',
    principal: session('cross-account-role', 'ci', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('s3:GetObject'))],
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${OTHER}:role/cross-account-role`), 's3:GetObject', `${BUCKET}/*`)),
    resourceAccount: ACCT,
    expect: ALLOW,
  },
  {
    name: 'Principal, IAM role principals: sessions of another role are not named',
    principal: session('other-role', 'ci', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('s3:GetObject'))],
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${OTHER}:role/cross-account-role`), 's3:GetObject', `${BUCKET}/*`)),
    resourceAccount: ACCT,
    expect: implicit('resource'),
  },
  {
    name: 'Principal, role session principals: the named session is allowed',
    principal: session('cross-account-role', 'audit-app', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('s3:GetObject'))],
    resourcePolicy: policy(grant(aws(`arn:aws:sts::${OTHER}:assumed-role/cross-account-role/audit-app`), 's3:GetObject', `${BUCKET}/*`)),
    resourceAccount: ACCT,
    expect: ALLOW,
  },
  {
    name: 'Principal, role session principals: another session of the same role is not',
    principal: session('cross-account-role', 'other-app', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('s3:GetObject'))],
    resourcePolicy: policy(grant(aws(`arn:aws:sts::${OTHER}:assumed-role/cross-account-role/audit-app`), 's3:GetObject', `${BUCKET}/*`)),
    resourceAccount: ACCT,
    expect: implicit('resource'),
  },
  {
    name: 'Principal, IAM user principals: a list of users names each of them',
    principal: user('user-name-2'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:user/user-name-1`, `arn:aws:iam::${ACCT}:user/user-name-2`), 's3:GetObject', `${BUCKET}/*`)),
    expect: ALLOW,
  },
  {
    name: 'Principal: wildcards inside a principal ARN are not supported and match no user',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:user/*`), 's3:GetObject', `${BUCKET}/*`)),
    expect: implicit('identity'),
  },
  {
    name: 'Principal, AWS service principals: ecs.amazonaws.com may assume the role',
    principal: service('ecs.amazonaws.com'),
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${ACCT}:role/ecs-task`,
    resourcePolicy: policy(grant({ Service: ['ecs.amazonaws.com', 'elasticloadbalancing.amazonaws.com'] }, 'sts:AssumeRole')),
    required: true,
    expect: ALLOW,
  },
  {
    name: 'Principal, AWS service principals: a service the trust policy does not name may not',
    principal: service('ec2.amazonaws.com'),
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${ACCT}:role/ecs-task`,
    resourcePolicy: policy(grant({ Service: ['ecs.amazonaws.com', 'elasticloadbalancing.amazonaws.com'] }, 'sts:AssumeRole')),
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'Principal, AWS service principals: a service has no identity policies, only a resource policy can allow it',
    principal: service('events.amazonaws.com'),
    action: 'sqs:SendMessage',
    resource: `arn:aws:sqs:us-east-1:${ACCT}:queue`,
    identity: [ADMIN],
    expect: implicit('resource'),
  },
  {
    name: 'Principal, OIDC session principals: accounts.google.com may AssumeRoleWithWebIdentity',
    principal: federated('accounts.google.com'),
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: `arn:aws:iam::${ACCT}:role/web`,
    context: { 'accounts.google.com:aud': '123456789012-abc.apps.googleusercontent.com' },
    resourcePolicy: policy(
      grant({ Federated: 'accounts.google.com' }, 'sts:AssumeRoleWithWebIdentity', undefined, {
        Condition: { StringEquals: { 'accounts.google.com:aud': '123456789012-abc.apps.googleusercontent.com' } },
      }),
    ),
    required: true,
    expect: ALLOW,
  },
  {
    name: 'Principal, OIDC session principals: a token for another audience is refused',
    principal: federated('accounts.google.com'),
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: `arn:aws:iam::${ACCT}:role/web`,
    context: { 'accounts.google.com:aud': 'someone-else' },
    resourcePolicy: policy(
      grant({ Federated: 'accounts.google.com' }, 'sts:AssumeRoleWithWebIdentity', undefined, {
        Condition: { StringEquals: { 'accounts.google.com:aud': '123456789012-abc.apps.googleusercontent.com' } },
      }),
    ),
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'Principal, SAML session principals: the SAML provider ARN may AssumeRoleWithSAML',
    principal: federated(`arn:aws:iam::${ACCT}:saml-provider/ExampleOrgSSOProvider`),
    action: 'sts:AssumeRoleWithSAML',
    resource: `arn:aws:iam::${ACCT}:role/sso`,
    context: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' },
    resourcePolicy: policy(
      grant({ Federated: `arn:aws:iam::${ACCT}:saml-provider/ExampleOrgSSOProvider` }, 'sts:AssumeRoleWithSAML', undefined, {
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      }),
    ),
    required: true,
    expect: ALLOW,
  },
  {
    name: 'Principal, all principals: "*" lets anonymous users read',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant('*', 's3:GetObject', `${BUCKET}/*`)),
    expect: ALLOW,
  },
  {
    name: 'Principal, all principals: {"AWS": "*"} is the same as "*"',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant({ AWS: '*' }, 's3:GetObject', `${BUCKET}/*`)),
    expect: ALLOW,
  },
  {
    name: 'Principal, all principals: a public read policy does not allow writes',
    principal: anonymous,
    action: 's3:PutObject',
    resource: OBJECT,
    resourcePolicy: policy(grant('*', 's3:GetObject', `${BUCKET}/*`)),
    expect: implicit('resource'),
  },
  {
    name: 'anonymous users: without a resource policy nothing is allowed',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    expect: implicit('resource'),
  },
  {
    name: 'anonymous users: a policy naming a user does not apply to them',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:user/bob`), 's3:GetObject', `${BUCKET}/*`)),
    expect: implicit('resource'),
  },
  {
    name: 'Principal, all principals: "*" grants an IAM user in the account without identity policies',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant('*', 's3:GetObject', `${BUCKET}/*`)),
    expect: ALLOW,
  },
  {
    name: 'identity-based policies: a statement with a Principal element is not valid there and grants nothing',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(grant('*', 's3:GetObject', '*'))],
    expect: implicit('identity'),
  },
  {
    name: 'resource-based policies: a statement without Principal applies to nobody',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(allow('s3:GetObject', `${BUCKET}/*`)),
    expect: implicit('identity'),
  },
];

// --- "AWS JSON policy elements: NotPrincipal" -------------------------------------------------------

const NOT_BOB = policy(refuse(undefined, 's3:*', [BUCKET, `${BUCKET}/*`], { Principal: undefined, NotPrincipal: aws(`arn:aws:iam::${OTHER}:user/Bob`, `arn:aws:iam::${OTHER}:root`) }));
const NOT_AUDIT = policy(
  refuse(undefined, 's3:*', [BUCKET, `${BUCKET}/*`], {
    Principal: undefined,
    NotPrincipal: aws(
      `arn:aws:sts::${OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app`,
      `arn:aws:iam::${OTHER}:role/cross-account-read-only-role`,
      `arn:aws:iam::${OTHER}:root`,
    ),
  }),
);
const notPrincipal: Case[] = [
  {
    name: 'NotPrincipal with Deny: Bob (listed with his account) keeps access',
    principal: user('Bob', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    resourcePolicy: NOT_BOB,
    expect: ALLOW,
  },
  {
    name: 'NotPrincipal with Deny: every other user of the account is denied',
    principal: user('Alice', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    resourcePolicy: NOT_BOB,
    expect: explicit('resource'),
  },
  {
    name: 'NotPrincipal with Deny: listing the user without his account denies him too',
    principal: user('Bob', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    resourcePolicy: policy(refuse(undefined, 's3:*', [BUCKET, `${BUCKET}/*`], { Principal: undefined, NotPrincipal: aws(`arn:aws:iam::${OTHER}:user/Bob`) })),
    expect: explicit('resource'),
  },
  {
    name: 'NotPrincipal with Deny: the listed role session (with its role and account) keeps access',
    principal: session('cross-account-read-only-role', 'cross-account-audit-app', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    resourcePolicy: NOT_AUDIT,
    expect: ALLOW,
  },
  {
    name: 'NotPrincipal with Deny: a session of an unlisted role is denied',
    principal: session('admin-role', 'cross-account-audit-app', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    resourcePolicy: NOT_AUDIT,
    expect: explicit('resource'),
  },
  {
    name: 'NotPrincipal with Deny: the account root user, when its account is listed, keeps access',
    principal: root(OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: NOT_BOB,
    expect: ALLOW,
  },
  {
    name: 'NotPrincipal with Deny: anonymous users are denied',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    resourcePolicy: policy(grant('*', 's3:GetObject', `${BUCKET}/*`), JSON.parse(NOT_BOB).Statement[0]),
    expect: explicit('resource'),
  },
  {
    name: 'NotPrincipal with Deny: a service principal listed under Service is exempt',
    principal: service('cloudtrail.amazonaws.com'),
    action: 's3:PutObject',
    resource: OBJECT,
    resourcePolicy: policy(
      grant({ Service: 'cloudtrail.amazonaws.com' }, 's3:PutObject', `${BUCKET}/*`),
      refuse(undefined, 's3:PutObject', `${BUCKET}/*`, { Principal: undefined, NotPrincipal: { Service: 'cloudtrail.amazonaws.com' } }),
    ),
    expect: ALLOW,
  },
];

describe('evaluate: Principal and NotPrincipal', () => {
  for (const c of [...principals, ...notPrincipal]) it(c.name, () => check(c));
});

// --- Role trust policies and KMS key policies: the resource policy must allow -------------------------

const ROLE = `arn:aws:iam::${ACCT}:role/deploy`;
const ASSUME = policy(allow('sts:AssumeRole', ROLE));
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DEFAULT_KEY_POLICY = policy({ Sid: 'Enable IAM User Permissions', ...grant(aws(`arn:aws:iam::${ACCT}:root`), 'kms:*', '*') });
const KEY_USERS_POLICY = policy(
  { Sid: 'Allow access for Key Administrators', ...grant(aws(`arn:aws:iam::${ACCT}:user/KMSAdminUser`), ['kms:Create*', 'kms:Describe*', 'kms:Put*', 'kms:ScheduleKeyDeletion'], '*') },
  { Sid: 'Allow use of the key', ...grant(aws(`arn:aws:iam::${ACCT}:role/ExampleRole`), ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'], '*') },
);
const trustAndKeys: Case[] = [
  {
    name: 'trust policy naming the account: a user allowed sts:AssumeRole by his policy may switch roles',
    principal: user('alice'),
    action: 'sts:AssumeRole',
    resource: ROLE,
    identity: [ASSUME],
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:root`), 'sts:AssumeRole')),
    required: true,
    expect: ALLOW,
  },
  {
    name: 'trust policy naming the account: without an identity policy the user may not',
    principal: user('alice'),
    action: 'sts:AssumeRole',
    resource: ROLE,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:root`), 'sts:AssumeRole')),
    required: true,
    expect: implicit('identity'),
  },
  {
    name: 'trust policy naming the user directly: no identity policy is needed in the same account',
    principal: user('alice'),
    action: 'sts:AssumeRole',
    resource: ROLE,
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:user/alice`), 'sts:AssumeRole')),
    required: true,
    expect: ALLOW,
  },
  {
    name: 'trust policy that does not trust the caller: an identity Allow is not enough (trust policies must allow)',
    principal: user('alice'),
    action: 'sts:AssumeRole',
    resource: ROLE,
    identity: [ADMIN],
    resourcePolicy: policy(grant({ Service: 'codebuild.amazonaws.com' }, 'sts:AssumeRole')),
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'cross-account trust with ExternalId: the right external id is accepted',
    principal: user('partner', OTHER),
    action: 'sts:AssumeRole',
    resource: ROLE,
    context: { 'sts:ExternalId': 'Unique-ID-Assigned-by-Example-Corp' },
    identity: [ASSUME],
    resourcePolicy: policy(grant(aws(OTHER), 'sts:AssumeRole', undefined, { Condition: { StringEquals: { 'sts:ExternalId': 'Unique-ID-Assigned-by-Example-Corp' } } })),
    resourceAccount: ACCT,
    required: true,
    expect: ALLOW,
  },
  {
    name: 'cross-account trust with ExternalId: a request without the external id is refused',
    principal: user('partner', OTHER),
    action: 'sts:AssumeRole',
    resource: ROLE,
    identity: [ASSUME],
    resourcePolicy: policy(grant(aws(OTHER), 'sts:AssumeRole', undefined, { Condition: { StringEquals: { 'sts:ExternalId': 'Unique-ID-Assigned-by-Example-Corp' } } })),
    resourceAccount: ACCT,
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'cross-account trust: the trusted account must also allow sts:AssumeRole',
    principal: user('partner', OTHER),
    action: 'sts:AssumeRole',
    resource: ROLE,
    resourcePolicy: policy(grant(aws(OTHER), 'sts:AssumeRole')),
    resourceAccount: ACCT,
    required: true,
    expect: implicit('identity'),
  },
  {
    name: 'trust policy requiring MFA (aws:MultiFactorAuthPresent): a caller without MFA is refused',
    principal: user('alice'),
    action: 'sts:AssumeRole',
    resource: ROLE,
    identity: [ASSUME],
    resourcePolicy: policy(grant(aws(ACCT), 'sts:AssumeRole', undefined, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })),
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'KMS default key policy: the root statement enables IAM policies, so an IAM Allow suffices',
    principal: user('alice'),
    action: 'kms:Decrypt',
    resource: KEY,
    identity: [policy(allow('kms:Decrypt', KEY))],
    resourcePolicy: DEFAULT_KEY_POLICY,
    required: true,
    expect: ALLOW,
  },
  {
    name: 'KMS default key policy: a user without an IAM policy is denied',
    principal: user('alice'),
    action: 'kms:Decrypt',
    resource: KEY,
    resourcePolicy: DEFAULT_KEY_POLICY,
    required: true,
    expect: implicit('identity'),
  },
  {
    name: 'KMS default key policy: the account root user may use the key',
    principal: root(),
    action: 'kms:ScheduleKeyDeletion',
    resource: KEY,
    resourcePolicy: DEFAULT_KEY_POLICY,
    required: true,
    expect: ALLOW,
  },
  {
    name: 'KMS key policy without the root statement: IAM policies alone give no access',
    principal: user('alice'),
    action: 'kms:Decrypt',
    resource: KEY,
    identity: [ADMIN],
    resourcePolicy: KEY_USERS_POLICY,
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'KMS key policy without the root statement: even the root user is locked out',
    principal: root(),
    action: 'kms:Decrypt',
    resource: KEY,
    resourcePolicy: KEY_USERS_POLICY,
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'KMS key policy, "Allow use of the key": sessions of ExampleRole may decrypt without an IAM policy',
    principal: session('ExampleRole', 'worker'),
    action: 'kms:Decrypt',
    resource: KEY,
    resourcePolicy: KEY_USERS_POLICY,
    required: true,
    expect: ALLOW,
  },
  {
    name: 'KMS key policy, "Allow access for Key Administrators": KMSAdminUser may not use the key for encryption',
    principal: user('KMSAdminUser'),
    action: 'kms:Encrypt',
    resource: KEY,
    resourcePolicy: KEY_USERS_POLICY,
    required: true,
    expect: implicit('resource'),
  },
  {
    name: 'KMS key policy, "Allow access for Key Administrators": KMSAdminUser may describe the key',
    principal: user('KMSAdminUser'),
    action: 'kms:DescribeKey',
    resource: KEY,
    resourcePolicy: KEY_USERS_POLICY,
    required: true,
    expect: ALLOW,
  },
  {
    name: 'KMS key policy allowing an external account: its users still need an IAM policy',
    principal: user('bob', OTHER),
    action: 'kms:Decrypt',
    resource: KEY,
    identity: [policy(allow('kms:Decrypt', KEY))],
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${OTHER}:root`), ['kms:Encrypt', 'kms:Decrypt'], '*')),
    resourceAccount: ACCT,
    required: true,
    expect: ALLOW,
  },
  {
    name: 'KMS kms:ViaService condition: the key is usable only through Secrets Manager',
    principal: user('alice'),
    action: 'kms:Decrypt',
    resource: KEY,
    context: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' },
    resourcePolicy: policy(grant(aws(`arn:aws:iam::${ACCT}:user/alice`), 'kms:Decrypt', '*', { Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } })),
    required: true,
    expect: implicit('resource'),
  },
];

// --- Root user and Organizations SCPs ---------------------------------------------------------------

const FULL_ACCESS_SCP = policy({ Sid: 'FullAWSAccess', ...allow('*') });
const DENY_LEAVE_ORG_SCP = policy(deny('organizations:LeaveOrganization'));
const ROOT_DENY_SCP = policy(deny('*', '*', { Condition: { ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:root'] }, Null: { 'aws:AssumedRoot': 'true' } } }));
const rootAndScps: Case[] = [
  { name: 'the account root user has full access without any policy', principal: root(), action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCT}:user/x`, expect: ALLOW },
  {
    name: 'the root user is denied by an explicit deny in a resource-based policy',
    principal: root(),
    action: 's3:DeleteBucket',
    resource: BUCKET,
    resourcePolicy: policy(refuse('*', 's3:DeleteBucket', BUCKET)),
    expect: explicit('resource'),
  },
  {
    name: 'the root user is not affected by a Deny naming another principal',
    principal: root(),
    action: 's3:DeleteBucket',
    resource: BUCKET,
    resourcePolicy: policy(refuse(aws(`arn:aws:iam::${ACCT}:user/bob`), 's3:DeleteBucket', BUCKET)),
    expect: ALLOW,
  },
  {
    name: 'SCPs: FullAWSAccess keeps identity policies in charge',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    scps: [FULL_ACCESS_SCP],
    expect: ALLOW,
  },
  {
    name: 'SCPs: "Prevent member accounts from leaving the organization" denies even administrators',
    principal: user('bob'),
    action: 'organizations:LeaveOrganization',
    resource: '*',
    identity: [ADMIN],
    scps: [FULL_ACCESS_SCP, DENY_LEAVE_ORG_SCP],
    expect: explicit('scp'),
  },
  {
    name: 'SCPs: an allow-list SCP implicitly denies services it does not list',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    scps: [policy(allow(['ec2:*', 'cloudwatch:*']))],
    expect: implicit('scp'),
  },
  {
    name: 'SCPs apply to the member account root user',
    principal: root(),
    action: 'organizations:LeaveOrganization',
    resource: '*',
    scps: [FULL_ACCESS_SCP, DENY_LEAVE_ORG_SCP],
    expect: explicit('scp'),
  },
  {
    name: 'SCPs: "Prevent root user actions" denies the root user through aws:PrincipalArn',
    principal: root(),
    action: 'ec2:RunInstances',
    resource: '*',
    context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:root` },
    scps: [FULL_ACCESS_SCP, ROOT_DENY_SCP],
    expect: explicit('scp'),
  },
  {
    name: 'SCPs: "Prevent root user actions" leaves IAM users alone',
    principal: user('bob'),
    action: 'ec2:RunInstances',
    resource: '*',
    context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:user/bob` },
    identity: [ADMIN],
    scps: [FULL_ACCESS_SCP, ROOT_DENY_SCP],
    expect: ALLOW,
  },
  {
    name: 'SCPs do not limit service principals',
    principal: service('cloudtrail.amazonaws.com'),
    action: 's3:PutObject',
    resource: OBJECT,
    resourcePolicy: policy(grant({ Service: 'cloudtrail.amazonaws.com' }, 's3:PutObject', `${BUCKET}/*`)),
    scps: [policy(allow('ec2:*'))],
    expect: ALLOW,
  },
  {
    name: 'SCPs: boundary, SCP and identity policy must all allow',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [ADMIN],
    boundary: policy(allow('s3:*')),
    scps: [FULL_ACCESS_SCP],
    expect: ALLOW,
  },
];

describe('evaluate: trust policies, key policies, root and SCPs', () => {
  for (const c of [...trustAndKeys, ...rootAndScps]) it(c.name, () => check(c));
});

// --- Condition element examples (example IAM identity-based policies, bucket and topic policies) ------

const SOURCE_IP_DENY = policy(allow('*'), deny('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] }, Bool: { 'aws:ViaAWSService': 'false' } } }));
const MFA_DENY = policy(allow('*'), {
  Sid: 'BlockMostAccessUnlessSignedInWithMFA',
  Effect: 'Deny',
  NotAction: ['iam:ListVirtualMFADevices', 'iam:EnableMFADevice', 'sts:GetSessionToken'],
  Resource: '*',
  Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
});
const DATE_WINDOW = policy(
  allow('dynamodb:*', `arn:aws:dynamodb:*:*:table/Thread`, {
    Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2020-06-30T23:59:59Z' } },
  }),
);
const ABAC = policy(allow(['ec2:StartInstances', 'ec2:StopInstances'], '*', { Condition: { StringEquals: { 'aws:ResourceTag/Project': '${aws:PrincipalTag/Project}' } } }));
const REGION_DENY = policy(allow('*'), {
  Sid: 'DenyAllOutsideRequestedRegions',
  Effect: 'Deny',
  NotAction: ['cloudfront:*', 'iam:*', 'route53:*', 'support:*'],
  Resource: '*',
  Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1'] } },
});
const HOME_DIRECTORY = policy(
  allow('s3:ListBucket', 'arn:aws:s3:::amzn-s3-demo-bucket', { Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/*'] } } }),
  allow('s3:*', ['arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}', 'arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*']),
);
const TAG_KEYS = policy(allow('ec2:CreateTags', '*', { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Environment', 'CostCenter'] } } }));
const REQUIRE_TAG = policy(allow('ec2:CreateTags', '*', { Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['CostCenter'] } } }));
const SECURE_TRANSPORT = policy(grant('*', 's3:GetObject', `${BUCKET}/*`), refuse('*', 's3:*', [BUCKET, `${BUCKET}/*`], { Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
const TOPIC_FROM_BUCKET = policy(
  grant({ Service: 's3.amazonaws.com' }, 'SNS:Publish', `arn:aws:sns:us-east-1:${ACCT}:events`, {
    Condition: { ArnLike: { 'aws:SourceArn': BUCKET }, StringEquals: { 'aws:SourceAccount': ACCT } },
  }),
);
const ORG_BUCKET = policy(grant('*', 's3:GetObject', `${BUCKET}/*`, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' } } }));
const conditions: Case[] = [
  {
    name: 'Denies access to AWS based on the source IP: a request from outside the ranges is denied',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    context: { 'aws:SourceIp': '198.51.100.7', 'aws:ViaAWSService': 'false' },
    identity: [SOURCE_IP_DENY],
    expect: explicit('identity'),
  },
  {
    name: 'Denies access to AWS based on the source IP: a request from 203.0.113.0/24 is allowed',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    context: { 'aws:SourceIp': '203.0.113.42', 'aws:ViaAWSService': 'false' },
    identity: [SOURCE_IP_DENY],
    expect: ALLOW,
  },
  {
    name: 'Denies access to AWS based on the source IP: calls an AWS service makes on your behalf are not denied',
    principal: user('bob'),
    action: 'kms:Decrypt',
    resource: KEY,
    context: { 'aws:SourceIp': 'ssm.amazonaws.com', 'aws:ViaAWSService': 'true' },
    identity: [SOURCE_IP_DENY],
    expect: ALLOW,
  },
  {
    name: 'Allows MFA-authenticated IAM users to manage their own credentials: without MFA (key absent) most actions are denied',
    principal: user('bob'),
    action: 's3:ListAllMyBuckets',
    resource: '*',
    identity: [MFA_DENY],
    expect: explicit('identity'),
  },
  {
    name: 'Allows MFA-authenticated IAM users: with MFA the deny does not apply',
    principal: user('bob'),
    action: 's3:ListAllMyBuckets',
    resource: '*',
    context: { 'aws:MultiFactorAuthPresent': 'true' },
    identity: [MFA_DENY],
    expect: ALLOW,
  },
  {
    name: 'Allows MFA-authenticated IAM users: enabling an MFA device is possible without MFA (NotAction)',
    principal: user('bob'),
    action: 'iam:EnableMFADevice',
    resource: `arn:aws:iam::${ACCT}:user/bob`,
    identity: [MFA_DENY],
    expect: ALLOW,
  },
  {
    name: 'Allows access within specific dates (aws:CurrentTime): inside the window',
    principal: user('bob'),
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/Thread`,
    context: { 'aws:CurrentTime': '2020-05-15T12:00:00Z' },
    identity: [DATE_WINDOW],
    expect: ALLOW,
  },
  {
    name: 'Allows access within specific dates (aws:CurrentTime): after the window',
    principal: user('bob'),
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/Thread`,
    context: { 'aws:CurrentTime': '2020-07-01T00:00:00Z' },
    identity: [DATE_WINDOW],
    expect: implicit('identity'),
  },
  {
    name: 'ABAC: starting an instance whose Project tag matches the principal tag',
    principal: session('dev', 'alice'),
    action: 'ec2:StartInstances',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`,
    context: { 'aws:PrincipalTag/Project': 'unicorn', 'aws:ResourceTag/Project': 'unicorn' },
    identity: [ABAC],
    expect: ALLOW,
  },
  {
    name: "ABAC: another project's instance is implicitly denied",
    principal: session('dev', 'alice'),
    action: 'ec2:StartInstances',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-2`,
    context: { 'aws:PrincipalTag/Project': 'unicorn', 'aws:ResourceTag/Project': 'pegasus' },
    identity: [ABAC],
    expect: implicit('identity'),
  },
  {
    name: 'ABAC: an untagged principal matches nothing (the variable has no value)',
    principal: session('dev', 'alice'),
    action: 'ec2:StartInstances',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-2`,
    context: { 'aws:ResourceTag/Project': 'unicorn' },
    identity: [ABAC],
    expect: implicit('identity'),
  },
  {
    name: 'Denies access to AWS based on the requested Region: eu-west-1 is allowed',
    principal: user('bob'),
    action: 'ec2:RunInstances',
    resource: '*',
    context: { 'aws:RequestedRegion': 'eu-west-1' },
    identity: [REGION_DENY],
    expect: ALLOW,
  },
  {
    name: 'Denies access to AWS based on the requested Region: us-east-1 is denied',
    principal: user('bob'),
    action: 'ec2:RunInstances',
    resource: '*',
    context: { 'aws:RequestedRegion': 'us-east-1' },
    identity: [REGION_DENY],
    expect: explicit('identity'),
  },
  {
    name: 'Denies access to AWS based on the requested Region: global IAM is exempt through NotAction',
    principal: user('bob'),
    action: 'iam:ListRoles',
    resource: '*',
    context: { 'aws:RequestedRegion': 'us-east-1' },
    identity: [REGION_DENY],
    expect: ALLOW,
  },
  {
    name: 'Allows IAM users to access their own home directory in Amazon S3: listing home/bob/',
    principal: user('bob'),
    action: 's3:ListBucket',
    resource: 'arn:aws:s3:::amzn-s3-demo-bucket',
    context: { 'aws:username': 'bob', 's3:prefix': 'home/bob/photos' },
    identity: [HOME_DIRECTORY],
    expect: ALLOW,
  },
  {
    name: "Allows IAM users to access their own home directory in Amazon S3: listing alice's directory is denied",
    principal: user('bob'),
    action: 's3:ListBucket',
    resource: 'arn:aws:s3:::amzn-s3-demo-bucket',
    context: { 'aws:username': 'bob', 's3:prefix': 'home/alice/' },
    identity: [HOME_DIRECTORY],
    expect: implicit('identity'),
  },
  {
    name: 'Allows IAM users to access their own home directory in Amazon S3: writing his own object',
    principal: user('bob'),
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::amzn-s3-demo-bucket/home/bob/cv.pdf',
    context: { 'aws:username': 'bob' },
    identity: [HOME_DIRECTORY],
    expect: ALLOW,
  },
  {
    name: "Allows IAM users to access their own home directory in Amazon S3: writing alice's object is denied",
    principal: user('bob'),
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::amzn-s3-demo-bucket/home/alice/cv.pdf',
    context: { 'aws:username': 'bob' },
    identity: [HOME_DIRECTORY],
    expect: implicit('identity'),
  },
  {
    name: 'ForAllValues:StringEquals aws:TagKeys: only the allowed tag keys',
    principal: user('bob'),
    action: 'ec2:CreateTags',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`,
    context: { 'aws:TagKeys': ['Environment', 'CostCenter'] },
    identity: [TAG_KEYS],
    expect: ALLOW,
  },
  {
    name: 'ForAllValues:StringEquals aws:TagKeys: one other tag key denies the request',
    principal: user('bob'),
    action: 'ec2:CreateTags',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`,
    context: { 'aws:TagKeys': ['Environment', 'Owner'] },
    identity: [TAG_KEYS],
    expect: implicit('identity'),
  },
  {
    name: 'ForAnyValue:StringEquals aws:TagKeys: a request without tags does not satisfy it',
    principal: user('bob'),
    action: 'ec2:CreateTags',
    resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`,
    identity: [REQUIRE_TAG],
    expect: implicit('identity'),
  },
  {
    name: 'Bucket policy denying insecure transport (aws:SecureTransport false)',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    context: { 'aws:SecureTransport': 'false' },
    resourcePolicy: SECURE_TRANSPORT,
    expect: explicit('resource'),
  },
  {
    name: 'Bucket policy denying insecure transport: HTTPS requests are allowed',
    principal: anonymous,
    action: 's3:GetObject',
    resource: OBJECT,
    context: { 'aws:SecureTransport': 'true' },
    resourcePolicy: SECURE_TRANSPORT,
    expect: ALLOW,
  },
  {
    name: 'Cross-service confused deputy prevention: S3 may publish for its own bucket and account',
    principal: service('s3.amazonaws.com'),
    action: 'sns:Publish',
    resource: `arn:aws:sns:us-east-1:${ACCT}:events`,
    context: { 'aws:SourceArn': BUCKET, 'aws:SourceAccount': ACCT },
    resourcePolicy: TOPIC_FROM_BUCKET,
    expect: ALLOW,
  },
  {
    name: "Cross-service confused deputy prevention: S3 acting for another account's bucket is refused",
    principal: service('s3.amazonaws.com'),
    action: 'sns:Publish',
    resource: `arn:aws:sns:us-east-1:${ACCT}:events`,
    context: { 'aws:SourceArn': 'arn:aws:s3:::someone-elses-bucket', 'aws:SourceAccount': OTHER },
    resourcePolicy: TOPIC_FROM_BUCKET,
    expect: implicit('resource'),
  },
  {
    name: 'Principal {"AWS": "*"} with aws:SourceArn (the older S3 walkthrough form) lets S3 publish for that bucket',
    principal: service('s3.amazonaws.com'),
    action: 'sns:Publish',
    resource: `arn:aws:sns:us-east-1:${ACCT}:events`,
    context: { 'aws:SourceArn': BUCKET, 'aws:SourceAccount': ACCT },
    resourcePolicy: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': BUCKET } } }),
    expect: ALLOW,
  },
  {
    name: 'Principal {"AWS": "*"} with aws:SourceArn refuses S3 publishing for another bucket',
    principal: service('s3.amazonaws.com'),
    action: 'sns:Publish',
    resource: `arn:aws:sns:us-east-1:${ACCT}:events`,
    context: { 'aws:SourceArn': 'arn:aws:s3:::someone-elses-bucket', 'aws:SourceAccount': OTHER },
    resourcePolicy: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': BUCKET } } }),
    expect: implicit('resource'),
  },
  {
    name: 'aws:PrincipalOrgID: a principal of the organization in another account may read',
    principal: user('bob', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    context: { 'aws:PrincipalOrgID': 'o-exampleorgid' },
    identity: [policy(allow('s3:GetObject'))],
    resourcePolicy: ORG_BUCKET,
    resourceAccount: ACCT,
    expect: ALLOW,
  },
  {
    name: 'aws:PrincipalOrgID: a principal outside the organization may not',
    principal: user('bob', OTHER),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('s3:GetObject'))],
    resourcePolicy: ORG_BUCKET,
    resourceAccount: ACCT,
    expect: implicit('resource'),
  },
  {
    name: 'aws:PrincipalArn with ArnNotLike: a resource policy denying all but one role',
    principal: session('other-role', 's'),
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:db-AbCdEf`,
    context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/other-role` },
    identity: [ADMIN],
    resourcePolicy: policy(refuse('*', 'secretsmanager:GetSecretValue', '*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/app-*` } } })),
    expect: explicit('resource'),
  },
  {
    name: 'aws:PrincipalArn with ArnNotLike: the allowed role passes',
    principal: session('app-reader', 's'),
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:db-AbCdEf`,
    context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/app-reader` },
    identity: [ADMIN],
    resourcePolicy: policy(refuse('*', 'secretsmanager:GetSecretValue', '*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/app-*` } } })),
    expect: ALLOW,
  },
  {
    name: 'Null condition (aws:TokenIssueTime): long-term credentials are denied by a Deny on temporary-only access',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('*'), deny('*', '*', { Condition: { Null: { 'aws:TokenIssueTime': 'true' } } }))],
    expect: explicit('identity'),
  },
  {
    name: 'NotResource with Deny: denies everything except the HRBucket payroll folder',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::Other/file',
    identity: [policy(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'] })],
    expect: explicit('identity'),
  },
  {
    name: 'NotResource with Deny: the payroll folder stays allowed',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::HRBucket/Payroll/2024.csv',
    identity: [policy(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'] })],
    expect: ALLOW,
  },
  {
    name: 'Action names are case-insensitive ("S3:getobject" matches s3:GetObject)',
    principal: user('bob'),
    action: 's3:GetObject',
    resource: OBJECT,
    identity: [policy(allow('S3:getobject'))],
    expect: ALLOW,
  },
];

describe('evaluate: conditions', () => {
  for (const c of conditions) it(c.name, () => check(c));
});

describe('principalMatches and denialMessage', () => {
  it('matches Principal blocks as AWS documents them', () => {
    const s = session('app', 'run-1');
    expect(principalMatches('*', anonymous)).toBe(true);
    expect(principalMatches({ AWS: '*' }, user('bob'))).toBe(true);
    expect(principalMatches({ AWS: '*' }, anonymous)).toBe(true);
    expect(principalMatches({ AWS: '*' }, service('events.amazonaws.com'))).toBe(true);
    expect(principalMatches({ AWS: '*' }, federated('accounts.google.com'))).toBe(false);
    expect(principalMatches('*', service('events.amazonaws.com'))).toBe(true);
    expect(principalMatches({ AWS: ACCT }, s)).toBe(true);
    expect(principalMatches({ AWS: `arn:aws:iam::${ACCT}:root` }, user('bob'))).toBe(true);
    expect(principalMatches({ AWS: `arn:aws:iam::${OTHER}:root` }, user('bob'))).toBe(false);
    expect(principalMatches({ AWS: `arn:aws:iam::${ACCT}:role/app` }, s)).toBe(true);
    expect(principalMatches({ AWS: `arn:aws:iam::${ACCT}:role/other` }, s)).toBe(false);
    expect(principalMatches({ AWS: s.arn }, s)).toBe(true);
    expect(principalMatches({ AWS: `arn:aws:iam::${ACCT}:user/*` }, user('bob'))).toBe(false);
    expect(principalMatches({ Service: ['ecs.amazonaws.com', 'events.amazonaws.com'] }, service('events.amazonaws.com'))).toBe(true);
    expect(principalMatches({ Service: 'ecs.amazonaws.com' }, service('events.amazonaws.com'))).toBe(false);
    expect(principalMatches({ AWS: ACCT }, service('events.amazonaws.com'))).toBe(false);
    expect(principalMatches({ Federated: 'accounts.google.com' }, federated('accounts.google.com'))).toBe(true);
    expect(principalMatches({ AWS: ACCT }, anonymous)).toBe(false);
    expect(principalMatches(42, user('bob'))).toBe(false);
  });

  it('reads NotPrincipal as "every principal except these" (the account must be listed too)', () => {
    const bob = user('bob', OTHER);
    expect(principalMatches({ AWS: [bob.arn, `arn:aws:iam::${OTHER}:root`] }, bob, true)).toBe(false);
    expect(principalMatches({ AWS: bob.arn }, bob, true)).toBe(true);
    expect(principalMatches({ AWS: [bob.arn, `arn:aws:iam::${OTHER}:root`] }, user('alice', OTHER), true)).toBe(true);
    expect(principalMatches({ AWS: `arn:aws:iam::${OTHER}:root` }, root(OTHER), true)).toBe(false);
    expect(principalMatches({ Service: 'events.amazonaws.com' }, service('events.amazonaws.com'), true)).toBe(false);
    expect(principalMatches({ AWS: ACCT }, anonymous, true)).toBe(true);
  });

  it("words denials as AWS's AccessDenied messages do", () => {
    const result = evaluate({ principal: user('JohnDoe', '777788889999'), action: 'codecommit:ListRepositories', resource: '*', context: {}, identityPolicies: [] });
    expect(denialMessage('arn:aws:iam::777788889999:user/JohnDoe', 'codecommit:ListRepositories', '*', result)).toBe(
      'User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action',
    );
    const denied = evaluate({
      principal: user('JohnDoe', '777788889999'),
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::b/k',
      context: {},
      identityPolicies: [policy(deny('s3:*'))],
    });
    expect(denialMessage('arn:aws:iam::777788889999:user/JohnDoe', 's3:GetObject', 'arn:aws:s3:::b/k', denied)).toBe(
      'User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in an identity-based policy',
    );
    const anonymousResult = evaluate({ principal: anonymous, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: {}, identityPolicies: [] });
    expect(denialMessage('*', 's3:GetObject', 'arn:aws:s3:::b/k', anonymousResult)).toBe(
      'User: anonymous is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no resource-based policy allows the s3:GetObject action',
    );
  });

  it('reports which statements matched, by policy type and position', () => {
    const result = evaluate({
      principal: user('bob'),
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::b/k',
      context: {},
      identityPolicies: [policy(allow('ec2:*')), policy(allow('s3:Get*'), deny('s3:GetObject', 'arn:aws:s3:::other/*'), allow('s3:*'))],
      resourcePolicy: { document: policy(grant(aws(ACCT), 's3:GetObject')), account: ACCT },
    });
    expect(result.decision).toBe('Allow');
    expect(result.matched).toEqual([
      { source: 'identity', policyIndex: 1, statementIndex: 0, effect: 'Allow' },
      { source: 'identity', policyIndex: 1, statementIndex: 2, effect: 'Allow' },
      { source: 'resource', policyIndex: 0, statementIndex: 0, effect: 'Allow' },
    ]);
  });
});

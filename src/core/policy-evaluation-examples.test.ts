/**
 * Policy evaluation logic: the documented single-account, explicit/implicit deny and cross-account examples.
 * Shared principals, builders and the case checker: ./policy-cases.ts.
 */
import { describe, it } from 'vitest';
import { ACCT, ALLOW, allow, aws, type Case, check, deny, explicit, grant, implicit, policy, refuse, root, user } from './policy-cases.js';

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

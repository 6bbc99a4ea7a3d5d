/**
 * Condition operators and keys, and principalMatches/denialMessage, from AWS's documented examples.
 * Shared principals, builders and the case checker: ./policy-cases.ts.
 */
import { describe, expect, it } from 'vitest';
import { denialMessage, evaluate, principalMatches } from './policy.js';
import {
  ACCT,
  ADMIN,
  ALLOW,
  allow,
  anonymous,
  aws,
  BUCKET,
  type Case,
  check,
  deny,
  explicit,
  federated,
  grant,
  implicit,
  KEY,
  OBJECT,
  OTHER,
  policy,
  refuse,
  root,
  service,
  session,
  user,
} from './policy-cases.js';

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

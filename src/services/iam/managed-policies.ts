/**
 * The AWS managed policies Drydock knows (arn:aws:iam::aws:policy/…): fixed, global, read-only,
 * attachable in every account. Their documents are AWS's published ones, except ReadOnlyAccess,
 * whose several-thousand-action list is abridged to the services Drydock serves.
 */
import { createHash } from 'node:crypto';

export interface AwsManagedPolicy {
  name: string;
  arn: string;
  path: string;
  id: string;
  description: string;
  versionId: string;
  createdAt: number;
  updatedAt: number;
  document: string;
}

type Statement = Record<string, unknown>;

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A stable ANPA… id per policy name, so ids do not change between runs. */
function stableId(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += ALPHANUM[digest[i] % 32];
  return id;
}

function policy(name: string, description: string, versionId: string, created: string, updated: string, statements: Statement[], path = '/'): AwsManagedPolicy {
  return {
    name,
    arn: `arn:aws:iam::aws:policy${path}${name}`,
    path,
    id: stableId(name),
    description,
    versionId,
    createdAt: Date.parse(created),
    updatedAt: Date.parse(updated),
    document: JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 4),
  };
}

const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}): Statement => ({ Effect: 'Allow', Action, Resource, ...extra });

const CODECOMMIT_SUPPORT: Statement[] = [
  { Sid: 'SNSTopicAndSubscriptionReadAccess', ...allow(['sns:ListTopics', 'sns:ListSubscriptionsByTopic', 'sns:GetTopicAttributes']) },
  { Sid: 'LambdaReadOnlyListAccess', ...allow(['lambda:ListFunctions']) },
  { Sid: 'IAMReadOnlyListAccess', ...allow(['iam:ListUsers']) },
  { Sid: 'IAMReadOnlyConsoleAccess', ...allow(['iam:ListAccessKeys', 'iam:ListSSHPublicKeys', 'iam:ListServiceSpecificCredentials'], 'arn:aws:iam::*:user/${aws:username}') },
  { Sid: 'CodeStarConnectionsReadOnlyAccess', ...allow(['codestar-connections:ListConnections', 'codestar-connections:GetConnection'], 'arn:aws:codestar-connections:*:*:connection/*') },
];

const POLICIES: AwsManagedPolicy[] = [
  policy('AdministratorAccess', 'Provides full access to AWS services and resources.', 'v1', '2015-02-06T18:39:46Z', '2015-02-06T18:39:46Z', [allow('*')]),
  policy('PowerUserAccess', 'Provides full access to AWS services and resources, but does not allow management of Users and groups.', 'v5', '2015-02-06T18:39:47Z', '2023-07-06T22:04:00Z', [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    allow([
      'account:GetAccountInformation',
      'account:GetPrimaryEmail',
      'account:ListRegions',
      'iam:CreateServiceLinkedRole',
      'iam:DeleteServiceLinkedRole',
      'iam:ListRoles',
      'organizations:DescribeOrganization',
    ]),
  ]),
  policy('ReadOnlyAccess', 'Provides read-only access to AWS services and resources.', 'v1', '2015-02-06T18:39:48Z', '2015-02-06T18:39:48Z', [
    allow([
      'cloudformation:Describe*',
      'cloudformation:Get*',
      'cloudformation:List*',
      'cloudformation:ValidateTemplate',
      'cloudwatch:Describe*',
      'cloudwatch:Get*',
      'cloudwatch:List*',
      'codebuild:BatchGet*',
      'codebuild:List*',
      'codecommit:BatchGet*',
      'codecommit:Describe*',
      'codecommit:Get*',
      'codecommit:GitPull',
      'codecommit:List*',
      'codedeploy:BatchGet*',
      'codedeploy:Get*',
      'codedeploy:List*',
      'codepipeline:Get*',
      'codepipeline:List*',
      'ec2:Describe*',
      'ec2:Get*',
      'events:Describe*',
      'events:List*',
      'events:Test*',
      'iam:Generate*',
      'iam:Get*',
      'iam:List*',
      'iam:Simulate*',
      'kms:Describe*',
      'kms:Get*',
      'kms:List*',
      'lambda:Get*',
      'lambda:List*',
      'logs:Describe*',
      'logs:FilterLogEvents',
      'logs:Get*',
      'logs:ListTagsLogGroup',
      'logs:StartQuery',
      'logs:StopQuery',
      'logs:TestMetricFilter',
      's3:Describe*',
      's3:Get*',
      's3:List*',
      'secretsmanager:Describe*',
      'secretsmanager:GetResourcePolicy',
      'secretsmanager:List*',
      'sns:Get*',
      'sns:List*',
      'sqs:Get*',
      'sqs:List*',
      'ssm:Describe*',
      'ssm:Get*',
      'ssm:List*',
      'sts:GetCallerIdentity',
    ]),
  ]),
  policy('IAMFullAccess', 'Provides full access to IAM via the AWS Management Console.', 'v2', '2015-02-06T18:40:38Z', '2019-06-21T19:40:00Z', [
    allow([
      'iam:*',
      'organizations:DescribeAccount',
      'organizations:DescribeOrganization',
      'organizations:DescribeOrganizationalUnit',
      'organizations:DescribePolicy',
      'organizations:ListChildren',
      'organizations:ListParents',
      'organizations:ListPoliciesForTarget',
      'organizations:ListRoots',
      'organizations:ListPolicies',
      'organizations:ListTargetsForPolicy',
    ]),
  ]),
  policy('IAMReadOnlyAccess', 'Provides read only access to IAM via the AWS Management Console.', 'v4', '2015-02-06T18:40:39Z', '2018-01-25T19:11:27Z', [
    allow(['iam:GenerateCredentialReport', 'iam:GenerateServiceLastAccessedDetails', 'iam:Get*', 'iam:List*', 'iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy']),
  ]),
  policy('AmazonS3FullAccess', 'Provides full access to all buckets via the AWS Management Console.', 'v2', '2015-02-06T18:40:58Z', '2021-09-27T20:16:37Z', [allow(['s3:*', 's3-object-lambda:*'])]),
  policy('AmazonS3ReadOnlyAccess', 'Provides read only access to all buckets via the AWS Management Console.', 'v3', '2015-02-06T18:40:59Z', '2023-08-10T21:31:39Z', [
    allow(['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*']),
  ]),
  policy('AmazonSSMReadOnlyAccess', 'Provides read only access to Amazon SSM.', 'v1', '2015-05-29T17:44:19Z', '2015-05-29T17:44:19Z', [allow(['ssm:Describe*', 'ssm:Get*', 'ssm:List*'])]),
  policy('AWSCloudFormationReadOnlyAccess', 'Provides access to AWS CloudFormation via the AWS Management Console.', 'v4', '2015-02-06T18:39:49Z', '2019-11-13T17:40:00Z', [
    allow(['cloudformation:Describe*', 'cloudformation:EstimateTemplateCost', 'cloudformation:Get*', 'cloudformation:List*', 'cloudformation:ValidateTemplate', 'cloudformation:Detect*']),
  ]),
  policy(
    'AWSLambdaBasicExecutionRole',
    'Provides write permissions to CloudWatch Logs.',
    'v1',
    '2015-04-09T15:03:43Z',
    '2015-04-09T15:03:43Z',
    [allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'])],
    '/service-role/',
  ),
  policy('CloudWatchLogsFullAccess', 'Provides full access to CloudWatch Logs', 'v2', '2015-02-06T18:40:02Z', '2023-11-30T00:00:00Z', [allow(['logs:*', 'cloudwatch:GenerateQuery'])]),
  policy('SecretsManagerReadWrite', 'Provides read/write access to AWS Secrets Manager via the AWS Management Console.', 'v5', '2018-04-04T18:05:29Z', '2023-02-21T00:00:00Z', [
    {
      Sid: 'BasePermissions',
      ...allow([
        'secretsmanager:*',
        'cloudformation:CreateChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:DescribeStackResource',
        'cloudformation:DescribeStacks',
        'cloudformation:ExecuteChangeSet',
        'docdb-elastic:GetCluster',
        'docdb-elastic:ListClusters',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'kms:DescribeKey',
        'kms:ListAliases',
        'kms:ListKeys',
        'lambda:ListFunctions',
        'rds:DescribeDBClusters',
        'rds:DescribeDBInstances',
        'redshift:DescribeClusters',
        'redshift-serverless:ListWorkgroups',
        'redshift-serverless:GetNamespace',
        'tag:GetResources',
      ]),
    },
    {
      Sid: 'LambdaPermissions',
      ...allow(['lambda:AddPermission', 'lambda:CreateFunction', 'lambda:GetFunction', 'lambda:InvokeFunction', 'lambda:UpdateFunctionConfiguration'], 'arn:aws:lambda:*:*:function:SecretsManager*'),
    },
    { Sid: 'SARPermissions', ...allow(['serverlessrepo:CreateCloudFormationChangeSet', 'serverlessrepo:GetApplication'], 'arn:aws:serverlessrepo:*:*:applications/SecretsManager*') },
    { Sid: 'S3Permissions', ...allow(['s3:GetObject'], ['arn:aws:s3:::awsserverlessrepo-changesets*', 'arn:aws:s3:::secrets-manager-rotation-apps-*/*']) },
  ]),
  policy('AWSKeyManagementServicePowerUser', 'Provides access to AWS Key Management Service (KMS).', 'v2', '2015-02-06T18:40:40Z', '2017-03-07T00:55:11Z', [
    allow([
      'kms:CreateAlias',
      'kms:CreateKey',
      'kms:DeleteAlias',
      'kms:Describe*',
      'kms:GenerateRandom',
      'kms:Get*',
      'kms:List*',
      'kms:TagResource',
      'kms:UntagResource',
      'iam:ListGroups',
      'iam:ListRoles',
      'iam:ListUsers',
    ]),
  ]),
  policy('AWSCodeCommitFullAccess', 'Provides full access to AWS CodeCommit via the AWS Management Console.', 'v6', '2015-07-09T17:02:19Z', '2023-05-30T00:00:00Z', [
    { Sid: 'CodeCommitFullAccess', ...allow(['codecommit:*']) },
    {
      Sid: 'CloudWatchEventsCodeCommitRulesAccess',
      ...allow(
        ['events:DeleteRule', 'events:DescribeRule', 'events:DisableRule', 'events:EnableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule'],
        'arn:aws:events:*:*:rule/codecommit*',
      ),
    },
    { Sid: 'SNSTopicAndSubscriptionAccess', ...allow(['sns:CreateTopic', 'sns:DeleteTopic', 'sns:Subscribe', 'sns:Unsubscribe', 'sns:SetTopicAttributes'], 'arn:aws:sns:*:*:codecommit*') },
    ...CODECOMMIT_SUPPORT,
  ]),
  policy('AWSCodeCommitPowerUser', 'Provides full access to AWS CodeCommit repositories, but does not allow repository deletion.', 'v15', '2015-07-09T17:06:49Z', '2023-05-30T00:00:00Z', [
    {
      Sid: 'CodeCommitPowerUserAccess',
      ...allow([
        'codecommit:AssociateApprovalRuleTemplateWithRepository',
        'codecommit:BatchAssociateApprovalRuleTemplateWithRepositories',
        'codecommit:BatchDisassociateApprovalRuleTemplateFromRepositories',
        'codecommit:BatchGet*',
        'codecommit:BatchDescribe*',
        'codecommit:Create*',
        'codecommit:DeleteBranch',
        'codecommit:DeleteFile',
        'codecommit:Describe*',
        'codecommit:DisassociateApprovalRuleTemplateFromRepository',
        'codecommit:EvaluatePullRequestApprovalRules',
        'codecommit:Get*',
        'codecommit:List*',
        'codecommit:Merge*',
        'codecommit:OverridePullRequestApprovalRules',
        'codecommit:Put*',
        'codecommit:Post*',
        'codecommit:TagResource',
        'codecommit:Test*',
        'codecommit:UntagResource',
        'codecommit:Update*',
        'codecommit:GitPull',
        'codecommit:GitPush',
      ]),
    },
    {
      Sid: 'CloudWatchEventsCodeCommitRulesAccess',
      ...allow(
        ['events:DeleteRule', 'events:DescribeRule', 'events:DisableRule', 'events:EnableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule'],
        'arn:aws:events:*:*:rule/codecommit*',
      ),
    },
    { Sid: 'SNSTopicAndSubscriptionAccess', ...allow(['sns:Subscribe', 'sns:Unsubscribe'], 'arn:aws:sns:*:*:codecommit*') },
    ...CODECOMMIT_SUPPORT,
    {
      Sid: 'IAMUserSSHKeys',
      ...allow(['iam:DeleteSSHPublicKey', 'iam:GetSSHPublicKey', 'iam:ListSSHPublicKeys', 'iam:UpdateSSHPublicKey', 'iam:UploadSSHPublicKey'], 'arn:aws:iam::*:user/${aws:username}'),
    },
    {
      Sid: 'IAMSelfManageServiceSpecificCredentials',
      ...allow(
        ['iam:CreateServiceSpecificCredential', 'iam:UpdateServiceSpecificCredential', 'iam:DeleteServiceSpecificCredential', 'iam:ResetServiceSpecificCredential'],
        'arn:aws:iam::*:user/${aws:username}',
      ),
    },
  ]),
  policy('AWSCodeCommitReadOnly', 'Provides read only access to AWS CodeCommit via the AWS Management Console.', 'v9', '2015-07-09T17:05:06Z', '2023-05-30T00:00:00Z', [
    {
      Sid: 'CodeCommitReadOnlyAccess',
      ...allow([
        'codecommit:BatchGet*',
        'codecommit:BatchDescribe*',
        'codecommit:Describe*',
        'codecommit:EvaluatePullRequestApprovalRules',
        'codecommit:Get*',
        'codecommit:List*',
        'codecommit:GitPull',
      ]),
    },
    { Sid: 'CloudWatchEventsCodeCommitRulesReadOnlyAccess', ...allow(['events:DescribeRule', 'events:ListTargetsByRule'], 'arn:aws:events:*:*:rule/codecommit*') },
    ...CODECOMMIT_SUPPORT,
  ]),
];

const BY_ARN = new Map(POLICIES.map((p) => [p.arn, p]));

export function awsManagedPolicies(): readonly AwsManagedPolicy[] {
  return POLICIES;
}

export function awsManagedPolicy(policyArn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(policyArn);
}

/**
 * AWS managed keys: the `alias/aws/<service>` keys AWS services create in an account on first use,
 * with the key policy and description AWS gives each (as read from real accounts: the policy lets
 * every principal of the account use the key through the service, with kms:ViaService and
 * kms:CallerAccount, and lets the account read the key's metadata). ListAliases shows AWS's
 * predefined aliases before their keys exist.
 */
import type { Scope } from '../../core/accounts.js';
import { partitionOf } from '../../core/arn.js';

const AWS_ALIAS_PREFIX = 'alias/aws/';

/** Aliases AWS creates in every account before any key exists behind them (ListAliases shows them without TargetKeyId). */
export const PREDEFINED_ALIASES = [
  'alias/aws/acm',
  'alias/aws/dynamodb',
  'alias/aws/ebs',
  'alias/aws/elasticfilesystem',
  'alias/aws/es',
  'alias/aws/glue',
  'alias/aws/kinesisvideo',
  'alias/aws/lambda',
  'alias/aws/rds',
  'alias/aws/redshift',
  'alias/aws/s3',
  'alias/aws/secretsmanager',
  'alias/aws/ssm',
  'alias/aws/xray',
];

/** How one service's managed key policy differs from the common shape. */
interface ManagedKeySpec {
  /** The policy's Id. */
  id: string;
  /** The name the statement Sid uses ("Allow access through <name> for all principals …"). */
  name: string;
  /** What the key protects, in its description ("Default key that protects my <what> when no other key is defined"). */
  protects: string;
  /** The service of kms:ViaService, when it is not the alias's own (EBS goes through EC2). */
  viaService?: string;
  /** The use statement's actions before DescribeKey, when not encryption, decryption and data keys. */
  use?: string[];
  /** Extra actions of the use statement (CreateGrant, ListGrants). */
  grants?: string[];
  /** Whether the account may also revoke grants directly. */
  revokeGrant?: boolean;
}

const COMMON_USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** The services whose managed keys Drydock knows AWS's policy for; other services with managed keys get the common shape. */
const SPECS: Record<string, ManagedKeySpec> = {
  ssm: { id: 'auto-ssm-1', name: 'SSM', protects: 'SSM parameters' },
  // Its policy has a shape of its own (secretsManagerPolicy).
  secretsmanager: { id: 'auto-secretsmanager-2', name: 'AWS Secrets Manager', protects: 'Secrets Manager data' },
  s3: { id: 'auto-s3-2', name: 'S3', protects: 'S3 objects' },
  codecommit: { id: 'auto-codecommit-2', name: 'CodeCommit', protects: 'CodeCommit repositories' },
  ebs: { id: 'auto-ebs-2', name: 'EBS', protects: 'EBS volumes', viaService: 'ec2', grants: ['kms:CreateGrant'], revokeGrant: true },
  lambda: { id: 'auto-awslambda', name: 'AWS Lambda', protects: 'Lambda functions', grants: ['kms:CreateGrant'], revokeGrant: true },
  rds: { id: 'auto-rds-2', name: 'RDS', protects: 'RDS database volumes', grants: ['kms:CreateGrant', 'kms:ListGrants'], revokeGrant: true },
  sns: { id: 'auto-sns-1', name: 'SNS', protects: 'SNS data', use: ['kms:Decrypt', 'kms:GenerateDataKey*'], grants: ['kms:CreateGrant', 'kms:ListGrants'], revokeGrant: true },
};

/** Services that create AWS managed keys (alias/aws/<service>): besides the predefined aliases, those that create theirs on first use. */
const MANAGED_KEY_SERVICES = new Set([
  ...PREDEFINED_ALIASES.map((alias) => alias.slice(AWS_ALIAS_PREFIX.length)),
  ...Object.keys(SPECS),
  'appflow',
  'backup',
  'cloud9',
  'codeartifact',
  'connect',
  'dax',
  'dms',
  'ecr',
  'eks',
  'elasticache',
  'fsx',
  'imagebuilder',
  'kafka',
  'kendra',
  'kinesis',
  'lex',
  'lightsail',
  'mq',
  'ses',
  'sqs',
  'timestream',
  'translate',
  'workspaces',
]);

/** The service an AWS managed alias (`alias/aws/ssm`) belongs to; undefined for other names and for services without managed keys. */
export function awsManagedService(aliasName: string): string | undefined {
  if (!aliasName.startsWith(AWS_ALIAS_PREFIX)) return undefined;
  const service = aliasName.slice(AWS_ALIAS_PREFIX.length);
  return MANAGED_KEY_SERVICES.has(service) ? service : undefined;
}

function specOf(service: string): ManagedKeySpec {
  return SPECS[service] ?? { id: `auto-${service}-1`, name: service, protects: `${service} data` };
}

export function awsManagedKeyDescription(service: string): string {
  return `Default key that protects my ${specOf(service).protects} when no other key is defined`;
}

const jsonPolicy = (document: object) => JSON.stringify(document, null, 2);

/** Secrets Manager's managed key policy: data keys may be made through Secrets Manager in any Region of the account. */
function secretsManagerPolicy(scope: Scope, root: string): string {
  const sid = 'Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager';
  return jsonPolicy({
    Version: '2012-10-17',
    Id: 'auto-secretsmanager-2',
    Statement: [
      {
        Sid: sid,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${scope.region}.amazonaws.com`, 'kms:CallerAccount': scope.account } },
      },
      {
        Sid: sid,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': scope.account }, StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
      },
      { Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: root }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'], Resource: '*' },
    ],
  });
}

/** The key policy AWS gives the managed key of `service` in `scope`. */
export function awsManagedKeyPolicy(scope: Scope, service: string): string {
  const root = `arn:${partitionOf(scope.region)}:iam::${scope.account}:root`;
  if (service === 'secretsmanager') return secretsManagerPolicy(scope, root);
  const spec = specOf(service);
  return jsonPolicy({
    Version: '2012-10-17',
    Id: spec.id,
    Statement: [
      {
        Sid: `Allow access through ${spec.name} for all principals in the account that are authorized to use ${spec.name}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [...(spec.use ?? COMMON_USE), ...(spec.grants ?? []), 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': scope.account, 'kms:ViaService': `${spec.viaService ?? service}.${scope.region}.amazonaws.com` } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', ...(spec.revokeGrant ? ['kms:RevokeGrant'] : [])],
        Resource: '*',
      },
    ],
  });
}

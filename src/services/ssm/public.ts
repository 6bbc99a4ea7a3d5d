/**
 * The read-only public parameters under `/aws/service/`, which templates read for the latest AMI
 * ids and region facts. Their AMI ids are local placeholders: fixed, of the real format
 * (`ami-` + 17 hex digits), different per region and name, but naming no real image.
 */
import { createHash } from 'node:crypto';
import { partitionOf } from '../../core/arn.js';

export interface PublicParameter {
  name: string;
  value: string;
  dataType: string;
  version: number;
  modifiedAt: number;
}

const MODIFIED_AT = Date.UTC(2025, 0, 15);

const AMI_NAMES = [
  '/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2',
  '/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-arm64-gp2',
  '/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-ebs',
  '/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2',
  '/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-arm64-gp2',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-x86_64',
  '/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64',
  '/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base',
  '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-Base',
  '/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-Base',
  '/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id',
  '/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id',
  '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
  '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
  '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id',
  '/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id',
  '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
  '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
  '/aws/service/eks/optimized-ami/1.30/amazon-linux-2/recommended/image_id',
];

/** Commercial regions and their long names, as `/aws/service/global-infrastructure/regions` lists them. */
const REGIONS: Record<string, string> = {
  'af-south-1': 'Africa (Cape Town)',
  'ap-east-1': 'Asia Pacific (Hong Kong)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-south-2': 'Asia Pacific (Hyderabad)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-southeast-3': 'Asia Pacific (Jakarta)',
  'ap-southeast-4': 'Asia Pacific (Melbourne)',
  'ca-central-1': 'Canada (Central)',
  'ca-west-1': 'Canada West (Calgary)',
  'eu-central-1': 'Europe (Frankfurt)',
  'eu-central-2': 'Europe (Zurich)',
  'eu-north-1': 'Europe (Stockholm)',
  'eu-south-1': 'Europe (Milan)',
  'eu-south-2': 'Europe (Spain)',
  'eu-west-1': 'Europe (Ireland)',
  'eu-west-2': 'Europe (London)',
  'eu-west-3': 'Europe (Paris)',
  'il-central-1': 'Israel (Tel Aviv)',
  'me-central-1': 'Middle East (UAE)',
  'me-south-1': 'Middle East (Bahrain)',
  'sa-east-1': 'South America (Sao Paulo)',
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
};

/**
 * Services as `/aws/service/global-infrastructure/services` lists them, with their long names:
 * those Drydock serves and the ones templates most often look up. Each is listed in every Region
 * of REGIONS.
 */
const SERVICES: Record<string, string> = {
  cloudformation: 'AWS CloudFormation',
  cloudwatch: 'Amazon CloudWatch',
  codebuild: 'AWS CodeBuild',
  codecommit: 'AWS CodeCommit',
  codedeploy: 'AWS CodeDeploy',
  codepipeline: 'AWS CodePipeline',
  dynamodb: 'Amazon DynamoDB',
  ec2: 'Amazon Elastic Compute Cloud (EC2)',
  ecr: 'Amazon Elastic Container Registry (ECR)',
  ecs: 'Amazon Elastic Container Service (ECS)',
  events: 'Amazon EventBridge',
  iam: 'AWS Identity and Access Management (IAM)',
  kms: 'AWS Key Management Service (KMS)',
  lambda: 'AWS Lambda',
  logs: 'Amazon CloudWatch Logs',
  s3: 'Amazon Simple Storage Service (S3)',
  secretsmanager: 'AWS Secrets Manager',
  sns: 'Amazon Simple Notification Service (SNS)',
  sqs: 'Amazon Simple Queue Service (SQS)',
  ssm: 'AWS Systems Manager',
  sts: 'AWS Security Token Service (STS)',
};

/** The `/aws/service/global-infrastructure/…` parameters: Regions and services, each with its long name, and which services each Region has. */
function globalInfrastructure(add: (name: string, value: string) => void): void {
  const root = '/aws/service/global-infrastructure';
  for (const [code, longName] of Object.entries(REGIONS)) {
    add(`${root}/regions/${code}`, code);
    add(`${root}/regions/${code}/longName`, longName);
    for (const service of Object.keys(SERVICES)) add(`${root}/regions/${code}/services/${service}`, service);
  }
  for (const [service, longName] of Object.entries(SERVICES)) {
    add(`${root}/services/${service}`, service);
    add(`${root}/services/${service}/longName`, longName);
    for (const code of Object.keys(REGIONS)) add(`${root}/services/${service}/regions/${code}`, code);
  }
}

/** A fixed placeholder AMI id for `name` in `region`. */
function placeholderAmi(region: string, name: string): string {
  return `ami-${createHash('sha256').update(`${region}|${name}`).digest('hex').slice(0, 17)}`;
}

function build(region: string): PublicParameter[] {
  const out: PublicParameter[] = [];
  // AWS's public parameters all report DataType text, AMI ids included.
  const add = (name: string, value: string) => out.push({ name, value, dataType: 'text', version: 1, modifiedAt: MODIFIED_AT });
  for (const name of AMI_NAMES) add(name, placeholderAmi(region, name));
  // The ECS `recommended` parameter is a JSON document whose image_id matches its child parameter.
  for (const [variant, os] of [
    ['amazon-linux-2', 'Amazon Linux 2'],
    ['amazon-linux-2023', 'Amazon Linux 2023'],
  ] as const) {
    const prefix = `/aws/service/ecs/optimized-ami/${variant}/recommended`;
    const imageId = placeholderAmi(region, `${prefix}/image_id`);
    add(prefix, JSON.stringify({ ecs_agent_version: '1.89.2', image_id: imageId, image_name: `${variant}-ecs-optimized-x86_64`, os, schema_version: 1 }));
    add(`${prefix}/image_name`, `${variant}-ecs-optimized-x86_64`);
  }
  globalInfrastructure(add);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const catalogs = new Map<string, { sorted: PublicParameter[]; byName: Map<string, PublicParameter> }>();

function catalog(region: string) {
  let c = catalogs.get(region);
  if (!c) {
    const sorted = build(region);
    c = { sorted, byName: new Map(sorted.map((p) => [p.name, p])) };
    catalogs.set(region, c);
  }
  return c;
}

export function publicParameter(region: string, name: string): PublicParameter | undefined {
  return catalog(region).byName.get(name.startsWith('/') ? name : `/${name}`);
}

/** Public parameters in name order. */
export function publicParameters(region: string): readonly PublicParameter[] {
  return catalog(region).sorted;
}

export function publicParameterArn(region: string, name: string): string {
  return `arn:${partitionOf(region)}:ssm:${region}::parameter${name}`;
}

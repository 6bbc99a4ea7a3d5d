#!/usr/bin/env node
// Writes src/services/cloudformation/spec/resource-types.json (the ResourceSpecIndex shape of
// spec/types.ts) from AWS's CloudFormation resource specification as the CDK team publishes it in
// the npm package @aws-cdk/aws-service-spec: every resource type name CloudFormation knows, and
// for the types Drydock provides (DETAILED_TYPES) their properties (required, type, update
// behaviour, allowed values), GetAtt attribute names, primary identifiers (for resource import)
// and property types.
//
// Run with `npm run generate-cfn-spec`. The package is never a dependency: the script fetches the
// pinned version with `npm pack` into a temporary folder and reads its db.json.gz (a gzipped JSON
// database) with Node's zlib, so it needs only npm and tar. `--from <db.json.gz>` reads a copy
// already on disk instead. The generated JSON is committed; the server never runs this.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const SPEC_PACKAGE = '@aws-cdk/aws-service-spec@0.1.216';
const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'services', 'cloudformation', 'spec', 'resource-types.json');

/** The resource types Drydock provides or will provide: these get full details in the index. */
const DETAILED_TYPES = [
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::User',
  'AWS::IAM::Group',
  'AWS::IAM::AccessKey',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::UserToGroupAddition',
  'AWS::SSM::Parameter',
  'AWS::SecretsManager::Secret',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::Logs::LogGroup',
  'AWS::Logs::LogStream',
  'AWS::Logs::SubscriptionFilter',
  'AWS::Logs::MetricFilter',
  'AWS::CodeCommit::Repository',
  'AWS::CodeBuild::Project',
  'AWS::CodeBuild::ReportGroup',
  'AWS::CodeBuild::SourceCredential',
  'AWS::Events::Rule',
  'AWS::Events::EventBus',
  'AWS::Events::EventBusPolicy',
  'AWS::Events::Archive',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::TopicInlinePolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::Lambda::Function',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::LayerVersionPermission',
  'AWS::Lambda::Url',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::ECR::Repository',
  'AWS::CloudFormation::Stack',
  'AWS::CloudFormation::WaitCondition',
  'AWS::CloudFormation::WaitConditionHandle',
  'AWS::CloudFormation::CustomResource',
  'AWS::CloudFormation::Macro',
  'AWS::CDK::Metadata',
  'AWS::CodePipeline::Pipeline',
  'AWS::CodePipeline::Webhook',
  'AWS::CodePipeline::CustomActionType',
  'AWS::CodeDeploy::Application',
  'AWS::CodeDeploy::DeploymentGroup',
  'AWS::CodeDeploy::DeploymentConfig',
  'AWS::CloudWatch::Alarm',
];

/**
 * Types CloudFormation accepts that the specification leaves out. AWS::CDK::Metadata is the
 * analytics resource every CDK app synthesizes; CloudFormation creates it without a service call.
 * Its properties are those the CDK emits (Analytics in v2, Modules in v1).
 */
const EXTRA_TYPES = {
  'AWS::CDK::Metadata': { properties: { Analytics: { type: 'String' }, Modules: { type: 'String' } }, attributes: [] },
};

/**
 * Attributes (and so primary identifiers) under CloudFormation's own names where the package
 * renamed the member: it calls AWS::CodeCommit::Repository's `Id` attribute `RepositoryId`, a name
 * CloudFormation does not take (the registry schema's readOnly property and primaryIdentifier are
 * `/properties/Id`; the CDK's generated CfnRepository reads `getAtt('Id')`).
 */
const ATTRIBUTE_NAMES = {
  'AWS::CodeCommit::Repository': { RepositoryId: 'Id' },
};

/** The standard `Key`/`Value` tag structure the specification writes as the type `tag`. */
const TAG_TYPE = { Key: { required: true, type: 'String' }, Value: { required: true, type: 'String' } };

function fetchDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-spec-'));
  try {
    const tarball = execFileSync('npm', ['pack', SPEC_PACKAGE, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/db.json.gz']);
    return readFileSync(join(dir, 'package', 'db.json.gz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readDatabase() {
  const fromIndex = process.argv.indexOf('--from');
  const compressed = fromIndex >= 0 ? readFileSync(process.argv[fromIndex + 1]) : fetchDatabase();
  return JSON.parse(gunzipSync(compressed).toString('utf8')).schema;
}

/** Turns the database's type of a property into the index's type string, collecting the property types it names. */
function typeName(type, context) {
  switch (type.type) {
    case 'string':
      return 'String';
    case 'integer':
      return 'Integer';
    case 'number':
      return 'Double';
    case 'boolean':
      return 'Boolean';
    case 'json':
      return 'Json';
    case 'date-time':
      return 'Timestamp';
    case 'array':
      return `List<${typeName(type.element, context)}>`;
    case 'map':
      return `Map<${typeName(type.element, context)}>`;
    case 'union':
      return type.types.map((member) => typeName(member, context)).join('|');
    case 'tag':
      context.propertyType('Tag', () => TAG_TYPE);
      return 'Tag';
    case 'ref': {
      const definition = context.definitions.get(type.reference.$ref);
      context.propertyType(definition.name, () => members(definition.properties, context));
      return definition.name;
    }
    default:
      throw new Error(`${context.resourceType}: unknown property type kind ${type.type}`);
  }
}

function members(properties, context) {
  const result = {};
  for (const [name, property] of Object.entries(properties)) {
    const spec = {};
    if (property.required) spec.required = true;
    if (property.causesReplacement === 'yes') spec.update = 'Immutable';
    else if (property.causesReplacement === 'maybe') spec.update = 'Conditional';
    spec.type = typeName(property.type, context);
    if (property.type.type === 'string' && property.type.allowedValues) spec.allowedValues = property.type.allowedValues;
    result[name] = spec;
  }
  return result;
}

function detail(resource, definitions) {
  const propertyTypes = {};
  const context = {
    resourceType: resource.cloudFormationType,
    definitions,
    propertyType(name, build) {
      if (name in propertyTypes) return;
      propertyTypes[name] = {}; // reserved first: property types may refer to themselves
      propertyTypes[name] = build();
    },
  };
  const renamed = ATTRIBUTE_NAMES[resource.cloudFormationType] ?? {};
  const spec = {
    properties: members(resource.properties, context),
    attributes: Object.keys(resource.attributes)
      .map((name) => renamed[name] ?? name)
      .sort(),
  };
  if (resource.primaryIdentifier?.length) spec.primaryIdentifier = resource.primaryIdentifier.map((name) => renamed[name] ?? name);
  if (Object.keys(propertyTypes).length > 0) spec.propertyTypes = Object.fromEntries(Object.entries(propertyTypes).sort(([a], [b]) => a.localeCompare(b)));
  return spec;
}

const started = Date.now();
const schema = readDatabase();
const definitions = new Map(Object.values(schema.typeDefinition.entities).map((definition) => [definition.$id, definition]));
const resources = new Map(Object.values(schema.resource.entities).map((resource) => [resource.cloudFormationType, resource]));

const types = {};
for (const name of [...resources.keys(), ...Object.keys(EXTRA_TYPES)].sort()) types[name] = null;
for (const name of DETAILED_TYPES) {
  const resource = resources.get(name);
  if (resource) types[name] = detail(resource, definitions);
  else if (EXTRA_TYPES[name]) types[name] = EXTRA_TYPES[name];
  else throw new Error(`${name} is not in ${SPEC_PACKAGE}`);
}

const json = `${JSON.stringify({ types })}\n`;
writeFileSync(OUTPUT, json);
console.log(`${OUTPUT}: ${Object.keys(types).length} resource types, ${DETAILED_TYPES.length} detailed, ${(json.length / 1024).toFixed(0)} KB in ${Date.now() - started} ms`);

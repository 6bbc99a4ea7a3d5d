/**
 * The SSM, S3, KMS and Secrets Manager resource providers through real stacks: each resource
 * checked through its own service's client and the stack's Outputs (Ref and GetAtt as AWS
 * documents them); updates in place (a parameter's value, the bucket's versioning and CORS, the
 * key's description, the secret's description) and by replacement (a new parameter name: the old
 * parameter is gone after cleanup); a bucket property our S3 cannot honour failing the stack; and
 * deletion (a retained parameter kept, the key scheduled for deletion after its pending window).
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, type Output, type Stack, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ssm = () => new SSMClient(server.clientConfig);
const s3 = () => new S3Client({ ...server.clientConfig, forcePathStyle: true });
const kms = () => new KMSClient(server.clientConfig);
const secrets = () => new SecretsManagerClient(server.clientConfig);
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

interface Options {
  value?: string;
  namedParameter?: string;
  versioning?: 'Enabled' | 'Suspended';
  cors?: boolean;
  keyDescription?: string;
  secretDescription?: string;
}

function template(options: Options = {}): string {
  const resources = {
    Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: options.value ?? 'one', Tags: { team: 'platform' } } },
    Named: { Type: 'AWS::SSM::Parameter', Properties: { Name: options.namedParameter ?? '/cfn/found/named', Type: 'StringList', Value: 'a,b' } },
    Kept: { Type: 'AWS::SSM::Parameter', DeletionPolicy: 'Retain', Properties: { Name: '/cfn/found/kept', Type: 'String', Value: 'kept' } },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        VersioningConfiguration: { Status: options.versioning ?? 'Enabled' },
        Tags: [{ Key: 'team', Value: 'storage' }],
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } }, BucketKeyEnabled: true }],
        },
        CorsConfiguration: options.cors === false ? undefined : { CorsRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'], MaxAge: '300', Id: 'reads' }] },
        LifecycleConfiguration: { Rules: [{ Id: 'expire-logs', Status: 'Enabled', Prefix: 'logs/', ExpirationInDays: 30 }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false, IgnorePublicAcls: true, RestrictPublicBuckets: false },
        WebsiteConfiguration: { IndexDocument: 'index.html', ErrorDocument: 'error.html' },
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      },
    },
    BucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'Bucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: { 'Fn::Sub': '${Bucket.Arn}/*' } }],
        },
      },
    },
    Key: { Type: 'AWS::KMS::Key', Properties: { Description: options.keyDescription ?? 'stack key', EnableKeyRotation: true, PendingWindowInDays: 7 } },
    Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/cfn-found', TargetKeyId: { Ref: 'Key' } } },
    Secret: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: {
        Description: options.secretDescription ?? 'database login',
        KmsKeyId: { Ref: 'Key' },
        GenerateSecretString: { SecretStringTemplate: '{"username":"admin"}', GenerateStringKey: 'password', PasswordLength: 20, ExcludePunctuation: true },
        Tags: [{ Key: 'team', Value: 'data' }],
      },
    },
    SecretPolicy: {
      Type: 'AWS::SecretsManager::ResourcePolicy',
      Properties: {
        SecretId: { Ref: 'Secret' },
        ResourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'secretsmanager:DeleteSecret', Resource: '*' }] },
      },
    },
  };
  const output = (value: unknown) => ({ Value: value });
  const outputs = {
    ParamRef: output({ Ref: 'Param' }),
    ParamType: output({ 'Fn::GetAtt': ['Param', 'Type'] }),
    ParamValue: output({ 'Fn::GetAtt': ['Param', 'Value'] }),
    NamedRef: output({ Ref: 'Named' }),
    BucketRef: output({ Ref: 'Bucket' }),
    BucketArn: output({ 'Fn::GetAtt': ['Bucket', 'Arn'] }),
    BucketDomain: output({ 'Fn::GetAtt': ['Bucket', 'DomainName'] }),
    BucketRegional: output({ 'Fn::GetAtt': ['Bucket', 'RegionalDomainName'] }),
    BucketDualStack: output({ 'Fn::GetAtt': ['Bucket', 'DualStackDomainName'] }),
    BucketWebsite: output({ 'Fn::GetAtt': ['Bucket', 'WebsiteURL'] }),
    BucketPolicyRef: output({ Ref: 'BucketPolicy' }),
    KeyRef: output({ Ref: 'Key' }),
    KeyArn: output({ 'Fn::GetAtt': ['Key', 'Arn'] }),
    KeyId: output({ 'Fn::GetAtt': ['Key', 'KeyId'] }),
    AliasRef: output({ Ref: 'Alias' }),
    SecretRef: output({ Ref: 'Secret' }),
    SecretId: output({ 'Fn::GetAtt': ['Secret', 'Id'] }),
    SecretPolicyRef: output({ Ref: 'SecretPolicy' }),
  };
  return JSON.stringify({ Resources: resources, Outputs: outputs });
}

const outputsOf = (outputs: Output[] | undefined): Record<string, string> => Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

/** Waits for the stack and checks its status, naming the failed resources' reasons when it is another. */
async function expectStatus(stackName: string, status: string): Promise<Stack> {
  const stack = await settled(cfn(), stackName, 60_000);
  const failures = (await eventLog(cfn(), stack.StackId!)).filter(([, state]) => state.endsWith('_FAILED'));
  expect(stack.StackStatus, JSON.stringify(failures)).toBe(status);
  return stack;
}

describe('CloudFormation SSM, S3, KMS and Secrets Manager providers', () => {
  it('creates each resource, with Ref and GetAtt as AWS documents them', async () => {
    await cfn().send(new CreateStackCommand({ StackName: 'found', TemplateBody: template() }));
    const out = outputsOf((await expectStatus('found', 'CREATE_COMPLETE')).Outputs);

    // SSM: Ref is the name, generated as CFN-<LogicalId>-<random>; GetAtt Type and Value.
    expect(out.ParamRef).toMatch(/^CFN-Param-[A-Za-z0-9]{12}$/);
    expect([out.ParamType, out.ParamValue]).toEqual(['String', 'one']);
    expect((await ssm().send(new GetParameterCommand({ Name: out.ParamRef }))).Parameter).toMatchObject({ Type: 'String', Value: 'one' });
    expect((await ssm().send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: out.ParamRef }))).TagList).toEqual([{ Key: 'team', Value: 'platform' }]);
    expect((await ssm().send(new GetParameterCommand({ Name: '/cfn/found/named' }))).Parameter).toMatchObject({ Type: 'StringList', Value: 'a,b' });
    expect(out.NamedRef).toBe('/cfn/found/named');

    // S3: Ref is the generated lower-case name; the domain names and website URL of us-east-1.
    const bucket = out.BucketRef;
    expect(bucket).toMatch(/^found-bucket-[a-z0-9]{12}$/);
    expect(out.BucketArn).toBe(`arn:aws:s3:::${bucket}`);
    expect(out.BucketDomain).toBe(`${bucket}.s3.amazonaws.com`);
    expect(out.BucketRegional).toBe(`${bucket}.s3.${REGION}.amazonaws.com`);
    expect(out.BucketDualStack).toBe(`${bucket}.s3.dualstack.${REGION}.amazonaws.com`);
    expect(out.BucketWebsite).toBe(`http://${bucket}.s3-website-${REGION}.amazonaws.com`);
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    expect((await s3().send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual([{ Key: 'team', Value: 'storage' }]);
    expect((await s3().send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: out.KeyArn }, BucketKeyEnabled: true },
    ]);
    expect((await s3().send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual([{ ID: 'reads', AllowedMethods: ['GET'], AllowedOrigins: ['*'], MaxAgeSeconds: 300 }]);
    expect((await s3().send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual([
      { ID: 'expire-logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
    ]);
    expect((await s3().send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: false,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: false,
    });
    expect(await s3().send(new GetBucketWebsiteCommand({ Bucket: bucket }))).toMatchObject({ IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } });
    expect((await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).EventBridgeConfiguration).toEqual({});
    expect(out.BucketPolicyRef).toBe(bucket);
    const policy = JSON.parse((await s3().send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/*` });

    // KMS: Ref is the key id; GetAtt Arn and KeyId; the alias's Ref is its name.
    expect(out.KeyId).toBe(out.KeyRef);
    expect(out.KeyArn).toBe(`arn:aws:kms:${REGION}:${ACCOUNT}:key/${out.KeyRef}`);
    expect((await kms().send(new DescribeKeyCommand({ KeyId: out.KeyRef }))).KeyMetadata).toMatchObject({ Description: 'stack key', Enabled: true });
    expect((await kms().send(new GetKeyRotationStatusCommand({ KeyId: out.KeyRef }))).KeyRotationEnabled).toBe(true);
    expect(out.AliasRef).toBe('alias/cfn-found');
    const aliases = (await kms().send(new ListAliasesCommand({ KeyId: out.KeyRef }))).Aliases;
    expect(aliases?.map((alias) => alias.AliasName)).toEqual(['alias/cfn-found']);

    // Secrets Manager: Ref and GetAtt Id are the ARN; the generated password under the template's key.
    expect(out.SecretRef).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:Secret-[A-Za-z0-9]{12}-[A-Za-z0-9]{6}$`));
    expect(out.SecretId).toBe(out.SecretRef);
    const value = JSON.parse((await secrets().send(new GetSecretValueCommand({ SecretId: out.SecretRef }))).SecretString!);
    expect(value.username).toBe('admin');
    expect(value.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const described = await secrets().send(new DescribeSecretCommand({ SecretId: out.SecretRef }));
    expect(described).toMatchObject({ Description: 'database login', KmsKeyId: out.KeyRef, Tags: [{ Key: 'team', Value: 'data' }] });
    expect(out.SecretPolicyRef).toBe(out.SecretRef);
    const secretPolicy = JSON.parse((await secrets().send(new GetResourcePolicyCommand({ SecretId: out.SecretRef }))).ResourcePolicy!);
    expect(secretPolicy.Statement[0]).toMatchObject({ Effect: 'Deny', Action: 'secretsmanager:DeleteSecret' });
  });

  it('updates mutable properties in place and replaces a parameter whose name changed', async () => {
    const before = await resourcesOf(cfn(), 'found');
    const secretBefore = (await secrets().send(new GetSecretValueCommand({ SecretId: before.Secret.PhysicalResourceId! }))).SecretString;
    await cfn().send(
      new UpdateStackCommand({
        StackName: 'found',
        TemplateBody: template({ value: 'two', namedParameter: '/cfn/found/renamed', versioning: 'Suspended', cors: false, keyDescription: 'rotated key', secretDescription: 'db login' }),
      }),
    );
    const out = outputsOf((await expectStatus('found', 'UPDATE_COMPLETE')).Outputs);
    const after = await resourcesOf(cfn(), 'found');
    for (const logicalId of ['Param', 'Bucket', 'Key', 'Secret']) expect(after[logicalId].PhysicalResourceId).toBe(before[logicalId].PhysicalResourceId);

    expect(out.ParamValue).toBe('two');
    expect((await ssm().send(new GetParameterCommand({ Name: out.ParamRef }))).Parameter?.Value).toBe('two');
    const bucket = out.BucketRef;
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Suspended');
    await expectAwsError(s3().send(new GetBucketCorsCommand({ Bucket: bucket })), { code: 'NoSuchCORSConfiguration', status: 404 });
    expect((await kms().send(new DescribeKeyCommand({ KeyId: out.KeyRef }))).KeyMetadata?.Description).toBe('rotated key');
    const described = await secrets().send(new DescribeSecretCommand({ SecretId: out.SecretRef }));
    expect(described.Description).toBe('db login');
    // The generated value is not generated again when GenerateSecretString did not change.
    expect((await secrets().send(new GetSecretValueCommand({ SecretId: out.SecretRef }))).SecretString).toBe(secretBefore);

    // Name is immutable: a new parameter, and the old one deleted in cleanup.
    expect(after.Named.PhysicalResourceId).toBe('/cfn/found/renamed');
    expect((await ssm().send(new GetParameterCommand({ Name: '/cfn/found/renamed' }))).Parameter?.Value).toBe('a,b');
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/cfn/found/named' })), { code: 'ParameterNotFound', status: 400 });
  });

  it('fails a bucket whose properties our S3 cannot honour, naming the property, and rolls back', async () => {
    const body = JSON.stringify({
      Resources: {
        Param: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/cfn/unsupported/param', Type: 'String', Value: 'x' } },
        Bucket: { Type: 'AWS::S3::Bucket', DependsOn: 'Param', Properties: { BucketName: 'cfn-unsupported', MetricsConfigurations: [{ Id: 'all' }] } },
      },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'unsupported', TemplateBody: body }));
    const stack = await settled(cfn(), 'unsupported', 60_000);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn(), stack.StackId!)).find(([logicalId, status]) => logicalId === 'Bucket' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toContain('MetricsConfigurations');
    await expectAwsError(s3().send(new HeadBucketCommand({ Bucket: 'cfn-unsupported' })), { code: 'NotFound', status: 404 });
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/cfn/unsupported/param' })), { code: 'ParameterNotFound', status: 400 });
  });

  it("maps AccessControl onto S3's canned ACL, and refuses to adopt a bucket that already exists", async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'cfn-taken' }));
    const body = (name: string) =>
      JSON.stringify({
        Resources: {
          Logs: {
            Type: 'AWS::S3::Bucket',
            Properties: { BucketName: name, OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] }, AccessControl: 'LogDeliveryWrite' },
          },
        },
      });
    await cfn().send(new CreateStackCommand({ StackName: 'acl', TemplateBody: body('cfn-log-target') }));
    await expectStatus('acl', 'CREATE_COMPLETE');
    const { Grants } = await s3().send(new GetBucketAclCommand({ Bucket: 'cfn-log-target' }));
    expect(Grants?.map((grant) => grant.Grantee?.URI).filter(Boolean)).toContain('http://acs.amazonaws.com/groups/s3/LogDelivery');

    await cfn().send(new CreateStackCommand({ StackName: 'taken', TemplateBody: body('cfn-taken') }));
    const stack = await settled(cfn(), 'taken', 60_000);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn(), stack.StackId!)).find(([logicalId, status]) => logicalId === 'Logs' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toBe('cfn-taken already exists');
    // The rollback leaves the bucket it never created alone.
    expect((await s3().send(new HeadBucketCommand({ Bucket: 'cfn-taken' }))).$metadata.httpStatusCode).toBe(200);

    // Another account's bucket (S3's BucketAlreadyExists) reads the same in the stack's events.
    await new S3Client({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } }).send(new CreateBucketCommand({ Bucket: 'cfn-theirs' }));
    await cfn().send(new CreateStackCommand({ StackName: 'theirs', TemplateBody: body('cfn-theirs') }));
    const theirs = await settled(cfn(), 'theirs', 60_000);
    expect(theirs.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect((await eventLog(cfn(), theirs.StackId!)).find(([logicalId, status]) => logicalId === 'Logs' && status === 'CREATE_FAILED')?.[2]).toBe('cfn-theirs already exists');
  });

  it('fails a secret target attachment, as Drydock has no database to attach a secret to', async () => {
    const body = JSON.stringify({
      Resources: {
        Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'cfn-attached', SecretString: '{}' } },
        Attachment: { Type: 'AWS::SecretsManager::SecretTargetAttachment', Properties: { SecretId: { Ref: 'Secret' }, TargetType: 'AWS::RDS::DBInstance', TargetId: 'db-1' } },
      },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'attachment', TemplateBody: body }));
    const stack = await settled(cfn(), 'attachment', 60_000);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn(), stack.StackId!)).find(([logicalId, status]) => logicalId === 'Attachment' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toContain('AWS::RDS::DBInstance');
    await expectAwsError(secrets().send(new DescribeSecretCommand({ SecretId: 'cfn-attached' })), { code: 'ResourceNotFoundException', status: 400 });
  });

  it('deletes every resource with the stack, keeps the retained one and schedules the key for deletion', async () => {
    const resources = await resourcesOf(cfn(), 'found');
    const { StackId } = await settled(cfn(), 'found');
    await cfn().send(new DeleteStackCommand({ StackName: 'found' }));
    await expectStatus(StackId!, 'DELETE_COMPLETE');

    await expectAwsError(ssm().send(new GetParameterCommand({ Name: resources.Param.PhysicalResourceId! })), { code: 'ParameterNotFound', status: 400 });
    expect((await ssm().send(new GetParameterCommand({ Name: '/cfn/found/kept' }))).Parameter?.Value).toBe('kept');
    await expectAwsError(s3().send(new HeadBucketCommand({ Bucket: resources.Bucket.PhysicalResourceId! })), { code: 'NotFound', status: 404 });
    const key = (await kms().send(new DescribeKeyCommand({ KeyId: resources.Key.PhysicalResourceId! }))).KeyMetadata;
    expect(key?.KeyState).toBe('PendingDeletion');
    // PendingWindowInDays: 7 days after the deletion.
    expect(key!.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(key!.DeletionDate!.getTime() - Date.now()).toBeLessThan(7.1 * 86_400_000);
    expect((await kms().send(new ListAliasesCommand({ KeyId: resources.Key.PhysicalResourceId! }))).Aliases).toEqual([]);
    await expectAwsError(secrets().send(new DescribeSecretCommand({ SecretId: resources.Secret.PhysicalResourceId! })), { code: 'ResourceNotFoundException', status: 400 });
  });
});

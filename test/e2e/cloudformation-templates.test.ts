/**
 * Templates through the API: ValidateTemplate and GetTemplateSummary from a body, from a
 * TemplateURL in Drydock's S3 and (the summary) from a stack, with import identifiers from the
 * specification index; a stack created from a TemplateURL;
 * and the refusals for a body too large, both or neither of body and URL, and an object that
 * cannot be read.
 */
import { CloudFormationClient, CreateStackCommand, GetTemplateCommand, GetTemplateSummaryCommand, ValidateTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);

const TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: '2010-09-09',
  Description: 'a role and a parameter',
  Parameters: { Stage: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'prod'], Description: 'where' }, Token: { Type: 'String', NoEcho: true } },
  Resources: {
    Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { Ref: 'Stage' } } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
    },
  },
});

describe('CloudFormation templates', () => {
  it('validates and summarises a template from its body and from S3', async () => {
    const validated = await cfn().send(new ValidateTemplateCommand({ TemplateBody: TEMPLATE }));
    expect(validated.Description).toBe('a role and a parameter');
    expect(validated.Parameters).toEqual([
      { ParameterKey: 'Stage', DefaultValue: 'dev', NoEcho: false, Description: 'where' },
      { ParameterKey: 'Token', NoEcho: true },
    ]);
    expect(validated.Capabilities).toEqual(['CAPABILITY_IAM']);

    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'templates' }));
    await s3.send(new PutObjectCommand({ Bucket: 'templates', Key: 'stack.json', Body: TEMPLATE }));
    const url = `${server.url}/templates/stack.json`;
    const summary = await cfn().send(new GetTemplateSummaryCommand({ TemplateURL: url }));
    expect(summary.ResourceTypes).toEqual(['AWS::SSM::Parameter', 'AWS::IAM::Role']);
    expect(summary.Version).toBe('2010-09-09');

    await cfn().send(new CreateStackCommand({ StackName: 'from-s3', TemplateURL: url, Capabilities: ['CAPABILITY_IAM'], Parameters: [{ ParameterKey: 'Token', ParameterValue: 't' }] }));
    expect((await settled(cfn(), 'from-s3')).StackStatus).toBe('CREATE_COMPLETE');
    expect((await cfn().send(new GetTemplateCommand({ StackName: 'from-s3' }))).TemplateBody).toBe(TEMPLATE);
    expect((await cfn().send(new GetTemplateSummaryCommand({ StackName: 'from-s3' }))).Parameters?.map((p) => p.ParameterKey)).toEqual(['Stage', 'Token']);
  });

  it("lists each importable type's primary identifier in ResourceIdentifierSummaries, and leaves out types import does not take", async () => {
    const template = JSON.stringify({
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket' },
        Logs: { Type: 'AWS::S3::Bucket' },
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: 'r', Code: { ZipFile: 'x' } } },
        Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'v' } },
        Queue: { Type: 'AWS::SQS::Queue' },
        Stream: { Type: 'AWS::Logs::LogStream', Properties: { LogGroupName: 'g' } },
        Repo: { Type: 'AWS::CodeCommit::Repository', Properties: { RepositoryName: 'r' } },
        Permission: { Type: 'AWS::Lambda::Permission', Properties: { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 's3.amazonaws.com' } },
        Widget: { Type: 'Custom::Widget', Properties: { ServiceToken: 'arn:aws:sns:us-east-1:000000000000:t' } },
        Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      },
    });
    const summary = await cfn().send(new GetTemplateSummaryCommand({ TemplateBody: template }));
    expect(summary.ResourceIdentifierSummaries).toEqual([
      { ResourceType: 'AWS::S3::Bucket', LogicalResourceIds: ['Bucket', 'Logs'], ResourceIdentifiers: ['BucketName'] },
      { ResourceType: 'AWS::IAM::Role', LogicalResourceIds: ['Role'], ResourceIdentifiers: ['RoleName'] },
      { ResourceType: 'AWS::Lambda::Function', LogicalResourceIds: ['Fn'], ResourceIdentifiers: ['FunctionName'] },
      { ResourceType: 'AWS::SSM::Parameter', LogicalResourceIds: ['Param'], ResourceIdentifiers: ['Name'] },
      { ResourceType: 'AWS::SQS::Queue', LogicalResourceIds: ['Queue'], ResourceIdentifiers: ['QueueUrl'] },
      { ResourceType: 'AWS::Logs::LogStream', LogicalResourceIds: ['Stream'], ResourceIdentifiers: ['LogGroupName', 'LogStreamName'] },
    ]);
  });

  it('refuses templates AWS refuses', async () => {
    await expectAwsError(cfn().send(new ValidateTemplateCommand({ TemplateBody: `{"Resources": {}, "Description": "${'x'.repeat(51_200)}"}` })), {
      code: 'ValidationError',
      status: 400,
      message: /Member must have length less than or equal to 51200/,
    });
    await expectAwsError(cfn().send(new ValidateTemplateCommand({})), { code: 'ValidationError', status: 400, message: 'Either Template URL or Template Body must be specified.' });
    await expectAwsError(cfn().send(new ValidateTemplateCommand({ TemplateBody: TEMPLATE, TemplateURL: `${server.url}/templates/stack.json` })), { code: 'ValidationError', status: 400 });
    await expectAwsError(cfn().send(new ValidateTemplateCommand({ TemplateURL: `${server.url}/no-such-bucket/stack.json` })), {
      code: 'ValidationError',
      status: 400,
      message: 'S3 error: Access Denied',
    });
    await expectAwsError(cfn().send(new GetTemplateSummaryCommand({ StackName: 'no-such-stack' })), { code: 'ValidationError', status: 400, message: 'Stack with id no-such-stack does not exist' });
  });
});

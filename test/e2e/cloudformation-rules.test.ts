/**
 * The template's Rules section against a real server: the CDK's CheckBootstrapVersion rule over an
 * SSM parameter type, RuleCondition with Fn::EachMemberIn / Fn::EachMemberEquals / Fn::RefAll on
 * CreateStack, UpdateStack and CreateChangeSet, and ValidateTemplate's check of the section.
 */
import { CloudFormationClient, CreateChangeSetCommand, CreateStackCommand, UpdateStackCommand, ValidateTemplateCommand } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
let ssm: SSMClient;
beforeAll(() => {
  cfn = new CloudFormationClient(server.clientConfig);
  ssm = new SSMClient(server.clientConfig);
});

const BOOTSTRAP_REQUIRED = "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.";

/** The parameter and rule every CDK v2 app synthesizes. */
const cdkTemplate = JSON.stringify({
  Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' } },
  Rules: {
    CheckBootstrapVersion: {
      Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Contains': [['1', '2', '3', '4', '5'], { Ref: 'BootstrapVersion' }] }] }, AssertDescription: BOOTSTRAP_REQUIRED }],
    },
  },
  Resources: { Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } } },
});

const environmentTemplate = JSON.stringify({
  Parameters: { Environment: { Type: 'String' }, Sizes: { Type: 'CommaDelimitedList' } },
  Rules: {
    ProductionSizes: {
      RuleCondition: { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] },
      Assertions: [{ Assert: { 'Fn::EachMemberIn': [{ Ref: 'Sizes' }, ['large', 'xlarge']] }, AssertDescription: 'Production needs large sizes' }],
    },
    TestSizes: {
      RuleCondition: { 'Fn::Equals': [{ Ref: 'Environment' }, 'test'] },
      Assertions: [
        { Assert: { 'Fn::EachMemberEquals': [{ Ref: 'Sizes' }, 'small'] }, AssertDescription: 'Tests run small' },
        { Assert: { 'Fn::Equals': [{ 'Fn::RefAll': 'AWS::EC2::VPC::Id' }, []] }, AssertDescription: 'No VPCs expected' },
      ],
    },
  },
  Resources: { Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { Ref: 'Environment' } } } },
});

const parameters = (environment: string, sizes: string) => [
  { ParameterKey: 'Environment', ParameterValue: environment },
  { ParameterKey: 'Sizes', ParameterValue: sizes },
];

describe('CloudFormation template Rules', () => {
  it("refuses the CDK's template while the bootstrap version is 5 or less, with the rule's description, and accepts it after", async () => {
    await ssm.send(new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Type: 'String', Value: '5' }));
    await expectAwsError(cfn.send(new CreateStackCommand({ StackName: 'cdk-app', TemplateBody: cdkTemplate })), { code: 'ValidationError', status: 400, message: BOOTSTRAP_REQUIRED });
    await expectAwsError(cfn.send(new CreateChangeSetCommand({ StackName: 'cdk-app', ChangeSetName: 'cs', ChangeSetType: 'CREATE', TemplateBody: cdkTemplate })), {
      code: 'ValidationError',
      status: 400,
      message: BOOTSTRAP_REQUIRED,
    });
    await ssm.send(new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Type: 'String', Value: '21', Overwrite: true }));
    await cfn.send(new CreateStackCommand({ StackName: 'cdk-app', TemplateBody: cdkTemplate }));
    expect((await settled(cfn, 'cdk-app')).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('checks the assertions of the rules whose RuleCondition holds, on create, update and change sets', async () => {
    await expectAwsError(cfn.send(new CreateStackCommand({ StackName: 'sized', TemplateBody: environmentTemplate, Parameters: parameters('prod', 'large,small') })), {
      code: 'ValidationError',
      status: 400,
      message: 'Production needs large sizes',
    });
    // The production rule does not apply to a dev stack.
    await cfn.send(new CreateStackCommand({ StackName: 'sized', TemplateBody: environmentTemplate, Parameters: parameters('dev', 'tiny') }));
    expect((await settled(cfn, 'sized')).StackStatus).toBe('CREATE_COMPLETE');
    await expectAwsError(cfn.send(new UpdateStackCommand({ StackName: 'sized', TemplateBody: environmentTemplate, Parameters: parameters('test', 'small,large') })), {
      code: 'ValidationError',
      status: 400,
      message: 'Tests run small',
    });
    await expectAwsError(cfn.send(new CreateChangeSetCommand({ StackName: 'sized', ChangeSetName: 'to-prod', TemplateBody: environmentTemplate, Parameters: parameters('prod', 'medium') })), {
      code: 'ValidationError',
      status: 400,
      message: 'Production needs large sizes',
    });
    await cfn.send(new UpdateStackCommand({ StackName: 'sized', TemplateBody: environmentTemplate, Parameters: parameters('test', 'small,small') }));
    expect((await settled(cfn, 'sized')).StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('ValidateTemplate checks the Rules section without parameter values', async () => {
    await cfn.send(new ValidateTemplateCommand({ TemplateBody: environmentTemplate }));
    const unknownFunction = JSON.stringify({
      Rules: { Bad: { Assertions: [{ Assert: { 'Fn::Select': ['0', ['a']] } }] } },
      Resources: { Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } } },
    });
    await expectAwsError(cfn.send(new ValidateTemplateCommand({ TemplateBody: unknownFunction })), {
      code: 'ValidationError',
      status: 400,
      message: 'Template error: Unsupported function Fn::Select in rule Bad',
    });
  });
});

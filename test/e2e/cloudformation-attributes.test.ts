/**
 * CloudFormation Fn::GetAtt of an attribute a resource has no value for: AWS fails the stack with
 * "Attribute '<name>' does not exist" (the resource handler returned no such attribute) and rolls
 * back; the value never shows up in an output, a stored property or any answer.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, GetTemplateSummaryCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { eventLog, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);

describe('CloudFormation Fn::GetAtt of an attribute without a value', () => {
  it('fails the stack in an output and rolls back, never showing a placeholder', async () => {
    const template = {
      Resources: { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'cfn-attr-bus' } } },
      Outputs: { BusPolicy: { Value: { 'Fn::GetAtt': ['Bus', 'Policy'] } }, BusArn: { Value: { 'Fn::GetAtt': ['Bus', 'Arn'] } } },
    };
    await cfn().send(new CreateStackCommand({ StackName: 'attr-output', TemplateBody: JSON.stringify(template) }));
    const stack = await settled(cfn(), 'attr-output');
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(stack.Outputs ?? []).toEqual([]);
    const log = await eventLog(cfn(), 'attr-output');
    const rollback = log.find(([id, status]) => id === 'attr-output' && status === 'ROLLBACK_IN_PROGRESS');
    expect(rollback?.[2]).toBe("Attribute 'Policy' does not exist");
    expect(JSON.stringify(log)).not.toContain('Symbol(');
  });

  it('fails the resource whose property reads it, and the stack rolls back', async () => {
    const template = {
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'cfn-attr-bus-2' } },
        Copy: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { 'Fn::Sub': 'policy ${Bus.Policy}' } } },
      },
    };
    await cfn().send(new CreateStackCommand({ StackName: 'attr-property', TemplateBody: JSON.stringify(template) }));
    const stack = await settled(cfn(), 'attr-property');
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const log = await eventLog(cfn(), 'attr-property');
    expect(log).toContainEqual(['Copy', 'CREATE_FAILED', "Attribute 'Policy' does not exist"]);
    expect(JSON.stringify(log)).not.toContain('Symbol(');
    const described = await cfn().send(new DescribeStacksCommand({ StackName: 'attr-property' }));
    expect(JSON.stringify(described)).not.toContain('Symbol(');
    const summary = await cfn().send(new GetTemplateSummaryCommand({ StackName: 'attr-property' }));
    expect(summary.ResourceTypes).toEqual(['AWS::Events::EventBus', 'AWS::SSM::Parameter']);
  });
});

/** What the CloudFormation tests share: waiting for a stack to settle, reading its events and resources, and templates of SSM parameters (the resource most tests deploy) with a read of their values. */
import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackEvent,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Polls the stack until its status is no longer *_IN_PROGRESS (the operation runs on its own); fails after `timeoutMs`. */
export async function settled(cfn: CloudFormationClient, stackName: string, timeoutMs = 20_000): Promise<Stack> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return stack;
    if (Date.now() > until) throw new Error(`stack ${stackName} is still ${stack.StackStatus}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every event of the stack, oldest first. */
export async function eventsOf(cfn: CloudFormationClient, stackName: string): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken }));
    events.push(...page.StackEvents!);
    NextToken = page.NextToken;
  } while (NextToken);
  return events.reverse();
}

/** `[logical id, status, reason]` of each event, oldest first: the shape AWS's event log reads in. */
export async function eventLog(cfn: CloudFormationClient, stackName: string): Promise<[string, string, string | undefined][]> {
  return (await eventsOf(cfn, stackName)).map((e) => [e.LogicalResourceId!, e.ResourceStatus!, e.ResourceStatusReason]);
}

export async function resourcesOf(cfn: CloudFormationClient, stackName: string): Promise<Record<string, StackResourceSummary>> {
  const out = await cfn.send(new ListStackResourcesCommand({ StackName: stackName }));
  return Object.fromEntries(out.StackResourceSummaries!.map((r) => [r.LogicalResourceId!, r]));
}

/** A JSON template of SSM String parameters, one per entry (`logical id → value`), named by CloudFormation. */
export function parametersTemplate(parameters: Record<string, string>, extra: Record<string, unknown> = {}): string {
  const resources: Record<string, unknown> = {};
  for (const [logicalId, value] of Object.entries(parameters)) resources[logicalId] = { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: value } };
  return JSON.stringify({ Resources: resources, ...extra });
}

/** An AWS::SSM::Parameter resource of Type String with `properties`; `attributes` adds resource attributes (DependsOn, UpdateReplacePolicy …). */
export function ssmParameter(properties: Record<string, unknown>, attributes: Record<string, unknown> = {}) {
  return { Type: 'AWS::SSM::Parameter', ...attributes, Properties: { Type: 'String', ...properties } };
}

/** The value of the SSM parameter `name`. */
export async function parameterValue(ssm: SSMClient, name: string): Promise<string | undefined> {
  return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
}

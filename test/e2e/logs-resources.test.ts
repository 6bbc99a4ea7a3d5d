import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteQueryDefinitionCommand,
  DeleteResourcePolicyCommand,
  DescribeQueryDefinitionsCommand,
  DescribeResourcePoliciesCommand,
  GetLogEventsCommand,
  ListLogGroupsCommand,
  type ListLogGroupsRequest,
  PutQueryDefinitionCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const ACCOUNT = '000000000000';
const groupArn = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;

describe('CloudWatch Logs: saved queries, ListLogGroups and resource policies', () => {
  const server = useServer();
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    logs = new CloudWatchLogsClient(server.clientConfig);
    for (const [name, tags, logGroupClass] of [
      ['/aws/lambda/orders', { team: 'pay' }, 'STANDARD'],
      ['/aws/lambda/users', { team: 'id' }, 'STANDARD'],
      ['/app/discovery', {}, 'INFREQUENT_ACCESS'],
      ['/app/web', { team: 'pay' }, 'STANDARD'],
    ] as const) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: name, logGroupClass, ...(Object.keys(tags).length ? { tags } : {}) }));
    }
  });

  describe('query definitions', () => {
    it('creates, lists by name prefix, replaces and deletes', async () => {
      const { queryDefinitionId: errors } = await logs.send(new PutQueryDefinitionCommand({ name: 'errors/recent', queryString: 'filter @message like /ERROR/', logGroupNames: ['/app/web'] }));
      const { queryDefinitionId: slow } = await logs.send(
        new PutQueryDefinitionCommand({ name: 'latency/slow', queryString: 'filter ms > 1000', parameters: [{ name: 'threshold', defaultValue: '1000', description: 'ms' }] }),
      );
      expect(errors).toMatch(/^[0-9a-f-]{36}$/);
      const all = (await logs.send(new DescribeQueryDefinitionsCommand({}))).queryDefinitions!;
      expect(all.map((d) => d.name)).toEqual(['errors/recent', 'latency/slow']);
      expect(all[0]).toMatchObject({ queryDefinitionId: errors, queryString: 'filter @message like /ERROR/', logGroupNames: ['/app/web'], queryLanguage: 'CWLI', lastModified: expect.any(Number) });
      expect(all[1].parameters).toEqual([{ name: 'threshold', defaultValue: '1000', description: 'ms' }]);
      expect((await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'lat' }))).queryDefinitions!.map((d) => d.queryDefinitionId)).toEqual([slow]);
      // An update replaces the definition whole: the log groups it no longer names are gone.
      await logs.send(new PutQueryDefinitionCommand({ queryDefinitionId: errors, name: 'errors/all', queryString: 'filter @message like /ERROR|FATAL/' }));
      const [updated] = (await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'errors' }))).queryDefinitions!;
      expect(updated).toMatchObject({ queryDefinitionId: errors, name: 'errors/all', queryString: 'filter @message like /ERROR|FATAL/' });
      expect(updated.logGroupNames).toBeUndefined();
      const page = await logs.send(new DescribeQueryDefinitionsCommand({ maxResults: 1 }));
      expect(page.queryDefinitions).toHaveLength(1);
      const rest = await logs.send(new DescribeQueryDefinitionsCommand({ maxResults: 1, nextToken: page.nextToken }));
      expect([page.queryDefinitions![0].name, rest.queryDefinitions![0].name, rest.nextToken]).toEqual(['errors/all', 'latency/slow', undefined]);
      expect((await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: slow }))).success).toBe(true);
      expect((await logs.send(new DescribeQueryDefinitionsCommand({}))).queryDefinitions!.map((d) => d.queryDefinitionId)).toEqual([errors]);
    });

    it('refuses unknown ids and bad input', async () => {
      await expectAwsError(logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: 'nope' })), { code: 'ResourceNotFoundException', status: 400 });
      await expectAwsError(logs.send(new PutQueryDefinitionCommand({ queryDefinitionId: 'nope', name: 'x', queryString: 'fields @message' })), { code: 'ResourceNotFoundException', status: 400 });
      await expectAwsError(logs.send(new PutQueryDefinitionCommand({ name: '', queryString: 'fields @message' })), { code: 'InvalidParameterException', status: 400 });
      await expectAwsError(logs.send(new DescribeQueryDefinitionsCommand({ nextToken: 'garbage' })), { code: 'InvalidParameterException', status: 400 });
    });
  });

  describe('ListLogGroups', () => {
    it('lists summaries, filtered by name pattern, class and tags, in pages', async () => {
      const names = async (input: ListLogGroupsRequest) => (await logs.send(new ListLogGroupsCommand(input))).logGroups!.map((g) => g.logGroupName);
      const { logGroups } = await logs.send(new ListLogGroupsCommand({}));
      expect(logGroups![0]).toEqual({ logGroupName: '/app/discovery', logGroupArn: groupArn('/app/discovery'), logGroupClass: 'INFREQUENT_ACCESS' });
      expect(await names({ logGroupNamePattern: '^/aws/lambda|discovery' })).toEqual(['/app/discovery', '/aws/lambda/orders', '/aws/lambda/users']);
      expect(await names({ logGroupNamePattern: 'Lambda' })).toEqual([]);
      expect(await names({ logGroupClass: 'INFREQUENT_ACCESS' })).toEqual(['/app/discovery']);
      expect(await names({ logGroupTags: [{ key: 'team', values: ['pay'] }] })).toEqual(['/app/web', '/aws/lambda/orders']);
      expect(await names({ logGroupTags: [{ key: 'team' }], logGroupNamePattern: '^/aws' })).toEqual(['/aws/lambda/orders', '/aws/lambda/users']);
      expect(await names({ fieldIndexNames: ['requestId'] })).toEqual([]);
      const first = await logs.send(new ListLogGroupsCommand({ limit: 3 }));
      const second = await logs.send(new ListLogGroupsCommand({ limit: 3, nextToken: first.nextToken }));
      expect([first.logGroups!.length, second.logGroups!.map((g) => g.logGroupName), second.nextToken]).toEqual([3, ['/aws/lambda/users'], undefined]);
    });

    it('refuses patterns the model does not allow', async () => {
      await expectAwsError(logs.send(new ListLogGroupsCommand({ logGroupNamePattern: 'a*b' })), { code: 'InvalidParameterException', status: 400 });
      await expectAwsError(logs.send(new ListLogGroupsCommand({ limit: 0 })), { code: 'InvalidParameterException', status: 400 });
    });
  });

  it('refuses a logGroupIdentifier that is no log group ARN without repeating it', async () => {
    const err = await expectAwsError(logs.send(new GetLogEventsCommand({ logGroupIdentifier: 'arn:aws:s3:::some-bucket', logStreamName: 's' })), {
      code: 'InvalidParameterException',
      status: 400,
      message: 'The specified logGroupIdentifier is not a valid log group ARN.',
    });
    expect(err.message).not.toContain('some-bucket');
  });

  describe('resource policies', () => {
    const allow = (principal: object, resource = '*') =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: resource }] });

    it('keeps account-level policies by name (at most 10) and group-level ones by ARN', async () => {
      const put = await logs.send(new PutResourcePolicyCommand({ policyName: 'route53', policyDocument: allow({ Service: 'route53.amazonaws.com' }) }));
      expect(put.resourcePolicy).toMatchObject({ policyName: 'route53', policyScope: 'ACCOUNT', lastUpdatedTime: expect.any(Number), revisionId: put.revisionId });
      const onGroup = await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn('/app/web'), policyDocument: allow({ Service: 'events.amazonaws.com' }) }));
      expect(onGroup.resourcePolicy).toMatchObject({ policyScope: 'RESOURCE', resourceArn: groupArn('/app/web') });
      const described = (await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies!;
      expect(described.map((p) => [p.policyScope, p.policyName ?? p.resourceArn])).toEqual([
        ['ACCOUNT', 'route53'],
        ['RESOURCE', groupArn('/app/web')],
      ]);
      expect((await logs.send(new DescribeResourcePoliciesCommand({ policyScope: 'RESOURCE' }))).resourcePolicies).toHaveLength(1);
      for (let i = 1; i < 10; i++) await logs.send(new PutResourcePolicyCommand({ policyName: `p${i}`, policyDocument: allow({ Service: 'delivery.logs.amazonaws.com' }) }));
      await expectAwsError(logs.send(new PutResourcePolicyCommand({ policyName: 'eleventh', policyDocument: allow({ Service: 'x.amazonaws.com' }) })), {
        code: 'LimitExceededException',
        status: 400,
        message: 'Resource limit exceeded.',
      });
      // Replacing an existing one is not a new policy.
      await logs.send(new PutResourcePolicyCommand({ policyName: 'p9', policyDocument: allow({ Service: 'y.amazonaws.com' }) }));
      for (let i = 1; i < 10; i++) await logs.send(new DeleteResourcePolicyCommand({ policyName: `p${i}` }));
      await expectAwsError(logs.send(new DeleteResourcePolicyCommand({ policyName: 'p1' })), { code: 'ResourceNotFoundException', status: 400, message: 'Policy with name [p1] does not exist' });
      await logs.send(new DeleteResourcePolicyCommand({ resourceArn: groupArn('/app/web') }));
      expect((await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies!.map((p) => p.policyName)).toEqual(['route53']);
    });

    it('checks documents, groups and revisions, writing nothing on refusal', async () => {
      await expectAwsError(logs.send(new PutResourcePolicyCommand({ policyName: 'bad', policyDocument: '{not json' })), { code: 'InvalidParameterException', status: 400 });
      await expectAwsError(logs.send(new PutResourcePolicyCommand({ policyName: 'bad', policyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'logs:*' }] }) })), {
        code: 'InvalidParameterException',
        status: 400,
      });
      await expectAwsError(logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn('/nope'), policyDocument: allow({ Service: 'x.amazonaws.com' }) })), {
        code: 'ResourceNotFoundException',
        status: 400,
      });
      const { revisionId } = await logs.send(new PutResourcePolicyCommand({ policyName: 'versioned', policyDocument: allow({ Service: 'a.amazonaws.com' }) }));
      await expectAwsError(logs.send(new PutResourcePolicyCommand({ policyName: 'versioned', policyDocument: allow({ Service: 'b.amazonaws.com' }), expectedRevisionId: 'stale' })), {
        code: 'OperationAbortedException',
        status: 400,
      });
      await logs.send(new PutResourcePolicyCommand({ policyName: 'versioned', policyDocument: allow({ Service: 'b.amazonaws.com' }), expectedRevisionId: revisionId }));
      const names = (await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies!.map((p) => p.policyName);
      expect(names).toEqual(['route53', 'versioned']);
      await logs.send(new DeleteResourcePolicyCommand({ policyName: 'versioned' }));
    });

    it('is evaluated: a principal the policy allows may write the group', async () => {
      const user = await createIamUser(server.clientConfig, 'log-writer', []);
      const asUser = new CloudWatchLogsClient({ ...server.clientConfig, credentials: user.credentials });
      const create = () => asUser.send(new CreateLogStreamCommand({ logGroupName: '/app/web', logStreamName: `s-${Date.now()}` }));
      await expectAwsError(create(), { code: 'AccessDeniedException', status: 400 });
      await logs.send(new PutResourcePolicyCommand({ resourceArn: groupArn('/app/web'), policyDocument: allow({ AWS: user.arn }, `${groupArn('/app/web')}*`) }));
      await create();
      await expectAwsError(asUser.send(new CreateLogStreamCommand({ logGroupName: '/app/discovery', logStreamName: 's' })), { code: 'AccessDeniedException', status: 400 });
    });
  });
});

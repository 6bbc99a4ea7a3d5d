/**
 * CodeCommit repository triggers through the real SDK client and the aws CLI: configuration,
 * validation, and TestRepositoryTriggers' report for destinations that do not exist. Delivery
 * itself is in codecommit-triggers-delivery.test.ts.
 */

import {
  CodeCommitClient,
  CreateRepositoryCommand,
  GetRepositoryTriggersCommand,
  PutRepositoryTriggersCommand,
  type RepositoryTrigger,
  TestRepositoryTriggersCommand,
} from '@aws-sdk/client-codecommit';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, useServer } from '../helpers.js';

const server = useServer();
let cc: CodeCommitClient;

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:repo-events';
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:on-push';
const trigger = (extra: Partial<RepositoryTrigger> = {}): RepositoryTrigger => ({ name: 'notify', destinationArn: TOPIC, branches: [], events: ['all'], ...extra });

beforeAll(async () => {
  cc = new CodeCommitClient(server.clientConfig);
  await cc.send(new CreateRepositoryCommand({ repositoryName: 'triggered' }));
});

describe('PutRepositoryTriggers / GetRepositoryTriggers', () => {
  it('replaces the whole configuration, with a new configuration id every time', async () => {
    expect((await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }))).triggers).toEqual([]);
    const triggers = [
      trigger({ customData: 'team=core' }),
      trigger({ name: 'lambda-main', destinationArn: FUNCTION, branches: ['main', 'release/1.0'], events: ['createReference', 'updateReference'] }),
    ];
    const first = await cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers }));
    expect(first.configurationId).toMatch(/^[0-9a-f-]{36}$/);
    const got = await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }));
    expect(got.configurationId).toBe(first.configurationId);
    expect(got.triggers).toEqual(triggers);

    const second = await cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers }));
    expect(second.configurationId).not.toBe(first.configurationId);
    await cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers: [] }));
    expect((await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }))).triggers).toEqual([]);
  });

  it('refuses bad trigger lists with the exact exceptions and keeps the old configuration', async () => {
    const kept = await cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers: [trigger()] }));
    const cases: [unknown, string][] = [
      [undefined, 'RepositoryTriggersListRequiredException'],
      [Array.from({ length: 11 }, (_, i) => trigger({ name: `t${i}` })), 'MaximumRepositoryTriggersExceededException'],
      [[trigger({ name: '' })], 'RepositoryTriggerNameRequiredException'],
      [[trigger({ name: 'has space' })], 'InvalidRepositoryTriggerNameException'],
      [[trigger(), trigger()], 'InvalidRepositoryTriggerNameException'],
      [[trigger({ destinationArn: '' })], 'RepositoryTriggerDestinationArnRequiredException'],
      [[trigger({ destinationArn: 'not-an-arn' })], 'InvalidRepositoryTriggerDestinationArnException'],
      [[trigger({ destinationArn: 'arn:aws:s3:::bucket' })], 'InvalidRepositoryTriggerDestinationArnException'],
      [[trigger({ destinationArn: 'arn:aws:lambda:us-east-1:000000000000:layer:x' })], 'InvalidRepositoryTriggerDestinationArnException'],
      [[trigger({ destinationArn: 'arn:aws:sns:eu-west-1:000000000000:elsewhere' })], 'InvalidRepositoryTriggerRegionException'],
      [[trigger({ customData: 'x'.repeat(1001) })], 'InvalidRepositoryTriggerCustomDataException'],
      [[trigger({ branches: undefined })], 'RepositoryTriggerBranchNameListRequiredException'],
      [[trigger({ branches: Array.from({ length: 101 }, (_, i) => `b${i}`) })], 'MaximumBranchesExceededException'],
      [[trigger({ branches: ['bad..name'] })], 'InvalidRepositoryTriggerBranchNameException'],
      [[trigger({ events: [] })], 'RepositoryTriggerEventsListRequiredException'],
      [[trigger({ events: ['push' as never] })], 'InvalidRepositoryTriggerEventsException'],
      [[trigger({ events: ['all', 'createReference'] })], 'InvalidRepositoryTriggerEventsException'],
    ];
    for (const [triggers, code] of cases) {
      for (const Command of [PutRepositoryTriggersCommand, TestRepositoryTriggersCommand]) {
        const err = await failure(cc.send(new Command({ repositoryName: 'triggered', triggers } as never)));
        expect(err.name, `${Command.name} ${JSON.stringify(triggers)?.slice(0, 100)}`).toBe(code);
        expect(err.$metadata.httpStatusCode).toBe(400);
      }
    }
    expect((await failure(cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'ghost', triggers: [] })))).name).toBe('RepositoryDoesNotExistException');
    expect((await failure(cc.send(new PutRepositoryTriggersCommand({ repositoryName: '', triggers: [] })))).name).toBe('RepositoryNameRequiredException');
    expect((await failure(cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'bad name' })))).name).toBe('InvalidRepositoryNameException');
    const after = await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }));
    expect(after.configurationId).toBe(kept.configurationId);
    expect(after.triggers).toEqual([trigger()]);
  });
});

describe('TestRepositoryTriggers', () => {
  it('reports destinations that do not exist as failed, saying why', async () => {
    const out = await cc.send(
      new TestRepositoryTriggersCommand({
        repositoryName: 'triggered',
        triggers: [trigger(), trigger({ name: 'fn', destinationArn: FUNCTION })],
      }),
    );
    expect(out.successfulExecutions).toEqual([]);
    expect(out.failedExecutions).toEqual([
      { trigger: 'notify', failureMessage: 'NotFoundException: Topic does not exist' },
      { trigger: 'fn', failureMessage: expect.any(String) },
    ]);
  });

  it('works from the aws CLI', async () => {
    const triggers = JSON.stringify([trigger({ name: 'cli' })]);
    const put = JSON.parse((await server.aws(['codecommit', 'put-repository-triggers', '--repository-name', 'triggered', '--triggers', triggers])).stdout);
    expect(put.configurationId).toBeTruthy();
    const got = JSON.parse((await server.aws(['codecommit', 'get-repository-triggers', '--repository-name', 'triggered'])).stdout);
    expect(got).toEqual({ configurationId: put.configurationId, triggers: [trigger({ name: 'cli' })] });
    const tested = JSON.parse((await server.aws(['codecommit', 'test-repository-triggers', '--repository-name', 'triggered', '--triggers', triggers])).stdout);
    expect(tested.successfulExecutions).toEqual([]);
    expect(tested.failedExecutions[0].trigger).toBe('cli');
  });
});

/**
 * CodeCommit repository triggers through the real SDK client and the aws CLI: configuration,
 * validation, TestRepositoryTriggers' honest per-destination report (Drydock has no SNS or Lambda
 * yet, so nothing can be delivered), and firing on real reference changes.
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  CodeCommitClient,
  CreateBranchCommand,
  CreateRepositoryCommand,
  DeleteBranchCommand,
  GetRepositoryTriggersCommand,
  PutRepositoryTriggersCommand,
  type RepositoryTrigger,
  TestRepositoryTriggersCommand,
} from '@aws-sdk/client-codecommit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { failure, useServer } from '../helpers.js';

const server = useServer();
let cc: CodeCommitClient;
let repoId: string;

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:repo-events';
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:on-push';
const trigger = (extra: Partial<RepositoryTrigger> = {}): RepositoryTrigger => ({ name: 'notify', destinationArn: TOPIC, branches: [], events: ['all'], ...extra });

beforeAll(async () => {
  cc = new CodeCommitClient(server.clientConfig);
  repoId = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'triggered' }))).repositoryMetadata!.repositoryId!;
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
  it('reports every destination as failed, saying why, because none can receive anything yet', async () => {
    const out = await cc.send(
      new TestRepositoryTriggersCommand({
        repositoryName: 'triggered',
        triggers: [trigger(), trigger({ name: 'fn', destinationArn: FUNCTION })],
      }),
    );
    expect(out.successfulExecutions).toEqual([]);
    expect(out.failedExecutions).toEqual([
      { trigger: 'notify', failureMessage: `Drydock has no SNS service yet; destination ${TOPIC} cannot receive the trigger notification.` },
      { trigger: 'fn', failureMessage: `Drydock has no Lambda service yet; destination ${FUNCTION} cannot receive the trigger notification.` },
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

describe('firing on reference changes', () => {
  it('attempts delivery for the triggers whose events and branches match, and logs why it failed', async () => {
    await cc.send(
      new PutRepositoryTriggersCommand({
        repositoryName: 'triggered',
        triggers: [
          trigger({ name: 'main-created', branches: ['main'], events: ['createReference'] }),
          trigger({ name: 'any-deleted', destinationArn: FUNCTION, events: ['deleteReference'] }),
          trigger({ name: 'other-all', branches: ['other'] }),
        ],
      }),
    );
    const gitEnv = { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    const dir = join(server.dataDir, 'codecommit', `${repoId}.git`);
    const tree = execFileSync('git', ['--git-dir', dir, 'mktree'], { input: '', env: gitEnv }).toString().trim();
    const commit = execFileSync('git', ['--git-dir', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit-tree', tree, '-m', 'x'], { env: gitEnv }).toString().trim();

    const warn = vi.spyOn(server.runtime.log, 'warn');
    const fired = () => warn.mock.calls.filter((call) => call[1] === 'CodeCommit repository trigger was not delivered').map((call) => call[0] as unknown as Record<string, string>);
    try {
      await cc.send(new CreateBranchCommand({ repositoryName: 'triggered', branchName: 'main', commitId: commit }));
      expect(fired()).toEqual([
        {
          repository: 'triggered',
          trigger: 'main-created',
          destination: TOPIC,
          reason: `Drydock has no SNS service yet; destination ${TOPIC} cannot receive the trigger notification.`,
        },
      ]);
      warn.mockClear();
      await cc.send(new CreateBranchCommand({ repositoryName: 'triggered', branchName: 'feature', commitId: commit }));
      expect(fired()).toEqual([]);
      await cc.send(new DeleteBranchCommand({ repositoryName: 'triggered', branchName: 'feature' }));
      expect(fired().map((f) => f.trigger)).toEqual(['any-deleted']);
    } finally {
      warn.mockRestore();
    }
  });
});

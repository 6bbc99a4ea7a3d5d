/**
 * CodeCommit triggers delivered for real: a `git push` (test:test login) notifies the triggers its
 * references select through SNS to an SQS queue subscribed to the topic, with AWS's record (one
 * notification per push listing its references, created and deleted ones marked, the trigger's
 * custom data, the caller and the repository); a Lambda function whose policy allows CodeCommit gets
 * the same record as its event; TestRepositoryTriggers sends a test notification and reports the
 * destinations that refuse CodeCommit or do not exist. Every push git saw acknowledged is notified
 * across a kill -9 of the server (the built CLI as a child process).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CodeCommitClient,
  CreateBranchCommand,
  CreateRepositoryCommand,
  DeleteBranchCommand,
  PutFileCommand,
  PutRepositoryTriggersCommand,
  type RepositoryTrigger,
  TestRepositoryTriggersCommand,
} from '@aws-sdk/client-codecommit';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { CLI, startBuiltDrydock } from './cli-helpers.js';
import { GitRunner, loginUrl } from './codecommit-git-helpers.js';
import { createActiveFunction, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';
import { eventually, httpEndpoint } from './sns-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const OTHER_ACCOUNT = '111111111111';
const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;

let cc: CodeCommitClient;
let git: GitRunner;

beforeAll(() => {
  cc = new CodeCommitClient(server.clientConfig);
  git = new GitRunner();
});

/** The root credentials of `account` (its id as the access key, Drydock's convenience). */
const asAccount = (account: string) => ({ ...server.clientConfig, credentials: { accessKeyId: account === ACCOUNT ? 'test' : account, secretAccessKey: 'test' } });
const sns = (account = ACCOUNT) => new SNSClient(asAccount(account));
const sqs = (account = ACCOUNT) => new SQSClient(asAccount(account));

interface Destination {
  topicArn: string;
  queueUrl: string;
  account: string;
}

/** A topic with a queue of the same account subscribed to it; the queue's policy admits the topic. */
async function topicWithQueue(name: string, account = ACCOUNT): Promise<Destination> {
  const { TopicArn } = await sns(account).send(new CreateTopicCommand({ Name: name }));
  const queueArn = `arn:aws:sqs:us-east-1:${account}:${name}`;
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': TopicArn } } }],
  };
  const { QueueUrl } = await sqs(account).send(new CreateQueueCommand({ QueueName: name, Attributes: { Policy: JSON.stringify(policy) } }));
  await sns(account).send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
  return { topicArn: TopicArn!, queueUrl: QueueUrl!, account };
}

interface Notification {
  subject: string;
  record: Record<string, unknown> & { codecommit: { references: Record<string, unknown>[] } };
}

/** The next `count` SNS envelopes on the queue, their records parsed (long polls wake when a message arrives). */
async function notifications(destination: Destination, count: number): Promise<Notification[]> {
  const client = sqs(destination.account);
  const messages: Message[] = [];
  const deadline = Date.now() + 10_000;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: destination.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of Messages) await client.send(new DeleteMessageCommand({ QueueUrl: destination.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    messages.push(...Messages);
  }
  return messages.map((message) => {
    const envelope = JSON.parse(message.Body!) as { Subject: string; Message: string };
    const body = JSON.parse(envelope.Message) as { Records: Notification['record'][] };
    expect(body.Records).toHaveLength(1);
    return { subject: envelope.Subject, record: body.Records[0]! };
  });
}

async function nothingOn(destination: Destination): Promise<void> {
  const { Messages } = await sqs(destination.account).send(new ReceiveMessageCommand({ QueueUrl: destination.queueUrl, WaitTimeSeconds: 0 }));
  expect(Messages ?? []).toEqual([]);
}

const trigger = (extra: Partial<RepositoryTrigger> & { destinationArn: string }): RepositoryTrigger => ({ name: 'all-events', branches: [], events: ['all'], ...extra });

describe('triggers delivered through SNS on git push', () => {
  let repositoryArn: string;
  let work: string;
  let all: Destination;
  let mainOnly: Destination;
  let configurationId: string;

  beforeAll(async () => {
    const created = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'notified' }))).repositoryMetadata!;
    repositoryArn = created.Arn!;
    all = await topicWithQueue('repo-all');
    mainOnly = await topicWithQueue('repo-main');
    const put = await cc.send(
      new PutRepositoryTriggersCommand({
        repositoryName: 'notified',
        triggers: [
          trigger({ destinationArn: all.topicArn }),
          trigger({ name: 'main-pushes', destinationArn: mainOnly.topicArn, branches: ['main'], events: ['updateReference'], customData: 'channel=#builds' }),
        ],
      }),
    );
    configurationId = put.configurationId!;
    work = git.dir('notified');
    await git.ok(['clone', '--quiet', loginUrl(server, 'notified', 'test', 'test'), work]);
  });

  async function commit(file: string): Promise<string> {
    writeFileSync(join(work, file), `${file}\n`);
    await git.ok(['add', file], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', file], { cwd: work });
    return (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
  }

  it('sends AWS record for a push that creates a branch, to the trigger selecting it only', async () => {
    const tip = await commit('one.txt');
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
    const [sent] = await notifications(all, 1);
    expect(sent!.subject).toBe('UPDATE: AWS CodeCommit us-east-1 push: notified');
    expect(sent!.record).toEqual({
      awsRegion: 'us-east-1',
      codecommit: { references: [{ commit: tip, ref: 'refs/heads/main', created: true }] },
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventName: 'ReferenceChanges',
      eventPartNumber: 1,
      eventSource: 'aws:codecommit',
      eventSourceARN: repositoryArn,
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/),
      eventTotalParts: 1,
      eventTriggerConfigId: configurationId,
      eventTriggerName: 'all-events',
      eventVersion: '1.0',
      userIdentityARN: ROOT_ARN,
    });
    // main-pushes takes updates of main only: a creation is not one.
    await nothingOn(mainOnly);
  });

  it('lists every reference of one push in one notification, and only the selected ones per trigger', async () => {
    const tip = await commit('two.txt');
    await git.ok(['branch', 'feature'], { cwd: work });
    await git.ok(['push', '--quiet', 'origin', 'main', 'feature'], { cwd: work });
    const [toAll] = await notifications(all, 1);
    expect(toAll!.record.codecommit.references).toEqual(
      expect.arrayContaining([
        { commit: tip, ref: 'refs/heads/main' },
        { commit: tip, ref: 'refs/heads/feature', created: true },
      ]),
    );
    expect(toAll!.record.codecommit.references).toHaveLength(2);
    const [toMain] = await notifications(mainOnly, 1);
    expect(toMain!.record).toMatchObject({ eventTriggerName: 'main-pushes', customData: 'channel=#builds', codecommit: { references: [{ commit: tip, ref: 'refs/heads/main' }] } });
  });

  it('marks a deleted branch, and a tag reaches the trigger that lists no branches', async () => {
    const tip = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    await git.ok(['push', '--quiet', 'origin', ':feature'], { cwd: work });
    const [deleted] = await notifications(all, 1);
    expect(deleted!.record.codecommit.references).toEqual([{ commit: tip, ref: 'refs/heads/feature', deleted: true }]);
    await git.ok(['tag', 'v1'], { cwd: work });
    await git.ok(['push', '--quiet', 'origin', 'v1'], { cwd: work });
    const [tagged] = await notifications(all, 1);
    expect(tagged!.record.codecommit.references).toEqual([{ commit: tip, ref: 'refs/tags/v1', created: true }]);
    await nothingOn(mainOnly);
  });
});

describe('triggers delivered to a Lambda function', () => {
  /** A function logging every event it gets; with `permitted`, its policy lets CodeCommit invoke it for the repository. */
  async function loggingFunction(name: string, permitted: boolean): Promise<string> {
    const created = await createActiveFunction(new LambdaClient(server.clientConfig), {
      FunctionName: name,
      Runtime: NODE_RUNTIME,
      Role: await executionRole(server, `${name}-role`),
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.mjs': "export const handler = async (event) => { console.log('TRIGGER-EVENT ' + JSON.stringify(event)); };\n" }) },
    });
    if (permitted) {
      await new LambdaClient(server.clientConfig).send(
        new AddPermissionCommand({
          FunctionName: name,
          StatementId: 'codecommit',
          Action: 'lambda:InvokeFunction',
          Principal: 'codecommit.amazonaws.com',
          SourceArn: `arn:aws:codecommit:us-east-1:${ACCOUNT}:to-lambda`,
          SourceAccount: ACCOUNT,
        }),
      );
    }
    return created.FunctionArn!;
  }

  /** The events the function logged, once `count` have arrived (invocations are asynchronous). */
  async function loggedEvents(name: string, count: number): Promise<Notification['record'][]> {
    const logs = new CloudWatchLogsClient(server.clientConfig);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { events = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"TRIGGER-EVENT"' })).catch(() => ({ events: [] }));
      if (events.length >= count || Date.now() > deadline) {
        return events.map((e) => (JSON.parse(e.message!.slice(e.message!.indexOf('{'))) as { Records: Notification['record'][] }).Records[0]!);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('invokes a function whose policy allows CodeCommit, with the record as its event; TestRepositoryTriggers reports one that does not', async () => {
    const allowed = await loggingFunction('on-push', true);
    const refusing = await loggingFunction('no-permission', false);
    const created = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'to-lambda' }))).repositoryMetadata!;
    const tested = await cc.send(
      new TestRepositoryTriggersCommand({
        repositoryName: 'to-lambda',
        triggers: [trigger({ name: 'allowed', destinationArn: allowed }), trigger({ name: 'refusing', destinationArn: refusing })],
      }),
    );
    expect(tested.successfulExecutions).toEqual(['allowed']);
    expect(tested.failedExecutions).toEqual([{ trigger: 'refusing', failureMessage: expect.stringContaining('AccessDeniedException') }]);
    expect((await loggedEvents('on-push', 1))[0]).toMatchObject({ eventName: 'TriggerEventTest', eventSourceARN: created.Arn });

    await cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'to-lambda', triggers: [trigger({ name: 'allowed', destinationArn: allowed, customData: 'lambda' })] }));
    const { commitId } = await cc.send(new PutFileCommand({ repositoryName: 'to-lambda', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('a') }));
    const [, pushed] = await loggedEvents('on-push', 2);
    expect(pushed).toMatchObject({
      eventName: 'ReferenceChanges',
      eventTriggerName: 'allowed',
      customData: 'lambda',
      eventSourceARN: created.Arn,
      userIdentityARN: ROOT_ARN,
      codecommit: { references: [{ commit: commitId, ref: 'refs/heads/main', created: true }] },
    });
  });
});

describe('triggers on API reference changes', () => {
  it('fires for PutFile, CreateBranch and DeleteBranch as the triggers events and branches select', async () => {
    const destination = await topicWithQueue('api-changes');
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'api-changes' }));
    await cc.send(
      new PutRepositoryTriggersCommand({
        repositoryName: 'api-changes',
        triggers: [
          trigger({ name: 'main-created', destinationArn: destination.topicArn, branches: ['main'], events: ['createReference'] }),
          trigger({ name: 'deletions', destinationArn: destination.topicArn, events: ['deleteReference'] }),
        ],
      }),
    );
    const { commitId } = await cc.send(new PutFileCommand({ repositoryName: 'api-changes', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('a') }));
    const [created] = await notifications(destination, 1);
    expect(created!.record).toMatchObject({ eventTriggerName: 'main-created', userIdentityARN: ROOT_ARN, codecommit: { references: [{ commit: commitId, ref: 'refs/heads/main', created: true }] } });

    await cc.send(new CreateBranchCommand({ repositoryName: 'api-changes', branchName: 'feature', commitId }));
    await cc.send(new DeleteBranchCommand({ repositoryName: 'api-changes', branchName: 'feature' }));
    // The creation of feature selects no trigger: the one notification is the deletion's.
    const [deleted] = await notifications(destination, 1);
    expect(deleted!.record).toMatchObject({ eventTriggerName: 'deletions', codecommit: { references: [{ commit: commitId, ref: 'refs/heads/feature', deleted: true }] } });
    await nothingOn(destination);
  });
});

describe('TestRepositoryTriggers', () => {
  it('sends a test notification with the default branch tip and reports success', async () => {
    const tested = await topicWithQueue('tested');
    const topicArn = tested.topicArn;
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'tested' }));
    const empty = await cc.send(new TestRepositoryTriggersCommand({ repositoryName: 'tested', triggers: [trigger({ name: 'probe', destinationArn: topicArn, branches: ['dev'] })] }));
    expect(empty).toMatchObject({ successfulExecutions: ['probe'], failedExecutions: [] });
    const [sample] = await notifications(tested, 1);
    // Without commits, AWS sends zeroes.
    expect(sample!.record).toMatchObject({ eventName: 'TriggerEventTest', eventTriggerName: 'probe', codecommit: { references: [{ commit: '0'.repeat(40), ref: 'refs/heads/dev' }] } });

    const work = git.dir('tested');
    await git.ok(['clone', '--quiet', loginUrl(server, 'tested', 'test', 'test'), work]);
    writeFileSync(join(work, 'a.txt'), 'a\n');
    await git.ok(['add', 'a.txt'], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', 'a'], { cwd: work });
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
    const tip = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const out = await cc.send(new TestRepositoryTriggersCommand({ repositoryName: 'tested', triggers: [trigger({ name: 'probe', destinationArn: topicArn })] }));
    expect(out.successfulExecutions).toEqual(['probe']);
    const [real] = await notifications(tested, 1);
    expect(real!.record).toMatchObject({ eventName: 'TriggerEventTest', userIdentityARN: ROOT_ARN, codecommit: { references: [{ commit: tip, ref: 'refs/heads/main' }] } });
  });

  it('reports destinations that do not exist or do not allow CodeCommit as failed executions', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'probed' }));
    const foreign = await topicWithQueue('foreign', OTHER_ACCOUNT);
    const missingTopic = `arn:aws:sns:us-east-1:${ACCOUNT}:no-such-topic`;
    const missingFunction = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:no-such-function`;
    const out = await cc.send(
      new TestRepositoryTriggersCommand({
        repositoryName: 'probed',
        triggers: [
          trigger({ name: 'missing-topic', destinationArn: missingTopic }),
          trigger({ name: 'missing-function', destinationArn: missingFunction }),
          trigger({ name: 'foreign-topic', destinationArn: foreign.topicArn }),
        ],
      }),
    );
    expect(out.successfulExecutions).toEqual([]);
    expect(out.failedExecutions?.map((f) => f.trigger)).toEqual(['missing-topic', 'missing-function', 'foreign-topic']);
    expect(out.failedExecutions?.[0]?.failureMessage).toContain('NotFound');
    expect(out.failedExecutions?.[2]?.failureMessage).toContain('AuthorizationError');
    await nothingOn(foreign);

    // The other account allows CodeCommit to publish for this repository: the test goes through.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CodeCommit-Policy_ID',
          Effect: 'Allow',
          Principal: { Service: 'codecommit.amazonaws.com' },
          Action: 'SNS:Publish',
          Resource: foreign.topicArn,
          Condition: { StringEquals: { 'AWS:SourceArn': `arn:aws:codecommit:us-east-1:${ACCOUNT}:probed`, 'AWS:SourceAccount': ACCOUNT } },
        },
      ],
    };
    await sns(OTHER_ACCOUNT).send(new SetTopicAttributesCommand({ TopicArn: foreign.topicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }));
    const allowed = await cc.send(new TestRepositoryTriggersCommand({ repositoryName: 'probed', triggers: [trigger({ name: 'foreign-topic', destinationArn: foreign.topicArn })] }));
    expect(allowed).toMatchObject({ successfulExecutions: ['foreign-topic'], failedExecutions: [] });
    expect((await notifications(foreign, 1))[0]!.record.eventSourceARN).toBe(`arn:aws:codecommit:us-east-1:${ACCOUNT}:probed`);
  });

  it("publishes to its own account's topic as codecommit.amazonaws.com: the default policy admits it, a policy that does not name it refuses it", async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'own-topic' }));
    const own = await topicWithQueue('own-topic-policy');
    const test = () => cc.send(new TestRepositoryTriggersCommand({ repositoryName: 'own-topic', triggers: [trigger({ name: 'own', destinationArn: own.topicArn })] }));
    expect(await test()).toMatchObject({ successfulExecutions: ['own'], failedExecutions: [] });
    await notifications(own, 1);

    // A policy admitting only the account's IAM principals (not services) shuts CodeCommit out.
    const accountOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'SNS:Publish', Resource: own.topicArn }] };
    await sns(ACCOUNT).send(new SetTopicAttributesCommand({ TopicArn: own.topicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(accountOnly) }));
    const refused = await test();
    expect(refused.successfulExecutions).toEqual([]);
    expect(refused.failedExecutions?.[0]?.failureMessage).toContain('AuthorizationError');
    await nothingOn(own);
  });
});

/** A port nothing listens on, for the child server. */
/** `drydock start` on `dataDir` as a child process, once it answers. */
describe('trigger durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-trigger-durability-'));
  let child: ChildProcess | undefined;
  const endpoint = httpEndpoint();
  afterAll(async () => {
    child?.kill('SIGKILL');
    await (await endpoint).close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('notifies every acknowledged push after a kill -9 right after the last one', { timeout: 60_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const subscriber = await endpoint;
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    const config = { endpoint: first.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    const { TopicArn } = await new SNSClient(config).send(new CreateTopicCommand({ Name: 'pushes' }));
    await new SNSClient(config).send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
    await fetch(JSON.parse((await subscriber.request(0)).body).SubscribeURL);
    const codecommit = new CodeCommitClient(config);
    await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'durable' }));
    await codecommit.send(new PutRepositoryTriggersCommand({ repositoryName: 'durable', triggers: [trigger({ name: 'pushes', destinationArn: TopicArn! })] }));

    const work = git.dir('durable');
    const url = new URL(`${first.url}/v1/repos/durable`);
    url.username = 'test';
    url.password = 'test';
    await git.ok(['clone', '--quiet', url.toString(), work]);
    writeFileSync(join(work, 'a.txt'), 'a\n');
    await git.ok(['add', 'a.txt'], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', 'a'], { cwd: work });
    // Each push creates a branch; the kill follows the last acknowledgement at once.
    const pushed: string[] = [];
    for (let i = 0; i < 12; i++) {
      await git.ok(['push', '--quiet', 'origin', `HEAD:refs/heads/b${i}`], { cwd: work });
      pushed.push(`refs/heads/b${i}`);
    }
    const exited = new Promise((done) => child!.once('exit', done));
    child.kill('SIGKILL');
    await exited;

    child = (await startBuiltDrydock(dataDir)).child;
    const notifiedRefs = () =>
      new Set(
        subscriber.requests
          .filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification')
          .flatMap((r) => (JSON.parse(JSON.parse(r.body).Message) as { Records: Notification['record'][] }).Records[0]!.codecommit.references.map((ref) => ref.ref as string)),
      );
    await eventually(() => (pushed.every((ref) => notifiedRefs().has(ref)) ? true : undefined), 30_000);
    expect([...notifiedRefs()].sort()).toEqual([...pushed].sort());
  });
});

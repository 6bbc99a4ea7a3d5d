/**
 * Secrets Manager rotation with a real Lambda function: a Node.js rotation function (AWS's generic
 * template's logic, bundled with the AWS SDK into an inline zip) that Secrets Manager invokes for
 * createSecret, setSecret, testSecret and finishSecret, and that calls Drydock back with its
 * execution role. AWS's refusals (no invoke permission, no function, rules that conflict, a rotation
 * still pending), a failing step that leaves AWSPENDING, CancelRotateSecret, RotationAbandoned, and
 * a scheduled rotation fired by the time warp. Rotation events are read from the default event bus
 * through an EventBridge rule delivering to an SQS queue.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, NODE_RUNTIME, withSdk, zipOf } from './lambda-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const EVENTS_QUEUE = 'rotation-events';

/**
 * AWS's generic rotation template in JavaScript: each step checks the token's version as the
 * template does, createSecret puts a random password as AWSPENDING, finishSecret moves AWSCURRENT.
 * FAIL_STEP makes one step throw.
 */
const ROTATION_FUNCTION = `
import { DescribeSecretCommand, GetRandomPasswordCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
const client = new SecretsManagerClient({});
export const handler = async (event) => {
  const { Step, SecretId: arn, ClientRequestToken: token } = event;
  console.log('ROTATION-STEP ' + JSON.stringify(event));
  const metadata = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  if (!metadata.RotationEnabled) throw new Error('Secret ' + arn + ' is not enabled for rotation');
  const stages = metadata.VersionIdsToStages[token];
  if (!stages) throw new Error('Secret version ' + token + ' has no stage for rotation of secret ' + arn + '.');
  if (stages.includes('AWSCURRENT')) return;
  if (!stages.includes('AWSPENDING')) throw new Error('Secret version ' + token + ' not set as AWSPENDING for rotation of secret ' + arn + '.');
  if (process.env.FAIL_STEP === Step) throw new Error(Step + ' failed on purpose');
  if (Step === 'createSecret') {
    await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }));
    try {
      await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }));
    } catch (err) {
      if (err.name !== 'ResourceNotFoundException') throw err;
      const { RandomPassword } = await client.send(new GetRandomPasswordCommand({ PasswordLength: 24, ExcludePunctuation: true }));
      await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: RandomPassword, VersionStages: ['AWSPENDING'] }));
    }
  } else if (Step === 'finishSecret') {
    const current = Object.entries(metadata.VersionIdsToStages).find(([, labels]) => labels.includes('AWSCURRENT'))[0];
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }));
  }
};
`;

/** What AWS's rotation documentation has the execution role allow, and the log permissions. */
const EXECUTION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetRandomPassword', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      Resource: '*',
    },
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
});

let sm: SecretsManagerClient;
let lambda: LambdaClient;
let sqs: SQSClient;
let eventsQueueUrl: string;
let code: Uint8Array;
let role: string;

beforeAll(async () => {
  sm = new SecretsManagerClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
  // The function with the AWS SDK bundled in (a CommonJS index.js), as the Node.js runtimes of AWS provide it.
  code = zipOf({ 'index.js': await withSdk(ROTATION_FUNCTION) });
  const iam = new IAMClient(server.clientConfig);
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  role = (await iam.send(new CreateRoleCommand({ RoleName: 'rotation', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  await iam.send(new PutRolePolicyCommand({ RoleName: 'rotation', PolicyName: 'rotate', PolicyDocument: EXECUTION_POLICY }));

  // Rotation events on the default bus, delivered to a queue.
  const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${EVENTS_QUEUE}`;
  const queuePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn }] };
  eventsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: EVENTS_QUEUE, Attributes: { Policy: JSON.stringify(queuePolicy) } }))).QueueUrl!;
  const eb = new EventBridgeClient(server.clientConfig);
  await eb.send(new PutRuleCommand({ Name: 'rotations', EventPattern: JSON.stringify({ source: ['aws.secretsmanager'], 'detail-type': ['AWS Service Event via CloudTrail'] }) }));
  await eb.send(new PutTargetsCommand({ Rule: 'rotations', Targets: [{ Id: 'queue', Arn: queueArn }] }));
}, 60_000);

/** A rotation function (failing at `failStep` when given) that Secrets Manager may invoke unless `permitted` is false; answers its ARN. */
async function rotationFunction(name: string, opts: { failStep?: string; permitted?: boolean } = {}): Promise<string> {
  const created = await createActiveFunction(lambda, {
    FunctionName: name,
    Runtime: NODE_RUNTIME,
    Role: role,
    Handler: 'index.handler',
    Timeout: 30,
    Code: { ZipFile: code },
    Environment: { Variables: opts.failStep ? { FAIL_STEP: opts.failStep } : {} },
  });
  if (opts.permitted !== false) {
    await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: 'SecretsManagerAccess', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com' }));
  }
  return created.FunctionArn!;
}

type RotationEvent = { eventName: string; errorMessage?: string; additionalEventData: { SecretId: string } };
const seen: RotationEvent[] = [];

/** Waits for the rotation event `eventName` about `secretArn` (events arrive through EventBridge and SQS). */
async function rotationEvent(secretArn: string, eventName: string): Promise<RotationEvent> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = seen.find((e) => e.additionalEventData.SecretId === secretArn && e.eventName === eventName);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${eventName} event for ${secretArn}; seen: ${JSON.stringify(seen.map((e) => e.eventName))}`);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: eventsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of Messages) {
      seen.push((JSON.parse(message.Body!) as { detail: RotationEvent }).detail);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: eventsQueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const { Versions = [] } = await sm.send(new ListSecretVersionIdsCommand({ SecretId: secretId }));
  return Object.fromEntries(Versions.map((v) => [v.VersionId!, v.VersionStages ?? []]));
}

const DAY_MS = 86_400_000;

describe('RotateSecret refusals', () => {
  it('refuses a function Secrets Manager may not invoke, or that does not exist, with AWS message, and configures nothing', async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'refused', SecretString: 'initial' }));
    const unpermitted = await rotationFunction('unpermitted', { permitted: false });
    const message = 'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.';
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: unpermitted })), { code: 'AccessDeniedException', status: 400, message });
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:missing` })), {
      code: 'AccessDeniedException',
      status: 400,
      message,
    });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described.RotationEnabled).toBeUndefined();
    expect(Object.values(described.VersionIdsToStages!)).toEqual([['AWSCURRENT']]);
  });

  it('refuses a secret without a rotation function, and rules that set both a frequency and an expression', async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'no-function', SecretString: 'initial' }));
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN })), {
      code: 'InvalidRequestException',
      status: 400,
      message: "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
    });
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:whatever`;
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn, RotationRules: { AutomaticallyAfterDays: 3, ScheduleExpression: 'rate(3 days)' } })), {
      code: 'InvalidParameterException',
      status: 400,
      message: 'You cannot specify both rotation frequency and schedule expression together.',
    });
    for (const ScheduleExpression of ['rate(2 hours)', 'rate(1000 days)', 'cron(30 4 * * ? *)', 'cron(0 4 * * ? 2030)', 'every day']) {
      await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn, RotationRules: { ScheduleExpression } })), { code: 'InvalidParameterException', status: 400 });
    }
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn, RotationRules: { ScheduleExpression: 'cron(0 20 * * ? *)', Duration: '5h' } })), {
      code: 'InvalidParameterException',
      status: 400,
    });
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: 'ghost', RotationLambdaARN: fn })), { code: 'ResourceNotFoundException', status: 400 });
  });
});

describe('rotation through the four steps', () => {
  it('rotates: the function runs each step once, AWSCURRENT moves to the new version, DescribeSecret reports the schedule', async () => {
    const fn = await rotationFunction('rotator');
    const { ARN, VersionId: first } = await sm.send(new CreateSecretCommand({ Name: 'rotated', SecretString: 'initial' }));
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn, RotationRules: { AutomaticallyAfterDays: 30 } }));
    expect(rotated).toMatchObject({ ARN, Name: 'rotated', VersionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await rotationEvent(ARN!, 'RotationStarted');
    await rotationEvent(ARN!, 'RotationSucceeded');

    const current = await sm.send(new GetSecretValueCommand({ SecretId: ARN }));
    expect(current.VersionId).toBe(rotated.VersionId);
    expect(current.SecretString).toMatch(/^[A-Za-z0-9]{24}$/);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('initial');
    expect(await stagesOf(ARN!)).toEqual({ [rotated.VersionId!]: expect.arrayContaining(['AWSCURRENT', 'AWSPENDING']), [first!]: ['AWSPREVIOUS'] });

    const described = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described).toMatchObject({ RotationEnabled: true, RotationLambdaARN: fn, RotationRules: { AutomaticallyAfterDays: 30 } });
    const rotatedAt = described.LastRotatedDate!.getTime();
    const day = Math.floor(rotatedAt / DAY_MS) * DAY_MS;
    expect(described.NextRotationDate!.toISOString()).toBe(new Date(day + 31 * DAY_MS - 1000).toISOString());

    const { events = [] } = await new CloudWatchLogsClient(server.clientConfig).send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/rotator', filterPattern: '"ROTATION-STEP"' }));
    const steps = events.map((e) => JSON.parse(e.message!.slice(e.message!.indexOf('{'))) as Record<string, string>);
    expect(steps.map((s) => s.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect(steps[0]).toEqual({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: rotated.VersionId, RotationToken: expect.any(String) });

    // A bare RotateSecret rotates again with the configuration it has.
    const again = await sm.send(new RotateSecretCommand({ SecretId: ARN }));
    await expect.poll(async () => (await sm.send(new GetSecretValueCommand({ SecretId: ARN }))).VersionId, { timeout: 30_000 }).toBe(again.VersionId);
  });

  it('leaves AWSPENDING when a step fails, refuses a new rotation until it is dealt with, and CancelRotateSecret reports the pending version', async () => {
    const fn = await rotationFunction('failing-rotator', { failStep: 'setSecret' });
    const { ARN, VersionId: first } = await sm.send(new CreateSecretCommand({ Name: 'stuck', SecretString: 'initial' }));
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn }));
    const failed = await rotationEvent(ARN!, 'RotationFailed');
    expect(failed.errorMessage).toBe(`Error when executing lambda ${fn} during setSecret step`);

    // createSecret put the new value as AWSPENDING; AWSCURRENT did not move.
    expect(await stagesOf(ARN!)).toEqual({ [first!]: ['AWSCURRENT'], [rotated.VersionId!]: ['AWSPENDING'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString).toBe('initial');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: ARN }))).LastRotatedDate).toBeUndefined();
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: ARN })), {
      code: 'InvalidRequestException',
      status: 400,
      message: "A previous rotation isn't complete. That rotation will be reattempted.",
    });

    const cancelled = await sm.send(new CancelRotateSecretCommand({ SecretId: ARN }));
    expect(cancelled).toMatchObject({ ARN, Name: 'stuck', VersionId: rotated.VersionId });
    expect(await sm.send(new DescribeSecretCommand({ SecretId: ARN }))).toMatchObject({ RotationEnabled: false, RotationLambdaARN: fn });
    // Cancelling leaves the labels as they are, as AWS does.
    expect((await stagesOf(ARN!))[rotated.VersionId!]).toEqual(['AWSPENDING']);
  });

  it('abandons a pending rotation when a new current value is put by hand', async () => {
    const fn = await rotationFunction('abandoned-rotator', { failStep: 'testSecret' });
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'abandoned', SecretString: 'initial' }));
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn }));
    await rotationEvent(ARN!, 'RotationFailed');
    const put = await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: 'by hand' }));
    await rotationEvent(ARN!, 'RotationAbandoned');
    const stages = await stagesOf(ARN!);
    expect(stages[put.VersionId!]).toEqual(['AWSCURRENT']);
    expect(stages[rotated.VersionId!] ?? []).not.toContain('AWSPENDING');
  });

  it('with RotateImmediately false runs only testSecret on a version it removes, then rotates when the window opens', async () => {
    const fn = await rotationFunction('scheduled-rotator');
    const { ARN, VersionId: first } = await sm.send(new CreateSecretCommand({ Name: 'scheduled', SecretString: 'initial' }));
    const tested = await sm.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: fn, RotationRules: { ScheduleExpression: 'rate(2 days)' }, RotateImmediately: false }));
    await expect.poll(async () => Object.keys(await stagesOf(ARN!)), { timeout: 30_000 }).toEqual([first]);
    expect(tested.VersionId).not.toBe(first);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described).toMatchObject({ RotationEnabled: true, RotationRules: { ScheduleExpression: 'rate(2 days)', AutomaticallyAfterDays: 2 } });
    expect(described.LastRotatedDate).toBeUndefined();

    // Two days later the window opens and the secret rotates.
    await server.advanceClock(2 * DAY_MS);
    await rotationEvent(ARN!, 'RotationSucceeded');
    const current = await sm.send(new GetSecretValueCommand({ SecretId: ARN }));
    expect(current.VersionId).not.toBe(first);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: ARN }))).LastRotatedDate).toBeInstanceOf(Date);
  });
});

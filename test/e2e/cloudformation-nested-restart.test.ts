/**
 * A restart while a parent stack waits on the nested stack it is creating: the parent recorded the
 * nested stack's id before waiting, so after the restart (same data directory) the parent's
 * creation fails into its rollback and that rollback deletes the nested stack. A restart during a
 * nested update rolls both updates back. Nothing is left in progress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

// The nested stack waits on a handle nobody signals: the parent is still waiting when the server stops.
const WAITING_CHILD = {
  Resources: {
    Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
    Wait: { Type: 'AWS::CloudFormation::WaitCondition', Properties: { Handle: { Ref: 'Handle' }, Timeout: '3600' } },
  },
};

const QUICK_CHILD = { Resources: { Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'quick' } } } };

const parentOf = (key: string) => JSON.stringify({ Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: `https://nested-restart.s3.amazonaws.com/${key}` } } } });

/** Polls (no sleep: each poll is a request) until the nested stack waits on its handle; answers the nested stack's id. */
async function waitingChild(cfn: CloudFormationClient, parentName: string, childStatus: string): Promise<string | undefined> {
  for (let polls = 0; polls < 500; polls++) {
    const child = (await resourcesOf(cfn, parentName)).Child;
    if (child?.PhysicalResourceId && child.ResourceStatus === childStatus) {
      const nested = await resourcesOf(cfn, child.PhysicalResourceId);
      if (nested.Wait?.ResourceStatus === 'CREATE_IN_PROGRESS') return child.PhysicalResourceId;
    }
  }
  return undefined;
}

describe('nested stack creation across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-cfn-nested-restart-'));
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rolls the parent back and deletes the nested stack it was waiting on', async () => {
    server = await startTestServer({ dataDir });
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'nested-restart' }));
    await s3.send(new PutObjectCommand({ Bucket: 'nested-restart', Key: 'waiting.json', Body: JSON.stringify(WAITING_CHILD) }));
    await s3.send(new PutObjectCommand({ Bucket: 'nested-restart', Key: 'quick.json', Body: JSON.stringify(QUICK_CHILD) }));
    let cfn = new CloudFormationClient(server.clientConfig);
    const { StackId: parentId } = await cfn.send(new CreateStackCommand({ StackName: 'waiting-parent', TemplateBody: parentOf('waiting.json') }));
    // The parent's resource names the nested stack while it is still CREATE_IN_PROGRESS.
    const childId = await waitingChild(cfn, 'waiting-parent', 'CREATE_IN_PROGRESS');
    expect(childId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/waiting-parent-Child-[A-Z0-9]{12}\//);
    await server.stop();

    server = await startTestServer({ dataDir });
    cfn = new CloudFormationClient(server.clientConfig);
    expect((await settled(cfn, parentId!)).StackStatus).toBe('ROLLBACK_COMPLETE');
    const child = (await cfn.send(new DescribeStacksCommand({ StackName: childId }))).Stacks![0]!;
    expect(child.StackStatus).toBe('DELETE_COMPLETE');
    const parentLog = (await eventLog(cfn, parentId!)).filter(([id]) => id === 'Child').map(([, status]) => status);
    expect(parentLog).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('rolls the parent update and the nested update back after a restart during the nested update', async () => {
    let cfn = new CloudFormationClient(server!.clientConfig);
    await cfn.send(new CreateStackCommand({ StackName: 'updating-parent', TemplateBody: parentOf('quick.json') }));
    expect((await settled(cfn, 'updating-parent')).StackStatus).toBe('CREATE_COMPLETE');
    await cfn.send(new UpdateStackCommand({ StackName: 'updating-parent', TemplateBody: parentOf('waiting.json') }));
    const childId = await waitingChild(cfn, 'updating-parent', 'UPDATE_IN_PROGRESS');
    expect(childId).toBeDefined();
    await server!.stop();

    server = await startTestServer({ dataDir });
    cfn = new CloudFormationClient(server.clientConfig);
    expect((await settled(cfn, 'updating-parent')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await settled(cfn, childId!)).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(Object.keys(await resourcesOf(cfn, childId!))).toEqual(['Param']);
  });
});

/**
 * A restart while a parent stack waits on the nested stack it is creating: the parent recorded the
 * nested stack's id before waiting, so after the restart (same data directory) the parent's
 * creation fails into its rollback and that rollback deletes the nested stack; nothing is left
 * in progress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
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

const PARENT = JSON.stringify({
  Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://nested-restart.s3.amazonaws.com/waiting.json' } } },
});

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
    let cfn = new CloudFormationClient(server.clientConfig);
    const { StackId: parentId } = await cfn.send(new CreateStackCommand({ StackName: 'waiting-parent', TemplateBody: PARENT }));
    // Until the nested stack waits on its handle: then the parent's resource names it, still CREATE_IN_PROGRESS.
    let childId: string | undefined;
    for (let polls = 0; !childId && polls < 500; polls++) {
      const child = (await resourcesOf(cfn, 'waiting-parent')).Child;
      if (child?.PhysicalResourceId && child.ResourceStatus === 'CREATE_IN_PROGRESS') {
        const nested = await resourcesOf(cfn, child.PhysicalResourceId);
        if (nested.Wait?.ResourceStatus === 'CREATE_IN_PROGRESS') childId = child.PhysicalResourceId;
      }
    }
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
});

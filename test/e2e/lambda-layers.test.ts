/**
 * Lambda layer operations that take a LayerName accept the layer's ARN as well as its name, as AWS
 * does: publishing, reading, listing, permissions and deletion reach the same layer either way.
 */
import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { zipOf } from './lambda-helpers.js';

const server = useServer();
const lambda = () => new LambdaClient(server.clientConfig);
const LAYER_ARN = 'arn:aws:lambda:us-east-1:000000000000:layer:by-arn';
const NOT_FOUND = { code: 'ResourceNotFoundException', status: 404, message: 'The resource you requested does not exist.' };

describe('Lambda layers named by ARN', () => {
  it('publishes, reads, lists, grants, revokes and deletes a layer version through its ARN', async () => {
    const published = await lambda().send(new PublishLayerVersionCommand({ LayerName: LAYER_ARN, Content: { ZipFile: zipOf({ 'a.txt': 'a' }) } }));
    expect(published).toMatchObject({ LayerArn: LAYER_ARN, LayerVersionArn: `${LAYER_ARN}:1`, Version: 1 });
    await lambda().send(new PublishLayerVersionCommand({ LayerName: 'by-arn', Content: { ZipFile: zipOf({ 'b.txt': 'b' }) } }));

    expect((await lambda().send(new GetLayerVersionCommand({ LayerName: LAYER_ARN, VersionNumber: 2 }))).LayerVersionArn).toBe(`${LAYER_ARN}:2`);
    const listed = await lambda().send(new ListLayerVersionsCommand({ LayerName: LAYER_ARN }));
    expect(listed.LayerVersions?.map((v) => v.Version)).toEqual([2, 1]);

    await lambda().send(new AddLayerVersionPermissionCommand({ LayerName: LAYER_ARN, VersionNumber: 1, StatementId: 'everyone', Action: 'lambda:GetLayerVersion', Principal: '*' }));
    const policy = await lambda().send(new GetLayerVersionPolicyCommand({ LayerName: 'by-arn', VersionNumber: 1 }));
    expect(JSON.parse(policy.Policy!).Statement[0]).toMatchObject({ Sid: 'everyone', Resource: `${LAYER_ARN}:1` });
    expect((await lambda().send(new GetLayerVersionPolicyCommand({ LayerName: LAYER_ARN, VersionNumber: 1 }))).Policy).toBe(policy.Policy);
    await lambda().send(new RemoveLayerVersionPermissionCommand({ LayerName: LAYER_ARN, VersionNumber: 1, StatementId: 'everyone' }));
    await expectAwsError(lambda().send(new GetLayerVersionPolicyCommand({ LayerName: LAYER_ARN, VersionNumber: 1 })), NOT_FOUND);

    await lambda().send(new DeleteLayerVersionCommand({ LayerName: LAYER_ARN, VersionNumber: 1 }));
    await expectAwsError(lambda().send(new GetLayerVersionCommand({ LayerName: 'by-arn', VersionNumber: 1 })), NOT_FOUND);
    expect((await lambda().send(new ListLayerVersionsCommand({ LayerName: 'by-arn' }))).LayerVersions?.map((v) => v.Version)).toEqual([2]);
  });

  it("refuses another account's layer by ARN to a caller its policy does not admit", async () => {
    const other = 'arn:aws:lambda:us-east-1:111111111111:layer:theirs';
    await expectAwsError(lambda().send(new DeleteLayerVersionCommand({ LayerName: other, VersionNumber: 1 })), { code: 'AccessDeniedException', status: 403 });
    await expectAwsError(lambda().send(new GetLayerVersionCommand({ LayerName: other, VersionNumber: 1 })), { code: 'AccessDeniedException', status: 403 });
  });

  it('refuses a layer ARN of another Region, as GetLayerVersionByArn does', async () => {
    await expectAwsError(lambda().send(new ListLayerVersionsCommand({ LayerName: 'arn:aws:lambda:eu-west-1:000000000000:layer:by-arn' })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: "Layers from 'eu-west-1' are not reachable in this region ('us-east-1')",
    });
  });
});

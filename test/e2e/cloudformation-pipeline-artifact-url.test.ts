/**
 * CodePipeline's Deploy CloudFormation action hands a template `Fn::GetArtifactAtt`'s URL of an
 * input artifact: a presigned S3 URL that fetches the artifact with no credentials at all, unlike
 * the bare object URL, which S3 refuses to an anonymous caller.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, expect, it } from 'vitest';
import { createZip } from '../../src/core/zip.js';
import { useServer } from '../helpers.js';
import { ACCOUNT, actionExecution, createAdminRoles, createSourceThenStage, createVersionedBuckets, firstEndedExecution } from './codepipeline-helpers.js';

const server = useServer();
const TEMPLATE = JSON.stringify({
  Parameters: { SourceUrl: { Type: 'String' } },
  Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
  Outputs: { SourceUrl: { Value: { Ref: 'SourceUrl' } } },
});

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'url-pipeline-role': 'codepipeline.amazonaws.com' });
  await createVersionedBuckets(server.clientConfig, ['url-source', 'url-artifacts']);
});

it('passes a presigned artifact URL (valid for an hour) that an anonymous GET can fetch', async () => {
  const source = createZip([{ name: 'template.json', data: Buffer.from(TEMPLATE), mode: 0o100644 }]);
  await new S3Client(server.clientConfig).send(new PutObjectCommand({ Bucket: 'url-source', Key: 'app.zip', Body: source }));
  await createSourceThenStage(server.clientConfig, {
    name: 'url-pipeline',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/url-pipeline-role`,
    pipelineType: 'V2',
    artifactBucket: 'url-artifacts',
    source: { bucket: 'url-source', artifact: 'SourceOutput' },
    stage: {
      name: 'Deploy',
      actions: [
        {
          name: 'Deploy',
          actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
          configuration: {
            ActionMode: 'CREATE_UPDATE',
            StackName: 'url-stack',
            TemplatePath: 'SourceOutput::template.json',
            ParameterOverrides: JSON.stringify({ SourceUrl: { 'Fn::GetArtifactAtt': ['SourceOutput', 'URL'] } }),
          },
          inputArtifacts: [{ name: 'SourceOutput' }],
        },
      ],
    },
  });
  const run = await firstEndedExecution(server.clientConfig, 'url-pipeline');
  expect(run.status).toBe('Succeeded');
  const deploy = await actionExecution(server.clientConfig, 'url-pipeline', run.id, 'Deploy');
  const url = new URL(deploy.output!.outputVariables!.SourceUrl!);
  expect(url.origin).toBe(new URL(server.url).origin);
  expect(url.pathname.startsWith('/url-artifacts/')).toBe(true);
  expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
  expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
  expect(url.searchParams.get('X-Amz-Security-Token')).toBeTruthy();

  const fetched = await fetch(url);
  expect(fetched.status).toBe(200);
  expect(Buffer.from(await fetched.arrayBuffer())).toEqual(source);

  // The same object without the signature is private to the account.
  const bare = await fetch(`${url.origin}${url.pathname}`);
  expect(bare.status).toBe(403);
});

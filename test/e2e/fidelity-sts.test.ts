/** STS session tags validated as AWS validates them: keys, sizes, duplicates, the reserved prefix and the packed size. */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type Tag } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const ACCOUNT = '000000000000';

describe('STS session tag validation', () => {
  const server = useServer();
  let sts: STSClient;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/tagged`;
  const assume = (Tags: Tag[], TransitiveTagKeys?: string[]) => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'tagged', Tags, TransitiveTagKeys }));

  beforeAll(async () => {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
    await new IAMClient(server.clientConfig).send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: trust }));
    const allow = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }] });
    const user = await createIamUser(server.clientConfig, 'tagger', [allow]);
    sts = new STSClient({ ...server.clientConfig, credentials: user.credentials, maxAttempts: 1 });
  });

  it('accepts keys and values at their limits', async () => {
    const ok = await assume([
      { Key: 'k'.repeat(128), Value: 'v'.repeat(256) },
      { Key: 'with space:/=+-@_.', Value: '' },
    ]);
    expect(ok.PackedPolicySize).toBeGreaterThan(0);
  });

  it('refuses keys and values beyond their sizes or characters with the model’s ValidationError', async () => {
    const invalid = { code: 'ValidationError', status: 400 };
    await expectAwsError(assume([{ Key: 'k'.repeat(129), Value: 'v' }]), {
      ...invalid,
      message: "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
    });
    await expectAwsError(assume([{ Key: 'k', Value: 'v'.repeat(257) }]), {
      ...invalid,
      message: "at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
    });
    await expectAwsError(assume([{ Key: 'bad#key', Value: 'v' }]), { ...invalid, message: 'Member must satisfy regular expression pattern' });
    await expectAwsError(assume([{ Key: '', Value: 'v' }]), invalid);
    await expectAwsError(assume(Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))), { ...invalid, message: 'Member must have length less than or equal to 50' });
    await expectAwsError(
      assume(
        [{ Key: 'k', Value: 'v' }],
        Array.from({ length: 51 }, (_, i) => `k${i}`),
      ),
      invalid,
    );
  });

  it('refuses duplicate keys (case-insensitively), the aws: prefix and transitive keys that are not tags', async () => {
    await expectAwsError(
      assume([
        { Key: 'Project', Value: 'a' },
        { Key: 'project', Value: 'b' },
      ]),
      { code: 'InvalidParameterValue', status: 400, message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.' },
    );
    await expectAwsError(assume([{ Key: 'AWS:team', Value: 'x' }]), { code: 'InvalidParameterValue', status: 400, message: 'aws:' });
    await expectAwsError(assume([{ Key: 'team', Value: 'x' }], ['project']), { code: 'InvalidParameterValue', status: 400 });
  });

  it('refuses session tags whose packed size overflows, naming the tags', async () => {
    const big = Array.from({ length: 10 }, (_, i) => ({ Key: `key-${i}-${'k'.repeat(100)}`, Value: 'v'.repeat(256) }));
    await expectAwsError(assume(big), { code: 'PackedPolicyTooLarge', status: 400, message: /^Packed size of session tags consumes \d+% of allotted space\.$/ });
    // Nothing was issued: the caller is still the user.
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/tagger`);
  });
});

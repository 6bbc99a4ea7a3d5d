import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  type Parameter,
  type ParameterMetadata,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, failure, useServer } from '../helpers.js';

describe('SSM Parameter Store', () => {
  const server = useServer();
  let ssm: SSMClient;
  beforeAll(async () => {
    ssm = new SSMClient(server.clientConfig);
  });

  describe('PutParameter and GetParameter', () => {
    it('creates, refuses a second create and overwrites with a new version', async () => {
      const put = await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db1', Type: 'String', Description: 'database host' }));
      expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });

      await expectAwsError(ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2', Type: 'String' })), { code: 'ParameterAlreadyExists', status: 400 });

      const over = await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2', Overwrite: true }));
      expect(over.Version).toBe(2);

      const got = await ssm.send(new GetParameterCommand({ Name: '/app/db/host' }));
      expect(got.Parameter).toMatchObject({
        Name: '/app/db/host',
        Type: 'String',
        Value: 'db2',
        Version: 2,
        ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host',
        DataType: 'text',
      });
      expect(got.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
      // The description carries over an overwrite that does not repeat it.
      const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/app/db/host'] }] }));
      expect(described.Parameters?.[0]).toMatchObject({ Description: 'database host', Version: 2, LastModifiedUser: 'arn:aws:iam::000000000000:root' });
    });

    it('requires a type on create and allows a type change only with Overwrite', async () => {
      const noType = await failure(ssm.send(new PutParameterCommand({ Name: '/types/p', Value: 'a' })));
      expect(noType).toMatchObject({ name: 'ValidationException', message: 'A parameter type is required when you create a parameter.' });

      await ssm.send(new PutParameterCommand({ Name: '/types/p', Value: 'a,b', Type: 'StringList' }));
      const change = await failure(ssm.send(new PutParameterCommand({ Name: '/types/p', Value: 'x', Type: 'String' })));
      expect(change.name).toBe('ParameterAlreadyExists');
      await ssm.send(new PutParameterCommand({ Name: '/types/p', Value: 'x', Type: 'String', Overwrite: true }));
      expect((await ssm.send(new GetParameterCommand({ Name: '/types/p' }))).Parameter).toMatchObject({ Type: 'String', Value: 'x', Version: 2 });

      const badType = await failure(ssm.send(new PutParameterCommand({ Name: '/types/q', Value: 'a', Type: 'Text' as 'String' })));
      expect(badType.name).toBe('ValidationException');
      expect(badType.message).toContain('Member must satisfy enum value set: [String, StringList, SecureString]');
    });

    it('treats foo and /foo as one parameter', async () => {
      await ssm.send(new PutParameterCommand({ Name: 'plainname', Value: 'v', Type: 'String' }));
      const clash = await failure(ssm.send(new PutParameterCommand({ Name: '/plainname', Value: 'w', Type: 'String' })));
      expect(clash.name).toBe('ParameterAlreadyExists');
      const got = await ssm.send(new GetParameterCommand({ Name: '/plainname' }));
      expect(got.Parameter).toMatchObject({ Name: 'plainname', Value: 'v', ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/plainname' });
      // An ARN names the parameter too.
      const byArn = await ssm.send(new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/plainname' }));
      expect(byArn.Parameter?.Value).toBe('v');
    });

    it('enforces the naming rules with AWS codes and messages', async () => {
      const reserved = await failure(ssm.send(new PutParameterCommand({ Name: '/aws/mine', Value: 'v', Type: 'String' })));
      expect(reserved).toMatchObject({ name: 'AccessDeniedException', message: 'No access to reserved parameter name: /aws/mine.' });
      expect(reserved.$metadata.httpStatusCode).toBe(400);
      const reservedPlain = await failure(ssm.send(new PutParameterCommand({ Name: 'AWSthing', Value: 'v', Type: 'String' })));
      expect(reservedPlain.name).toBe('AccessDeniedException');

      const ssmPrefix = await failure(ssm.send(new PutParameterCommand({ Name: 'SSMthing', Value: 'v', Type: 'String' })));
      expect(ssmPrefix).toMatchObject({ name: 'ValidationException', message: 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).' });
      const pathMessage =
        'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
      for (const name of ['/ssm/x', 'has space', 'not/qualified', '/a//b', '/a/b/', 'bad@char']) {
        const err = await failure(ssm.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String' })));
        expect({ name, code: err.name, message: err.message }).toEqual({ name, code: 'ValidationException', message: pathMessage });
      }

      // Reads check the characters too; GetParameters lists such names as invalid instead.
      expect(await failure(ssm.send(new GetParameterCommand({ Name: '{test}-test' })))).toMatchObject({ name: 'ValidationException', message: pathMessage });
      expect((await ssm.send(new GetParametersCommand({ Names: ['{test}-test'] }))).InvalidParameters).toEqual(['{test}-test']);

      const fifteen = `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`;
      await ssm.send(new PutParameterCommand({ Name: fifteen, Value: 'deep', Type: 'String' }));
      const sixteen = await failure(ssm.send(new PutParameterCommand({ Name: `${fifteen}/l15`, Value: 'v', Type: 'String' })));
      expect(sixteen).toMatchObject({ name: 'HierarchyLevelLimitExceededException', message: 'A hierarchy can have a maximum of 15 levels.' });

      const long = await failure(ssm.send(new PutParameterCommand({ Name: `/${'x'.repeat(1000)}`, Value: 'v', Type: 'String' })));
      expect(long.name).toBe('ValidationException');
      const tooLong = await failure(ssm.send(new PutParameterCommand({ Name: 'x'.repeat(2049), Value: 'v', Type: 'String' })));
      expect(tooLong.message).toContain('Member must have length less than or equal to 2048');
    });

    it('applies tier size limits, Intelligent-Tiering and refuses a downgrade', async () => {
      const big = 'x'.repeat(4097);
      const standard = await failure(ssm.send(new PutParameterCommand({ Name: '/tier/big', Value: big, Type: 'String' })));
      expect(standard.name).toBe('ValidationException');
      expect(standard.message).toMatch(/^Standard tier parameters support a maximum parameter value of 4096 characters/);
      await ssm.send(new PutParameterCommand({ Name: '/tier/edge', Value: 'x'.repeat(4096), Type: 'String' }));

      expect(await ssm.send(new PutParameterCommand({ Name: '/tier/big', Value: big, Type: 'String', Tier: 'Advanced' }))).toMatchObject({ Tier: 'Advanced' });
      const tooBig = await failure(ssm.send(new PutParameterCommand({ Name: '/tier/huge', Value: 'x'.repeat(8193), Type: 'String', Tier: 'Advanced' })));
      expect(tooBig.name).toBe('ValidationException');

      expect(await ssm.send(new PutParameterCommand({ Name: '/tier/auto-small', Value: 'x', Type: 'String', Tier: 'Intelligent-Tiering' }))).toMatchObject({ Tier: 'Standard' });
      expect(await ssm.send(new PutParameterCommand({ Name: '/tier/auto-big', Value: big, Type: 'String', Tier: 'Intelligent-Tiering' }))).toMatchObject({ Tier: 'Advanced' });

      const downgrade = await failure(ssm.send(new PutParameterCommand({ Name: '/tier/big', Value: 'small', Overwrite: true, Tier: 'Standard' })));
      expect(downgrade.name).toBe('ValidationException');
      expect(downgrade.message).toContain("You can't downgrade a parameter from the advanced-parameter tier");
      // Without a Tier an overwrite keeps the advanced tier.
      expect(await ssm.send(new PutParameterCommand({ Name: '/tier/big', Value: 'small', Overwrite: true }))).toMatchObject({ Version: 2, Tier: 'Advanced' });
    });

    it('checks AllowedPattern on create and on every overwrite', async () => {
      const mismatch = await failure(ssm.send(new PutParameterCommand({ Name: '/pattern/n', Value: 'abc', Type: 'String', AllowedPattern: '^\\d+$' })));
      expect(mismatch).toMatchObject({ name: 'ParameterPatternMismatchException', message: 'Parameter value, cannot be validated against allowedPattern: ^\\d+$' });
      await ssm.send(new PutParameterCommand({ Name: '/pattern/n', Value: '123', Type: 'String', AllowedPattern: '^\\d+$' }));
      const later = await failure(ssm.send(new PutParameterCommand({ Name: '/pattern/n', Value: 'x1', Overwrite: true })));
      expect(later.name).toBe('ParameterPatternMismatchException');
      const invalid = await failure(ssm.send(new PutParameterCommand({ Name: '/pattern/bad', Value: 'a', Type: 'String', AllowedPattern: '([' })));
      expect(invalid.name).toBe('InvalidAllowedPatternException');
    });

    it('validates DataType; aws:ec2:image values once their asynchronous validation is done (fidelity-ssm.test.ts has the rest)', async () => {
      const ok = await ssm.send(new PutParameterCommand({ Name: '/image/golden', Value: 'ami-0123456789abcdef0', Type: 'String', DataType: 'aws:ec2:image' }));
      expect(ok.Version).toBe(1);
      await server.advanceClock(1000);
      await expect.poll(async () => (await ssm.send(new GetParametersCommand({ Names: ['/image/golden'] }))).Parameters?.[0]?.DataType).toBe('aws:ec2:image');
      const notString = await failure(ssm.send(new PutParameterCommand({ Name: '/image/bad', Value: 'ami-0123456789abcdef0', Type: 'StringList', DataType: 'aws:ec2:image' })));
      expect(notString.name).toBe('ValidationException');
      const unsupported = await failure(ssm.send(new PutParameterCommand({ Name: '/image/x', Value: 'v', Type: 'String', DataType: 'Text' })));
      expect(unsupported).toMatchObject({ name: 'ValidationException', message: 'The following data type is not supported: Text (Data type names are all lowercase.)' });
    });

    it('accepts Tags only on create', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/tagged/a', Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: 'core' }] }));
      const both = await failure(ssm.send(new PutParameterCommand({ Name: '/tagged/a', Value: 'w', Overwrite: true, Tags: [{ Key: 'x', Value: 'y' }] })));
      expect(both.name).toBe('ValidationException');
      expect(both.message).toMatch(/^Invalid request: tags and overwrite can't be used together\./);
      const tags = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tagged/a' }));
      expect(tags.TagList).toEqual([{ Key: 'team', Value: 'core' }]);
      // Nothing was written by the refused call.
      expect((await ssm.send(new GetParameterCommand({ Name: '/tagged/a' }))).Parameter?.Version).toBe(1);
    });

    it('keeps at most 100 versions, dropping the oldest unless it is labelled', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/versions/p', Value: 'v1', Type: 'String' }));
      for (let i = 2; i <= 100; i++) await ssm.send(new PutParameterCommand({ Name: '/versions/p', Value: `v${i}`, Overwrite: true }));
      expect((await ssm.send(new PutParameterCommand({ Name: '/versions/p', Value: 'v101', Overwrite: true }))).Version).toBe(101);
      const gone = await failure(ssm.send(new GetParameterCommand({ Name: '/versions/p:1' })));
      expect(gone.name).toBe('ParameterVersionNotFound');
      expect((await ssm.send(new GetParameterCommand({ Name: '/versions/p:2' }))).Parameter?.Value).toBe('v2');

      await ssm.send(new LabelParameterVersionCommand({ Name: '/versions/p', ParameterVersion: 2, Labels: ['keep'] }));
      const limited = await failure(ssm.send(new PutParameterCommand({ Name: '/versions/p', Value: 'v102', Overwrite: true })));
      expect(limited.name).toBe('ParameterMaxVersionLimitExceeded');
      expect(limited.message).toContain("Version 2, the oldest version, can't be deleted because it has a label associated with it.");
      expect((await ssm.send(new GetParameterCommand({ Name: '/versions/p' }))).Parameter?.Version).toBe(101);
    });
  });

  describe('selectors, labels and history', () => {
    beforeAll(async () => {
      await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'one', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'two', Overwrite: true }));
      await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'three', Overwrite: true, Description: 'third' }));
    });

    it('reads a version or a label through name:selector', async () => {
      const v1 = await ssm.send(new GetParameterCommand({ Name: '/sel/p:1' }));
      expect(v1.Parameter).toMatchObject({ Name: '/sel/p', Value: 'one', Version: 1, Selector: ':1' });

      const labelled = await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 2, Labels: ['prod', 'blue'] }));
      expect(labelled).toMatchObject({ ParameterVersion: 2, InvalidLabels: [] });
      const prod = await ssm.send(new GetParameterCommand({ Name: '/sel/p:prod' }));
      expect(prod.Parameter).toMatchObject({ Value: 'two', Version: 2, Selector: ':prod' });

      const missingVersion = await failure(ssm.send(new GetParameterCommand({ Name: '/sel/p:9' })));
      expect(missingVersion).toMatchObject({ name: 'ParameterVersionNotFound', message: 'Systems Manager could not find version 9 of /sel/p. Verify the version and try again.' });
      const missingLabel = await failure(ssm.send(new GetParameterCommand({ Name: '/sel/p:nolabel' })));
      expect(missingLabel).toMatchObject({ name: 'ParameterNotFound', message: 'Parameter /sel/p:nolabel not found.' });
      const missing = await failure(ssm.send(new GetParameterCommand({ Name: '/sel/none' })));
      expect(missing).toMatchObject({ name: 'ParameterNotFound', message: 'Parameter /sel/none not found.' });
      expect(missing.$metadata.httpStatusCode).toBe(400);
    });

    it('moves a label between versions, reports invalid labels and limits labels per version', async () => {
      // Without ParameterVersion the label goes on the latest version.
      const moved = await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', Labels: ['prod', 'aws-x', 'ssmy', '1st', 'ok.label-1', 'bad label'] }));
      expect(moved.ParameterVersion).toBe(3);
      expect(moved.InvalidLabels?.sort()).toEqual(['1st', 'aws-x', 'bad label', 'ssmy']);
      expect((await ssm.send(new GetParameterCommand({ Name: '/sel/p:prod' }))).Parameter?.Version).toBe(3);

      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/sel/p' }));
      expect(history.Parameters?.map((h) => [h.Version, h.Value, h.Labels])).toEqual([
        [1, 'one', []],
        [2, 'two', ['blue']],
        [3, 'three', ['ok.label-1', 'prod']],
      ]);
      expect(history.Parameters?.[2]).toMatchObject({ Description: 'third', Tier: 'Standard', Type: 'String', LastModifiedUser: 'arn:aws:iam::000000000000:root', Policies: [] });

      const many = Array.from({ length: 9 }, (_, i) => `l${i}`);
      const overLimit = await failure(ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 3, Labels: many })));
      expect(overLimit.name).toBe('ParameterVersionLabelLimitExceeded');
      const noVersion = await failure(ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 7, Labels: ['x'] })));
      expect(noVersion.name).toBe('ParameterVersionNotFound');
      const noParam = await failure(ssm.send(new LabelParameterVersionCommand({ Name: '/sel/none', Labels: ['x'] })));
      expect(noParam.name).toBe('ParameterNotFound');
    });

    it('unlabels only labels on the named version', async () => {
      const result = await ssm.send(new UnlabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 3, Labels: ['prod', 'blue', 'never'] }));
      expect(result.RemovedLabels).toEqual(['prod']);
      expect(result.InvalidLabels?.sort()).toEqual(['blue', 'never']);
      expect((await failure(ssm.send(new GetParameterCommand({ Name: '/sel/p:prod' })))).name).toBe('ParameterNotFound');
      const noVersion = await failure(ssm.send(new UnlabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 8, Labels: ['blue'] })));
      expect(noVersion.name).toBe('ParameterVersionNotFound');
    });

    it('pages through history', async () => {
      const first = await ssm.send(new GetParameterHistoryCommand({ Name: '/sel/p', MaxResults: 2 }));
      expect(first.Parameters?.map((p) => p.Version)).toEqual([1, 2]);
      expect(first.NextToken).toBeDefined();
      const second = await ssm.send(new GetParameterHistoryCommand({ Name: '/sel/p', MaxResults: 2, NextToken: first.NextToken }));
      expect(second.Parameters?.map((p) => p.Version)).toEqual([3]);
      expect(second.NextToken).toBeUndefined();
      expect((await failure(ssm.send(new GetParameterHistoryCommand({ Name: '/sel/p', NextToken: 'garbage' })))).name).toBe('InvalidNextToken');
      expect((await failure(ssm.send(new GetParameterHistoryCommand({ Name: '/sel/none' })))).name).toBe('ParameterNotFound');
    });

    it('GetParameters returns found parameters and lists the rest as invalid', async () => {
      const result = await ssm.send(new GetParametersCommand({ Names: ['/sel/p', '/sel/p:1', '/sel/p:blue', '/sel/none', '/sel/p:42', '/sel/p'] }));
      expect(result.Parameters?.map((p) => [p.Name, p.Value, p.Selector])).toEqual([
        ['/sel/p', 'three', undefined],
        ['/sel/p', 'one', ':1'],
        ['/sel/p', 'two', ':blue'],
      ]);
      expect(result.InvalidParameters).toEqual(['/sel/none', '/sel/p:42']);
      const tooMany = await failure(ssm.send(new GetParametersCommand({ Names: Array.from({ length: 11 }, (_, i) => `/n${i}`) })));
      expect(tooMany.name).toBe('ValidationException');
      expect(tooMany.message).toContain('Member must have length less than or equal to 10');
    });
  });

  describe('GetParametersByPath and DescribeParameters', () => {
    beforeAll(async () => {
      const put = (Name: string, Value: string, extra: Partial<ConstructorParameters<typeof PutParameterCommand>[0]> = {}) =>
        ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));
      await put('/tree/a', '1');
      await put('/tree/b', '2', { Type: 'StringList', Tags: [{ Key: 'env', Value: 'prod' }] });
      await put('/tree/c', '3', { Type: 'SecureString' });
      await put('/tree/d', '4', { Tier: 'Advanced', DataType: 'text' });
      await put('/tree/e', '5', { Tags: [{ Key: 'env', Value: 'dev' }] });
      await put('/tree/sub/x', '6');
      await put('/tree/sub/deeper/y', '7');
      await put('/treehouse', 'not under /tree');
      await put('/tree/a', '1b', { Overwrite: true, Type: undefined });
      await ssm.send(new LabelParameterVersionCommand({ Name: '/tree/a', ParameterVersion: 1, Labels: ['stable'] }));
    });

    it('lists one level or recursively, in pages', async () => {
      const oneLevel = await ssm.send(new GetParametersByPathCommand({ Path: '/tree' }));
      expect(oneLevel.Parameters?.map((p) => p.Name)).toEqual(['/tree/a', '/tree/b', '/tree/c', '/tree/d', '/tree/e']);
      const recursive = await ssm.send(new GetParametersByPathCommand({ Path: '/tree/', Recursive: true }));
      expect(recursive.Parameters?.map((p) => p.Name)).toEqual(['/tree/a', '/tree/b', '/tree/c', '/tree/d', '/tree/e', '/tree/sub/deeper/y', '/tree/sub/x']);

      const names: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', Recursive: true, MaxResults: 3, NextToken: token }));
        expect(page.Parameters!.length).toBeLessThanOrEqual(3);
        names.push(...page.Parameters!.map((p) => p.Name!));
        token = page.NextToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(names).toEqual(recursive.Parameters?.map((p) => p.Name));
    });

    it('returns SecureString values encrypted unless WithDecryption', async () => {
      const plain = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] }));
      expect(plain.Parameters?.map((p) => p.Name)).toEqual(['/tree/c']);
      expect(plain.Parameters?.[0].Value).not.toBe('3');
      const decrypted = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', WithDecryption: true, ParameterFilters: [{ Key: 'KeyId', Values: ['alias/aws/ssm'] }] }));
      expect(decrypted.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['/tree/c', '3']]);
    });

    it('filters by label, returning the labelled version', async () => {
      const labelled = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Label', Values: ['stable'] }] }));
      expect(labelled.Parameters?.map((p) => [p.Name, p.Value, p.Version])).toEqual([['/tree/a', '1', 1]]);
    });

    it('rejects bad paths, filters, page sizes and tokens', async () => {
      const nameFilter = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Name', Values: ['/tree/a'] }] })));
      expect(nameFilter).toMatchObject({ name: 'InvalidFilterKey', message: 'The following filter key is not valid: Name. Valid filter keys include: [Type, KeyId, Label].' });
      const badOption = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Type', Option: 'Contains', Values: ['String'] }] })));
      expect(badOption.name).toBe('InvalidFilterOption');
      const badValue = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Type', Values: ['Number'] }] })));
      expect(badValue.name).toBe('InvalidFilterValue');
      const pageSize = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', MaxResults: 11 })));
      expect(pageSize.name).toBe('ValidationException');
      expect(pageSize.message).toContain('Member must have value less than or equal to 10');
      const token = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', NextToken: 'nope' })));
      expect(token.name).toBe('InvalidNextToken');
      const path = await failure(ssm.send(new GetParametersByPathCommand({ Path: 'tree' })));
      expect(path.name).toBe('ValidationException');
      expect(path.message).toMatch(/^The parameter doesn't meet the parameter name requirements/);
    });

    it('describes parameters with every filter kind', async () => {
      const names = async (input: ConstructorParameters<typeof DescribeParametersCommand>[0]) => {
        const out: string[] = [];
        let token: string | undefined;
        do {
          const page = await ssm.send(new DescribeParametersCommand({ ...input, NextToken: token }));
          out.push(...page.Parameters!.map((p) => p.Name!));
          token = page.NextToken;
        } while (token);
        return out;
      };
      expect(await names({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/tree/s'] }] })).toEqual(['/tree/sub/deeper/y', '/tree/sub/x']);
      expect(await names({ ParameterFilters: [{ Key: 'Name', Values: ['/tree/a', 'tree/b'] }] })).toEqual(['/tree/a', '/tree/b']);
      expect(await names({ ParameterFilters: [{ Key: 'Name', Option: 'Contains', Values: ['house'] }] })).toEqual(['/treehouse']);
      expect(
        await names({
          ParameterFilters: [
            { Key: 'Type', Values: ['StringList'] },
            { Key: 'Path', Values: ['/tree'] },
          ],
        }),
      ).toEqual(['/tree/b']);
      expect(
        await names({
          ParameterFilters: [
            { Key: 'KeyId', Values: ['alias/aws/ssm'] },
            { Key: 'Path', Values: ['/tree'] },
          ],
        }),
      ).toEqual(['/tree/c']);
      expect(await names({ ParameterFilters: [{ Key: 'Path', Option: 'OneLevel', Values: ['/tree/sub'] }] })).toEqual(['/tree/sub/x']);
      expect(await names({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/tree/sub'] }] })).toEqual(['/tree/sub/deeper/y', '/tree/sub/x']);
      expect(
        await names({
          ParameterFilters: [
            { Key: 'Tier', Values: ['Advanced'] },
            { Key: 'Path', Values: ['/tree'] },
          ],
        }),
      ).toEqual(['/tree/d']);
      expect(await names({ ParameterFilters: [{ Key: 'DataType', Values: ['aws:ec2:image'] }] })).toEqual(['/image/golden']);
      expect(await names({ ParameterFilters: [{ Key: 'tag:env', Values: ['prod'] }] })).toEqual(['/tree/b']);
      expect(await names({ ParameterFilters: [{ Key: 'tag:env' }] })).toEqual(['/tree/b', '/tree/e']);
      expect(await names({ Filters: [{ Key: 'Name', Values: ['/tree/s'] }] })).toEqual(['/tree/sub/deeper/y', '/tree/sub/x']);
      expect(await names({ Filters: [{ Key: 'Type', Values: ['SecureString'] }] })).toEqual(['/tree/c']);
      expect(await names({ MaxResults: 1, ParameterFilters: [{ Key: 'Path', Values: ['/tree'] }] })).toEqual(['/tree/a', '/tree/b', '/tree/c', '/tree/d', '/tree/e']);
    });

    it('describes metadata fully and never lists public parameters', async () => {
      const all: ParameterMetadata[] = [];
      let token: string | undefined;
      do {
        const page = await ssm.send(new DescribeParametersCommand({ NextToken: token }));
        all.push(...page.Parameters!);
        token = page.NextToken;
      } while (token);
      expect(all.some((p) => p.Name!.startsWith('/aws/'))).toBe(false);
      const secure = all.find((p) => p.Name === '/tree/c');
      expect(secure).toMatchObject({
        ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/tree/c',
        Type: 'SecureString',
        KeyId: 'alias/aws/ssm',
        Version: 1,
        Tier: 'Standard',
        DataType: 'text',
        Policies: [],
        LastModifiedUser: 'arn:aws:iam::000000000000:root',
      });
      expect(all.find((p) => p.Name === '/tree/a')?.KeyId).toBeUndefined();
    });

    it('rejects invalid DescribeParameters filters', async () => {
      const both = await failure(ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['a'] }], ParameterFilters: [{ Key: 'Name', Values: ['a'] }] })));
      expect(both).toMatchObject({ name: 'ValidationException', message: 'You can use either Filters or ParameterFilters in a single request.' });
      expect((await failure(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Label', Values: ['x'] }] })))).name).toBe('InvalidFilterKey');
      const dup = await failure(
        ssm.send(
          new DescribeParametersCommand({
            ParameterFilters: [
              { Key: 'Type', Values: ['String'] },
              { Key: 'Type', Values: ['String'] },
            ],
          }),
        ),
      );
      expect(dup.name).toBe('InvalidFilterKey');
      const pathOption = await failure(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Equals', Values: ['/tree'] }] })));
      expect(pathOption).toMatchObject({ name: 'InvalidFilterOption', message: 'The following filter option is not valid: Equals. Valid options include: [Recursive, OneLevel].' });
      const awsPath = await failure(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['/aws/service'] }] })));
      expect(awsPath.name).toBe('ValidationException');
      const noValues = await failure(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name' }] })));
      expect(noValues.name).toBe('InvalidFilterValue');
      const badKey = await failure(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Colour', Values: ['x'] }] })));
      expect(badKey.name).toBe('ValidationException');
      const pageSize = await failure(ssm.send(new DescribeParametersCommand({ MaxResults: 51 })));
      expect(pageSize.name).toBe('ValidationException');
    });
  });

  describe('delete and tags', () => {
    it('deletes one or many parameters', async () => {
      for (const n of ['/del/a', '/del/b', '/del/c']) await ssm.send(new PutParameterCommand({ Name: n, Value: 'v', Type: 'String', Tags: [{ Key: 'k', Value: 'v' }] }));
      await ssm.send(new DeleteParameterCommand({ Name: '/del/a' }));
      expect((await failure(ssm.send(new GetParameterCommand({ Name: '/del/a' })))).name).toBe('ParameterNotFound');
      const again = await failure(ssm.send(new DeleteParameterCommand({ Name: '/del/a' })));
      expect(again).toMatchObject({ name: 'ParameterNotFound', message: 'Parameter /del/a not found.' });

      const many = await ssm.send(new DeleteParametersCommand({ Names: ['/del/b', '/del/a', '/del/c'] }));
      expect(many).toMatchObject({ DeletedParameters: ['/del/b', '/del/c'], InvalidParameters: ['/del/a'] });
      // A recreated parameter starts over: version 1, no tags, no labels.
      await ssm.send(new PutParameterCommand({ Name: '/del/b', Value: 'new', Type: 'String' }));
      expect((await ssm.send(new GetParameterCommand({ Name: '/del/b' }))).Parameter?.Version).toBe(1);
      expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/del/b' }))).TagList).toEqual([]);
    });

    it('adds, replaces, removes and lists tags', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/tags/p', Value: 'v', Type: 'String' }));
      await ssm.send(
        new AddTagsToResourceCommand({
          ResourceType: 'Parameter',
          ResourceId: '/tags/p',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
        }),
      );
      await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', Tags: [{ Key: 'a', Value: '9' }] }));
      await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', TagKeys: ['b', 'zz'] }));
      expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p' }))).TagList).toEqual([{ Key: 'a', Value: '9' }]);

      const missing = await failure(ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/none', Tags: [{ Key: 'a', Value: '1' }] })));
      expect(missing.name).toBe('InvalidResourceId');
      const tooMany = await failure(
        ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })),
      );
      expect(tooMany.name).toBe('TooManyTagsError');
      expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p' }))).TagList).toHaveLength(1);
      const badType = await failure(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Color' as 'Parameter', ResourceId: '/tags/p' })));
      expect(badType.name).toBe('ValidationException');
    });
  });

  describe('public parameters', () => {
    const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

    it('serves the /aws/service catalog read-only in every region', async () => {
      const east = await ssm.send(new GetParameterCommand({ Name: AL2023 }));
      // AWS's public AMI parameters report DataType text.
      expect(east.Parameter).toMatchObject({ Name: AL2023, Type: 'String', DataType: 'text', ARN: `arn:aws:ssm:us-east-1::parameter${AL2023}` });
      expect(east.Parameter?.Value).toMatch(/^ami-[0-9a-f]{17}$/);
      const west = await new SSMClient({ ...server.clientConfig, region: 'eu-west-1' }).send(new GetParameterCommand({ Name: AL2023 }));
      expect(west.Parameter?.Value).toMatch(/^ami-[0-9a-f]{17}$/);
      expect(west.Parameter?.Value).not.toBe(east.Parameter?.Value);
      // Stable across calls.
      expect((await ssm.send(new GetParameterCommand({ Name: AL2023 }))).Parameter?.Value).toBe(east.Parameter?.Value);

      const names = [
        '/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2',
        '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64',
        '/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base',
        '/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id',
        '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id',
        '/aws/service/global-infrastructure/regions/eu-west-1',
        '/aws/service/nothing-here',
      ];
      const many = await ssm.send(new GetParametersCommand({ Names: names }));
      expect(many.Parameters).toHaveLength(6);
      expect(many.InvalidParameters).toEqual(['/aws/service/nothing-here']);
      expect(many.Parameters?.find((p) => p.Name!.endsWith('/regions/eu-west-1'))).toMatchObject({ Value: 'eu-west-1', DataType: 'text' });
      const byArn = await ssm.send(new GetParameterCommand({ Name: `arn:aws:ssm:us-east-1::parameter${AL2023}` }));
      expect(byArn.Parameter?.Value).toBe(east.Parameter?.Value);
      const ecs = await ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended' }));
      const ecsImage = many.Parameters?.find((p) => p.Name!.endsWith('amazon-linux-2/recommended/image_id'));
      expect(JSON.parse(ecs.Parameter!.Value!).image_id).toBe(ecsImage?.Value);
    });

    it('lists public parameters by path', async () => {
      const all: Parameter[] = [];
      let token: string | undefined;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path: '/aws/service/ami-amazon-linux-latest', NextToken: token }));
        all.push(...page.Parameters!);
        token = page.NextToken;
      } while (token);
      expect(all.map((p) => p.Name)).toContain('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
      expect(all.length).toBeGreaterThan(10);
      const regions = await ssm.send(new GetParametersByPathCommand({ Path: '/aws/service/global-infrastructure/regions', MaxResults: 10 }));
      expect(regions.Parameters?.every((p) => p.Value === p.Name!.split('/').pop())).toBe(true);
      expect(regions.NextToken).toBeDefined();
    });

    it('refuses writes to the public namespace and hides it from DescribeParameters', async () => {
      const put = await failure(ssm.send(new PutParameterCommand({ Name: AL2023, Value: 'ami-0123456789abcdef0', Type: 'String', Overwrite: true })));
      expect(put).toMatchObject({ name: 'AccessDeniedException', message: `No access to reserved parameter name: ${AL2023}.` });
      expect((await failure(ssm.send(new DeleteParameterCommand({ Name: AL2023 })))).name).toBe('ParameterNotFound');
      const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/aws'] }] }));
      expect(described.Parameters).toEqual([]);
    });
  });

  describe('scoping', () => {
    it('keeps parameters per region and per account', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/scoped/p', Value: 'east', Type: 'String' }));
      const west = new SSMClient({ ...server.clientConfig, region: 'us-west-2' });
      expect((await failure(west.send(new GetParameterCommand({ Name: '/scoped/p' })))).name).toBe('ParameterNotFound');
      await west.send(new PutParameterCommand({ Name: '/scoped/p', Value: 'west', Type: 'String' }));
      expect((await west.send(new GetParameterCommand({ Name: '/scoped/p' }))).Parameter).toMatchObject({ Value: 'west', ARN: 'arn:aws:ssm:us-west-2:000000000000:parameter/scoped/p' });
      const other = new SSMClient({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
      expect((await failure(other.send(new GetParameterCommand({ Name: '/scoped/p' })))).name).toBe('ParameterNotFound');
      // Another account's ARN does not reach across: it names another account's resource, which IAM
      // refuses without a resource policy (parameters are shared only through AWS RAM, which Drydock lacks).
      expect((await failure(other.send(new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/scoped/p' })))).name).toBe('AccessDeniedException');
    });
  });

  describe('events', () => {
    it('publishes Parameter Store Change events for creates, updates, labels and deletes', async () => {
      const seen: { detailType: string; detail: Record<string, unknown>; resources: string[] }[] = [];
      const unsubscribe = server.runtime.events.subscribe((e) => {
        if (e.source === 'aws.ssm') seen.push({ detailType: e['detail-type'], detail: e.detail, resources: e.resources });
      });
      try {
        await ssm.send(new PutParameterCommand({ Name: '/events/p', Value: 'a', Type: 'String' }));
        await ssm.send(new PutParameterCommand({ Name: '/events/p', Value: 'b', Overwrite: true }));
        await ssm.send(new LabelParameterVersionCommand({ Name: '/events/p', Labels: ['live'] }));
        await ssm.send(new DeleteParameterCommand({ Name: '/events/p' }));
        // A refused call publishes nothing.
        await failure(ssm.send(new DeleteParameterCommand({ Name: '/events/p' })));
      } finally {
        unsubscribe();
      }
      expect(seen.map((e) => [e.detailType, e.detail.operation, e.detail.name])).toEqual([
        ['Parameter Store Change', 'Create', '/events/p'],
        ['Parameter Store Change', 'Update', '/events/p'],
        ['Parameter Store Change', 'LabelParameterVersion', '/events/p'],
        ['Parameter Store Change', 'Delete', '/events/p'],
      ]);
      expect(seen[0].resources).toEqual(['arn:aws:ssm:us-east-1:000000000000:parameter/events/p']);
    });
  });

  describe('aws CLI', () => {
    it('puts, gets and lists by path', async () => {
      // Independent CLI runs go in parallel: each one costs a Python start-up.
      const [put] = await Promise.all([
        server.aws(['ssm', 'put-parameter', '--name', '/cli/one', '--value', 'hello', '--type', 'String']),
        server.aws(['ssm', 'put-parameter', '--name', '/cli/secret', '--value', 's3cr3t', '--type', 'SecureString']),
      ]);
      expect(JSON.parse(put.stdout)).toMatchObject({ Version: 1, Tier: 'Standard' });
      const [got, byPath, err] = await Promise.all([
        server.aws(['ssm', 'get-parameter', '--name', '/cli/secret', '--with-decryption']),
        server.aws(['ssm', 'get-parameters-by-path', '--path', '/cli']),
        server.aws(['ssm', 'get-parameter', '--name', '/cli/none']).then(
          () => '',
          (e: { stderr: string }) => e.stderr,
        ),
      ]);
      expect(JSON.parse(got.stdout).Parameter).toMatchObject({ Name: '/cli/secret', Type: 'SecureString', Value: 's3cr3t', Version: 1 });
      expect(JSON.parse(byPath.stdout).Parameters.map((p: Parameter) => p.Name)).toEqual(['/cli/one', '/cli/secret']);
      expect(err).toContain('An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter /cli/none not found.');
    });
  });
});

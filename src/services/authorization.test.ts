import { describe, expect, it } from 'vitest';
import { rootPrincipal } from '../core/accounts.js';
import type { Operation } from '../protocol/model.js';
import type { RequestContext } from '../protocol/types.js';
import { accessChecks, arnSegment, expand, type ServiceAuthorization } from './authorization.js';

const ctx = (region = 'us-east-1'): RequestContext => ({
  requestId: 'r',
  service: 'ssm',
  operation: 'GetParameter',
  account: '123456789012',
  region,
  principal: rootPrincipal('123456789012', 'test'),
  endpoint: 'http://localhost',
  http: { method: 'POST', path: '/', rawQuery: '', query: [], headers: {}, body: Buffer.alloc(0) },
});
const op = (name: string) => ({ name }) as Operation;

describe('authorization tables', () => {
  it("fill ARN templates with the request's partition, region, account and input members", () => {
    expect(expand('arn:${Partition}:logs:${Region}:${Account}:log-group:${logGroupName}', { logGroupName: 'g' }, ctx())).toBe('arn:aws:logs:us-east-1:123456789012:log-group:g');
    expect(expand('arn:${Partition}:s3:::${Bucket}', { Bucket: 'b' }, ctx('cn-north-1'))).toBe('arn:aws-cn:s3:::b');
  });

  it('check an action on * when the input does not name its resource', () => {
    expect(expand('arn:${Partition}:s3:::${Bucket}/${Key}', { Bucket: 'b' }, ctx())).toBe('*');
  });

  it('default to <prefix>:<Operation> on *, and add the further actions a rule names when they apply', () => {
    const table: ServiceAuthorization = {
      prefix: 'codebuild',
      rules: {
        CreateProject: {
          resource: 'arn:${Partition}:codebuild:${Region}:${Account}:project/${name}',
          context: (input: { name?: string }) => ({ 'codebuild:name': input.name }),
          also: [{ action: 'iam:PassRole', resource: (input: { serviceRole?: string }) => input.serviceRole ?? '*', when: (input: { serviceRole?: string }) => input.serviceRole !== undefined }],
        },
        GetCallerIdentity: { unchecked: 'none' },
      },
    };
    const list = accessChecks(table, 'codebuild', op('ListProjects'), {}, ctx());
    expect(list.map((c) => [c.action, c.resource, c.context()])).toEqual([['codebuild:ListProjects', '*', {}]]);
    const checks = accessChecks(table, 'codebuild', op('CreateProject'), { name: 'p', serviceRole: 'arn:aws:iam::123456789012:role/r' }, ctx());
    expect(checks.map((c) => [c.action, c.resource])).toEqual([
      ['codebuild:CreateProject', 'arn:aws:codebuild:us-east-1:123456789012:project/p'],
      ['iam:PassRole', 'arn:aws:iam::123456789012:role/r'],
    ]);
    expect(checks[0].context()).toEqual({ 'codebuild:name': 'p' });
    expect(accessChecks(table, 'codebuild', op('CreateProject'), { name: 'p' }, ctx())).toHaveLength(1);
    expect(accessChecks(table, 'sts', op('GetCallerIdentity'), {}, ctx())).toEqual([]);
  });
});

describe('arnSegment', () => {
  it("answers what arn.split(':')[index] does, for ARNs and for what only looks like one", () => {
    const texts = ['arn:aws:ssm:us-east-1:123456789012:parameter/a/b', 'arn:aws:s3:::bucket/key:with:colons', 'arn:aws:iam::123456789012:root', '*', '', 'a:b', 'a::', ':'];
    for (const text of texts) for (let index = 0; index < 8; index++) expect(arnSegment(text, index)).toBe(text.split(':')[index]);
  });
});

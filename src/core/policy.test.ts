import { describe, expect, it } from 'vitest';
import { type ContextValue, contextKeysFor, evaluatePolicies, type PolicyRequest, wildcardMatch } from './policy.js';
import { statementSpans } from './policy-positions.js';

const REPO = 'arn:aws:codecommit:us-east-1:123456789012:app';

function doc(statements: object[], version = '2012-10-17'): string {
  return JSON.stringify({ Version: version, Statement: statements });
}

function request(overrides: Partial<PolicyRequest> = {}, context: Record<string, ContextValue> = {}): PolicyRequest {
  return { action: 'codecommit:GitPush', resource: REPO, context, ...overrides };
}

const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };

/** The decision of one Allow statement carrying `condition`, for a request with `context`. */
function allowWhen(condition: object, context: Record<string, ContextValue>, version?: string): string {
  return evaluatePolicies([doc([{ ...allowAll, Condition: condition }], version)], request({}, context));
}

describe('evaluatePolicies: effects', () => {
  it('needs an Allow: no policy, or no matching statement, is an implicit deny', () => {
    expect(evaluatePolicies([], request())).toBe('ImplicitDeny');
    expect(evaluatePolicies([doc([{ Effect: 'Allow', Action: 'codecommit:GetBranch', Resource: '*' }])], request())).toBe('ImplicitDeny');
    expect(evaluatePolicies([doc([{ Effect: 'Allow', Action: 'codecommit:GitPush', Resource: '*' }])], request())).toBe('Allow');
  });

  it('lets an explicit Deny win over any Allow, in any order and across documents', () => {
    const deny = doc([{ Effect: 'Deny', Action: 'codecommit:GitPush', Resource: REPO }]);
    expect(evaluatePolicies([doc([allowAll]), deny], request())).toBe('ExplicitDeny');
    expect(evaluatePolicies([deny, doc([allowAll])], request())).toBe('ExplicitDeny');
    expect(evaluatePolicies([doc([allowAll, { Effect: 'Deny', Action: 'codecommit:*', Resource: '*' }])], request())).toBe('ExplicitDeny');
  });

  it('accepts a single Statement object and single-string Action/Resource', () => {
    const single = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'codecommit:GitPush', Resource: REPO } });
    expect(evaluatePolicies([single], request())).toBe('Allow');
  });

  it('treats unreadable documents and statements as matching nothing, never throwing', () => {
    const broken = ['{not json', '[]', 'null', '"text"', JSON.stringify({ Statement: [null, 3, 'x', { Effect: 'Deny' }] })];
    expect(evaluatePolicies(broken, request())).toBe('ImplicitDeny');
    expect(evaluatePolicies([...broken, doc([allowAll])], request())).toBe('Allow');
    // Malformed parts make the statement match nothing: a Deny with them denies nothing.
    const odd = [
      { Effect: 'Deny', Action: 5, Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: { a: 1 } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: 'x' },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: 'x' } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:username': { nested: true } } } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NoSuchOperator: { 'aws:username': 'bob' } } },
      { Effect: 'Deny', Action: '*' },
      { Effect: 'Maybe', Action: '*', Resource: '*' },
    ];
    expect(evaluatePolicies([doc([allowAll, ...odd])], request({}, { 'aws:username': 'bob' }))).toBe('Allow');
  });
});

describe('evaluatePolicies: Action and Resource', () => {
  it('matches actions case-insensitively with * and ?', () => {
    const allow = (action: string): string => evaluatePolicies([doc([{ Effect: 'Allow', Action: action, Resource: '*' }])], request());
    expect(allow('CodeCommit:gitpush')).toBe('Allow');
    expect(allow('codecommit:Git*')).toBe('Allow');
    expect(allow('codecommit:Git?ush')).toBe('Allow');
    expect(allow('codecommit:Git?')).toBe('ImplicitDeny');
    expect(allow('codecommit:GitPull')).toBe('ImplicitDeny');
    expect(allow('s3:*')).toBe('ImplicitDeny');
  });

  it('NotAction applies the statement to every other action', () => {
    const policy = doc([{ Effect: 'Allow', NotAction: ['codecommit:Delete*'], Resource: '*' }]);
    expect(evaluatePolicies([policy], request())).toBe('Allow');
    expect(evaluatePolicies([policy], request({ action: 'codecommit:DeleteBranch' }))).toBe('ImplicitDeny');
    const denyAllBut = doc([allowAll, { Effect: 'Deny', NotAction: 'codecommit:Get*', Resource: '*' }]);
    expect(evaluatePolicies([denyAllBut], request({ action: 'codecommit:GetBranch' }))).toBe('Allow');
    expect(evaluatePolicies([denyAllBut], request())).toBe('ExplicitDeny');
  });

  it('matches resources case-sensitively, segment by segment', () => {
    const allow = (resource: string | string[], target = REPO): string => evaluatePolicies([doc([{ Effect: 'Allow', Action: '*', Resource: resource }])], request({ resource: target }));
    expect(allow(REPO)).toBe('Allow');
    expect(allow('arn:aws:codecommit:us-east-1:123456789012:App')).toBe('ImplicitDeny');
    expect(allow('arn:aws:codecommit:*:*:app')).toBe('Allow');
    expect(allow('arn:aws:codecommit:us-east-1:123456789012:a?p')).toBe('Allow');
    expect(allow('arn:aws:codecommit:us-east-1:123456789012:a?')).toBe('ImplicitDeny');
    expect(allow(['arn:aws:s3:::x', 'arn:aws:codecommit:us-east-1:123456789012:*'])).toBe('Allow');
    // A wildcard stays inside its segment…
    expect(allow('arn:aws:codecommit:*:app')).toBe('ImplicitDeny');
    // …except in the last segment written, which takes the rest (resource parts may hold colons).
    expect(allow('arn:aws:codecommit:*')).toBe('Allow');
    expect(allow('arn:aws:logs:us-east-1:1:log-group:*', 'arn:aws:logs:us-east-1:1:log-group:g:log-stream:s')).toBe('Allow');
    // Actions on no resource are requested on `*`, which only `*` covers.
    expect(allow('arn:aws:codecommit:*:*:*', '*')).toBe('ImplicitDeny');
    expect(allow('*', '*')).toBe('Allow');
  });

  it('NotResource applies the statement to every other resource', () => {
    const policy = doc([allowAll, { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:codecommit:*:*:sandbox-*' }]);
    expect(evaluatePolicies([policy], request())).toBe('ExplicitDeny');
    expect(evaluatePolicies([policy], request({ resource: 'arn:aws:codecommit:us-east-1:123456789012:sandbox-1' }))).toBe('Allow');
  });

  it('wildcardMatch: * spans any run, ? exactly one character, regex characters are literal', () => {
    expect(wildcardMatch('a*c', 'abbbc')).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a?c', 'ac')).toBe(false);
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
    expect(wildcardMatch('a(b)+', 'a(b)+')).toBe(true);
    expect(wildcardMatch('ABC', 'abc')).toBe(false);
    expect(wildcardMatch('ABC', 'abc', true)).toBe(true);
  });
});

describe('evaluatePolicies: condition semantics', () => {
  it('ANDs operators and keys, ORs the values of one key', () => {
    const condition = { StringEquals: { 'aws:username': ['alice', 'bob'], 'aws:RequestedRegion': 'us-east-1' }, Bool: { 'aws:ViaAWSService': 'false' } };
    const context = { 'aws:username': 'bob', 'aws:RequestedRegion': 'us-east-1', 'aws:ViaAWSService': 'false' };
    expect(allowWhen(condition, context)).toBe('Allow');
    expect(allowWhen(condition, { ...context, 'aws:username': 'carol' })).toBe('ImplicitDeny');
    expect(allowWhen(condition, { ...context, 'aws:RequestedRegion': 'eu-west-1' })).toBe('ImplicitDeny');
    expect(allowWhen(condition, { ...context, 'aws:ViaAWSService': 'true' })).toBe('ImplicitDeny');
  });

  it('reads condition key names case-insensitively and values case-sensitively', () => {
    expect(allowWhen({ StringEquals: { 'AWS:UserName': 'bob' } }, { 'aws:username': 'bob' })).toBe('Allow');
    expect(allowWhen({ StringEquals: { 'aws:username': 'bob' } }, { 'AWS:USERNAME': 'bob' })).toBe('Allow');
    expect(allowWhen({ StringEquals: { 'aws:username': 'Bob' } }, { 'aws:username': 'bob' })).toBe('ImplicitDeny');
  });

  it('negated operators hold when the key matches none of the values (NOR)', () => {
    const condition = { StringNotEquals: { 'aws:username': ['alice', 'bob'] } };
    expect(allowWhen(condition, { 'aws:username': 'carol' })).toBe('Allow');
    expect(allowWhen(condition, { 'aws:username': 'alice' })).toBe('ImplicitDeny');
    expect(allowWhen(condition, { 'aws:username': 'bob' })).toBe('ImplicitDeny');
  });

  it('a missing key fails positive operators and satisfies negated ones', () => {
    expect(allowWhen({ StringEquals: { 'aws:username': 'bob' } }, {})).toBe('ImplicitDeny');
    expect(allowWhen({ StringLike: { 'aws:username': '*' } }, {})).toBe('ImplicitDeny');
    expect(allowWhen({ StringNotEquals: { 'aws:username': 'bob' } }, {})).toBe('Allow');
    expect(allowWhen({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/x' } }, {})).toBe('Allow');
    expect(allowWhen({ NumericLessThan: { 'x:n': '3' } }, {})).toBe('ImplicitDeny');
  });

  it('…IfExists: a missing key satisfies the operator, a present one is tested', () => {
    expect(allowWhen({ StringEqualsIfExists: { 'aws:username': 'bob' } }, {})).toBe('Allow');
    expect(allowWhen({ StringEqualsIfExists: { 'aws:username': 'bob' } }, { 'aws:username': 'bob' })).toBe('Allow');
    expect(allowWhen({ StringEqualsIfExists: { 'aws:username': 'bob' } }, { 'aws:username': 'eve' })).toBe('ImplicitDeny');
    expect(allowWhen({ StringNotEqualsIfExists: { 'aws:username': 'bob' } }, { 'aws:username': 'bob' })).toBe('ImplicitDeny');
    expect(allowWhen({ NumericLessThanIfExists: { 'x:n': '3' } }, {})).toBe('Allow');
    expect(allowWhen({ NumericLessThanIfExists: { 'x:n': '3' } }, { 'x:n': '5' })).toBe('ImplicitDeny');
  });

  it('Null tests presence: true wants the key missing, false wants it present', () => {
    expect(allowWhen({ Null: { 'x:k': 'true' } }, {})).toBe('Allow');
    expect(allowWhen({ Null: { 'x:k': true } }, { 'x:k': 'v' })).toBe('ImplicitDeny');
    expect(allowWhen({ Null: { 'x:k': false } }, { 'x:k': 'v' })).toBe('Allow');
    expect(allowWhen({ Null: { 'x:k': 'false' } }, {})).toBe('ImplicitDeny');
    // An empty list is no value at all.
    expect(allowWhen({ Null: { 'x:k': 'true' } }, { 'x:k': [] })).toBe('Allow');
    // Null takes no IfExists suffix: NullIfExists is no operator and never holds.
    expect(allowWhen({ NullIfExists: { 'x:k': 'true' } }, {})).toBe('ImplicitDeny');
  });
});

describe('evaluatePolicies: operator families', () => {
  it('String operators (exact, IgnoreCase, Like with * and ?)', () => {
    const v = { 'x:s': 'Feature/Login' };
    expect(allowWhen({ StringEquals: { 'x:s': 'Feature/Login' } }, v)).toBe('Allow');
    expect(allowWhen({ StringEquals: { 'x:s': 'Feature/*' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ StringEqualsIgnoreCase: { 'x:s': 'feature/login' } }, v)).toBe('Allow');
    expect(allowWhen({ StringNotEqualsIgnoreCase: { 'x:s': 'FEATURE/LOGIN' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ StringNotEqualsIgnoreCase: { 'x:s': 'other' } }, v)).toBe('Allow');
    expect(allowWhen({ StringLike: { 'x:s': 'Feature/*' } }, v)).toBe('Allow');
    expect(allowWhen({ StringLike: { 'x:s': 'feature/*' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ StringLike: { 'x:s': 'Feature/Logi?' } }, v)).toBe('Allow');
    expect(allowWhen({ StringNotLike: { 'x:s': ['Release/*', 'Hotfix/*'] } }, v)).toBe('Allow');
    expect(allowWhen({ StringNotLike: { 'x:s': ['Release/*', 'Feature/*'] } }, v)).toBe('ImplicitDeny');
  });

  it('Numeric operators, with unparseable numbers matching nothing', () => {
    const v = { 'x:n': '10' };
    expect(allowWhen({ NumericEquals: { 'x:n': 10 } }, v)).toBe('Allow');
    expect(allowWhen({ NumericEquals: { 'x:n': '10.0' } }, v)).toBe('Allow');
    expect(allowWhen({ NumericNotEquals: { 'x:n': '10' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ NumericNotEquals: { 'x:n': '11' } }, v)).toBe('Allow');
    expect(allowWhen({ NumericLessThan: { 'x:n': '11' } }, v)).toBe('Allow');
    expect(allowWhen({ NumericLessThan: { 'x:n': '10' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ NumericLessThanEquals: { 'x:n': '10' } }, v)).toBe('Allow');
    expect(allowWhen({ NumericGreaterThan: { 'x:n': '9.5' } }, v)).toBe('Allow');
    expect(allowWhen({ NumericGreaterThan: { 'x:n': '10' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ NumericGreaterThanEquals: { 'x:n': '10' } }, v)).toBe('Allow');
    expect(allowWhen({ NumericEquals: { 'x:n': 'ten' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ NumericLessThan: { 'x:n': '11' } }, { 'x:n': 'abc' })).toBe('ImplicitDeny');
  });

  it('Date operators with ISO 8601 and epoch seconds', () => {
    const v = { 'aws:CurrentTime': '2026-06-15T12:00:00Z', 'aws:EpochTime': '1781524800' };
    expect(allowWhen({ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, v)).toBe('Allow');
    expect(allowWhen({ DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ DateLessThan: { 'aws:CurrentTime': '2027-01-01' } }, v)).toBe('Allow');
    expect(allowWhen({ DateEquals: { 'aws:CurrentTime': '2026-06-15T12:00:00.000Z' } }, v)).toBe('Allow');
    expect(allowWhen({ DateEquals: { 'aws:CurrentTime': '1781524800' } }, v)).toBe('Allow');
    expect(allowWhen({ DateNotEquals: { 'aws:CurrentTime': '1781524800' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ DateLessThanEquals: { 'aws:EpochTime': '2026-06-15T12:00:00Z' } }, v)).toBe('Allow');
    expect(allowWhen({ DateGreaterThanEquals: { 'aws:EpochTime': '2026-06-15T12:00:01Z' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ DateGreaterThan: { 'aws:CurrentTime': 'not a date' } }, v)).toBe('ImplicitDeny');
  });

  it('Bool and BinaryEquals', () => {
    expect(allowWhen({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, { 'aws:MultiFactorAuthPresent': 'true' })).toBe('Allow');
    expect(allowWhen({ Bool: { 'aws:MultiFactorAuthPresent': true } }, { 'aws:MultiFactorAuthPresent': 'TRUE' })).toBe('Allow');
    expect(allowWhen({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, { 'aws:MultiFactorAuthPresent': 'false' })).toBe('ImplicitDeny');
    expect(allowWhen({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, {})).toBe('ImplicitDeny');
    expect(allowWhen({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } }, {})).toBe('Allow');
    const bytes = Buffer.from('drydock').toString('base64');
    expect(allowWhen({ BinaryEquals: { 'x:b': bytes } }, { 'x:b': bytes })).toBe('Allow');
    expect(allowWhen({ BinaryEquals: { 'x:b': bytes } }, { 'x:b': Buffer.from('other').toString('base64') })).toBe('ImplicitDeny');
    expect(allowWhen({ BinaryEquals: { 'x:b': 'not base64!' } }, { 'x:b': bytes })).toBe('ImplicitDeny');
  });

  it('IpAddress and NotIpAddress with IPv4/IPv6 CIDRs and single addresses', () => {
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.77' })).toBe('Allow');
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.114.1' })).toBe('ImplicitDeny');
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.9'] } }, { 'aws:SourceIp': '203.0.113.9' })).toBe('Allow');
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db8:1::5' })).toBe('Allow');
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '203.0.113.1' })).toBe('ImplicitDeny');
    expect(allowWhen({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '192.168.0.1' })).toBe('Allow');
    expect(allowWhen({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.1.2.3' })).toBe('ImplicitDeny');
    // SourceIp is not in Drydock's request context: IpAddress fails, NotIpAddress holds, as AWS does for a missing key.
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {})).toBe('ImplicitDeny');
    expect(allowWhen({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {})).toBe('Allow');
    expect(allowWhen({ IpAddress: { 'aws:SourceIp': '10.0.0.0/99' } }, { 'aws:SourceIp': '10.0.0.1' })).toBe('ImplicitDeny');
  });

  it('Arn operators compare segment by segment with wildcards, case-sensitively', () => {
    const v = { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/deploy/Builder' };
    expect(allowWhen({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/deploy/Builder' } }, v)).toBe('Allow');
    expect(allowWhen({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/deploy/*' } }, v)).toBe('Allow');
    expect(allowWhen({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Deploy/*' } }, v)).toBe('ImplicitDeny');
    expect(allowWhen({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/deploy/Builde?' } }, v)).toBe('Allow');
    expect(allowWhen({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/other' } }, v)).toBe('Allow');
    expect(allowWhen({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/*' } }, v)).toBe('ImplicitDeny');
    // The account segment's wildcard cannot swallow the next colon.
    expect(allowWhen({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam:*:role/deploy/Builder' } }, v)).toBe('ImplicitDeny');
  });
});

describe('evaluatePolicies: multivalued keys', () => {
  const refs = { 'codecommit:References': ['refs/heads/feature', 'refs/heads/main'] };

  it('a plain positive operator holds when any request value matches; a negated one when none does', () => {
    expect(allowWhen({ StringEquals: { 'codecommit:References': 'refs/heads/main' } }, refs)).toBe('Allow');
    expect(allowWhen({ StringEquals: { 'codecommit:References': 'refs/heads/dev' } }, refs)).toBe('ImplicitDeny');
    expect(allowWhen({ StringNotEquals: { 'codecommit:References': 'refs/heads/main' } }, refs)).toBe('ImplicitDeny');
    expect(allowWhen({ StringNotEquals: { 'codecommit:References': 'refs/heads/dev' } }, refs)).toBe('Allow');
  });

  it('ForAllValues: every request value must satisfy the operator; a missing key satisfies it', () => {
    expect(allowWhen({ 'ForAllValues:StringLike': { 'codecommit:References': 'refs/heads/*' } }, refs)).toBe('Allow');
    expect(allowWhen({ 'ForAllValues:StringEquals': { 'codecommit:References': ['refs/heads/main', 'refs/heads/feature'] } }, refs)).toBe('Allow');
    expect(allowWhen({ 'ForAllValues:StringEquals': { 'codecommit:References': 'refs/heads/main' } }, refs)).toBe('ImplicitDeny');
    expect(allowWhen({ 'ForAllValues:StringEquals': { 'codecommit:References': 'refs/heads/main' } }, {})).toBe('Allow');
    expect(allowWhen({ 'ForAllValues:StringNotEquals': { 'codecommit:References': 'refs/heads/dev' } }, refs)).toBe('Allow');
    expect(allowWhen({ 'ForAllValues:StringNotEquals': { 'codecommit:References': 'refs/heads/main' } }, refs)).toBe('ImplicitDeny');
  });

  it('ForAnyValue: at least one request value must satisfy the operator; a missing key fails it', () => {
    expect(allowWhen({ 'ForAnyValue:StringEquals': { 'codecommit:References': 'refs/heads/main' } }, refs)).toBe('Allow');
    expect(allowWhen({ 'ForAnyValue:StringEquals': { 'codecommit:References': 'refs/heads/dev' } }, refs)).toBe('ImplicitDeny');
    expect(allowWhen({ 'ForAnyValue:StringEquals': { 'codecommit:References': 'refs/heads/main' } }, {})).toBe('ImplicitDeny');
    // Some value is not main: holds even though main is in the request.
    expect(allowWhen({ 'ForAnyValue:StringNotEquals': { 'codecommit:References': 'refs/heads/main' } }, refs)).toBe('Allow');
    expect(allowWhen({ 'ForAnyValue:StringNotEquals': { 'codecommit:References': 'refs/heads/main' } }, { 'codecommit:References': ['refs/heads/main'] })).toBe('ImplicitDeny');
    expect(allowWhen({ 'ForAnyValue:StringEqualsIfExists': { 'codecommit:References': 'refs/heads/main' } }, {})).toBe('Allow');
  });

  it('the CodeCommit branch-protection policy denies main (alone or with other refs) and nothing else', () => {
    const protect = doc([
      { Effect: 'Allow', Action: 'codecommit:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: ['codecommit:GitPush', 'codecommit:DeleteBranch', 'codecommit:PutFile', 'codecommit:Merge*'],
        Resource: REPO,
        Condition: { StringEqualsIfExists: { 'codecommit:References': ['refs/heads/main'] }, Null: { 'codecommit:References': false } },
      },
    ]);
    const push = (references: string[] | undefined, action = 'codecommit:GitPush'): string => evaluatePolicies([protect], request({ action }, { 'codecommit:References': references }));
    expect(push(['refs/heads/main'])).toBe('ExplicitDeny');
    expect(push(['refs/heads/feature', 'refs/heads/main'])).toBe('ExplicitDeny');
    expect(push(['refs/heads/feature'])).toBe('Allow');
    expect(push(['refs/heads/main'], 'codecommit:MergeBranchesByFastForward')).toBe('ExplicitDeny');
    expect(push(['refs/heads/main'], 'codecommit:GetBranch')).toBe('Allow');
    // No references in the request (Null false fails): the Deny does not apply.
    expect(push(undefined)).toBe('Allow');
    expect(push([])).toBe('Allow');
  });
});

describe('evaluatePolicies: policy variables', () => {
  const user = { 'aws:username': 'alice', 'aws:userid': 'AIDAEXAMPLE', 'aws:PrincipalAccount': '123456789012' };
  const onRepo = (resource: string, context: Record<string, ContextValue> = user, version?: string, target = 'arn:aws:codecommit:us-east-1:123456789012:alice-repo'): string =>
    evaluatePolicies([doc([{ Effect: 'Allow', Action: '*', Resource: resource }], version)], request({ resource: target }, context));

  it('substitutes request values into Resource (key names case-insensitive)', () => {
    expect(onRepo('arn:aws:codecommit:*:${aws:PrincipalAccount}:${aws:username}-*')).toBe('Allow');
    expect(onRepo('arn:aws:codecommit:*:*:${AWS:UserName}-repo')).toBe('Allow');
    expect(onRepo('arn:aws:codecommit:*:*:${aws:username}-repo', { ...user, 'aws:username': 'bob' })).toBe('ImplicitDeny');
  });

  it('a variable with no value matches nothing unless it has a default', () => {
    expect(onRepo('arn:aws:codecommit:*:*:${aws:username}-repo', {})).toBe('ImplicitDeny');
    expect(onRepo("arn:aws:codecommit:*:*:${aws:username, 'alice'}-repo", {})).toBe('Allow');
    expect(onRepo("arn:aws:codecommit:*:*:${ aws:username , 'nobody'}-repo", {})).toBe('ImplicitDeny');
    expect(onRepo("arn:aws:codecommit:*:*:${aws:username, 'nobody'}-repo")).toBe('Allow');
    // Multivalued keys cannot be variables.
    expect(onRepo('arn:aws:codecommit:*:*:${x:list}-repo', { 'x:list': ['alice', 'bob'] })).toBe('ImplicitDeny');
    // Unterminated variables make the value unreadable.
    expect(onRepo('arn:aws:codecommit:*:*:${aws:username-repo')).toBe('ImplicitDeny');
    expect(onRepo("arn:aws:codecommit:*:*:${aws:username, 'x}-repo")).toBe('ImplicitDeny');
  });

  it('escapes ${*} ${?} ${$} are literal characters, and substituted text never acts as a wildcard', () => {
    expect(onRepo('arn:aws:codecommit:*:*:alice${*}', user, undefined, 'arn:aws:codecommit:us-east-1:1:alice*')).toBe('Allow');
    expect(onRepo('arn:aws:codecommit:*:*:alice${*}')).toBe('ImplicitDeny');
    expect(onRepo('arn:aws:codecommit:*:*:a${?}', user, undefined, 'arn:aws:codecommit:us-east-1:1:a?')).toBe('Allow');
    expect(onRepo('arn:aws:codecommit:*:*:a${?}', user, undefined, 'arn:aws:codecommit:us-east-1:1:ab')).toBe('ImplicitDeny');
    expect(onRepo('arn:aws:codecommit:*:*:a${$}', user, undefined, 'arn:aws:codecommit:us-east-1:1:a$')).toBe('Allow');
    expect(onRepo('arn:aws:codecommit:*:*:${x:v}', { 'x:v': 'a*' }, undefined, 'arn:aws:codecommit:us-east-1:1:abc')).toBe('ImplicitDeny');
    expect(onRepo('arn:aws:codecommit:*:*:${x:v}', { 'x:v': 'a*' }, undefined, 'arn:aws:codecommit:us-east-1:1:a*')).toBe('Allow');
  });

  it("a default value's doubled quote is one quote", () => {
    expect(allowWhen({ StringEquals: { 'x:s': "${x:missing, 'it''s'}" } }, { 'x:s': "it's" })).toBe('Allow');
  });

  it('substitutes into condition values too; an unresolved value is dropped', () => {
    expect(allowWhen({ StringEquals: { 'x:owner': '${aws:username}' } }, { ...user, 'x:owner': 'alice' })).toBe('Allow');
    expect(allowWhen({ StringEquals: { 'x:owner': '${aws:username}' } }, { 'x:owner': 'alice' })).toBe('ImplicitDeny');
    expect(allowWhen({ StringLike: { 'x:path': 'home/${aws:username}/*' } }, { ...user, 'x:path': 'home/alice/notes' })).toBe('Allow');
    expect(allowWhen({ StringEquals: { 'x:owner': ['${aws:username}', 'admin'] } }, { 'x:owner': 'admin' })).toBe('Allow');
  });

  it('Version 2008-10-17 (or none) treats ${...} literally', () => {
    expect(onRepo('arn:aws:codecommit:*:*:${aws:username}-repo', user, '2008-10-17')).toBe('ImplicitDeny');
    expect(onRepo('arn:aws:codecommit:*:*:${aws:username}-repo', user, '2008-10-17', 'arn:aws:codecommit:us-east-1:1:${aws:username}-repo')).toBe('Allow');
    const noVersion = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'x:s': '${aws:username}' } } }] });
    expect(evaluatePolicies([noVersion], request({}, { ...user, 'x:s': 'alice' }))).toBe('ImplicitDeny');
    expect(evaluatePolicies([noVersion], request({}, { ...user, 'x:s': '${aws:username}' }))).toBe('Allow');
  });
});

describe('evaluatePolicies: compiled documents', () => {
  it('finds statements of every service through the per-service index, wildcard services included', () => {
    const policy = doc([
      { Effect: 'Allow', Action: ['s3:GetObject', 'codecommit:Get*'], Resource: '*' },
      { Effect: 'Allow', Action: '*:List*', Resource: '*' },
      { Effect: 'Allow', Action: 'odd', Resource: '*' },
      { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:sqs:*' },
    ]);
    const decide = (action: string, resource = '*'): string => evaluatePolicies([policy], request({ action, resource }));
    expect(decide('S3:getobject')).toBe('Allow');
    expect(decide('s3:PutObject')).toBe('ImplicitDeny');
    expect(decide('codecommit:GetBranch')).toBe('Allow');
    expect(decide('ec2:ListThings')).toBe('Allow');
    expect(decide('odd')).toBe('Allow');
    expect(decide('sqs:SendMessage', 'arn:aws:sqs:us-east-1:1:q')).toBe('Allow');
    expect(decide('iam:GetUser', 'arn:aws:sqs:us-east-1:1:q')).toBe('ImplicitDeny');
    // The same answers again, now from the cached index.
    expect(decide('S3:getobject')).toBe('Allow');
    expect(decide('s3:PutObject')).toBe('ImplicitDeny');
  });

  it('keeps answering correctly after the document cache has turned over', () => {
    const target = doc([{ Effect: 'Allow', Action: 'codecommit:GitPush', Resource: REPO }]);
    expect(evaluatePolicies([target], request())).toBe('Allow');
    for (let i = 0; i < 2500; i++) evaluatePolicies([doc([{ Effect: 'Deny', Action: `x:A${i}`, Resource: '*' }])], request());
    expect(evaluatePolicies([target], request())).toBe('Allow');
    expect(evaluatePolicies([target], request({ action: 'codecommit:GitPull' }))).toBe('ImplicitDeny');
  });

  it('evaluates 10 policies of 10 statements in microseconds once compiled', () => {
    const documents = Array.from({ length: 10 }, (_, p) =>
      doc(Array.from({ length: 10 }, (_, s) => ({ Effect: 'Allow', Action: [`svc${p}:Action${s}`, `svc${p}:Get*`], Resource: `arn:aws:svc${p}:*:*:thing/${s}/*` }))),
    );
    const probe = request({ action: 'svc9:GetThing', resource: 'arn:aws:svc9:us-east-1:1:thing/9/x' });
    expect(evaluatePolicies(documents, probe)).toBe('Allow');
    const started = performance.now();
    for (let i = 0; i < 2000; i++) evaluatePolicies(documents, probe);
    // About 2 µs each on a laptop; the bound only catches recompiling per request (≈ 100 µs each).
    expect((performance.now() - started) / 2000).toBeLessThan(50);
  });
});

describe('statementSpans and contextKeysFor (for the policy simulator)', () => {
  it('places each statement by line and column, from its opening brace to just after its closing one', () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},\n    {\n      "Effect": "Deny",\n      "Action": "s3:Delete*",\n      "Resource": ["a\\"]", "*"]\n    }\n  ]\n}';
    expect(statementSpans(text)).toEqual([
      { start: { line: 4, column: 5 }, end: { line: 4, column: 59 } },
      { start: { line: 5, column: 5 }, end: { line: 9, column: 6 } },
    ]);
    const single = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}';
    expect(statementSpans(single)).toEqual([{ start: { line: 1, column: 37 }, end: { line: 1, column: 83 } }]);
    expect(statementSpans('{not json')).toEqual([]);
    expect(statementSpans('{"Statement": []}')).toEqual([]);
  });

  it('lists the condition keys and policy variables of the statements that may apply', () => {
    const policy = doc([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 's3:prefix': "${aws:PrincipalTag/team, 'none'}" }, Bool: { 'aws:SecureTransport': 'true' } } },
      { Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'ec2:Region': 'x' } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*', Condition: { StringEquals: { 'x:unrelated': 'x' } } },
    ]);
    expect(contextKeysFor([policy], 's3:GetObject', 'arn:aws:s3:::b/alice/k')).toEqual(['aws:SourceIp', 'aws:username', 's3:prefix', 'aws:SecureTransport', 'aws:PrincipalTag/team']);
    expect(contextKeysFor([policy], 'ec2:RunInstances', '*')).toEqual(['ec2:Region']);
  });
});

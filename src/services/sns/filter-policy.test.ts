import { describe, expect, it } from 'vitest';
import { AwsError } from '../../core/errors.js';
import { attributeValues, bodyValues, compileFilterPolicy, type FilterAttribute, FilterPolicyError, parseIp } from './filter-policy.js';

const SET = new FilterPolicyError('Invalid parameter: ');
const str = (value: string): FilterAttribute => ({ type: 'String', value });
const num = (value: string): FilterAttribute => ({ type: 'Number', value });
const arr = (value: unknown[]): FilterAttribute => ({ type: 'String.Array', value: JSON.stringify(value) });

function matchesAttributes(policy: unknown, attributes: Record<string, FilterAttribute>): boolean {
  return compileFilterPolicy(policy, 'MessageAttributes', SET).matches(attributeValues(attributes));
}

function matchesBody(policy: unknown, body: unknown): boolean {
  const values = bodyValues(typeof body === 'string' ? body : JSON.stringify(body));
  return values !== undefined && compileFilterPolicy(policy, 'MessageBody', SET).matches(values);
}

// The example policy and message of AWS's "Amazon SNS subscription filter policies" page.
const EXAMPLE_POLICY = {
  store: ['example_corp'],
  event: [{ 'anything-but': 'order_cancelled' }],
  customer_interests: ['rugby', 'football', 'baseball'],
  price_usd: [{ numeric: ['>=', 100] }],
};
const EXAMPLE_MESSAGE = { store: str('example_corp'), event: str('order_placed'), customer_interests: arr(['soccer', 'rugby', 'hockey']), price_usd: num('210.75') };

describe('SNS filter policies: message attributes', () => {
  const cases: [string, unknown, Record<string, FilterAttribute>, boolean][] = [
    ['the documentation example matches', EXAMPLE_POLICY, EXAMPLE_MESSAGE, true],
    ['one key failing fails the AND', EXAMPLE_POLICY, { ...EXAMPLE_MESSAGE, price_usd: num('99.99') }, false],
    ['a missing key fails', EXAMPLE_POLICY, { store: str('example_corp'), event: str('order_placed'), price_usd: num('210') }, false],
    ['attributes the policy does not name are ignored', { store: ['a'] }, { store: str('a'), other: str('x') }, true],
    ['exact string', { color: ['red'] }, { color: str('red') }, true],
    ['exact string is case sensitive', { color: ['red'] }, { color: str('Red') }, false],
    ['values are ORed', { color: ['red', 'blue'] }, { color: str('blue') }, true],
    ['a string does not match a Number attribute', { n: ['5'] }, { n: num('5') }, false],
    ['a number matches a Number attribute numerically', { n: [301.5] }, { n: num('3.015e2') }, true],
    ['a number does not match a String attribute', { n: [5] }, { n: str('5') }, false],
    ['prefix', { color: [{ prefix: 'bl' }] }, { color: str('blue') }, true],
    ['prefix misses', { color: [{ prefix: 'bl' }] }, { color: str('red') }, false],
    ['suffix', { file: [{ suffix: '.png' }] }, { file: str('cat.png') }, true],
    ['equals-ignore-case', { c: [{ 'equals-ignore-case': 'RED' }] }, { c: str('rEd') }, true],
    ['anything-but a value', { e: [{ 'anything-but': 'x' }] }, { e: str('y') }, true],
    ['anything-but the value itself', { e: [{ 'anything-but': 'x' }] }, { e: str('x') }, false],
    ['anything-but a list', { e: [{ 'anything-but': ['a', 'b'] }] }, { e: str('b') }, false],
    ['anything-but numbers', { p: [{ 'anything-but': [100, 500] }] }, { p: num('100.1') }, true],
    ['anything-but numbers, excluded', { p: [{ 'anything-but': [100, 500] }] }, { p: num('500') }, false],
    ['anything-but a prefix', { e: [{ 'anything-but': { prefix: 'order-' } }] }, { e: str('refund-1') }, true],
    ['anything-but a prefix, excluded', { e: [{ 'anything-but': { prefix: 'order-' } }] }, { e: str('order-1') }, false],
    ['anything-but needs the attribute', { e: [{ 'anything-but': 'x' }] }, {}, false],
    ['numeric equals', { p: [{ numeric: ['=', 301.5] }] }, { p: num('301.5') }, true],
    ['numeric range inside', { p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: num('150') }, true],
    ['numeric range upper bound excluded', { p: [{ numeric: ['>', 0, '<', 150] }] }, { p: num('150') }, false],
    ['numeric range lower bound excluded', { p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: num('0') }, false],
    ['numeric on a String attribute', { p: [{ numeric: ['>', 0] }] }, { p: str('5') }, false],
    ['exists true', { s: [{ exists: true }] }, { s: str('x') }, true],
    ['exists true without the attribute', { s: [{ exists: true }] }, {}, false],
    ['exists false without the attribute', { s: [{ exists: false }] }, { other: str('x') }, true],
    ['exists false with the attribute', { s: [{ exists: false }] }, { s: str('x') }, false],
    ['exists true on a Binary attribute', { b: [{ exists: true }] }, { b: { type: 'Binary', value: 'AgME' } }, true],
    ['a Binary attribute matches no value', { b: ['AgME', { 'anything-but': 'x' }] }, { b: { type: 'Binary', value: 'AgME' } }, false],
    ['String.Array: any element', { i: ['rugby'] }, { i: arr(['soccer', 'rugby']) }, true],
    ['String.Array: numbers inside', { i: [{ numeric: ['>', 10] }] }, { i: arr([1, 20]) }, true],
    ['String.Array: none matches', { i: ['golf'] }, { i: arr(['soccer', 'rugby']) }, false],
    ['String.Array that is not JSON matches nothing', { i: ['x'] }, { i: { type: 'String.Array', value: 'x' } }, false],
    ['custom String type', { t: ['v'] }, { t: { type: 'String.custom', value: 'v' } }, true],
    ['cidr IPv4', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: str('10.0.0.255') }, true],
    ['cidr IPv4 outside', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: str('10.0.1.0') }, false],
    ['cidr IPv6', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: str('2001:db8:1::5') }, true],
    ['cidr IPv6 outside', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: str('2001:db9::1') }, false],
    ['null matches no attribute (attributes are never null)', { a: [null] }, {}, false],
    [
      '$or: first branch',
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
      { source: str('aws.cloudwatch'), metricName: str('CPUUtilization') },
      true,
    ],
    ['$or: second branch', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] }, { source: str('aws.cloudwatch'), namespace: str('AWS/EC2') }, true],
    ['$or: no branch', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] }, { source: str('aws.cloudwatch') }, false],
    ['$or: the AND still holds', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] }, { metricName: str('CPUUtilization') }, false],
    ['an empty policy matches everything', {}, { a: str('b') }, true],
  ];
  it.each(cases)('%s', (_name, policy, attributes, expected) => {
    expect(matchesAttributes(policy, attributes)).toBe(expected);
  });
});

describe('SNS filter policies: message body', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['a top-level property', { store: ['example_corp'] }, { store: 'example_corp' }, true],
    ['nested objects', { object: { key: [{ prefix: 'auto-' }] } }, { object: { key: 'auto-test' } }, true],
    ['a dotted key selects a nested property', { 'object.nested': ['string.value'] }, { object: { nested: 'string.value' } }, true],
    ['a nested policy selects a dotted body key', { object: { nested: ['string.value'] } }, { 'object.nested': 'string.value' }, true],
    ['deep dotted forms meet', { object: { nested: { test: ['v'] } } }, { 'object.nested': { test: 'v' } }, true],
    ['arrays in the body: any element', { headers: { 'route-to': ['queue1'] } }, { headers: { 'route-to': ['queue1', 'queue2'] } }, true],
    ['arrays of objects', { Records: { s3: { object: { key: [{ prefix: 'auto-' }] } } } }, { Records: [{ s3: { object: { key: 'home-1' } } }, { s3: { object: { key: 'auto-2' } } }] }, true],
    ['arrays of objects, none matching', { Records: { eventName: ['ObjectRemoved:Delete'] } }, { Records: [{ eventName: 'ObjectCreated:Put' }] }, false],
    ['booleans', { ok: [true] }, { ok: true }, true],
    ['a boolean is not the string', { ok: ['true'] }, { ok: true }, false],
    ['null matches a null property', { gone: [null] }, { gone: null }, true],
    ['null does not match a missing property', { gone: [null] }, { other: 1 }, false],
    ['numbers', { price: [{ numeric: ['>=', 100] }] }, { price: 210.75 }, true],
    ['exists false on an object without the key', { a: { b: [{ exists: false }] } }, { a: { c: 1 } }, true],
    ['a body that is not JSON matches nothing', { a: ['b'] }, 'plain text', false],
    ['a JSON array body matches nothing', { a: ['b'] }, [{ a: 'b' }], false],
  ];
  it.each(cases)('%s', (_name, policy, body, expected) => {
    expect(matchesBody(policy, body)).toBe(expected);
  });
});

describe('SNS filter policies: AWS refuses', () => {
  // The reasons of AWS's answers to these policies (its recorded responses, without the parser position it appends).
  const cases: [unknown, string][] = [
    [{ key: [['value']] }, 'Match value must be String, number, true, false, or null'],
    [{ key: [{ 'wrong-operator': true }] }, 'Unrecognized match type wrong-operator'],
    [{ key: [{ suffix: 'value', prefix: 'value2' }] }, 'Only one key allowed in match expression'],
    [{ key: [{ suffix: 100 }] }, 'suffix match pattern must be a string'],
    [{ key: [{ suffix: null }] }, 'suffix match pattern must be a string'],
    [{ key: [{ suffix: ['test', 'test2'] }] }, 'suffix match pattern must be a string'],
    [{ key: { suffix: 'value' } }, '"suffix" must be an object or an array'],
    [{ key_a: 'value_one' }, '"key_a" must be an object or an array'],
    [{ key: [{ numeric: [] }] }, 'Invalid member in numeric match: ]'],
    [{ key: [{ numeric: ['operator'] }] }, 'Unrecognized numeric range operator: operator'],
    [{ key: [{ numeric: [1, '<='] }] }, 'Invalid member in numeric match: 1'],
    [{ key: [{ numeric: ['=', '000'] }] }, 'Value of equals must be numeric'],
    [{ key: [{ numeric: ['>='] }] }, 'Value of >= must be numeric'],
    [{ key: [{ numeric: ['<', 100, '>', 10] }] }, 'Too many elements in numeric expression'],
    [{ key: [{ numeric: ['>=', 1, '>', 2] }] }, 'Bad numeric range operator: >'],
    [{ key: [{ numeric: ['>', 3, '<', 1] }] }, 'Bottom must be less than top'],
    [{ key: [{ numeric: ['>', 20, '<='] }] }, 'Value of <= must be numeric'],
    [{ key: [{ numeric: ['>', 20, 30] }] }, 'Bad value in numeric range: 30'],
    [{ key: [{ numeric: ['>', 20, 'test'] }] }, 'Bad numeric range operator: test'],
    [{ key: [{ numeric: ['>', '20', '<', '30'] }] }, 'Value of > must be numeric'],
    [{ key: [{ numeric: ['>', 20, '<', '30'] }] }, 'Value of < must be numeric'],
    [{ key: [{ numeric: ['>', 20, '<', 30, '<', 50] }] }, 'Too many terms in numeric range expression'],
    [{ key: [{ exists: null }] }, 'exists match pattern must be either true or false.'],
    [{ key: [{ exists: 'no' }] }, 'exists match pattern must be either true or false.'],
    [{ key: [{ 'anything-but': { 'wrong-operator': null } }] }, 'Unsupported anything-but pattern: wrong-operator'],
    [{ key: [{ 'anything-but': { suffix: 'test' } }] }, 'Unsupported anything-but pattern: suffix'],
    [{ key: [{ 'anything-but': { exists: false } }] }, 'Unsupported anything-but pattern: exists'],
    [{ key: [{ 'anything-but': { prefix: false } }] }, 'prefix match pattern must be a string'],
    [{ a: [1], b: [1], c: [1], d: [1], e: [1], f: [1] }, 'Filter policy can not have more than 5 keys'],
    [{ a: Array.from({ length: 151 }, (_, i) => `v${i}`) }, 'Filter policy is too complex'],
    [{ a: Array.from({ length: 13 }, (_, i) => i), b: Array.from({ length: 12 }, (_, i) => i) }, 'Filter policy is too complex'],
  ];
  it.each(cases)('%j', (policy, reason) => {
    let thrown: unknown;
    try {
      compileFilterPolicy(policy, 'MessageAttributes', SET);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AwsError);
    expect((thrown as AwsError).message).toBe(`Invalid parameter: FilterPolicy: ${reason}`);
  });

  it('nested policies in the MessageAttributes scope', () => {
    expect(() => compileFilterPolicy({ object: { key: ['v'] } }, 'MessageAttributes', SET)).toThrow('Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy');
    expect(() => compileFilterPolicy({ object: { key: ['v'] } }, 'MessageBody', SET)).not.toThrow();
  });
});

describe('IP addresses for cidr', () => {
  it('parses IPv4 and IPv6 forms and refuses the rest', () => {
    expect(parseIp('192.168.0.1')).toEqual(Uint8Array.from([192, 168, 0, 1]));
    expect(parseIp('::1')?.at(15)).toBe(1);
    expect(parseIp('2001:db8::8a2e:370:7334')?.slice(0, 4)).toEqual(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8]));
    for (const bad of ['256.0.0.1', '1.2.3', '1::2::3', '12345::', 'x']) expect(parseIp(bad), bad).toBeUndefined();
  });
});

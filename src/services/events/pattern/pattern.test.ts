/**
 * The event-pattern grammar, table-driven: each case is a pattern, an event and whether AWS
 * matches it, taken from AWS's documentation ("Content filtering in Amazon EventBridge event
 * patterns", "Creating event patterns", "Arrays in event patterns") and from its documented
 * behaviour (nested fields, dotted paths, arrays of objects, null and empty values). The error
 * table holds patterns AWS refuses, with the exact InvalidEventPatternException reason AWS gives,
 * parser position included.
 */
import { describe, expect, it } from 'vitest';
import { compilePattern, PatternError } from './compile.js';
import { flattenEvent, matchesPattern } from './match.js';

/** An EC2-like event from AWS's documentation with the given detail and envelope overrides. */
function ev(detail: Record<string, unknown>, envelope: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail,
    ...envelope,
  };
}

type Case = [name: string, pattern: unknown, event: Record<string, unknown>, matches: boolean];

const S3_EVENT = ev({ bucket: { name: 'amzn-s3-demo-bucket' }, object: { key: 'dir/file.png', size: 5 }, 'source-ip-address': '10.0.0.255' }, { source: 'aws.s3', 'detail-type': 'Object Created' });

const CASES: Case[] = [
  // Exact values and arrays as OR.
  ['source equals', { source: ['aws.ec2'] }, ev({}), true],
  ['source differs', { source: ['aws.s3'] }, ev({}), false],
  ['source is one of', { source: ['aws.s3', 'aws.ec2'] }, ev({}), true],
  ['detail-type exact', { 'detail-type': ['EC2 Instance State-change Notification'] }, ev({}), true],
  ['detail-type case matters', { 'detail-type': ['ec2 instance state-change notification'] }, ev({}), false],
  ['nested detail value', { detail: { state: ['running'] } }, ev({ state: 'running' }), true],
  ['nested detail other value', { detail: { state: ['running'] } }, ev({ state: 'stopped' }), false],
  ['nested values as OR', { detail: { state: ['running', 'stopped'] } }, ev({ state: 'stopped' }), true],
  ['fields are ANDed', { source: ['aws.ec2'], detail: { state: ['running'] } }, ev({ state: 'running' }), true],
  ['one field fails the AND', { source: ['aws.s3'], detail: { state: ['running'] } }, ev({ state: 'running' }), false],
  ['missing field', { detail: { state: ['running'] } }, ev({}), false],
  ['deep nesting', { detail: { a: { b: { c: ['x'] } } } }, ev({ a: { b: { c: 'x' } } }), true],
  ['deep nesting other value', { detail: { a: { b: { c: ['x'] } } } }, ev({ a: { b: { c: 'y' } } }), false],
  ['key case matters', { detail: { State: ['running'] } }, ev({ state: 'running' }), false],
  ['value case matters', { detail: { state: ['Running'] } }, ev({ state: 'running' }), false],
  ['whitespace matters', { detail: { state: ['running '] } }, ev({ state: 'running' }), false],
  ['empty string matches empty string', { detail: { eventVersion: [''] } }, ev({ eventVersion: '' }), true],
  ['empty string does not match a value', { detail: { eventVersion: [''] } }, ev({ eventVersion: '1.0' }), false],
  ['null matches null', { detail: { responseElements: [null] } }, ev({ responseElements: null }), true],
  ['null does not match a missing field', { detail: { responseElements: [null] } }, ev({}), false],
  ['null does not match the string null', { detail: { responseElements: [null] } }, ev({ responseElements: 'null' }), false],
  ['null does not match an empty string', { detail: { responseElements: [null] } }, ev({ responseElements: '' }), false],
  ['true matches true', { detail: { enabled: [true] } }, ev({ enabled: true }), true],
  ['true does not match false', { detail: { enabled: [true] } }, ev({ enabled: false }), false],
  ['true does not match the string true', { detail: { enabled: [true] } }, ev({ enabled: 'true' }), false],
  ['false matches false', { detail: { enabled: [false] } }, ev({ enabled: false }), true],
  ['number matches number', { detail: { count: [5] } }, ev({ count: 5 }), true],
  ['number matches the same number written as float', { detail: { count: [5] } }, ev({ count: 5.0 }), true],
  ['float pattern matches int', { detail: { count: [5.0] } }, ev({ count: 5 }), true],
  ['number does not match its string', { detail: { count: [5] } }, ev({ count: '5' }), false],
  ['string does not match a number', { detail: { count: ['5'] } }, ev({ count: 5 }), false],
  ['other number', { detail: { count: [5] } }, ev({ count: 6 }), false],
  ['account number exact', { account: ['111122223333'] }, ev({}), true],
  ['region exact', { region: ['us-west-1', 'us-east-1'] }, ev({}), true],
  ['time exact', { time: ['2017-12-22T18:43:48Z'] }, ev({}), true],
  ['object in pattern needs object in event', { detail: { a: { b: ['x'] } } }, ev({ a: 'x' }), false],
  ['pattern leaf against object value', { detail: { a: ['x'] } }, ev({ a: { b: 'x' } }), false],
  ['dotted pattern key matches nested event', { 'detail.state': ['running'] }, ev({ state: 'running' }), true],
  ['dotted event key matches nested pattern', { detail: { 'a.b': ['x'] } }, ev({ a: { b: 'x' } }), true],
  ['nested pattern matches dotted event key', { detail: { a: { b: ['x'] } } }, ev({ 'a.b': 'x' }), true],
  ['unicode values', { detail: { name: ['café ☕'] } }, ev({ name: 'café ☕' }), true],
  ['empty pattern value list entry duplicates', { detail: { state: ['running', 'running'] } }, ev({ state: 'running' }), true],

  // Arrays in events: any element matches.
  ['resources contains', { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] }, ev({}), true],
  ['resources does not contain', { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0'] }, ev({}), false],
  [
    'pattern array intersects event array',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
    ev({}, { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] }),
    true,
  ],
  ['pattern array disjoint from event array', { resources: ['a', 'b'] }, ev({}, { resources: ['c', 'd'] }), false],
  ['array of strings in detail', { detail: { tags: ['prod'] } }, ev({ tags: ['dev', 'prod'] }), true],
  ['array of numbers in detail', { detail: { ports: [443] } }, ev({ ports: [80, 443] }), true],
  ['empty array in event matches nothing', { detail: { tags: ['prod'] } }, ev({ tags: [] }), false],
  ['nested arrays are flattened', { detail: { m: ['x'] } }, ev({ m: [['a'], ['x']] }), true],
  ['array of objects: one element has the field', { detail: { items: { id: ['b'] } } }, ev({ items: [{ id: 'a' }, { id: 'b' }] }), true],
  ['array of objects: none has the value', { detail: { items: { id: ['c'] } } }, ev({ items: [{ id: 'a' }, { id: 'b' }] }), false],
  [
    'array of objects: both fields in one element',
    { detail: { items: { id: ['a'], ok: [true] } } },
    ev({
      items: [
        { id: 'a', ok: true },
        { id: 'b', ok: false },
      ],
    }),
    true,
  ],
  [
    'array of objects: fields from different elements do not combine',
    { detail: { items: { id: ['a'], ok: [false] } } },
    ev({
      items: [
        { id: 'a', ok: true },
        { id: 'b', ok: false },
      ],
    }),
    false,
  ],
  ['array of objects: numeric inside elements', { detail: { items: { size: [{ numeric: ['>', 10] }] } } }, ev({ items: [{ size: 1 }, { size: 20 }] }), true],
  ['array element null', { detail: { v: [null] } }, ev({ v: ['a', null] }), true],

  // Prefix.
  ['prefix on time', { time: [{ prefix: '2017-12-22' }] }, ev({}), true],
  ['prefix not matching', { time: [{ prefix: '2017-10-02' }] }, ev({}), false],
  ['prefix on nested value', { detail: { bucket: { name: [{ prefix: 'amzn-' }] } } }, S3_EVENT, true],
  ['prefix is case sensitive', { detail: { bucket: { name: [{ prefix: 'AMZN-' }] } } }, S3_EVENT, false],
  ['prefix does not apply to numbers', { detail: { count: [{ prefix: '12' }] } }, ev({ count: 123 }), false],
  ['empty prefix matches any string', { detail: { state: [{ prefix: '' }] } }, ev({ state: 'x' }), true],
  ['empty prefix matches empty string', { detail: { state: [{ prefix: '' }] } }, ev({ state: '' }), true],
  ['prefix equals-ignore-case', { detail: { state: [{ prefix: { 'equals-ignore-case': 'RUN' } }] } }, ev({ state: 'running' }), true],
  ['prefix equals-ignore-case not matching', { detail: { state: [{ prefix: { 'equals-ignore-case': 'STOP' } }] } }, ev({ state: 'running' }), false],
  ['prefix longer than value', { detail: { state: [{ prefix: 'running-and-more' }] } }, ev({ state: 'running' }), false],
  ['prefix alongside exact value', { detail: { state: ['stopped', { prefix: 'run' }] } }, ev({ state: 'running' }), true],
  ['prefix in an array of event values', { resources: [{ prefix: 'arn:aws:ec2:us-west-1' }] }, ev({}), true],

  // Suffix.
  ['suffix on key', { detail: { object: { key: [{ suffix: '.png' }] } } }, S3_EVENT, true],
  ['suffix not matching', { detail: { object: { key: [{ suffix: '.jpg' }] } } }, S3_EVENT, false],
  ['suffix is case sensitive', { detail: { object: { key: [{ suffix: '.PNG' }] } } }, S3_EVENT, false],
  ['suffix equals-ignore-case', { detail: { object: { key: [{ suffix: { 'equals-ignore-case': '.PNG' } }] } } }, S3_EVENT, true],
  ['suffix one of several', { detail: { object: { key: [{ suffix: '.jpg' }, { suffix: '.png' }] } } }, S3_EVENT, true],
  ['suffix does not apply to numbers', { detail: { count: [{ suffix: '3' }] } }, ev({ count: 123 }), false],

  // Anything-but.
  ['anything-but string: other value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ev({ state: 'running' }), true],
  ['anything-but string: same value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ev({ state: 'initializing' }), false],
  ['anything-but string: missing field', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ev({}), false],
  ['anything-but string: null value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ev({ state: null }), true],
  ['anything-but string: number value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ev({ state: 5 }), true],
  ['anything-but number: other number', { detail: { x: [{ 'anything-but': 100 }] } }, ev({ x: 101 }), true],
  ['anything-but number: same number', { detail: { x: [{ 'anything-but': 100 }] } }, ev({ x: 100 }), false],
  ['anything-but number: same number as float', { detail: { x: [{ 'anything-but': 100 }] } }, ev({ x: 100.0 }), false],
  ['anything-but number: string value', { detail: { x: [{ 'anything-but': 100 }] } }, ev({ x: '100' }), true],
  ['anything-but number zero', { detail: { x: [{ 'anything-but': 0 }] } }, ev({ x: 0 }), false],
  ['anything-but list of strings: other', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ev({ state: 'running' }), true],
  ['anything-but list of strings: listed', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ev({ state: 'overloaded' }), false],
  ['anything-but list of numbers: other', { detail: { x: [{ 'anything-but': [100, 200, 300] }] } }, ev({ x: 150 }), true],
  ['anything-but list of numbers: listed', { detail: { x: [{ 'anything-but': [100, 200, 300] }] } }, ev({ x: 200 }), false],
  ['anything-but on array: any element not excluded', { detail: { s: [{ 'anything-but': 'a' }] } }, ev({ s: ['a', 'b'] }), true],
  ['anything-but on array: all excluded', { detail: { s: [{ 'anything-but': 'a' }] } }, ev({ s: ['a', 'a'] }), false],
  ['anything-but prefix: other prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ev({ state: 'running' }), true],
  ['anything-but prefix: same prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ev({ state: 'initializing' }), false],
  ['anything-but prefix list', { detail: { state: [{ 'anything-but': { prefix: ['init', 'stop'] } }] } }, ev({ state: 'stopping' }), false],
  ['anything-but prefix list: other', { detail: { state: [{ 'anything-but': { prefix: ['init', 'stop'] } }] } }, ev({ state: 'running' }), true],
  ['anything-but prefix: number value', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ev({ state: 42 }), true],
  ['anything-but prefix: missing field', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ev({}), false],
  ['anything-but suffix: other suffix', { detail: { key: [{ 'anything-but': { suffix: '.txt' } }] } }, ev({ key: 'a.png' }), true],
  ['anything-but suffix: same suffix', { detail: { key: [{ 'anything-but': { suffix: '.txt' } }] } }, ev({ key: 'a.txt' }), false],
  ['anything-but suffix list', { detail: { key: [{ 'anything-but': { suffix: ['.txt', '.png'] } }] } }, ev({ key: 'a.png' }), false],
  ['anything-but equals-ignore-case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } }, ev({ state: 'running' }), false],
  ['anything-but equals-ignore-case: other', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } }, ev({ state: 'stopped' }), true],
  ['anything-but equals-ignore-case list', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['A', 'B'] } }] } }, ev({ state: 'b' }), false],
  ['anything-but equals-ignore-case: null value', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'A' } }] } }, ev({ state: null }), true],
  ['anything-but wildcard', { detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, ev({ path: '/usr/lib/x' }), false],
  ['anything-but wildcard: other', { detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, ev({ path: '/usr/bin/x' }), true],
  ['anything-but wildcard list', { detail: { path: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } }, ev({ path: '/usr/bin/x' }), false],
  ['anything-but wildcard: number value', { detail: { path: [{ 'anything-but': { wildcard: '*' } }] } }, ev({ path: 3 }), true],

  // Numeric.
  ['numeric greater than', { detail: { c: [{ numeric: ['>', 0] }] } }, ev({ c: 1 }), true],
  ['numeric greater than: equal', { detail: { c: [{ numeric: ['>', 0] }] } }, ev({ c: 0 }), false],
  ['numeric greater or equal: equal', { detail: { c: [{ numeric: ['>=', 0] }] } }, ev({ c: 0 }), true],
  ['numeric less than', { detail: { c: [{ numeric: ['<', 10] }] } }, ev({ c: 9.99 }), true],
  ['numeric less than: equal', { detail: { c: [{ numeric: ['<', 10] }] } }, ev({ c: 10 }), false],
  ['numeric less or equal: equal', { detail: { c: [{ numeric: ['<=', 10] }] } }, ev({ c: 10 }), true],
  ['numeric equals', { detail: { x: [{ numeric: ['=', 301.8] }] } }, ev({ x: 301.8 }), true],
  ['numeric equals scientific', { detail: { x: [{ numeric: ['=', 3.018e2] }] } }, ev({ x: 301.8 }), true],
  ['numeric equals: other', { detail: { x: [{ numeric: ['=', 301.8] }] } }, ev({ x: 301.81 }), false],
  ['numeric range inside', { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } }, ev({ c: 5 }), true],
  ['numeric range above', { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } }, ev({ c: 5.5 }), false],
  ['numeric range below', { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } }, ev({ c: 0 }), false],
  ['numeric range closed bottom', { detail: { c: [{ numeric: ['>=', 0, '<', 5] }] } }, ev({ c: 0 }), true],
  ['numeric range open top', { detail: { c: [{ numeric: ['>=', 0, '<', 5] }] } }, ev({ c: 5 }), false],
  ['numeric negative values', { detail: { c: [{ numeric: ['<', -1] }] } }, ev({ c: -5 }), true],
  ['numeric does not match strings', { detail: { c: [{ numeric: ['>', 0] }] } }, ev({ c: '5' }), false],
  ['numeric does not match null', { detail: { c: [{ numeric: ['>', 0] }] } }, ev({ c: null }), false],
  ['numeric does not match booleans', { detail: { c: [{ numeric: ['>', 0] }] } }, ev({ c: true }), false],
  ['numeric in array', { detail: { c: [{ numeric: ['>', 10] }] } }, ev({ c: [1, 20] }), true],
  ['numeric alternatives', { detail: { c: [{ numeric: ['<', 0] }, { numeric: ['>', 100] }] } }, ev({ c: 150 }), true],
  ['numeric alternatives: between', { detail: { c: [{ numeric: ['<', 0] }, { numeric: ['>', 100] }] } }, ev({ c: 50 }), false],
  ['numeric AND of two fields', { detail: { c: [{ numeric: ['>', 0] }], d: [{ numeric: ['<', 10] }] } }, ev({ c: 5, d: 20 }), false],

  // Exists.
  ['exists true: present', { detail: { state: [{ exists: true }] } }, ev({ state: 'running' }), true],
  ['exists true: absent', { detail: { state: [{ exists: true }] } }, ev({}), false],
  ['exists true: null value counts', { detail: { state: [{ exists: true }] } }, ev({ state: null }), true],
  ['exists true: empty string counts', { detail: { state: [{ exists: true }] } }, ev({ state: '' }), true],
  ['exists true: object value is not a leaf', { detail: { state: [{ exists: true }] } }, ev({ state: { a: 1 } }), false],
  ['exists true: empty array has no value', { detail: { tags: [{ exists: true }] } }, ev({ tags: [] }), false],
  ['exists false: absent', { detail: { state: [{ exists: false }] } }, ev({}), true],
  ['exists false: present', { detail: { state: [{ exists: false }] } }, ev({ state: 'x' }), false],
  ['exists false: empty array', { detail: { tags: [{ exists: false }] } }, ev({ tags: [] }), true],
  ['exists false: object value (no leaf at that path)', { detail: { state: [{ exists: false }] } }, ev({ state: { a: 1 } }), true],
  ['exists false with other fields', { source: ['aws.ec2'], detail: { 'c-count': [{ exists: false }] } }, ev({ state: 'x' }), true],
  ['exists false or a value: value', { detail: { state: ['running', { exists: false }] } }, ev({ state: 'running' }), true],
  ['exists false or a value: absent', { detail: { state: ['running', { exists: false }] } }, ev({}), true],
  ['exists false or a value: other value', { detail: { state: ['running', { exists: false }] } }, ev({ state: 'stopped' }), false],
  ['exists on nested leaf', { detail: { a: { b: [{ exists: true }] } } }, ev({ a: { b: 1 } }), true],
  ['exists on dynamodb-style key', { detail: { dynamodb: { NewImage: { id: [{ exists: true }] } } } }, ev({ dynamodb: { NewImage: { id: { S: '1' } } } }), false],

  // IP addresses.
  ['cidr v4 inside', { detail: { 'source-ip-address': [{ cidr: '10.0.0.0/24' }] } }, S3_EVENT, true],
  ['cidr v4 outside', { detail: { 'source-ip-address': [{ cidr: '10.0.1.0/24' }] } }, S3_EVENT, false],
  ['cidr v4 /32', { detail: { ip: [{ cidr: '10.0.0.255/32' }] } }, ev({ ip: '10.0.0.255' }), true],
  ['cidr v4 /0', { detail: { ip: [{ cidr: '0.0.0.0/0' }] } }, ev({ ip: '203.0.113.9' }), true],
  ['cidr v4 /8', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, ev({ ip: '10.200.3.4' }), true],
  ['cidr does not match non-IP strings', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, ev({ ip: 'ten' }), false],
  ['cidr does not match numbers', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, ev({ ip: 10 }), false],
  ['cidr v6 inside', { detail: { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] } }, ev({ ip: '2001:db8:1234:1a00::1' }), true],
  ['cidr v6 outside', { detail: { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] } }, ev({ ip: '2001:db8:1234:1a01::1' }), false],
  ['cidr v6 does not match v4', { detail: { ip: [{ cidr: '::/0' }] } }, ev({ ip: '10.0.0.1' }), false],
  ['exact IP matches the same address written otherwise', { detail: { ip: ['2001:db8::1'] } }, ev({ ip: '2001:0db8:0:0:0:0:0:1' }), true],
  ['exact IPv4', { detail: { ip: ['10.0.0.255'] } }, S3_EVENT.detail as Record<string, unknown>, false],

  // Equals-ignore-case.
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ev({}), true],
  ['equals-ignore-case other value', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state change' }] }, ev({}), false],
  ['equals-ignore-case empty', { detail: { s: [{ 'equals-ignore-case': '' }] } }, ev({ s: '' }), true],
  ['equals-ignore-case does not match numbers', { detail: { s: [{ 'equals-ignore-case': '5' }] } }, ev({ s: 5 }), false],

  // Wildcard.
  ['wildcard in the middle', { detail: { key: [{ wildcard: 'dir/*.png' }] } }, ev({ key: 'dir/file.png' }), true],
  ['wildcard matches slashes', { detail: { key: [{ wildcard: 'dir/*.png' }] } }, ev({ key: 'dir/sub/file.png' }), true],
  ['wildcard not matching', { detail: { key: [{ wildcard: 'dir/*.png' }] } }, ev({ key: 'dir/file.jpg' }), false],
  ['wildcard matches nothing between', { detail: { key: [{ wildcard: 'dir/*.png' }] } }, ev({ key: 'dir/.png' }), true],
  ['wildcard two stars', { detail: { arn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] } }, ev({ arn: 'arn:aws:events:us-east-1:123456789012:event-bus/b' }), true],
  ['wildcard no star is exact', { detail: { key: [{ wildcard: 'exact' }] } }, ev({ key: 'exact' }), true],
  ['wildcard escaped star is literal', { detail: { key: [{ wildcard: 'a\\*b' }] } }, ev({ key: 'a*b' }), true],
  ['wildcard escaped star does not expand', { detail: { key: [{ wildcard: 'a\\*b' }] } }, ev({ key: 'axb' }), false],
  ['wildcard only star', { detail: { key: [{ wildcard: '*' }] } }, ev({ key: '' }), true],
  ['wildcard does not match numbers', { detail: { key: [{ wildcard: '1*' }] } }, ev({ key: 123 }), false],
  ['wildcard regex characters are literal', { detail: { key: [{ wildcard: 'a.c*' }] } }, ev({ key: 'abcd' }), false],

  // $or.
  ['$or first branch', { $or: [{ source: ['aws.ec2'] }, { 'detail-type': ['x'] }] }, ev({}), true],
  ['$or second branch', { $or: [{ source: ['aws.s3'] }, { 'detail-type': ['EC2 Instance State-change Notification'] }] }, ev({}), true],
  ['$or no branch', { $or: [{ source: ['aws.s3'] }, { 'detail-type': ['x'] }] }, ev({}), false],
  ['$or with common fields', { source: ['aws.ec2'], $or: [{ detail: { state: ['running'] } }, { detail: { state: ['pending'] } }] }, ev({ state: 'pending' }), true],
  ['$or with common field failing', { source: ['aws.s3'], $or: [{ detail: { state: ['running'] } }, { detail: { state: ['pending'] } }] }, ev({ state: 'pending' }), false],
  [
    '$or inside detail (docs example)',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] } },
    ev({ 'x-limit': 301.8 }),
    true,
  ],
  [
    '$or inside detail: none',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] } },
    ev({ 'c-count': 6, 'd-count': 11, 'x-limit': 1 }),
    false,
  ],
  ['nested $or', { $or: [{ source: ['aws.s3'] }, { $or: [{ detail: { a: ['1'] } }, { detail: { b: ['2'] } }] }] }, ev({ b: '2' }), true],
  ['$or with exists', { $or: [{ detail: { a: [{ exists: true }] } }, { detail: { b: [{ exists: true }] } }] }, ev({ b: 1 }), true],
  ['$or with anything-but', { $or: [{ detail: { a: [{ 'anything-but': 'x' }] } }, { detail: { b: ['y'] } }] }, ev({ a: 'x', b: 'z' }), false],
  [
    'docs: source AND (metricName OR (metricType AND namespace) OR scope)',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }] },
    { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
    true,
  ],
  [
    'docs: metricType without namespace',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }] },
    { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
    false,
  ],

  // Complete examples.
  [
    'S3 object created with prefix and suffix',
    { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['amzn-s3-demo-bucket'] }, object: { key: [{ prefix: 'dir/' }] } } },
    S3_EVENT,
    true,
  ],
  ['S3 object created: size range', { source: ['aws.s3'], detail: { object: { size: [{ numeric: ['>=', 1, '<', 10] }] } } }, S3_EVENT, true],
  [
    'EC2 state with anything-but and exists',
    { source: ['aws.ec2'], detail: { state: [{ 'anything-but': ['terminated'] }], 'instance-id': [{ exists: true }] } },
    ev({ state: 'running', 'instance-id': 'i-1' }),
    true,
  ],
  ['multiple matchers in one field', { detail: { v: [{ prefix: 'a' }, { suffix: 'z' }, { numeric: ['>', 10] }] } }, ev({ v: 11 }), true],
  ['multiple matchers: none', { detail: { v: [{ prefix: 'a' }, { suffix: 'z' }, { numeric: ['>', 10] }] } }, ev({ v: 'mmm' }), false],
  ['event without detail', { detail: { a: ['1'] } }, { source: 'x' }, false],
  ['pattern on envelope only', { version: ['0'] }, ev({}), true],
];

const ERRORS: [name: string, pattern: string, reason: string][] = [
  ['not an object', '["not", "a", "dict", "but valid json"]', 'Filter is not an object\n at [Source: (String)"["not", "a", "dict", "but valid json"]"; line: 1, column: 2]'],
  ['a value that is not a list', '{"int": 42}', '"int" must be an object or an array\n at [Source: (String)"{"int": 42}"; line: 1, column: 11]'],
  ['a string that is not a list', '{"string": "my-value"}', '"string" must be an object or an array\n at [Source: (String)"{"string": "my-value"}"; line: 1, column: 13]'],
  ['an empty list', '{"resources": []}', 'Empty arrays are not allowed\n at [Source: (String)"{"resources": []}"; line: 1, column: 17]'],
  ['an empty object', '{}', 'Empty objects are not allowed\n at [Source: (String)"{}"; line: 1, column: 3]'],
  ['matcher names are case sensitive', '{"my_key": [{"EXISTS": true}]}', 'Unrecognized match type EXISTS\n at [Source: (String)"{"my_key": [{"EXISTS": true}]}"; line: 1, column: 28]'],
  [
    'NUMERIC in capitals',
    '{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}',
    'Unrecognized match type NUMERIC\n at [Source: (String)"{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}"; line: 1, column: 36]',
  ],
  [
    'two lower bounds',
    '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}',
    'Bad numeric range operator: >\n at [Source: (String)"{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}"; line: 1, column: 49]',
  ],
  [
    'a range without its top',
    '{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}',
    'Value of < must be numeric\n at [Source: (String)"{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}"; line: 1, column: 50]',
  ],
  [
    'equals-ignore-case with a list',
    '{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
    'equals-ignore-case match pattern must be a string\n at [Source: (String)"{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}"; line: 1, column: 42]',
  ],
  [
    'equals-ignore-case with an object',
    '{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
    'equals-ignore-case match pattern must be a string\n at [Source: (String)"{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}"; line: 1, column: 42]',
  ],
  [
    'anything-but equals-ignore-case with a number',
    '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}"; line: 1, column: 66]',
  ],
  [
    'anything-but equals-ignore-case with numbers in a list',
    '{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}',
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}"; line: 1, column: 67]\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}"; line: 1, column: 67]',
  ],
  ['wildcard with a number', '{"EventBusArn": [{"wildcard": 123}]}', 'wildcard match pattern must be a string\n at [Source: (String)"{"EventBusArn": [{"wildcard": 123}]}"; line: 1, column: 34]'],
  [
    'wildcard with a list',
    '{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}',
    'wildcard match pattern must be a string\n at [Source: (String)"{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}"; line: 1, column: 32]',
  ],
  [
    'consecutive wildcards',
    '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
    'Consecutive wildcard characters at pos 26\n at [Source: (String)"{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}"; line: 1, column: 72]',
  ],
  [
    'anything-but wildcard with a number in a list',
    '{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
    'wildcard match pattern must be a string\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}"; line: 1, column: 57]\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}"; line: 1, column: 57]',
  ],
  [
    'anything-but wildcard with a number',
    '{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}',
    'wildcard match pattern must be a string\n at [Source: (String)"{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}"; line: 1, column: 59]',
  ],
  [
    'anything-but suffix with a number in a list',
    '{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
    'prefix/suffix match pattern must be a string\n at [Source: (String)"{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}"; line: 1, column: 58]\n at [Source: (String)"{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}"; line: 1, column: 58]',
  ],
  [
    'anything-but suffix with a number',
    '{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}',
    'prefix/suffix match pattern must be a string\n at [Source: (String)"{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}"; line: 1, column: 57]',
  ],
  [
    'anything-but prefix with a number in a list',
    '{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}',
    'prefix/suffix match pattern must be a string\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}"; line: 1, column: 55]\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}"; line: 1, column: 55]',
  ],
  [
    'anything-but prefix with a number',
    '{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}',
    'prefix/suffix match pattern must be a string\n at [Source: (String)"{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}"; line: 1, column: 54]',
  ],
  ['prefix with a list', '{"time": [{"prefix": ["2022-07-13"]}]}', 'prefix match pattern must be a string\n at [Source: (String)"{"time": [{"prefix": ["2022-07-13"]}]}"; line: 1, column: 23]'],
  ['prefix with a number', '{"time": [{"prefix": 123}]}', 'prefix match pattern must be a string\n at [Source: (String)"{"time": [{"prefix": 123}]}"; line: 1, column: 25]'],
  ['suffix with a number', '{"FileName": [{"suffix": 123}]}', 'suffix match pattern must be a string\n at [Source: (String)"{"FileName": [{"suffix": 123}]}"; line: 1, column: 29]'],
  ['suffix with a list', '{"FileName": [{"suffix": [".png"]}]}', 'suffix match pattern must be a string\n at [Source: (String)"{"FileName": [{"suffix": [".png"]}]}"; line: 1, column: 27]'],
  [
    'anything-but prefix with equals-ignore-case',
    '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
    'Value of anything-but must be an array or single string/number value.\n at [Source: (String)"{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}"; line: 1, column: 55]',
  ],
  [
    'anything-but suffix with equals-ignore-case',
    '{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}',
    'Value of anything-but must be an array or single string/number value.\n at [Source: (String)"{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}"; line: 1, column: 55]',
  ],
  ['cidr without a mask', '{"detail": {"ip": [{"cidr": "10.0.0.0"}]}}', "Malformed CIDR, one '/' required"],
  ['cidr with a bad mask', '{"detail": {"ip": [{"cidr": "10.0.0.0/xx"}]}}', 'Malformed CIDR, mask bits must be an integer'],
  ['cidr with a bad address', '{"detail": {"ip": [{"cidr": "xx.11.xx/24"}]}}', 'Nonstandard IP address: xx.11.xx'],
  ['cidr with a bad v6 address', '{"detail": {"ip": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}}', 'Nonstandard IP address: xxxx:db8:1234:1a00::'],
  [
    'cidr with a list',
    '{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}',
    'prefix match pattern must be a string\n at [Source: (String)"{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}"; line: 1, column: 43]',
  ],
  [
    'single quotes are not JSON',
    "{'bad': 'quotation'}",
    "Unexpected character (''' (code 39)): was expecting double-quote to start field name\n at [Source: (String)\"{'bad': 'quotation'}\"; line: 1, column: 2]",
  ],
  [
    'a bare word',
    'this is valid json but not a dict',
    "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"this is valid json but not a dict\"; line: 1, column: 5]",
  ],
  [
    'a bare word as a value',
    '{"not": closed mark"',
    "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\"not\": closed mark\"\"; line: 1, column: 15]",
  ],
  ['$or with one branch', '{"$or": [{"a": ["1"]}]}', 'There must have at least 2 Objects in $or relationship.\n at [Source: (String)"{"$or": [{"a": ["1"]}]}"; line: 1, column: 23]'],
  ['$or not a list', '{"$or": {"a": ["1"]}}', 'It must be an Array followed with $or.\n at [Source: (String)"{"$or": {"a": ["1"]}}"; line: 1, column: 10]'],
  [
    'matcher name inside $or',
    '{"$or": [{"prefix": ["1"]}, {"b": ["2"]}]}',
    'prefix is Ruler reserved fieldName which cannot be used inside $or.\n at [Source: (String)"{"$or": [{"prefix": ["1"]}, {"b": ["2"]}]}"; line: 1, column: 22]',
  ],
  ['exists with a string', '{"a": [{"exists": "yes"}]}', 'exists match pattern must be either true or false.\n at [Source: (String)"{"a": [{"exists": "yes"}]}"; line: 1, column: 20]'],
  [
    'a matcher with two keys',
    '{"a": [{"prefix": "x", "suffix": "y"}]}',
    'Only one key allowed in match expression\n at [Source: (String)"{"a": [{"prefix": "x", "suffix": "y"}]}"; line: 1, column: 35]',
  ],
  ['numeric not a list', '{"a": [{"numeric": 5}]}', 'Value of numeric must be an array.\n at [Source: (String)"{"a": [{"numeric": 5}]}"; line: 1, column: 21]'],
  ['numeric unknown operator', '{"a": [{"numeric": ["!=", 5]}]}', 'Unrecognized numeric range operator: !=\n at [Source: (String)"{"a": [{"numeric": ["!=", 5]}]}"; line: 1, column: 28]'],
  ['numeric bottom above top', '{"a": [{"numeric": [">", 10, "<", 5]}]}', 'Bottom must be less than top\n at [Source: (String)"{"a": [{"numeric": [">", 10, "<", 5]}]}"; line: 1, column: 37]'],
  [
    'anything-but mixed list',
    '{"a": [{"anything-but": ["x", 1]}]}',
    'Inside anything but list, either all values are number or string, mixed type is not supported\n at [Source: (String)"{"a": [{"anything-but": ["x", 1]}]}"; line: 1, column: 33]',
  ],
  [
    'anything-but unsupported',
    '{"a": [{"anything-but": {"numeric": [">", 1]}}]}',
    'Unsupported anything-but pattern: numeric\n at [Source: (String)"{"a": [{"anything-but": {"numeric": [">", 1]}}]}"; line: 1, column: 38]',
  ],
  ['anything-but empty prefix', '{"a": [{"anything-but": {"prefix": ""}}]}', 'Null prefix/suffix not allowed\n at [Source: (String)"{"a": [{"anything-but": {"prefix": ""}}]}"; line: 1, column: 38]'],
  ['an object in a value list', '{"a": [["x"]]}', 'Match value must be String, number, true, false, or null\n at [Source: (String)"{"a": [["x"]]}"; line: 1, column: 9]'],
  ['wildcard too complex', '{"a": [{"wildcard": "*a*b*c*d*e*f"}]}', 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character'],
];

describe('event patterns match as AWS matches them', () => {
  it(`has at least 150 pattern/event cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
  });
  it.each(CASES)('%s', (_name, pattern, event, expected) => {
    expect(matchesPattern(compilePattern(JSON.stringify(pattern)), flattenEvent(event))).toBe(expected);
  });
});

describe('invalid patterns are refused with AWS reasons', () => {
  it.each(ERRORS)('%s', (_name, pattern, reason) => {
    let error: unknown;
    try {
      compilePattern(pattern);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PatternError);
    expect((error as Error).message).toBe(reason);
  });

  it('truncates long patterns in the location as AWS does', () => {
    const long = `{"a": "${'x'.repeat(600)}"}`;
    expect(() => compilePattern(long)).toThrow(/\[truncated 109 chars\]; line: 1, column: 8\]$/);
  });

  it('counts lines for patterns written over several lines', () => {
    expect(() => compilePattern('{\n  "source": "aws.ec2"\n}')).toThrow(/line: 2, column: 14\]$/);
  });
});

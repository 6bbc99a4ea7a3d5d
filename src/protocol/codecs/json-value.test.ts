import { describe, expect, it } from 'vitest';
import { ServiceModel } from '../model.js';
import { decodeJsonValue, writeJsonValue } from './json-value.js';

const model = new ServiceModel({
  metadata: { apiVersion: '2020-01-01', endpointPrefix: 'thing', protocol: 'json', serviceId: 'Thing', serviceFullName: 'Thing', jsonVersion: '1.1', targetPrefix: 'Thing' },
  operations: {},
  shapes: {
    Thing: {
      type: 'structure',
      required: ['Name'],
      members: {
        Name: { shape: 'Text' },
        Count: { shape: 'Count' },
        Ratio: { shape: 'Ratio' },
        When: { shape: 'When' },
        Data: { shape: 'Data' },
        Tags: { shape: 'Tags' },
        Items: { shape: 'Items' },
        Doc: { shape: 'Doc' },
        Child: { shape: 'Thing' },
      },
    },
    Text: { type: 'string' },
    Count: { type: 'integer' },
    Ratio: { type: 'double' },
    When: { type: 'timestamp' },
    Data: { type: 'blob' },
    Tags: { type: 'map', key: { shape: 'Text' }, value: { shape: 'Text' } },
    Items: { type: 'list', member: { shape: 'Text' } },
    Doc: { type: 'structure', members: {}, document: true },
  },
});
const thing = model.shape('Thing');

describe('JSON values', () => {
  it('writes what JSON.stringify writes of the document the model makes of a value', () => {
    const tags: Record<string, unknown> = { b: 'x', 2: 'two', skipped: undefined, 1: 'one' };
    Object.defineProperty(tags, '__proto__', { value: 'proto', enumerable: true });
    const value = {
      Extra: 'not a member',
      Items: ['a', undefined, null, 'b\u2028"'],
      Name: 'n\u{1F600}\ud800',
      Count: Number.NaN,
      Ratio: Number.NEGATIVE_INFINITY,
      When: new Date(1764937000123),
      Data: Buffer.from('bytes'),
      Tags: tags,
      Doc: { any: [1, { deep: true }], at: new Date(0) },
      Child: { Name: 'child', Child: null, Ratio: 0.5 },
    };
    expect(writeJsonValue(model, thing, value)).toBe(
      '{"Name":"n\u{1F600}\\ud800","Count":null,"Ratio":"-Infinity","When":1764937000.123,"Data":"Ynl0ZXM=","Tags":{"1":"one","2":"two","b":"x","__proto__":"proto"},' +
        '"Items":["a",null,null,"b\u2028\\""],"Doc":{"any":[1,{"deep":true}],"at":"1970-01-01T00:00:00.000Z"},"Child":{"Name":"child","Ratio":0.5}}',
    );
    // A hole in a list is null, as JSON.stringify writes one.
    expect(writeJsonValue(model, thing, { Items: new Array(2) })).toBe('{"Items":[null,null]}');
    expect(writeJsonValue(model, thing, {})).toBe('{}');
    expect(writeJsonValue(model, thing, null)).toBeUndefined();
  });

  it('decodes a document into members, checking JSON types with the member path', () => {
    const decoded = decodeJsonValue(model, thing, { Name: 'x', When: 1700000000.5, Data: 'Ynl0ZXM=', Tags: JSON.parse('{"__proto__":"p"}'), Child: { Items: ['a'], Ratio: 'NaN' }, Unknown: 1 }, '');
    expect(decoded).toEqual({ Name: 'x', When: new Date(1700000000500), Data: Buffer.from('bytes'), Tags: JSON.parse('{"__proto__":"p"}'), Child: { Ratio: Number.NaN, Items: ['a'] } });
    expect(() => decodeJsonValue(model, thing, { Child: { Child: { Count: '1' } } }, '')).toThrow("Unexpected value at 'child.child.count': expected an integer in the range of a integer, got string");
    expect(() => decodeJsonValue(model, thing, { Child: { Items: ['a', 2] } }, '')).toThrow("Unexpected value at 'child.items.2.member': expected a string, got number");
    expect(() => decodeJsonValue(model, thing, [], '')).toThrow("Unexpected value at 'input': expected an object, got array");
  });
});

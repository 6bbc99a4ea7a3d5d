/**
 * Wire bindings that no installed AWS SDK client exercises (query-string maps, flattened query and
 * XML maps, blob and string payloads, header lists and custom timestamp formats, recursive
 * shapes), checked against the wire formats AWS documents, on small models written for the test.
 * Everything an installed client can drive is in conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../core/errors.js';
import { type RawModel, type RawShape, ServiceModel } from '../model.js';
import type { HttpRequest } from '../types.js';
import { jsonCodec } from './json.js';
import { queryCodec } from './query.js';
import { compileRoutes } from './rest.js';
import { restJsonCodec } from './rest-json.js';
import { restXmlCodec } from './rest-xml.js';

function model(protocol: string, operations: RawModel['operations'], shapes: Record<string, RawShape>): ServiceModel {
  return new ServiceModel({
    metadata: { apiVersion: '2020-01-01', endpointPrefix: 'test', protocol, serviceId: 'Test', serviceFullName: 'Test', targetPrefix: 'Test', jsonVersion: '1.1' },
    operations,
    shapes: { String: { type: 'string' }, Integer: { type: 'integer' }, Boolean: { type: 'boolean' }, Timestamp: { type: 'timestamp' }, Blob: { type: 'blob' }, ...shapes },
  });
}

function request(partial: Partial<HttpRequest> & { url?: string }): HttpRequest {
  const url = partial.url ?? '/';
  const [path, rawQuery = ''] = url.split('?');
  const query = rawQuery ? rawQuery.split('&').map((p) => p.split('=').map(decodeURIComponent) as [string, string]) : [];
  return { method: 'POST', path, rawQuery, query, headers: {}, body: Buffer.alloc(0), ...partial };
}

describe('awsQuery bindings', () => {
  const m = model(
    'query',
    { Op: { name: 'Op', input: { shape: 'In' }, output: { shape: 'Out', resultWrapper: 'OpResult' } } },
    {
      In: {
        type: 'structure',
        members: {
          Attributes: { shape: 'AttrMap' },
          Flat: { shape: 'FlatMap', locationName: 'Attribute' },
          Items: { shape: 'FlatList', locationName: 'Item' },
          Tree: { shape: 'Node' },
          When: { shape: 'Timestamp' },
          Data: { shape: 'Blob' },
        },
      },
      AttrMap: { type: 'map', key: { shape: 'String' }, value: { shape: 'String' } },
      FlatMap: { type: 'map', key: { shape: 'String', locationName: 'Name' }, value: { shape: 'String', locationName: 'Value' }, flattened: true },
      FlatList: { type: 'list', member: { shape: 'String' }, flattened: true },
      Node: { type: 'structure', members: { Name: { shape: 'String' }, Child: { shape: 'Node' } } },
      Out: { type: 'structure', members: { Attributes: { shape: 'AttrMap' }, Flat: { shape: 'FlatMap', locationName: 'Attribute' } } },
    },
  );
  const codec = queryCodec(m, { serializationError: 'ValidationError' });
  const op = m.operations.get('Op')!;

  it('decodes wrapped maps (entry.N.key), flattened maps and lists, blobs, timestamps and recursive structures', () => {
    const form = new URLSearchParams({
      Action: 'Op',
      'Attributes.entry.1.key': 'a',
      'Attributes.entry.1.value': '1',
      'Attributes.entry.2.key': 'b',
      'Attributes.entry.2.value': '',
      'Attribute.1.Name': 'x',
      'Attribute.1.Value': 'y',
      'Item.1': 'i1',
      'Item.2': 'i2',
      'Tree.Name': 'root',
      'Tree.Child.Name': 'kid',
      'Tree.Child.Child.Name': 'grandkid',
      When: '2024-02-29T12:34:56Z',
      Data: Buffer.from([1, 2, 255]).toString('base64'),
    });
    const input = codec.decode(op, request({ body: Buffer.from(form.toString()) }), {});
    expect(input).toEqual({
      Attributes: { a: '1', b: '' },
      Flat: { x: 'y' },
      Items: ['i1', 'i2'],
      Tree: { Name: 'root', Child: { Name: 'kid', Child: { Name: 'grandkid' } } },
      When: new Date('2024-02-29T12:34:56Z'),
      Data: Buffer.from([1, 2, 255]),
    });
  });

  it('decodes an absent recursive structure to nothing', () => {
    expect(codec.decode(op, request({ body: Buffer.from('Action=Op') }), {})).toEqual({});
  });

  it('rejects a malformed timestamp with the service validation error', () => {
    expect(() => codec.decode(op, request({ body: Buffer.from('Action=Op&When=yesterday') }), {})).toThrow(expect.objectContaining({ code: 'ValidationError' }));
  });

  it('encodes wrapped and flattened maps', () => {
    const body = String(codec.encode(op, { Attributes: { a: '1' }, Flat: { x: 'y' } }, 'r').body);
    expect(body).toContain('<OpResult><Attributes><entry><key>a</key><value>1</value></entry></Attributes><Attribute><Name>x</Name><Value>y</Value></Attribute></OpResult>');
  });
});

describe('restXml bindings', () => {
  const m = model(
    'rest-xml',
    {
      Put: { name: 'Put', http: { method: 'PUT', requestUri: '/{Id}' }, input: { shape: 'PutIn' }, output: { shape: 'PutOut' } },
    },
    {
      PutIn: { type: 'structure', required: ['Id'], members: { Id: { shape: 'String', location: 'uri', locationName: 'Id' }, Doc: { shape: 'Doc', locationName: 'Doc' } }, payload: 'Doc' },
      Doc: {
        type: 'structure',
        members: {
          Wrapped: { shape: 'Map' },
          Flat: { shape: 'FlatMap', locationName: 'Pair' },
          Kind: { shape: 'String', locationName: 'kind', xmlAttribute: true },
          Day: { shape: 'Timestamp', timestampFormat: 'unixTimestamp' },
        },
      },
      Map: { type: 'map', key: { shape: 'String', locationName: 'K' }, value: { shape: 'Integer', locationName: 'V' } },
      FlatMap: { type: 'map', key: { shape: 'String' }, value: { shape: 'String' }, flattened: true },
      PutOut: { type: 'structure', members: { Doc: { shape: 'Doc' }, Count: { shape: 'Integer', location: 'header', locationName: 'x-count' } }, payload: 'Doc' },
    },
  );
  const codec = restXmlCodec(m, { serializationError: 'MalformedXML' });
  const op = m.operations.get('Put')!;
  const doc = { Wrapped: { a: 1, b: 2 }, Flat: { x: 'y', z: '' }, Kind: 'k&"', Day: new Date(1_700_000_000_000) };

  it('round-trips wrapped and flattened maps, attributes and a custom timestamp format', () => {
    const encoded = codec.encode(op, { Doc: doc, Count: 3 }, 'r');
    const xml = String(encoded.body);
    expect(xml).toContain(
      '<Doc kind="k&amp;&quot;"><Wrapped><entry><K>a</K><V>1</V></entry><entry><K>b</K><V>2</V></entry></Wrapped><Pair><key>x</key><value>y</value></Pair><Pair><key>z</key><value></value></Pair><Day>1700000000</Day></Doc>',
    );
    expect(encoded.headers['x-count']).toBe('3');
    const router = compileRoutes(m);
    const req = request({ method: 'PUT', url: '/a%2Fb', body: Buffer.from(xml) });
    const routed = router.match(req)!;
    expect(codec.decode(routed.op, req, routed.labels)).toEqual({ Id: 'a/b', Doc: doc });
  });

  it('answers malformed XML with MalformedXML', () => {
    const req = request({ method: 'PUT', url: '/x', body: Buffer.from('<Doc><Wrapped>') });
    expect(() => codec.decode(op, req, { Id: 'x' })).toThrow(expect.objectContaining({ code: 'MalformedXML', status: 400 }));
  });
});

describe('restJson bindings', () => {
  const m = model(
    'rest-json',
    {
      Invoke: { name: 'Invoke', http: { method: 'POST', requestUri: '/fn/{Name}/invoke', responseCode: 200 }, input: { shape: 'InvokeIn' }, output: { shape: 'InvokeOut' } },
      Search: { name: 'Search', http: { method: 'GET', requestUri: '/search' }, input: { shape: 'SearchIn' }, output: { shape: 'SearchOut' } },
      Note: { name: 'Note', http: { method: 'PUT', requestUri: '/note' }, input: { shape: 'NoteIn' }, output: { shape: 'NoteOut' } },
    },
    {
      InvokeIn: {
        type: 'structure',
        required: ['Name'],
        members: {
          Name: { shape: 'String', location: 'uri', locationName: 'Name' },
          Qualifier: { shape: 'String', location: 'querystring', locationName: 'Qualifier' },
          Ids: { shape: 'IntList', location: 'header', locationName: 'X-Ids' },
          Flags: { shape: 'BoolList', location: 'header', locationName: 'X-Flags' },
          At: { shape: 'Timestamp', location: 'header', locationName: 'X-At', timestampFormat: 'iso8601' },
          Since: { shape: 'Timestamp', location: 'header', locationName: 'X-Since' },
          Context: { shape: 'String', location: 'header', locationName: 'X-Context', jsonvalue: true },
          Payload: { shape: 'Blob' },
        },
        payload: 'Payload',
      },
      IntList: { type: 'list', member: { shape: 'Integer' } },
      BoolList: { type: 'list', member: { shape: 'Boolean' } },
      InvokeOut: {
        type: 'structure',
        members: {
          StatusCode: { shape: 'Integer', location: 'statusCode' },
          Error: { shape: 'String', location: 'header', locationName: 'X-Amz-Function-Error' },
          Payload: { shape: 'Blob' },
        },
        payload: 'Payload',
      },
      SearchIn: {
        type: 'structure',
        members: {
          Limit: { shape: 'Integer', location: 'querystring', locationName: 'limit' },
          Tags: { shape: 'StrList', location: 'querystring', locationName: 'tag' },
          Extra: { shape: 'QueryMap', location: 'querystring' },
          After: { shape: 'Timestamp', location: 'querystring', locationName: 'after' },
        },
      },
      StrList: { type: 'list', member: { shape: 'String' } },
      QueryMap: { type: 'map', key: { shape: 'String' }, value: { shape: 'StrList' } },
      SearchOut: { type: 'structure', members: { Created: { shape: 'Timestamp', timestampFormat: 'iso8601' }, Seen: { shape: 'Timestamp' }, Data: { shape: 'Blob' }, Meta: { shape: 'StrMap' } } },
      StrMap: { type: 'map', key: { shape: 'String' }, value: { shape: 'String' } },
      NoteIn: { type: 'structure', members: { Text: { shape: 'String' } }, payload: 'Text' },
      NoteOut: { type: 'structure', members: { Text: { shape: 'String' } }, payload: 'Text' },
      Oops: { type: 'structure', members: { message: { shape: 'String' }, reason: { shape: 'String' } }, error: { httpStatusCode: 409 }, exception: true },
    },
  );
  const codec = restJsonCodec(m, { serializationError: 'SerializationException' });
  const router = compileRoutes(m);
  const decode = (req: HttpRequest) => {
    const routed = router.match(req);
    if (!routed) throw new Error('no route');
    return { op: routed.op, input: codec.decode(routed.op, req, routed.labels) };
  };

  it('decodes a blob payload with header lists, header timestamps in two formats and a jsonvalue header', () => {
    const { input } = decode(
      request({
        url: '/fn/my%20fn/invoke?Qualifier=%24LATEST',
        headers: { 'x-ids': '1, 2,3', 'x-flags': 'true,false', 'x-at': '2024-02-29T12:34:56Z', 'x-since': 'Thu, 29 Feb 2024 12:34:56 GMT', 'x-context': Buffer.from('{"a":[1]}').toString('base64') },
        body: Buffer.from([0, 159, 146, 150]),
      }),
    );
    const at = new Date('2024-02-29T12:34:56Z');
    expect(input).toEqual({ Name: 'my fn', Qualifier: '$LATEST', Ids: [1, 2, 3], Flags: [true, false], At: at, Since: at, Context: { a: [1] }, Payload: Buffer.from([0, 159, 146, 150]) });
  });

  it('rejects a jsonvalue header that is not base64 JSON with SerializationException', () => {
    const req = request({ url: '/fn/f/invoke', headers: { 'x-context': Buffer.from('{nope').toString('base64') } });
    expect(() => decode(req)).toThrow(expect.objectContaining({ code: 'SerializationException' }));
  });

  it('encodes a statusCode member, a header and a raw blob payload', () => {
    const op = m.operations.get('Invoke')!;
    const res = codec.encode(op, { StatusCode: 202, Error: 'Unhandled', Payload: Buffer.from('{"x":1}') }, 'r');
    expect(res.status).toBe(202);
    expect(res.headers['x-amz-function-error']).toBe('Unhandled');
    expect(Buffer.from(res.body as Buffer).toString()).toBe('{"x":1}');
  });

  it('decodes query lists, a map of the remaining query parameters, integers and timestamps', () => {
    const { input } = decode(request({ method: 'GET', url: '/search?limit=5&tag=a&tag=b&after=1709210096&x=1&x=2&y=' }));
    expect(input).toEqual({ Limit: 5, Tags: ['a', 'b'], After: new Date(1709210096000), Extra: { x: ['1', '2'], y: [''] } });
  });

  it.each(['ten', '1e3', '2147483648', '1.0'])('rejects the query integer %s with SerializationException', (limit) => {
    expect(() => decode(request({ method: 'GET', url: `/search?limit=${limit}` }))).toThrow(expect.objectContaining({ code: 'SerializationException' }));
  });

  it('encodes a JSON document with per-member timestamp formats, blobs and maps', () => {
    const op = m.operations.get('Search')!;
    const res = codec.encode(op, { Created: new Date('2024-02-29T12:34:56.5Z'), Seen: new Date(1709210096500), Data: Buffer.from('hi'), Meta: {} }, 'r');
    expect(JSON.parse(String(res.body))).toEqual({ Created: '2024-02-29T12:34:56.500Z', Seen: 1709210096.5, Data: 'aGk=', Meta: {} });
  });

  it('decodes and encodes a string payload', () => {
    const { op, input } = decode(request({ method: 'PUT', url: '/note', body: Buffer.from('plain ü text') }));
    expect(input).toEqual({ Text: 'plain ü text' });
    expect(String(codec.encode(op, input, 'r').body)).toBe('plain ü text');
  });

  it('encodes modelled errors with their status, type header and fields', () => {
    const res = codec.encodeError(new AwsError('Oops', 'it broke', { fields: { reason: 'because' } }), 'r');
    expect(res.status).toBe(409);
    expect(res.headers['x-amzn-errortype']).toBe('Oops');
    expect(JSON.parse(String(res.body))).toEqual({ message: 'it broke', reason: 'because' });
  });
});

describe('awsJson bindings', () => {
  const m = model(
    'json',
    { Op: { name: 'Op', input: { shape: 'In' }, output: { shape: 'In' } } },
    {
      In: { type: 'structure', members: { Iso: { shape: 'Timestamp', timestampFormat: 'iso8601' }, N: { shape: 'Integer' }, Doc: { shape: 'Doc' }, D: { shape: 'Double' }, Tags: { shape: 'Tags' } } },
      Doc: { type: 'structure', members: {}, document: true },
      Double: { type: 'double' },
      Tags: { type: 'map', key: { shape: 'String' }, value: { shape: 'String' } },
    },
  );
  const codec = jsonCodec(m, { serializationError: 'SerializationException' });
  const op = m.operations.get('Op')!;
  const decode = (body: string) => codec.decode(op, request({ body: Buffer.from(body) }), {});

  it('honours a member timestampFormat and passes documents through', () => {
    expect(decode('{"Iso":"2024-02-29T12:34:56Z","Doc":{"any":[1,"x",null]}}')).toEqual({ Iso: new Date('2024-02-29T12:34:56Z'), Doc: { any: [1, 'x', null] } });
    expect(JSON.parse(String(codec.encode(op, { Iso: new Date(0) }, 'r').body))).toEqual({ Iso: '1970-01-01T00:00:00.000Z' });
  });

  it('carries non-finite doubles as strings', () => {
    expect(decode('{"D":"-Infinity"}')).toEqual({ D: -Infinity });
    expect(JSON.parse(String(codec.encode(op, { D: Number.NaN }, 'r').body))).toEqual({ D: 'NaN' });
  });

  it('keeps a map entry named __proto__ as an entry', () => {
    const input = decode('{"Tags":{"__proto__":"x","a":"b"}}');
    const tags = input.Tags as Record<string, string>;
    expect(Object.entries(tags)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(JSON.parse(String(codec.encode(op, input, 'r').body))).toEqual({ Tags: JSON.parse('{"__proto__":"x","a":"b"}') });
  });

  it.each([
    ['a string for an integer', '{"N":"5"}'],
    ['a fraction for an integer', '{"N":1.5}'],
    ['an integer beyond 32 bits', '{"N":2147483648}'],
    ['a huge exponent for an integer', '{"N":1e300}'],
    ['an array for a structure', '[]'],
    ['not JSON', '{"N":'],
    ['a JSON scalar document', '5'],
  ])('rejects %s with SerializationException', (_what, body) => {
    expect(() => decode(body)).toThrow(expect.objectContaining({ code: 'SerializationException' }));
  });
});

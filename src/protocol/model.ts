/**
 * AWS JSON service models (botocore `service-2.json` format, imported into models/ by
 * scripts/import-models.mjs) and the resolution of member references into concrete shapes.
 * Every codec, the router and the validator read the wire format from here: no operation is
 * described by hand anywhere in Drydock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';

export type Protocol = 'json' | 'query' | 'rest-json' | 'rest-xml' | 'ec2';
export type ShapeType = 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob' | 'bigdecimal' | 'biginteger' | 'byte' | 'short';
export type TimestampFormat = 'iso8601' | 'rfc822' | 'unixTimestamp';

/** Binding properties a member reference may carry on top of its target shape. */
interface Binding {
  location?: 'header' | 'headers' | 'querystring' | 'uri' | 'statusCode';
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
  xmlAttribute?: boolean;
  xmlNamespace?: { prefix?: string; uri: string };
  jsonvalue?: boolean;
  streaming?: boolean;
  idempotencyToken?: boolean;
  timestampFormat?: TimestampFormat;
  eventpayload?: boolean;
}

export interface MemberRef extends Binding {
  shape: string;
}

export interface RawShape extends Binding {
  type: ShapeType;
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  payload?: string;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
  /** A server-side error shape (HTTP 500 unless the model says otherwise). */
  fault?: boolean;
  sensitive?: boolean;
  union?: boolean;
  document?: boolean;
  event?: boolean;
  eventstream?: boolean;
}

/** One member of a structure: its name, its reference (bindings as written) and the shape it resolves to. */
export interface Field {
  name: string;
  ref: MemberRef;
  shape: Shape;
}

/** A shape with a member reference's bindings applied: what a codec actually works with. */
export interface Shape extends RawShape {
  name: string;
}

export interface RawOperation {
  name: string;
  http?: { method?: string; requestUri?: string; responseCode?: number };
  input?: MemberRef & { locationName?: string; xmlNamespace?: { uri: string } };
  output?: MemberRef & { resultWrapper?: string };
  errors?: MemberRef[];
  deprecated?: boolean;
  endpoint?: { hostPrefix: string };
  httpChecksum?: { requestChecksumRequired?: boolean; requestAlgorithmMember?: string };
  authtype?: string;
  auth?: string[];
}

export interface ServiceMetadata {
  apiVersion: string;
  endpointPrefix: string;
  signingName?: string;
  protocol: Protocol | string;
  protocols?: string[];
  jsonVersion?: string;
  targetPrefix?: string;
  serviceId: string;
  serviceFullName: string;
  xmlNamespace?: string;
  globalEndpoint?: string;
  /** Present on JSON services that replaced awsQuery (SQS): errors also carry the query protocol's code (`x-amzn-query-error`). */
  awsQueryCompatible?: Record<string, unknown>;
}

export interface RawModel {
  metadata: ServiceMetadata;
  operations: Record<string, RawOperation>;
  shapes: Record<string, RawShape>;
}

export interface Operation {
  name: string;
  method: string;
  /** Path part of requestUri, e.g. `/{Bucket}/{Key+}`. */
  path: string;
  /** Literal query part of requestUri, e.g. `list-type=2` or `uploads`. */
  staticQuery: Record<string, string>;
  responseCode: number;
  input?: Shape;
  output?: Shape;
  resultWrapper?: string;
  errors: string[];
  /** Operations AWS serves without a signature (STS AssumeRoleWithWebIdentity …). */
  unsigned: boolean;
  /** Superseded operations (S3 GetBucketLifecycle …): routing prefers their successor on the same URI. */
  deprecated: boolean;
  /** The request must carry a body digest (S3 DeleteObjects, PutBucketTagging …: Content-MD5 or a flexible checksum). */
  checksumRequired: boolean;
}

const MODELS_DIR = join(PACKAGE_ROOT, 'models');
/** Every model's metadata, by service name: what startup needs without parsing the models. */
export const MODEL_INDEX = 'index.json';
const BINDING_KEYS: (keyof Binding)[] = [
  'location',
  'locationName',
  'queryName',
  'flattened',
  'xmlAttribute',
  'xmlNamespace',
  'jsonvalue',
  'streaming',
  'idempotencyToken',
  'timestampFormat',
  'eventpayload',
];

/** A model known by its metadata, whose operations and shapes are read only when first needed. */
export interface DeferredModel {
  metadata: ServiceMetadata;
  load(): RawModel;
}

export class ServiceModel {
  readonly metadata: ServiceMetadata;
  readonly protocol: Protocol;
  private source: RawModel | DeferredModel;
  private loaded?: RawModel;
  private built?: Map<string, Operation>;
  private readonly resolved = new Map<string, Shape>();
  private readonly members = new WeakMap<MemberRef, Shape>();
  private readonly fieldLists = new WeakMap<RawShape, Field[]>();
  private readonly errorsByNameOrCode = new Map<string, Shape | undefined>();

  /**
   * From the whole model, or from its metadata and a loader: routing needs only the metadata, so a
   * service's model is parsed (and its operations built) on the first request that reaches it
   * rather than at startup.
   */
  constructor(source: RawModel | DeferredModel) {
    this.source = source;
    this.metadata = source.metadata;
    this.protocol = pickProtocol(source.metadata);
  }

  private get raw(): RawModel {
    if (!this.loaded) {
      this.loaded = 'load' in this.source ? this.source.load() : this.source;
      this.source = this.loaded;
    }
    return this.loaded;
  }

  /** Every operation by name, built on first use. */
  get operations(): ReadonlyMap<string, Operation> {
    if (!this.built) {
      this.built = new Map();
      for (const op of Object.values(this.raw.operations)) this.built.set(op.name, this.buildOperation(op));
    }
    return this.built;
  }

  /** Name clients sign with (the SigV4 credential scope service). */
  get signingName(): string {
    return this.metadata.signingName ?? this.metadata.endpointPrefix;
  }

  shape(name: string): Shape {
    let shape = this.resolved.get(name);
    if (!shape) {
      const raw = this.raw.shapes[name];
      if (!raw) throw new Error(`model ${this.metadata.serviceId}: unknown shape ${name}`);
      shape = { ...raw, name };
      this.resolved.set(name, shape);
    }
    return shape;
  }

  /**
   * The shape a member reference points at, with the reference's bindings layered on top. Cached
   * per reference: codecs call this for every member of every request.
   */
  member(ref: MemberRef): Shape {
    let shape = this.members.get(ref);
    if (!shape) {
      const target = this.shape(ref.shape);
      shape = target;
      if (BINDING_KEYS.some((key) => ref[key] !== undefined)) {
        const merged: Shape = { ...target };
        for (const key of BINDING_KEYS) if (ref[key] !== undefined) (merged as unknown as Record<string, unknown>)[key] = ref[key];
        shape = merged;
      }
      this.members.set(ref, shape);
    }
    return shape;
  }

  /**
   * A structure's members, each with its resolved shape, in model order. Cached per shape: the
   * codecs and the validator walk them on every request, and building the list each time (entries,
   * lookups) was a measurable share of a small request's cost.
   */
  fields(shape: RawShape): readonly Field[] {
    let fields = this.fieldLists.get(shape);
    if (!fields) {
      fields = Object.entries(shape.members ?? {}).map(([name, ref]) => ({ name, ref, shape: this.member(ref) }));
      this.fieldLists.set(shape, fields);
    }
    return fields;
  }

  /** Error shapes by name (`NoSuchEntityException`) and by wire code (`NoSuchEntity`). */
  errorShape(nameOrCode: string): Shape | undefined {
    if (this.errorsByNameOrCode.has(nameOrCode)) return this.errorsByNameOrCode.get(nameOrCode);
    let found: Shape | undefined;
    if (this.raw.shapes[nameOrCode]?.exception) found = this.shape(nameOrCode);
    else {
      const entry = Object.entries(this.raw.shapes).find(([, shape]) => shape.exception && shape.error?.code === nameOrCode);
      if (entry) found = this.shape(entry[0]);
    }
    this.errorsByNameOrCode.set(nameOrCode, found);
    return found;
  }

  private buildOperation(op: RawOperation): Operation {
    const uri = op.http?.requestUri ?? '/';
    const [path, query = ''] = uri.split('?');
    const staticQuery: Record<string, string> = {};
    for (const part of query.split('&').filter(Boolean)) {
      const [k, v = ''] = part.split('=');
      staticQuery[decodeURIComponent(k)] = decodeURIComponent(v);
    }
    return {
      name: op.name,
      method: op.http?.method ?? 'POST',
      path,
      staticQuery,
      responseCode: op.http?.responseCode ?? 200,
      input: op.input ? this.member(op.input) : undefined,
      output: op.output ? this.member(op.output) : undefined,
      resultWrapper: op.output?.resultWrapper,
      errors: (op.errors ?? []).map((e) => e.shape),
      unsigned: op.authtype === 'none' || (op.auth?.includes('smithy.api#noAuth') ?? false),
      deprecated: op.deprecated === true,
      checksumRequired: op.httpChecksum?.requestChecksumRequired === true,
    };
  }
}

function pickProtocol(meta: ServiceMetadata): Protocol {
  const supported: Protocol[] = ['json', 'query', 'rest-json', 'rest-xml', 'ec2'];
  const candidates = [meta.protocol, ...(meta.protocols ?? [])];
  const found = candidates.find((p): p is Protocol => supported.includes(p as Protocol));
  if (!found) throw new Error(`model ${meta.serviceId}: no supported protocol in ${candidates.join(', ')}`);
  return found;
}

const cache = new Map<string, ServiceModel>();
let metadataIndex: Record<string, ServiceMetadata> | undefined;

function readRawModel(name: string): RawModel {
  return JSON.parse(readFileSync(join(MODELS_DIR, `${name}.json`), 'utf8')) as RawModel;
}

/**
 * `models/<name>.json` once per process. Its metadata comes from `models/index.json` (written by
 * scripts/import-models.mjs beside the models), the rest is parsed on first use; a model missing
 * from the index is parsed at once.
 */
export function loadModel(name: string): ServiceModel {
  let model = cache.get(name);
  if (!model) {
    metadataIndex ??= JSON.parse(readFileSync(join(MODELS_DIR, MODEL_INDEX), 'utf8')) as Record<string, ServiceMetadata>;
    const metadata = metadataIndex[name];
    model = new ServiceModel(metadata ? { metadata, load: () => readRawModel(name) } : readRawModel(name));
    cache.set(name, model);
  }
  return model;
}

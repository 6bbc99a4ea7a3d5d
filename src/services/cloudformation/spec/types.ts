/**
 * The shape of the committed CloudFormation resource specification index (`spec/resource-types.json`),
 * generated from `@aws-cdk/aws-service-spec` by `scripts/generate-cfn-spec.mjs`: what the engine
 * needs to validate properties and decide replacement, nothing more.
 */

/** AWS's update behaviour for a property: changed in place, replaces the resource, or depends. */
export type UpdateBehaviour = 'Mutable' | 'Immutable' | 'Conditional';

export interface PropertySpec {
  required?: true;
  /** Omitted for Mutable. */
  update?: 'Immutable' | 'Conditional';
  /**
   * The property's type: a primitive (`String`, `Integer`, `Long`, `Double`, `Boolean`, `Json`, `Timestamp`), `List<T>`, `Map<T>`, or a property type name of the resource;
   * alternatives are joined with `|` (`Json|String` for policy documents given as an object or as text).
   */
  type: string;
  /** The values a String property accepts, when the schema enumerates them. */
  allowedValues?: string[];
}

export interface ResourceTypeSpec {
  properties: Record<string, PropertySpec>;
  /** Attribute names `Fn::GetAtt` accepts. */
  attributes: string[];
  /** The properties (or attributes) that identify an existing resource, as resource import's ResourceIdentifier names them (`QueueUrl`, `Name` …). */
  primaryIdentifier?: string[];
  /** Property types (nested structures) of this resource, by name, with the same member shape. */
  propertyTypes?: Record<string, Record<string, PropertySpec>>;
}

export interface ResourceSpecIndex {
  /** Every resource type CloudFormation knows (for "Unrecognized resource types"), with details only for those Drydock provides. */
  types: Record<string, ResourceTypeSpec | null>;
}

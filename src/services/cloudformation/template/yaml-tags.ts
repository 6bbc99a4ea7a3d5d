/**
 * YAML short forms (`!Ref`, `!GetAtt a.b`, `!Sub` …) turned into the JSON forms every other part
 * of the template layer reads (`{ "Ref": … }`, `{ "Fn::GetAtt": [a, b] }`). The YAML document is
 * walked node by node rather than through the `yaml` package's custom tags so that one rule covers
 * scalars, sequences and mappings alike, and a tag CloudFormation does not know becomes
 * `Fn::<Name>`, which template checking then refuses as an unsupported function, as AWS does.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';

/** The short-form tags whose long form is not simply `Fn::<Name>`. */
const SPECIAL_TAGS: Record<string, string> = { '!Ref': 'Ref', '!Condition': 'Condition' };

function applyTag(tag: string, value: unknown): unknown {
  const special = SPECIAL_TAGS[tag];
  if (special) return { [special]: value };
  const name = tag.slice(1);
  // `!GetAtt Resource.Attribute` (and `Stack.Outputs.Name`): the logical id ends at the first dot.
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

/** Converts one parsed node to plain JSON-like data, expanding short-form tags. */
export function nodeToValue(node: unknown, doc: Document): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return nodeToValue(node.resolve(doc), doc);
  let value: unknown;
  if (isMap(node)) {
    const object: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = nodeToValue(pair.key, doc);
      object[String(key)] = nodeToValue(pair.value, doc);
    }
    value = object;
  } else if (isSeq(node)) {
    value = node.items.map((item) => nodeToValue(item, doc));
  } else if (isScalar(node)) {
    value = node.value;
  } else {
    return null;
  }
  const tag = (node as Node).tag;
  return tag?.startsWith('!') && !tag.startsWith('!!') ? applyTag(tag, value) : value;
}

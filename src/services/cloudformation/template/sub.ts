/** `Fn::Sub` strings: the literal text and the `${Name}` / `${Resource.Attribute}` variables in them. */

export type SubPart = { literal: string } | { variable: string };

/**
 * Splits a Sub string into literals and variables. `${!Literal}` writes `${Literal}` as is, and a
 * `${` that never closes stays text, as CloudFormation treats them.
 */
export function parseSub(text: string): SubPart[] {
  const parts: SubPart[] = [];
  let literal = '';
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('${', at);
    const close = open < 0 ? -1 : text.indexOf('}', open + 2);
    if (open < 0 || close < 0) {
      literal += text.slice(at);
      break;
    }
    literal += text.slice(at, open);
    const inside = text.slice(open + 2, close);
    if (inside.startsWith('!')) {
      literal += `\${${inside.slice(1)}}`;
    } else {
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ variable: inside.trim() });
    }
    at = close + 1;
  }
  if (literal) parts.push({ literal });
  return parts;
}

/** The variables a Sub string names, in order of appearance. */
export function subVariables(text: string): string[] {
  return parseSub(text).flatMap((part) => ('variable' in part ? [part.variable] : []));
}

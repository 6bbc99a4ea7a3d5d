/**
 * Where a JSON body stops being JSON. `JSON.parse` says only that it failed (Node 20's messages
 * often carry no position), while AWS answers "JSON not well-formed. (line L, column C)": this
 * scanner walks the grammar and reports the first offending character.
 */

class JsonScanError extends Error {
  constructor(readonly offset: number) {
    super('JSON not well-formed');
  }
}

/** The offset of the first character that breaks the JSON grammar (the body's length when it ends too early). */
export function jsonErrorOffset(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw new JsonScanError(at);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at] as string)) at++;
  };
  const expect = (char: string) => {
    if (text[at] !== char) fail();
    at++;
  };
  const literal = (word: string) => {
    for (const char of word) expect(char);
  };
  const quoted = () => {
    expect('"');
    while (at < text.length && text[at] !== '"') {
      const char = text.charCodeAt(at);
      if (char < 0x20) fail();
      if (text[at] === '\\') {
        at++;
        const escaped = text[at];
        if (escaped === 'u') {
          for (let digit = 1; digit <= 4; digit++) if (!/[0-9a-fA-F]/.test(text[at + digit] ?? '')) fail();
          at += 4;
        } else if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) fail();
      }
      at++;
    }
    expect('"');
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!match || match[0] === '' || match[0] === '-') fail();
    at += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === '{') members('}', member);
    else if (char === '[') members(']', value);
    else if (char === '"') quoted();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else number();
  };
  const member = () => {
    skipSpace();
    quoted();
    skipSpace();
    expect(':');
    value();
  };
  const members = (close: string, member: () => void) => {
    at++;
    skipSpace();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text[at] === ',') {
        at++;
        continue;
      }
      expect(close);
      return;
    }
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail();
    return -1;
  } catch (error) {
    if (error instanceof JsonScanError) return error.offset;
    throw error;
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * A streaming JSON reader that reports errors the way EventBridge does. EventBridge validates event
 * patterns with a streaming (Jackson) parser, and its InvalidEventPatternException messages carry
 * that parser's position: `<reason>\n at [Source: (String)"<pattern>"; line: L, column: C]`. The
 * position is where the parser stood when the check failed, which depends on how far it had read:
 * past a number or literal, past `{ [ ] }`, just past the opening quote of a string whose text was
 * not asked for yet, past the closing quote once it was. This reader keeps the same positions so
 * our messages match AWS's to the column.
 */

export type Token =
  | 'START_OBJECT'
  | 'END_OBJECT'
  | 'START_ARRAY'
  | 'END_ARRAY'
  | 'FIELD_NAME'
  | 'VALUE_STRING'
  | 'VALUE_NUMBER_INT'
  | 'VALUE_NUMBER_FLOAT'
  | 'VALUE_TRUE'
  | 'VALUE_FALSE'
  | 'VALUE_NULL';

/** Jackson shows at most this many characters of the source in a location. */
const MAX_SOURCE_SNIPPET = 500;

/** A pattern error: `reason` is what AWS's message says before the location. */
export class PatternError extends Error {}

interface Frame {
  kind: 'object' | 'array';
  /** Whether the next entry needs a comma before it. */
  hasEntries: boolean;
  /** Where the container opened, for end-of-input messages. */
  line: number;
  column: number;
}

export function isNumericToken(token: Token | undefined): boolean {
  return token === 'VALUE_NUMBER_INT' || token === 'VALUE_NUMBER_FLOAT';
}

export class JsonReader {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly stack: Frame[] = [];
  /** The value token already read after a field name (Jackson reads a field's value start with its name). */
  private pending?: Token;
  /** A string token whose closing quote has not been reached: its text is read on demand. */
  private openString?: number;
  private text = '';
  private fieldText = '';
  private current?: Token;

  constructor(private readonly source: string) {}

  get token(): Token | undefined {
    return this.current;
  }

  /** The current field name or string value; finishes reading an open string (moving the position past its closing quote). */
  getText(): string {
    if (this.current === 'FIELD_NAME') return this.fieldText;
    if (this.openString !== undefined) this.finishString();
    if (this.current === 'VALUE_TRUE') return 'true';
    if (this.current === 'VALUE_FALSE') return 'false';
    if (this.current === 'VALUE_NULL') return 'null';
    return this.text;
  }

  /** An error at the reader's position, in AWS's words. */
  fail(reason: string): PatternError {
    return new PatternError(`${reason}\n at ${this.location(this.line, this.pos - this.lineStart + 1)}`);
  }

  private location(line: number, column: number): string {
    const shown = this.source.length > MAX_SOURCE_SNIPPET ? `"${this.source.slice(0, MAX_SOURCE_SNIPPET)}"[truncated ${this.source.length - MAX_SOURCE_SNIPPET} chars]` : `"${this.source}"`;
    return `[Source: (String)${shown}; line: ${line}, column: ${column}]`;
  }

  /** The next token, or undefined at the end of the input outside any container. */
  next(): Token | undefined {
    // The value after a field name was read with the name: its string (if any) stays open.
    if (this.pending) {
      this.current = this.pending;
      this.pending = undefined;
      return this.current;
    }
    if (this.openString !== undefined) this.finishString();
    const frame = this.stack.at(-1);
    let ch = this.skipSpace();
    if (ch === undefined) {
      if (frame) this.endOfInput(frame);
      this.current = undefined;
      return undefined;
    }
    if (frame && ch === (frame.kind === 'object' ? '}' : ']')) {
      this.pos++;
      this.stack.pop();
      this.current = frame.kind === 'object' ? 'END_OBJECT' : 'END_ARRAY';
      if (this.stack.length) this.stack.at(-1)!.hasEntries = true;
      return this.current;
    }
    if (frame?.hasEntries) {
      if (ch !== ',') this.unexpected(ch, `was expecting comma to separate ${frame.kind === 'object' ? 'Object' : 'Array'} entries`);
      this.pos++;
      ch = this.skipSpace();
      if (ch === undefined) this.endOfInput(frame);
    }
    if (frame?.kind === 'object') return this.readFieldName(ch!, frame);
    if (frame) frame.hasEntries = true;
    this.current = this.value(ch!);
    return this.current;
  }

  /** A field name, its colon and the first token of its value (as Jackson reads them together). */
  private readFieldName(ch: string, frame: Frame): Token {
    if (ch !== '"') this.unexpected(ch, 'was expecting double-quote to start field name');
    this.pos++;
    this.fieldText = this.readStringBody();
    let next = this.skipSpace();
    if (next === undefined) this.endOfInput(frame);
    if (next !== ':') this.unexpected(next!, 'was expecting a colon to separate field name and value');
    this.pos++;
    next = this.skipSpace();
    if (next === undefined) this.endOfInput(frame);
    frame.hasEntries = true;
    this.pending = this.value(next!);
    this.current = 'FIELD_NAME';
    return this.current;
  }

  /** The name of the current field (valid after FIELD_NAME, and while reading its value). */
  get fieldName(): string {
    return this.fieldText;
  }

  private value(ch: string): Token {
    switch (ch) {
      case '{':
      case '[':
        this.pos++;
        this.stack.push({ kind: ch === '{' ? 'object' : 'array', hasEntries: false, line: this.line, column: this.pos - this.lineStart });
        return ch === '{' ? 'START_OBJECT' : 'START_ARRAY';
      case '"':
        this.pos++;
        this.openString = this.pos;
        return 'VALUE_STRING';
      case 't':
      case 'f':
      case 'n':
        return this.literal();
      default:
        if (ch === '-' || (ch >= '0' && ch <= '9')) return this.number();
        if (/[A-Za-z]/.test(ch)) this.unrecognizedToken();
        return this.unexpected(ch, 'expected a value');
    }
  }

  private literal(): Token {
    const start = this.pos;
    while (this.pos < this.source.length && /[A-Za-z0-9_]/.test(this.source[this.pos]!)) this.pos++;
    const word = this.source.slice(start, this.pos);
    if (word === 'true') return 'VALUE_TRUE';
    if (word === 'false') return 'VALUE_FALSE';
    if (word === 'null') return 'VALUE_NULL';
    return this.unrecognizedToken(start);
  }

  private unrecognizedToken(start = this.pos): never {
    this.pos = start;
    while (this.pos < this.source.length && /[A-Za-z0-9_$.-]/.test(this.source[this.pos]!)) this.pos++;
    throw this.fail(`Unrecognized token '${this.source.slice(start, this.pos)}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`);
  }

  private number(): Token {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.source.slice(this.pos));
    if (!match || match[0] === '-') {
      this.pos++;
      const ch = this.source[this.pos];
      throw this.fail(
        ch === undefined
          ? 'Unexpected end-of-input in a Number value'
          : `Unexpected character (${describeChar(ch)}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value`,
      );
    }
    this.pos += match[0].length;
    this.text = match[0];
    const after = this.source[this.pos];
    if (after !== undefined && /[0-9]/.test(after) && match[1] === '0') throw this.fail('Invalid numeric value: Leading zeroes not allowed');
    return match[2] || match[3] ? 'VALUE_NUMBER_FLOAT' : 'VALUE_NUMBER_INT';
  }

  private finishString(): void {
    this.pos = this.openString!;
    this.openString = undefined;
    this.text = this.readStringBody();
  }

  /** Reads a string's characters up to and past its closing quote; the position starts just past the opening one. */
  private readStringBody(): string {
    let out = '';
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) throw this.fail('Unexpected end-of-input: was expecting closing quote for a string value');
      this.pos++;
      if (ch === '"') return out;
      if (ch === '\\') {
        out += this.escape();
        continue;
      }
      if (ch < ' ') throw this.fail(`Illegal unquoted character (${describeChar(ch)}): has to be escaped using backslash to be included in string value`);
      out += ch;
    }
  }

  private escape(): string {
    const ch = this.source[this.pos++];
    switch (ch) {
      case '"':
      case '\\':
      case '/':
        return ch;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.source.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail('Unexpected character in unicode escape: expected a hex-digit for character escape sequence');
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        if (ch === undefined) throw this.fail('Unexpected end-of-input in character escape sequence');
        throw this.fail(`Unrecognized character escape ${describeChar(ch)}`);
    }
  }

  private skipSpace(): string | undefined {
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) return undefined;
      if (ch === '\n' || (ch === '\r' && this.source[this.pos + 1] !== '\n')) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (ch === ' ' || ch === '\t' || ch === '\r') {
        this.pos++;
      } else {
        return ch;
      }
    }
  }

  private unexpected(ch: string, expectation: string): never {
    throw this.fail(`Unexpected character (${describeChar(ch)}): ${expectation}`);
  }

  private endOfInput(frame: Frame): never {
    const kind = frame.kind === 'object' ? 'Object' : 'Array';
    throw this.fail(`Unexpected end-of-input: expected close marker for ${kind} (start marker at ${this.location(frame.line, frame.column)})`);
  }
}

/** How Jackson names a character in messages: `'x' (code 120)`, control characters as CTRL-CHAR. */
function describeChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 32) return `CTRL-CHAR, code ${code}`;
  return `'${ch}' (code ${code}${code > 255 ? ` / 0x${code.toString(16)}` : ''})`;
}

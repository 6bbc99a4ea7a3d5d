/**
 * Where each statement of a policy document sits in its text, as IAM's policy simulator reports it
 * (MatchedStatements' StartPosition and EndPosition): the line and column, both from 1, of the
 * statement's opening brace and of the character just after its closing brace.
 */

export interface TextPosition {
  line: number;
  column: number;
}

export interface StatementSpan {
  start: TextPosition;
  end: TextPosition;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** A small JSON scanner that only finds where values start and end (the document was already parsed). */
class Scanner {
  constructor(
    readonly text: string,
    public at = 0,
  ) {}

  skipSpace(): void {
    while (this.at < this.text.length && WHITESPACE.has(this.text[this.at]!)) this.at++;
  }

  /** Reads a string starting at the quote under the cursor and answers its value. */
  readString(): string {
    const start = this.at;
    this.at++;
    while (this.at < this.text.length && this.text[this.at] !== '"') this.at += this.text[this.at] === '\\' ? 2 : 1;
    this.at++;
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  /** Moves past the value under the cursor. */
  skipValue(): void {
    this.skipSpace();
    const ch = this.text[this.at];
    if (ch === '"') {
      this.readString();
      return;
    }
    if (ch !== '{' && ch !== '[') {
      while (this.at < this.text.length && !',}]'.includes(this.text[this.at]!) && !WHITESPACE.has(this.text[this.at]!)) this.at++;
      return;
    }
    const close = ch === '{' ? '}' : ']';
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === close) {
      this.at++;
      return;
    }
    for (;;) {
      if (ch === '{') {
        this.skipSpace();
        this.readString();
        this.skipSpace();
        this.at++; // the colon
      }
      this.skipValue();
      this.skipSpace();
      const next = this.text[this.at++];
      if (next !== ',') return;
    }
  }
}

function positionOf(lineStarts: number[], offset: number): TextPosition {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low]! + 1 };
}

/** The spans of the document's statements by their index in Statement (one for a single Statement object); [] when unreadable. */
export function statementSpans(text: string): StatementSpan[] {
  try {
    JSON.parse(text);
  } catch {
    return [];
  }
  const scanner = new Scanner(text);
  scanner.skipSpace();
  if (text[scanner.at] !== '{') return [];
  scanner.at++;
  let spans: Array<[number, number]> = [];
  scanner.skipSpace();
  while (text[scanner.at] === '"') {
    const key = scanner.readString();
    scanner.skipSpace();
    scanner.at++; // the colon
    scanner.skipSpace();
    // JSON.parse keeps the last of duplicate keys, and so does this.
    if (key === 'Statement') spans = statementOffsets(scanner);
    else scanner.skipValue();
    scanner.skipSpace();
    if (text[scanner.at] !== ',') break;
    scanner.at++;
    scanner.skipSpace();
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  return spans.map(([start, end]) => ({ start: positionOf(lineStarts, start), end: positionOf(lineStarts, end) }));
}

/** The [start, end) offsets of each statement of the Statement value under the cursor, moving past it. */
function statementOffsets(scanner: Scanner): Array<[number, number]> {
  const { text } = scanner;
  if (text[scanner.at] !== '[') {
    const start = scanner.at;
    scanner.skipValue();
    return [[start, scanner.at]];
  }
  const out: Array<[number, number]> = [];
  scanner.at++;
  scanner.skipSpace();
  if (text[scanner.at] === ']') {
    scanner.at++;
    return out;
  }
  for (;;) {
    scanner.skipSpace();
    const start = scanner.at;
    scanner.skipValue();
    out.push([start, scanner.at]);
    scanner.skipSpace();
    if (text[scanner.at++] !== ',') return out;
  }
}

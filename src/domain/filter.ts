/**
 * The filter grammar of RFC 7644 §3.4.2.2, parsed once for every door: SCIM's `filter` and /v1's
 * `?filter=` both read it here, then map attribute paths to their own fields. Also the PATCH path
 * grammar of §3.5.2 (`attrPath[valFilter].subAttr`), which shares the attribute path and value filter.
 *
 * Operators and the words and/or/not/true/false/null are case-insensitive; attribute names are kept
 * as written (each door compares them case-insensitively). Precedence: not, then and, then or.
 */

export const COMPARE_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type FilterValue = string | number | boolean | null;

/** `urn:…:User:name.givenName`, `emails[type eq "work"].value`, `metadata.plan`. */
export interface AttrPath {
  /** The schema URN before the attribute, when the path is qualified. */
  schema?: string;
  name: string;
  /** A value filter on a multi-valued attribute (`emails[type eq "work"]`). */
  filter?: FilterNode;
  sub?: string;
}

export type FilterNode =
  | { op: 'pr'; path: AttrPath }
  | { op: CompareOp; path: AttrPath; value: FilterValue }
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'not'; filter: FilterNode }
  /** A value path on its own: some value of `path` matches `filter` (`emails[type eq "work"]`). */
  | { op: 'has'; path: AttrPath; filter: FilterNode };

/** Where and why a filter or path does not parse; each door reports it in its own shape. */
export class FilterSyntaxError extends Error {}

/** Bounds that keep a hostile filter from costing more than a legible one: length and nesting. */
export const FILTER_LIMITS = { maxLength: 4096, maxDepth: 32 } as const;

type Token = { kind: '(' | ')' | '[' | ']' | 'string' | 'word'; text: string; at: number; value?: string };

const WORD = /[A-Za-z0-9_$:.+\-]/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, text: c, at: i });
      i += 1;
    } else if (c === '"') {
      // A JSON string (RFC 7644 compValue): escapes as JSON has them.
      let end = i + 1;
      while (end < input.length && input[end] !== '"') end += input[end] === '\\' ? 2 : 1;
      if (end >= input.length) throw new FilterSyntaxError(`Unterminated string starting at character ${i + 1}`);
      const text = input.slice(i, end + 1);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new FilterSyntaxError(`Invalid string ${text.slice(0, 40)} at character ${i + 1}`);
      }
      tokens.push({ kind: 'string', text, at: i, value: value as string });
      i = end + 1;
    } else if (WORD.test(c)) {
      let end = i;
      while (end < input.length && WORD.test(input[end]!)) end += 1;
      tokens.push({ kind: 'word', text: input.slice(i, end), at: i });
      i = end;
    } else {
      throw new FilterSyntaxError(`Unexpected character "${c}" at character ${i + 1}`);
    }
  }
  return tokens;
}

const ATTR_NAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;

/** `[schema:]name[.sub]` of one word; the schema is everything before the last colon. */
function attrPathOf(word: string, at: number): AttrPath {
  const colon = word.lastIndexOf(':');
  const schema = colon === -1 ? undefined : word.slice(0, colon);
  const rest = colon === -1 ? word : word.slice(colon + 1);
  const [name, sub, ...more] = rest.split('.');
  if (!name || !ATTR_NAME.test(name) || more.length > 0 || (sub !== undefined && !ATTR_NAME.test(sub))) {
    throw new FilterSyntaxError(`"${word.slice(0, 80)}" at character ${at + 1} is not an attribute path (name, name.subAttribute or urn:…:name)`);
  }
  if (schema !== undefined && !/^urn:[A-Za-z0-9:._-]+$/i.test(schema)) {
    throw new FilterSyntaxError(`"${schema.slice(0, 80)}" at character ${at + 1} is not a schema URN`);
  }
  return { ...(schema ? { schema } : {}), name, ...(sub !== undefined ? { sub } : {}) };
}

class Parser {
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private pos = 0,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(what: string): Token {
    const token = this.tokens[this.pos];
    if (!token) throw new FilterSyntaxError(`Expected ${what} at the end of "${this.source.slice(0, 200)}"`);
    this.pos += 1;
    return token;
  }

  private isWord(token: Token | undefined, ...words: string[]): boolean {
    return token?.kind === 'word' && words.includes(token.text.toLowerCase());
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > FILTER_LIMITS.maxDepth) throw new FilterSyntaxError(`Filters may nest at most ${FILTER_LIMITS.maxDepth} levels deep`);
  }

  end(): void {
    const token = this.peek();
    if (token) throw new FilterSyntaxError(`Unexpected "${token.text.slice(0, 40)}" at character ${token.at + 1}`);
  }

  or(): FilterNode {
    let left = this.and();
    while (this.isWord(this.peek(), 'or')) {
      this.pos += 1;
      left = { op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.pos += 1;
      left = { op: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    const token = this.next('a filter');
    if (this.isWord(token, 'not') && this.peek()?.kind === '(') {
      this.pos += 1;
      this.enter();
      const filter = this.or();
      this.close(')');
      this.depth -= 1;
      return { op: 'not', filter };
    }
    if (token.kind === '(') {
      this.enter();
      const inner = this.or();
      this.close(')');
      this.depth -= 1;
      return inner;
    }
    if (token.kind !== 'word') throw new FilterSyntaxError(`Expected an attribute at character ${token.at + 1}, found "${token.text.slice(0, 40)}"`);
    const path = this.pathFrom(token);
    if (path.filter && path.sub === undefined && !this.isWord(this.peek(), ...COMPARE_OPS, 'pr')) {
      const { filter, ...attribute } = path;
      return { op: 'has', path: attribute, filter };
    }
    const opToken = this.next('an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)');
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') return { op: 'pr', path };
    if (!(COMPARE_OPS as readonly string[]).includes(op)) {
      throw new FilterSyntaxError(`"${opToken.text.slice(0, 40)}" at character ${opToken.at + 1} is not an operator: use eq, ne, co, sw, ew, gt, ge, lt, le or pr`);
    }
    return { op: op as CompareOp, path, value: this.value() };
  }

  /** An attribute path starting at `token`, with its value filter and sub-attribute if any. */
  pathFrom(token: Token): AttrPath {
    const path = attrPathOf(token.text, token.at);
    if (this.peek()?.kind !== '[') return path;
    if (path.sub !== undefined) throw new FilterSyntaxError(`A value filter must follow the attribute itself, not "${token.text}" (character ${token.at + 1})`);
    this.pos += 1;
    this.enter();
    const filter = this.or();
    this.close(']');
    this.depth -= 1;
    const after = this.peek();
    if (after?.kind === 'word' && after.text.startsWith('.')) {
      this.pos += 1;
      const sub = after.text.slice(1);
      if (!ATTR_NAME.test(sub)) throw new FilterSyntaxError(`"${after.text.slice(0, 40)}" at character ${after.at + 1} is not a sub-attribute`);
      return { ...path, filter, sub };
    }
    return { ...path, filter };
  }

  private close(kind: ')' | ']'): void {
    const token = this.next(`"${kind}"`);
    if (token.kind !== kind) throw new FilterSyntaxError(`Expected "${kind}" at character ${token.at + 1}, found "${token.text.slice(0, 40)}"`);
  }

  private value(): FilterValue {
    const token = this.next('a value (a "string", a number, true, false or null)');
    if (token.kind === 'string') return token.value!;
    if (token.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token.text)) {
        const number = Number(token.text);
        if (Number.isFinite(number)) return number;
      }
    }
    throw new FilterSyntaxError(`Expected a value at character ${token.at + 1}: a "quoted string", a number, true, false or null, not "${token.text.slice(0, 40)}"`);
  }
}

function checkLength(input: string, what: string): void {
  if (input.length > FILTER_LIMITS.maxLength) throw new FilterSyntaxError(`A ${what} may be at most ${FILTER_LIMITS.maxLength} characters long`);
  if (input.trim() === '') throw new FilterSyntaxError(`The ${what} is empty`);
}

/** Parses a filter expression (RFC 7644 §3.4.2.2) or throws FilterSyntaxError. */
export function parseFilter(input: string): FilterNode {
  checkLength(input, 'filter');
  const parser = new Parser(tokenize(input), input);
  const node = parser.or();
  parser.end();
  return node;
}

/** Parses a PATCH path (RFC 7644 §3.5.2: `attrPath[valFilter].subAttr`) or throws FilterSyntaxError. */
export function parsePath(input: string): AttrPath {
  checkLength(input, 'path');
  const tokens = tokenize(input);
  const first = tokens[0];
  if (!first || first.kind !== 'word') throw new FilterSyntaxError(`"${input.slice(0, 80)}" is not an attribute path`);
  const parser = new Parser(tokens, input, 1);
  const path = parser.pathFrom(first);
  parser.end();
  return path;
}

/** The path as written in the grammar, for messages. */
export function formatPath(path: AttrPath): string {
  return `${path.schema ? `${path.schema}:` : ''}${path.name}${path.filter ? '[…]' : ''}${path.sub !== undefined ? `.${path.sub}` : ''}`;
}

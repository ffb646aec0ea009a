/**
 * Evaluating the expressions of a synthesized JSON stack (`"${aws_x.y.id}/dev/*"`,
 * `"${jsonencode({"a" = aws_x.y.id})}"`) against known values, for the prior state written by hand
 * (prior-state.ts). A deliberately small subset of HCL: templates, references, literals, objects,
 * tuples, indexing and a few functions; anything else is an {@link UnsupportedExpressionError}, so
 * the caller falls back to a fake value instead of guessing.
 */

/** A JSON value: what state attributes and `terraform show -json` values are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The expression uses something this evaluator does not implement (an operator, a conditional, var.*, ...). */
export class UnsupportedExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedExpressionError';
  }
}

/**
 * Looks up the first name of a reference (`aws_lambda_function`, `data`) and returns an object to
 * traverse (`{ authorizer_function: { arn: ... } }`); throws {@link UnsupportedExpressionError} for a
 * name it cannot resolve.
 */
export type ReferenceScope = (root: string) => Json;

/**
 * Evaluates a string of a JSON-syntax Terraform configuration, which is a template: literal text
 * with `${ expression }` interpolations (`$${` is a literal `${`). A template that is exactly one
 * interpolation yields the expression's value with its own type, as Terraform does; otherwise the
 * parts are joined into a string.
 *
 * @example
 * evaluateTemplate('${aws_x.y.arn}/dev/*', (root) => ({ y: { arn: 'arn:aws:x' } })); // 'arn:aws:x/dev/*'
 */
export function evaluateTemplate(template: string, scope: ReferenceScope): Json {
  const parser = new Parser(template, scope);
  const parts = parser.templateParts(template.length, '');
  if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0].value;
  return parts.map((part) => (typeof part === 'string' ? part : toTemplateString(part.value))).join('');
}

/**
 * Evaluates every string inside a JSON configuration value (an attribute's `constant_value` in
 * `terraform show -json`) as a template; other values are kept.
 *
 * @example
 * evaluateJsonConfig({ client_id: '${aws_c.m.id}', n: 1 }, scope); // { client_id: 'fake-...', n: 1 }
 */
export function evaluateJsonConfig(value: Json, scope: ReferenceScope): Json {
  if (typeof value === 'string') return evaluateTemplate(value, scope);
  if (Array.isArray(value)) return value.map((item) => evaluateJsonConfig(item, scope));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateJsonConfig(v, scope)]));
  return value;
}

/**
 * Terraform's `jsonencode`: object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
 *
 * @example
 * jsonencode({ b: 1, a: '<x>' }); // '{"a":"\\u003cx\\u003e","b":1}'
 */
export function jsonencode(value: Json): string {
  const sorted = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    return v;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type Part = string | { value: Json };

const FUNCTIONS: Record<string, (args: Json[]) => Json> = {
  jsonencode: ([value, ...rest]) => {
    if (rest.length > 0) throw new UnsupportedExpressionError('jsonencode: takes one argument');
    return jsonencode(value);
  },
  join: ([separator, ...lists]) => {
    if (typeof separator !== 'string' || !lists.every(Array.isArray)) throw new UnsupportedExpressionError('join: needs a separator and lists');
    return (lists as Json[][]).flat().map(toTemplateString).join(separator);
  },
  tostring: ([value]) => (value === null ? null : toTemplateString(value)),
  tolist: ([value]) => value,
  toset: ([value]) => (Array.isArray(value) ? [...new Set(value.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v) as Json) : value),
  concat: (lists) => {
    if (!lists.every(Array.isArray)) throw new UnsupportedExpressionError('concat: needs lists');
    return (lists as Json[][]).flat();
  },
  lower: ([value]) => toTemplateString(value).toLowerCase(),
  upper: ([value]) => toTemplateString(value).toUpperCase(),
};

/** How a value is written into a template: strings as they are, numbers and bools as text. */
function toTemplateString(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnsupportedExpressionError(`cannot interpolate ${value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object'} into a string`);
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_-]/;

/** A recursive-descent parser that evaluates as it parses. */
class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly scope: ReferenceScope,
  ) {}

  /** Template parts up to `end` (an index) or up to the closing `terminator` character of a quoted string. */
  templateParts(end: number, terminator: '' | '"'): Part[] {
    const parts: Part[] = [];
    let literal = '';
    while (this.pos < end) {
      const c = this.text[this.pos];
      if (terminator && c === terminator) break;
      if (terminator && c === '\\') {
        literal += this.escape();
        continue;
      }
      if ((c === '$' || c === '%') && this.text[this.pos + 1] === c && this.text[this.pos + 2] === '{') {
        literal += `${c}{`;
        this.pos += 3;
        continue;
      }
      if (c === '%' && this.text[this.pos + 1] === '{') throw new UnsupportedExpressionError('template directives (%{ ... }) are not supported');
      if (c === '$' && this.text[this.pos + 1] === '{') {
        if (literal) parts.push(literal);
        literal = '';
        this.pos += 2;
        if (this.text[this.pos] === '~') throw new UnsupportedExpressionError('strip markers (${~) are not supported');
        const value = this.expression();
        this.skipSpace();
        if (this.text[this.pos] !== '}') throw this.unsupported('expected } after the interpolation');
        this.pos++;
        parts.push({ value });
        continue;
      }
      literal += c;
      this.pos++;
    }
    if (literal) parts.push(literal);
    return parts;
  }

  private escape(): string {
    const next = this.text[this.pos + 1];
    this.pos += 2;
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
    if (next in simple) return simple[next];
    if (next === 'u') {
      const hex = this.text.slice(this.pos, this.pos + 4);
      this.pos += 4;
      return String.fromCharCode(parseInt(hex, 16));
    }
    throw this.unsupported(`unknown escape \\${next}`);
  }

  private expression(): Json {
    let value = this.primary();
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === '.' && this.text[this.pos + 1] !== '.') {
        this.pos++;
        this.skipSpace();
        const key = /[0-9]/.test(this.text[this.pos]) ? this.digits() : this.identifier();
        value = index(value, key);
      } else if (c === '[') {
        this.pos++;
        const key = this.expression();
        this.skipSpace();
        if (this.text[this.pos] !== ']') throw this.unsupported('expected ]');
        this.pos++;
        value = index(value, key);
      } else {
        break;
      }
    }
    this.skipSpace();
    const rest = this.text[this.pos];
    if (rest !== undefined && !'}],)\r\n'.includes(rest)) {
      throw this.unsupported(`operator or expression at "${this.text.slice(this.pos, this.pos + 20)}"`);
    }
    return value;
  }

  private primary(): Json {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"') {
      this.pos++;
      const parts = this.templateParts(this.text.length, '"');
      if (this.text[this.pos] !== '"') throw this.unsupported('unterminated string');
      this.pos++;
      if (parts.length === 1 && typeof parts[0] !== 'string') return toTemplateString(parts[0].value);
      return parts.map((part) => (typeof part === 'string' ? part : toTemplateString(part.value))).join('');
    }
    if (c === '{') return this.object();
    if (c === '[') return this.tuple();
    if (c === '(') {
      this.pos++;
      const value = this.expression();
      this.expect(')');
      return value;
    }
    if (c === '-' || /[0-9]/.test(c ?? '')) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
      if (!match) throw this.unsupported('operator -');
      this.pos += match[0].length;
      return Number(match[0]);
    }
    if (c !== undefined && IDENT_START.test(c)) {
      const name = this.identifier();
      this.skipSpace();
      if (this.text[this.pos] === '(') {
        this.pos++;
        const fn = FUNCTIONS[name];
        if (!fn) throw new UnsupportedExpressionError(`function ${name}() is not supported`);
        return fn(this.list(')'));
      }
      if (name === 'true') return true;
      if (name === 'false') return false;
      if (name === 'null') return null;
      return this.scope(name);
    }
    throw this.unsupported(`unexpected "${c ?? 'end of text'}"`);
  }

  private object(): Json {
    this.pos++;
    const result: Record<string, Json> = {};
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      const c = this.text[this.pos];
      const key = c === '"' || c === '(' ? this.primary() : IDENT_START.test(c ?? '') ? this.identifier() : undefined;
      if (typeof key !== 'string') throw this.unsupported('object keys must be names or strings');
      this.skipSpace();
      if (this.text[this.pos] !== '=' && this.text[this.pos] !== ':') throw this.unsupported('expected = or : after an object key');
      this.pos++;
      result[key] = this.expression();
      this.skipSpace(true);
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  private tuple(): Json {
    this.pos++;
    return this.list(']');
  }

  /** Comma-separated expressions up to `close`. */
  private list(close: string): Json[] {
    const items: Json[] = [];
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      if (this.text.startsWith('...', this.pos)) throw this.unsupported('argument expansion (...) is not supported');
      items.push(this.expression());
      this.skipSpace(true);
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) throw this.unsupported(`expected , or ${close}`);
    }
  }

  private identifier(): string {
    const start = this.pos;
    if (!IDENT_START.test(this.text[this.pos] ?? '')) throw this.unsupported('expected a name');
    while (this.pos < this.text.length && IDENT.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private digits(): number {
    const start = this.pos;
    while (/[0-9]/.test(this.text[this.pos] ?? '')) this.pos++;
    return Number(this.text.slice(start, this.pos));
  }

  private expect(c: string): void {
    this.skipSpace(true);
    if (this.text[this.pos] !== c) throw this.unsupported(`expected ${c}`);
    this.pos++;
  }

  private skipSpace(newlines = false): void {
    const space = newlines ? /\s/ : /[ \t]/;
    while (this.pos < this.text.length && space.test(this.text[this.pos])) this.pos++;
  }

  private unsupported(what: string): UnsupportedExpressionError {
    return new UnsupportedExpressionError(`${what} (at character ${this.pos} of ${JSON.stringify(this.text.length > 80 ? `${this.text.slice(0, 77)}...` : this.text)})`);
  }
}

/** `value[key]` / `value.key`; throws when there is nothing there. */
function index(value: Json, key: Json): Json {
  if (Array.isArray(value) && typeof key === 'number' && key >= 0 && key < value.length) return value[key];
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && (typeof key === 'string' || typeof key === 'number') && String(key) in value) return value[String(key)];
  throw new UnsupportedExpressionError(`no ${JSON.stringify(key)} in the referenced value`);
}

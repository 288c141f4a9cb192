// Checks before sending: a notice is held to the JSON Schema the node serves (GET
// /console/schema, generated from the protocol's models) and to the rules the schema cannot
// state that an operator trips over (window order, vertical block order, FL with STD, SFC).
// Problems come out as the node reports them: {path, code, params}, with the node's codes
// (less_than_equal {le}, missing, string_too_long {max_length}, end_before_start, ...), so one
// dictionary says both in the operator's language.

import { comparable, metres } from './altitude.js';

let loaded = null;

/** Keep the schema the node served (the console loads it once it is signed in). */
export function setSchema(schema) {
  loaded = schema;
}

export function currentSchema() {
  return loaded;
}

function resolve(node, root) {
  let n = node;
  const seen = new Set();
  while (n && n.$ref && !seen.has(n.$ref)) {
    seen.add(n.$ref);
    n = n.$ref.split('/').slice(1).reduce((o, k) => o?.[k], root);
  }
  return n || {};
}

const defName = (node) => (node && node.$ref ? node.$ref.split('/').pop() : null);

function typeOk(type, v) {
  switch (type) {
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

const TYPE_CODES = { object: 'model_type', array: 'list_type', string: 'string_type', integer: 'int_type', number: 'float_type', boolean: 'bool_type' };
const patterns = new Map();

function regex(pattern) {
  if (!patterns.has(pattern)) {
    let re = null;
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null; // a pattern this engine cannot read is left to the node
    }
    patterns.set(pattern, re);
  }
  return patterns.get(pattern);
}

const expected = (values) => values.map((v) => `'${v}'`).join(', ');
const join = (path, key) => (path ? `${path}.${key}` : String(key));

/** Problems of `value` against schema `node` (within `root`), appended to `out`. */
function walk(value, node, root, path, out) {
  const name = defName(node);
  const s = resolve(node, root);
  const start = out.length;
  if (s.oneOf && s.discriminator) {
    const tag = s.discriminator.propertyName;
    const ref = value && typeof value === 'object' ? s.discriminator.mapping[value[tag]] : undefined;
    if (!ref) {
      const values = Object.keys(s.discriminator.mapping);
      if (!value || value[tag] === undefined) out.push({ path: join(path, tag), code: 'missing', params: { tag, expected: values.join(', ') } });
      else out.push({ path: join(path, tag), code: 'union_tag_invalid', params: { tag, found: String(value[tag]), expected: values.join(', ') } });
      return;
    }
    walk(value, { $ref: ref }, root, path, out);
    return;
  }
  if (s.const !== undefined && value !== s.const) {
    out.push({ path, code: 'literal_error', params: { expected: `'${s.const}'` } });
    return;
  }
  if (s.enum && !s.enum.includes(value)) {
    out.push({ path, code: 'enum', params: { expected: expected(s.enum) } });
    return;
  }
  if (s.type && !typeOk(s.type, value)) {
    out.push({ path, code: TYPE_CODES[s.type] || 'type_error', params: {} });
    return;
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) out.push({ path, code: 'greater_than_equal', params: { ge: s.minimum } });
    if (s.maximum !== undefined && value > s.maximum) out.push({ path, code: 'less_than_equal', params: { le: s.maximum } });
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) out.push({ path, code: 'greater_than', params: { gt: s.exclusiveMinimum } });
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) out.push({ path, code: 'less_than', params: { lt: s.exclusiveMaximum } });
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) out.push({ path, code: 'string_too_short', params: { min_length: s.minLength } });
    else if (s.maxLength !== undefined && length > s.maxLength) out.push({ path, code: 'string_too_long', params: { max_length: s.maxLength } });
    else if (s.pattern && regex(s.pattern) && !regex(s.pattern).test(value)) out.push({ path, code: 'string_pattern_mismatch', params: {} });
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) out.push({ path, code: 'too_short', params: { min_length: s.minItems } });
    if (s.maxItems !== undefined && value.length > s.maxItems) out.push({ path, code: 'too_long', params: { max_length: s.maxItems } });
    if (s.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) out.push({ path, code: 'items_not_unique', params: {} });
    if (s.items) value.forEach((item, i) => walk(item, s.items, root, join(path, i), out));
  }
  if (s.type === 'object' && value && typeof value === 'object') {
    const props = s.properties || {};
    for (const key of s.required || []) if (value[key] === undefined) out.push({ path: join(path, key), code: 'missing', params: {} });
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (props[key]) walk(v, props[key], root, join(path, key), out);
      else if (s.additionalProperties === false) out.push({ path: join(path, key), code: 'extra_forbidden', params: {} });
    }
    if (out.length === start && RULES[name]) RULES[name](value, path, out);
  }
}

/** What the schema cannot state, by definition name (as the protocol's validators check it). */
const RULES = {
  TimeWindow(w, path, out) {
    if (typeof w.start === 'number' && typeof w.end === 'number' && w.end <= w.start) out.push({ path: join(path, 'end'), code: 'end_before_start', params: {} });
  },
  Altitude(a, path, out) {
    if ((a.unit === 'FL') !== (a.reference === 'STD')) out.push({ path: join(path, 'unit'), code: 'flight_level_needs_std', params: {} });
    else if (a.reference === 'SFC' && a.value !== 0) out.push({ path: join(path, 'value'), code: 'surface_not_zero', params: {} });
  },
  VerticalBlock(b, path, out) {
    const { lower, upper } = b;
    if (!lower || !upper) return;
    if (upper.reference === 'SFC') out.push({ path: join(path, 'upper'), code: 'surface_as_upper', params: {} });
    else if (comparable(lower, upper) && metres(lower) >= metres(upper)) out.push({ path: join(path, 'upper'), code: 'upper_not_above_lower', params: {} });
  },
};

const NODE_FILLS = ['id', 'time', 'author']; // the node fills these when a notice leaves them out

/**
 * Every problem of a notice before it is sent: [{path, code, params}], paths dotted as the
 * node's (e.g. "last_position.lat", "window.end"). Fields the node fills (id, time, author)
 * may be absent. Without a schema (not loaded yet) only the rules above are checked.
 */
export function checkNotice(notice, schema = loaded) {
  const out = [];
  if (schema) {
    walk(notice, schema, schema, '', out);
    const filled = NODE_FILLS.filter((key) => notice[key] === undefined);
    return out.filter((p) => !filled.some((key) => p.path === key || p.path.startsWith(`${key}.`)));
  }
  walkRules(notice, '', out);
  return out;
}

/** Without a schema: the rules by shape (start/end pairs, lower/upper blocks). */
function walkRules(value, path, out) {
  if (!value || typeof value !== 'object') return;
  if (typeof value.start === 'number' && typeof value.end === 'number') RULES.TimeWindow(value, path, out);
  if (value.lower && value.upper) RULES.VerticalBlock(value, path, out);
  for (const [k, v] of Object.entries(value)) walkRules(v, join(path, k), out);
}

/** Whether a position is within the schema's bounds (true when no schema is loaded). */
export function positionProblems(pos, schema = loaded) {
  if (!schema) return [];
  const out = [];
  walk(pos, { $ref: '#/$defs/Position' }, schema, '', out);
  return out;
}

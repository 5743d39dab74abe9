/**
 * Edits the `channels:` section of omniclaw.yaml. The yaml Document API finds where things
 * are (node ranges); the edit itself is a splice of those lines only, because serialising
 * the whole document again reflows what the user wrote (a one-line flow agent becomes a
 * six-line block, comment spacing is normalised). Every splice is checked by parsing the
 * result: if anything but the one channel changed, the Document API rewrite is used instead.
 * Text in, text out: no I/O here.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parseDocument, stringify, type Document, type Pair, type YAMLMap } from 'yaml';
import { MARKED_REFERENCE, markVariables, unmarkVariables } from '../config/var-markers.js';

export type ChannelSection = Record<string, string | boolean>;

/** Parses with ${VAR} masked (see var-markers.ts); positions match the original text. */
function load(text: string): Document {
  const doc = parseDocument(markVariables(text));
  const error = doc.errors[0];
  if (error)
    throw new Error(`omniclaw.yaml is not valid YAML (${error.message.split('\n')[0]}); fix it first`);
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new Error(
      'omniclaw.yaml must be a mapping of sections (instance, channels, agents, …); fix it first',
    );
  }
  return doc;
}

/** Adds or replaces channels.<name>; other channels and everything else stay as they were, byte for byte. */
export function setChannelSection(text: string, name: string, section: ChannelSection): string {
  const doc = load(text);
  const spliced = spliceSet(text, doc, name, section);
  return spliced !== undefined && onlyChannelChanged(text, spliced, name, section)
    ? spliced
    : rewriteSet(doc, name, section);
}

/** Removes channels.<name>; false when it was not there. */
export function removeChannelSection(text: string, name: string): { text: string; removed: boolean } {
  const doc = load(text);
  if (!doc.hasIn(['channels', name])) return { text, removed: false };
  const spliced = spliceRemove(text, doc, name);
  if (spliced !== undefined && onlyChannelChanged(text, spliced, name, undefined))
    return { text: spliced, removed: true };
  doc.deleteIn(['channels', name]);
  return { text: serialise(doc), removed: true };
}

function channelsPair(doc: Document): Pair | undefined {
  if (!isMap(doc.contents)) return undefined;
  return (doc.contents as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === 'channels');
}

function spliceSet(text: string, doc: Document, name: string, section: ChannelSection): string | undefined {
  const pair = channelsPair(doc);
  if (!pair) return insertChannels(text, renderEntry(name, section, '  '));
  const keyStart = rangeOf(pair.key)?.[0];
  if (keyStart === undefined || lineStart(text, keyStart) !== keyStart) return undefined;
  const map = pair.value;
  if (isMap(map) && !map.flow && map.items.length > 0) {
    const first = rangeOf(map.items[0]!.key)![0];
    const indent = ' '.repeat(first - lineStart(text, first));
    const entry = map.items.find((p) => isScalar(p.key) && p.key.value === name);
    const rendered = renderEntry(name, section, indent);
    if (entry) {
      const [start, end] = entrySpan(text, entry);
      return text.slice(0, start) + rendered + text.slice(end);
    }
    const at = entrySpan(text, map.items[map.items.length - 1]!)[1];
    return text.slice(0, at) + rendered + text.slice(at);
  }
  // `channels:` empty, a scalar or a flow map: this one key is written again as a block.
  const existing = isMap(map) ? unmarkVariables(map.toJSON() as Record<string, ChannelSection>) : {};
  const entries = Object.entries({ ...existing, [name]: section });
  const block = 'channels:\n' + entries.map(([n, s]) => renderEntry(n, s ?? {}, '  ')).join('');
  const end = endOfLine(text, rangeOf(map)?.[1] ?? rangeOf(pair.key)![1]);
  return text.slice(0, keyStart) + block + text.slice(end);
}

function spliceRemove(text: string, doc: Document, name: string): string | undefined {
  const map = channelsPair(doc)?.value;
  if (!isMap(map) || map.flow) return undefined;
  const entry = map.items.find((p) => isScalar(p.key) && p.key.value === name)!;
  const [start, end] = entrySpan(text, entry);
  const without = text.slice(0, start) + text.slice(end);
  if (map.items.length > 1) return without;
  // The last channel gone: `channels: {}` (an empty `channels:` is null, which the schema refuses).
  const key = rangeOf(channelsPair(doc)!.key)!;
  const colon = without.indexOf(':', key[1]);
  return colon < 0 ? undefined : without.slice(0, colon + 1) + ' {}' + without.slice(colon + 1);
}

/**
 * A config with no `channels:` yet: the section goes right after a commented-out template
 * (`# channels:` and the comment lines under it, as `omniclaw init` writes), else at the end.
 */
function insertChannels(text: string, entry: string): string {
  const block = `channels:\n${entry}`;
  const template = /^#[ \t]*channels:.*\n(?:#.*\n)*/m.exec(text);
  if (template) {
    const at = template.index + template[0].length;
    return text.slice(0, at) + block + text.slice(at);
  }
  if (text.trim() === '') return text + block;
  const base = text.endsWith('\n') ? text : `${text}\n`;
  return `${base}${base.endsWith('\n\n') ? '' : '\n'}${block}`;
}

function renderEntry(name: string, section: ChannelSection, indent: string): string {
  const lines = Object.entries(section).map(
    ([key, value]) => `${indent}  ${key}: ${stringify(value).trimEnd()}\n`,
  );
  return lines.length ? `${indent}${name}:\n${lines.join('')}` : `${indent}${name}: {}\n`;
}

/** An entry's whole lines: from its key's line to the end of the line its value ends on. */
function entrySpan(text: string, pair: Pair): [number, number] {
  const key = rangeOf(pair.key)!;
  const valueEnd = rangeOf(pair.value)?.[1] ?? key[1];
  return [lineStart(text, key[0]), endOfLine(text, valueEnd)];
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ?? undefined;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function endOfLine(text: string, at: number): number {
  if (at > 0 && text[at - 1] === '\n') return at;
  const newline = text.indexOf('\n', at);
  return newline < 0 ? text.length : newline + 1;
}

/** The splice parsed back gives the old document with only channels.<name> changed. */
function onlyChannelChanged(
  before: string,
  after: string,
  name: string,
  section: ChannelSection | undefined,
): boolean {
  const parsed = parseDocument(markVariables(after));
  if (parsed.errors.length) return false;
  const expected = unmarkVariables(parseDocument(markVariables(before)).toJS() ?? {}) as Record<
    string,
    unknown
  >;
  const channels = { ...((expected.channels as Record<string, unknown> | null) ?? {}) };
  if (section) channels[name] = section;
  else delete channels[name];
  return isDeepStrictEqual(unmarkVariables(parsed.toJS()), { ...expected, channels });
}

function rewriteSet(doc: Document, name: string, section: ChannelSection): string {
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (!isMap(doc.get('channels'))) doc.set('channels', doc.createNode({}));
  doc.setIn(['channels', name], doc.createNode(section));
  return serialise(doc);
}

function serialise(doc: Document): string {
  return String(doc).replace(MARKED_REFERENCE, '${$1}');
}

/** The configured channels with their raw (unsubstituted) values. */
export function readChannelSections(text: string): Record<string, Record<string, unknown>> {
  const doc = load(text);
  const channels = doc.get('channels');
  if (!isMap(channels)) return {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(unmarkVariables(channels.toJSON() as Record<string, unknown>))) {
    out[name] = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  }
  return out;
}

/** The routes' chat ids as written (unsubstituted), in order. */
export function readRouteChats(text: string): string[] {
  const routes = unmarkVariables(load(text).toJS() as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(routes)) return [];
  return routes.flatMap((r) =>
    typeof (r as { chat?: unknown })?.chat === 'string' ? [(r as { chat: string }).chat] : [],
  );
}

/** `${VAR}` references in a section's values. */
export function referencedVariables(section: Record<string, unknown>): { key: string; variable: string }[] {
  const out: { key: string; variable: string }[] = [];
  for (const [key, value] of Object.entries(section)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
      out.push({ key, variable: match[1]! });
  }
  return out;
}

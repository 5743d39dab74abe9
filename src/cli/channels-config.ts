/**
 * Edits the `channels:` section of omniclaw.yaml through the yaml Document API, so the
 * user's comments, ordering and other sections survive. Text in, text out: no I/O here.
 */
import { isMap, parseDocument, type Document } from 'yaml';

export type ChannelSection = Record<string, string | boolean>;

function load(text: string): Document {
  const doc = parseDocument(text);
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

/** Adds or replaces channels.<name>; other channels and everything else stay as they were. */
export function setChannelSection(text: string, name: string, section: ChannelSection): string {
  const doc = load(text);
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  const channels = doc.get('channels');
  if (!isMap(channels)) doc.set('channels', doc.createNode({}));
  doc.setIn(['channels', name], doc.createNode(section));
  return String(doc);
}

/** Removes channels.<name>; false when it was not there. */
export function removeChannelSection(text: string, name: string): { text: string; removed: boolean } {
  const doc = load(text);
  if (!doc.hasIn(['channels', name])) return { text, removed: false };
  doc.deleteIn(['channels', name]);
  return { text: String(doc), removed: true };
}

/** The configured channels with their raw (unsubstituted) values. */
export function readChannelSections(text: string): Record<string, Record<string, unknown>> {
  const doc = load(text);
  const channels = doc.get('channels');
  if (!isMap(channels)) return {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(channels.toJSON() as Record<string, unknown>)) {
    out[name] = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  }
  return out;
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

/**
 * Edits the `machines:` list of omniclaw.yaml through the yaml Document API, so comments,
 * ordering and other sections survive. Text in, text out: no I/O here.
 */
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { MachineConfig } from '../config/machines.js';

function load(text: string): Document {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error)
    throw new Error(`omniclaw.yaml is not valid YAML (${error.message.split('\n')[0]}); fix it first`);
  if (doc.contents !== null && !isMap(doc.contents))
    throw new Error('omniclaw.yaml must be a mapping of sections; fix it first');
  return doc;
}

const indexOf = (doc: Document, name: string): number => {
  const list = doc.get('machines');
  if (!isSeq(list)) return -1;
  return list.items.findIndex((item) => isMap(item) && item.get('name') === name);
};

/** Appends a machine; refuses a name that is taken. */
export function addMachineEntry(
  text: string,
  machine: Partial<MachineConfig> & { name: string; ssh: string },
): string {
  const doc = load(text);
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (indexOf(doc, machine.name) !== -1)
    throw new Error(`a machine named "${machine.name}" is already configured; remove it first`);
  if (!isSeq(doc.get('machines'))) doc.set('machines', doc.createNode([]));
  const entry = Object.fromEntries(
    Object.entries(machine).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length)),
  );
  const node = doc.createNode(entry);
  node.flow = true;
  (doc.get('machines') as { add(v: unknown): void }).add(node);
  return String(doc);
}

/** Removes a machine; `removed: false` when none has that name. */
export function removeMachineEntry(text: string, name: string): { text: string; removed: boolean } {
  const doc = load(text);
  const at = indexOf(doc, name);
  if (at === -1) return { text, removed: false };
  doc.deleteIn(['machines', at]);
  return { text: String(doc), removed: true };
}

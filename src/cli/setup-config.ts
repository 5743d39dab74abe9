/**
 * The edits `omniclaw setup` makes to omniclaw.yaml: the model section, the main agent's
 * runtime and model, a route. Each goes through the yaml Document API, which keeps the
 * comments and every key it is not asked to touch; ${VAR} references are masked while
 * parsing (see var-markers.ts) so that a flow map holding one still parses.
 * Text in, text out: no I/O here.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { MARKED_REFERENCE, markVariables, unmarkVariables } from '../config/var-markers.js';

export type ModelSetting =
  | { kind: 'anthropic'; credential: 'apiKey' | 'oauthToken'; envVar: string; baseUrl?: string }
  | { kind: 'openai'; baseUrl: string; model: string };

const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-4-5';

function load(text: string): Document {
  const doc = parseDocument(markVariables(text));
  const error = doc.errors[0];
  if (error)
    throw new Error(`omniclaw.yaml is not valid YAML (${error.message.split('\n')[0]}); fix it first`);
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (!isMap(doc.contents))
    throw new Error(
      'omniclaw.yaml must be a mapping of sections (instance, models, agents, …); fix it first',
    );
  return doc;
}

/**
 * The document written again, with the lines it did not change as the person wrote them:
 * yaml re-spaces inline comments (`port: 7077   # why` becomes `port: 7077 # why`), so a
 * line equal to an original one but for the spaces is put back as it was — and kept only
 * when the result still parses to the same data. lineWidth 0: a flow map stays on one line.
 */
function serialise(doc: Document, original: string): string {
  const written = doc.toString({ lineWidth: 0 }).replace(MARKED_REFERENCE, '${$1}');
  const spacing = (line: string) => line.replace(/(\S)\s+/g, '$1 ').trimEnd();
  const originals = new Map(original.split('\n').map((line) => [spacing(line), line]));
  const restored = written
    .split('\n')
    .map((line) => originals.get(spacing(line)) ?? line)
    .join('\n');
  const data = (text: string) => unmarkVariables(parseDocument(markVariables(text)).toJS());
  return isDeepStrictEqual(data(restored), data(written)) ? restored : written;
}

/** Sets models.<kind> for the choice (other providers stay) and points the main agent at it. */
export function setModel(text: string, setting: ModelSetting): string {
  const doc = load(text);
  placeModelsBeforeAgents(doc);
  if (setting.kind === 'anthropic') {
    const other = setting.credential === 'apiKey' ? 'oauthToken' : 'apiKey';
    if (isMap(doc.getIn(['models', 'anthropic']))) doc.deleteIn(['models', 'anthropic', other]);
    setIn(doc, ['models', 'anthropic', setting.credential], `\${${setting.envVar}}`);
    if (setting.baseUrl) setIn(doc, ['models', 'anthropic', 'baseUrl'], setting.baseUrl);
  } else setIn(doc, ['models', 'openai', 'baseUrl'], setting.baseUrl);
  const agent = mainAgent(doc);
  const runtime = setting.kind === 'anthropic' ? 'claude' : 'openai';
  const sameRuntime = agent.get('runtime') === runtime || (runtime === 'claude' && !agent.has('runtime'));
  agent.set('runtime', runtime);
  if (setting.kind === 'openai') agent.set('model', setting.model);
  else if (!sameRuntime || !agent.has('model')) agent.set('model', DEFAULT_CLAUDE_MODEL);
  return serialise(doc, text);
}

/** Adds `{ chat, agent }` to routes unless that chat is routed already; reports which. */
export function addRoute(text: string, chat: string, agent: string): { text: string; added: boolean } {
  const doc = load(text);
  const routes = doc.get('routes');
  if (isSeq(routes)) {
    const exists = routes.items.some((r) => isMap(r) && r.get('chat') === chat);
    if (exists) return { text, added: false };
    routes.add(flowMap(doc, { chat, agent }));
  } else {
    const seq = doc.createNode([]) as YAMLSeq;
    seq.add(flowMap(doc, { chat, agent }));
    doc.set('routes', seq);
  }
  return { text: serialise(doc, text), added: true };
}

/** The id of the agent marked main (else the first), or undefined when there are none. */
export function mainAgentId(text: string): string | undefined {
  const agents = unmarkVariables(load(text).toJS() as { agents?: { id?: string; main?: boolean }[] })?.agents;
  if (!Array.isArray(agents)) return undefined;
  return (agents.find((a) => a?.main === true) ?? agents[0])?.id;
}

/** The agent marked main, else the first; one is created (id main, sandbox auto) when there is none. */
function mainAgent(doc: Document): YAMLMap {
  let agents = doc.get('agents');
  if (!isSeq(agents)) {
    agents = doc.createNode([]) as YAMLSeq;
    doc.set('agents', agents);
  }
  const seq = agents as YAMLSeq;
  const maps = seq.items.filter((a): a is YAMLMap => isMap(a));
  const found = maps.find((a) => a.get('main') === true) ?? maps[0];
  if (found) return found;
  const created = flowMap(doc, { id: 'main', main: true, sandbox: 'auto' });
  seq.add(created);
  return created;
}

/** A new `models:` section goes where the template shows it, before `agents:`, not at the end. */
function placeModelsBeforeAgents(doc: Document): void {
  const root = doc.contents as YAMLMap;
  if (root.has('models')) return;
  const at = root.items.findIndex((p) => isScalar(p.key) && p.key.value === 'agents');
  const pair = doc.createPair('models', {});
  if (at < 0) root.items.push(pair as never);
  else root.items.splice(at, 0, pair as never);
}

function flowMap(doc: Document, value: Record<string, unknown>): YAMLMap {
  const node = doc.createNode(value) as YAMLMap;
  node.flow = true;
  return node;
}

/** setIn that turns a missing or null section (`models:` left empty) into a map first. */
function setIn(doc: Document, path: string[], value: string): void {
  for (let i = 1; i < path.length; i++) {
    const at = path.slice(0, i);
    if (!isMap(doc.getIn(at))) doc.setIn(at, doc.createNode({}));
  }
  doc.setIn(path, markVariables(value));
}

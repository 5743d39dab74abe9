/**
 * A small parser for the Markdown agents write (GitHub-flavoured: fences, headings, quotes,
 * lists, tables, emphasis, code, links, spoilers) into a tree that markdown.ts renders per
 * platform. Pure. Hostile input is bounded: nesting depth is capped and delimiters without
 * a closer are remembered, so "*" x 100 000 stays linear. Unmatched markers stay text.
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'bold' | 'italic' | 'strike' | 'spoiler'; children: Inline[] }
  | { kind: 'link'; url: string; children: Inline[] };

export type Block =
  | { kind: 'paragraph'; inline: Inline[] }
  | { kind: 'heading'; level: number; inline: Inline[] }
  | { kind: 'code'; lang: string; text: string }
  | { kind: 'quote'; blocks: Block[] }
  | { kind: 'item'; indent: number; marker: string; inline: Inline[] }
  | { kind: 'table'; rows: string[][] }
  | { kind: 'rule' }
  | { kind: 'blank' };

/** Parses Markdown into blocks; CRLF and CR line ends are normalised first. */
export function parseMarkdown(markdown: string): Block[] {
  return parseBlocks(markdown.replace(/\r\n?/g, '\n').split('\n'), 0);
}

// ---------------------------------------------------------------- block parsing

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const ITEM = /^(\s*)([-*+•]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)+\|?\s*$/;
/** Quotes nested deeper than this are flattened; hostile input must not recurse without bound. */
const MAX_DEPTH = 8;

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !isClosingFence(lines[i]!, marker)) body.push(lines[i++]!);
      i++;
      blocks.push({ kind: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (!line.trim()) {
      blocks.push({ kind: 'blank' });
      i++;
      continue;
    }
    if (/^ {0,3}>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^ {0,3}>/.test(lines[i]!))
        quoted.push(lines[i++]!.replace(/^ {0,3}> ?/, ''));
      blocks.push(
        depth < MAX_DEPTH
          ? { kind: 'quote', blocks: parseBlocks(quoted, depth + 1) }
          : { kind: 'paragraph', inline: parseInline(quoted.join('\n')) },
      );
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]!.length, inline: parseInline(heading[2]!) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' });
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]!)) {
      const rows = [splitRow(line)];
      i += 2;
      while (i < lines.length && lines[i]!.includes('|') && lines[i]!.trim())
        rows.push(splitRow(lines[i++]!));
      blocks.push({ kind: 'table', rows });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      blocks.push({
        kind: 'item',
        indent: item[1]!.replace(/\t/g, '  ').length,
        marker: item[2]!,
        inline: parseInline(item[3]!),
      });
      i++;
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && isParagraphLine(lines, i)) paragraph.push(lines[i++]!);
    blocks.push({ kind: 'paragraph', inline: parseInline(paragraph.join('\n')) });
  }
  return blocks;
}

function isClosingFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= marker.length && /^(`+|~+)$/.test(trimmed) && trimmed[0] === marker[0];
}

function isParagraphLine(lines: string[], i: number): boolean {
  const line = lines[i]!;
  if (!line.trim() || FENCE.test(line) || /^ {0,3}>/.test(line) || HEADING.test(line) || ITEM.test(line))
    return false;
  return !(RULE.test(line) && i > 0);
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

// ---------------------------------------------------------------- inline parsing

interface Delimiter {
  open: string;
  kind: 'bold' | 'italic' | 'strike' | 'spoiler';
}

/** Longest first, so "**" is not read as two italics. */
const DELIMITERS: Delimiter[] = [
  { open: '**', kind: 'bold' },
  { open: '__', kind: 'bold' },
  { open: '~~', kind: 'strike' },
  { open: '||', kind: 'spoiler' },
  { open: '*', kind: 'italic' },
  { open: '_', kind: 'italic' },
];

export function parseInline(source: string, depth = 0): Inline[] {
  const nodes: Inline[] = [];
  let text = '';
  const flush = (): void => {
    if (text) nodes.push({ kind: 'text', text });
    text = '';
  };
  // Delimiters with no closer after a position have none after any later position either:
  // remembering that keeps hostile input ("*" × 100 000) linear.
  const noCloserFrom = new Map<string, number>();
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length && /[!-/:-@[-`{-~]/.test(source[i + 1]!)) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const run = /^`+/.exec(source.slice(i, i + 32))![0];
      const close = source.indexOf(run, i + run.length);
      if (close > i + run.length - 1 && close !== -1) {
        flush();
        nodes.push({ kind: 'code', text: source.slice(i + run.length, close).replace(/^ (.*) $/s, '$1') });
        i = close + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    if (c === '[' || (c === '!' && source[i + 1] === '[')) {
      const link = parseLink(source, c === '!' ? i + 1 : i);
      if (link) {
        flush();
        const children =
          depth < MAX_DEPTH
            ? parseInline(link.label, depth + 1)
            : [{ kind: 'text' as const, text: link.label }];
        nodes.push({
          kind: 'link',
          url: link.url,
          children: children.length ? children : [{ kind: 'text', text: link.url }],
        });
        i = link.end;
        continue;
      }
    }
    if (c === '<') {
      const auto = /^<((?:https?|mailto|tg):[^\s<>]+)>/.exec(source.slice(i, i + 2048));
      if (auto) {
        flush();
        nodes.push({ kind: 'link', url: auto[1]!, children: [{ kind: 'text', text: auto[1]! }] });
        i += auto[0].length;
        continue;
      }
    }
    const emphasis = depth < MAX_DEPTH ? matchEmphasis(source, i, noCloserFrom) : undefined;
    if (emphasis) {
      flush();
      nodes.push({
        kind: emphasis.kind,
        children: parseInline(source.slice(emphasis.start, emphasis.end), depth + 1),
      });
      i = emphasis.end + emphasis.open.length;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return nodes;
}

function matchEmphasis(
  source: string,
  i: number,
  noCloserFrom: Map<string, number>,
): { kind: Delimiter['kind']; open: string; start: number; end: number } | undefined {
  for (const { open, kind } of DELIMITERS) {
    if (!source.startsWith(open, i)) continue;
    const start = i + open.length;
    const after = source[start];
    if (after === undefined || /\s/.test(after)) return undefined;
    // snake_case_names are not emphasis: "_" must not open inside a word.
    if (open[0] === '_' && i > 0 && /[\p{L}\p{N}]/u.test(source[i - 1]!)) return undefined;
    const known = noCloserFrom.get(open);
    if (known !== undefined && known <= start) return undefined;
    const end = findCloser(source, open, start);
    if (end === -1) {
      noCloserFrom.set(open, start);
      continue;
    }
    return { kind, open, start, end };
  }
  return undefined;
}

function findCloser(source: string, open: string, from: number): number {
  let at = source.indexOf(open, from + 1);
  while (at !== -1) {
    const before = source[at - 1]!;
    const next = source[at + open.length];
    const wordAfter = open[0] === '_' && next !== undefined && /[\p{L}\p{N}]/u.test(next);
    // A single "*" right before another "*" is part of "**", not a closer.
    const partOfLonger = open.length === 1 && (next === open || before === open);
    if (!/\s/.test(before) && !wordAfter && !partOfLonger) return at;
    at = source.indexOf(open, at + 1);
  }
  return -1;
}

function parseLink(source: string, i: number): { label: string; url: string; end: number } | undefined {
  const close = source.indexOf('](', i);
  if (close === -1 || close - i > 1000 || source.slice(i + 1, close).includes('\n\n')) return undefined;
  const urlEnd = source.indexOf(')', close + 2);
  if (urlEnd === -1 || urlEnd - close > 2048) return undefined;
  const url =
    source
      .slice(close + 2, urlEnd)
      .trim()
      .replace(/^<|>$/g, '')
      .split(/\s+/)[0] ?? '';
  if (!url) return undefined;
  return { label: source.slice(i + 1, close), url, end: urlEnd + 1 };
}

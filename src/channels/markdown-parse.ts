/**
 * The Markdown agents write (GitHub-flavoured: fences, headings, quotes, lists, tables,
 * emphasis, code, links, plus `||spoilers||`) as a small tree that markdown.ts renders per
 * platform. marked's lexer does the parsing; this file only maps its tokens onto the tree
 * the per-dialect style tables render. Pure. Hostile input stays bounded: nesting deeper
 * than MAX_DEPTH is flattened to text. Unmatched markers stay text.
 */
import { Lexer, Marked, type Token, type Tokens, type TokenizerExtension } from 'marked';

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

/** Quotes, lists and emphasis nested deeper than this are flattened to their text. */
const MAX_DEPTH = 8;

/** `||secret||`: Telegram and Discord spoilers, which marked does not know. */
const spoiler: TokenizerExtension = {
  name: 'spoiler',
  level: 'inline',
  start: (src) => {
    const at = src.indexOf('||');
    return at < 0 ? undefined : at;
  },
  tokenizer(src) {
    // Bounded, so text full of openers without a closer stays linear.
    const match = /^\|\|(?=\S)([^]{0,500}?\S)\|\|/.exec(src);
    if (!match) return undefined;
    return { type: 'spoiler', raw: match[0], tokens: this.lexer.inlineTokens(match[1]!) };
  },
};

/**
 * Only the lexer is used; the renderers are the style tables in markdown.ts. The spoiler
 * extension costs a scan at every text run, so text without "||" skips it.
 */
const withSpoilers = new Marked({ gfm: true, extensions: [spoiler] });
const plain = new Marked({ gfm: true });
const lexerFor = (source: string): Marked => (source.includes('||') ? withSpoilers : plain);

/** Parses Markdown into blocks; CRLF and CR line ends are normalised first. */
export function parseMarkdown(source: string): Block[] {
  const text = capNesting(source.replace(/\r\n?/g, '\n'));
  try {
    return toBlocks(lexerFor(text).lexer(text), 0);
  } catch (error) {
    // marked recurses once per nested container; nesting by indentation alone can still
    // exhaust the stack. Such a text is shown as written rather than not at all.
    if (!(error instanceof RangeError)) throw error;
    return [{ kind: 'paragraph', inline: [{ kind: 'text', text }] }];
  }
}

/** Inline Markdown (one paragraph's text) into inline nodes. */
export function parseInline(source: string): Inline[] {
  return toInline(new Lexer(lexerFor(source).defaults).inlineTokens(source), 0);
}

/** A quote or list marker at the start of a line, with what follows it on that line. */
const CONTAINER = String.raw`[ \t]{0,3}(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))[ \t]*`;
const TOO_DEEP = new RegExp(`^((?:${CONTAINER}){${MAX_DEPTH + 1}})(?=${CONTAINER})`, 'gm');

/** Markers past MAX_DEPTH on one line are escaped, so "- " × 3000 is one deep item, not 3000. */
function capNesting(markdown: string): string {
  return markdown.replace(TOO_DEEP, '$1\\');
}

// ---------------------------------------------------------------- blocks

function toBlocks(tokens: Token[], depth: number): Block[] {
  const blocks: Block[] = [];
  // Blank lines between blocks are kept: n newlines between two blocks are n - 1 blank lines.
  let newlines = 0;
  for (const token of tokens) {
    if (token.type === 'space') {
      newlines += count(token.raw, '\n');
      continue;
    }
    for (let i = 1; i < newlines; i++) blocks.push({ kind: 'blank' });
    blocks.push(...toBlock(token, depth));
    newlines = trailingNewlines(token.raw);
  }
  return blocks;
}

function toBlock(token: Token, depth: number): Block[] {
  switch (token.type) {
    case 'paragraph':
    case 'text':
      return [{ kind: 'paragraph', inline: inlineOf(token, depth) }];
    case 'heading':
      return [{ kind: 'heading', level: (token as Tokens.Heading).depth, inline: inlineOf(token, depth) }];
    case 'code': {
      const code = token as Tokens.Code;
      return [{ kind: 'code', lang: (code.lang ?? '').split(/\s/)[0] ?? '', text: code.text }];
    }
    case 'blockquote':
      return depth < MAX_DEPTH
        ? [{ kind: 'quote', blocks: toBlocks((token as Tokens.Blockquote).tokens, depth + 1) }]
        : [{ kind: 'paragraph', inline: [{ kind: 'text', text: (token as Tokens.Blockquote).text }] }];
    case 'list':
      return listItems(token as Tokens.List, 0, depth);
    case 'table': {
      const table = token as Tokens.Table;
      return [
        {
          kind: 'table',
          rows: [table.header.map((c) => c.text), ...table.rows.map((row) => row.map((c) => c.text))],
        },
      ];
    }
    case 'hr':
      return [{ kind: 'rule' }];
    default:
      // html, link definitions and anything else marked knows: the text as written.
      return [{ kind: 'paragraph', inline: [{ kind: 'text', text: token.raw.replace(/\n+$/, '') }] }];
  }
}

/** Lists become one item per line, indented by nesting, with the marker the agent wrote. */
function listItems(list: Tokens.List, indent: number, depth: number): Block[] {
  const blocks: Block[] = [];
  for (const item of list.items) {
    const marker = /^\s*([-*+]|\d{1,9}[.)])/.exec(item.raw)?.[1] ?? '-';
    const [first, ...rest] = item.tokens;
    const inline =
      first && (first.type === 'text' || first.type === 'paragraph') ? inlineOf(first, depth) : [];
    blocks.push({ kind: 'item', indent, marker, inline });
    const others = inline.length || !first ? rest : item.tokens;
    for (const token of others) {
      if (token.type === 'list' && depth < MAX_DEPTH)
        blocks.push(...listItems(token as Tokens.List, indent + 2, depth + 1));
      else if (token.type !== 'space') blocks.push(...toBlock(token, depth + 1));
    }
  }
  return blocks;
}

function inlineOf(token: Token, depth: number): Inline[] {
  const children = (token as { tokens?: Token[] }).tokens;
  return children
    ? toInline(children, depth)
    : [{ kind: 'text', text: (token as { text?: string }).text ?? token.raw }];
}

// ---------------------------------------------------------------- inline

const WRAPS: Record<string, 'bold' | 'italic' | 'strike' | 'spoiler'> = {
  strong: 'bold',
  em: 'italic',
  del: 'strike',
  spoiler: 'spoiler',
};

function toInline(tokens: Token[], depth: number): Inline[] {
  const nodes: Inline[] = [];
  const push = (node: Inline): void => {
    const last = nodes.at(-1);
    if (node.kind === 'text' && last?.kind === 'text') last.text += node.text;
    else nodes.push(node);
  };
  for (const token of tokens) {
    const wrap = WRAPS[token.type];
    if (wrap) {
      const children = (token as { tokens?: Token[] }).tokens ?? [];
      if (depth < MAX_DEPTH) push({ kind: wrap, children: toInline(children, depth + 1) });
      else push({ kind: 'text', text: token.raw });
      continue;
    }
    switch (token.type) {
      case 'codespan':
        push({ kind: 'code', text: (token as Tokens.Codespan).text });
        break;
      case 'link':
      case 'image': {
        const link = token as Tokens.Link | Tokens.Image;
        const children =
          'tokens' in link && link.tokens && depth < MAX_DEPTH
            ? toInline(link.tokens, depth + 1)
            : link.text
              ? [{ kind: 'text' as const, text: link.text }]
              : [];
        push({
          kind: 'link',
          url: link.href,
          children: children.length ? children : [{ kind: 'text', text: link.href }],
        });
        break;
      }
      case 'br':
        push({ kind: 'text', text: '\n' });
        break;
      case 'text': {
        const nested = (token as Tokens.Text).tokens;
        if (nested) for (const node of toInline(nested, depth)) push(node);
        else push({ kind: 'text', text: (token as Tokens.Text).text });
        break;
      }
      case 'escape':
        push({ kind: 'text', text: (token as Tokens.Escape).text });
        break;
      default:
        // Inline HTML and the like: the text as written.
        push({ kind: 'text', text: token.raw });
    }
  }
  return nodes;
}

const count = (text: string, char: string): number => text.split(char).length - 1;
const trailingNewlines = (text: string): number => /\n*$/.exec(text)![0].length;

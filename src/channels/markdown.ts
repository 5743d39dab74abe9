/**
 * Agents write (GitHub-flavoured) Markdown: fences, headings, quotes, lists, tables, emphasis,
 * code, links, plus `||spoilers||`; each chat app speaks its own dialect. marked's lexer does
 * the parsing; this file walks its tokens once and writes each through the dialect's style
 * table (markdown-styles.ts). Pure. Hostile input stays bounded: nesting deeper than MAX_DEPTH
 * is flattened to text. Unmatched markers stay text.
 */
import { Marked, type Token, type Tokens, type TokenizerExtension } from 'marked';
import { STYLES, type Dialect, type Emphasis, type Style } from './markdown-styles.js';

export type { Dialect } from './markdown-styles.js';

export function renderMarkdown(markdown: string, dialect: Dialect): string {
  return render(markdown, STYLES[dialect]);
}

/** Telegram HTML → the plain text a user would see; the fallback when Telegram rejects entities. */
export function markdownToPlainText(markdown: string): string {
  return render(markdown, STYLES.plain);
}

/** Quotes, lists and emphasis nested deeper than this are flattened to their text. */
const MAX_DEPTH = 8;
const RULE = '──────────';
const SAFE_URL = /^(https?:|mailto:|tg:)/i;

/** `||secret||`: Telegram and Discord spoilers, which marked does not know. */
const spoiler: TokenizerExtension = {
  name: 'spoiler',
  level: 'inline',
  // marked ignores a negative start: no "||" ahead.
  start: (src) => src.indexOf('||'),
  tokenizer(src) {
    // Bounded, so text full of openers without a closer stays linear.
    const match = /^\|\|(?=\S)([^]{0,500}?\S)\|\|/.exec(src);
    if (!match) return undefined;
    return { type: 'spoiler', raw: match[0], tokens: this.lexer.inlineTokens(match[1]!) };
  },
};

/**
 * Only the lexer is used; the style tables are the renderers. The spoiler extension costs a
 * scan at every text run, so text without "||" skips it.
 */
const withSpoilers = new Marked({ gfm: true, extensions: [spoiler] });
const withoutSpoilers = new Marked({ gfm: true });

/** CRLF and CR line ends are normalised first. */
function render(source: string, style: Style): string {
  const text = capNesting(source.replace(/\r\n?/g, '\n'));
  try {
    const marked = text.includes('||') ? withSpoilers : withoutSpoilers;
    return renderBlocks(marked.lexer(text), style, 0);
  } catch (error) {
    // marked recurses once per nested container; nesting by indentation alone can still
    // exhaust the stack. Such a text is shown as written rather than not at all.
    if (!(error instanceof RangeError)) throw error;
    return style.text(text);
  }
}

/** A quote or list marker at the start of a line, with what follows it on that line. */
const CONTAINER = String.raw`[ \t]{0,3}(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))[ \t]*`;
const TOO_DEEP = new RegExp(`^((?:${CONTAINER}){${MAX_DEPTH + 1}})(?=${CONTAINER})`, 'gm');

/** Markers past MAX_DEPTH on one line are escaped, so "- " × 3000 is one deep item, not 3000. */
function capNesting(markdown: string): string {
  return markdown.replace(TOO_DEEP, '$1\\');
}

// ---------------------------------------------------------------- blocks

function renderBlocks(tokens: Token[], style: Style, depth: number): string {
  const lines: string[] = [];
  // Blank lines between blocks are kept: n newlines between two blocks are n - 1 blank lines.
  let newlines = 0;
  for (const token of tokens) {
    if (token.type === 'space') {
      newlines += token.raw.split('\n').length - 1;
      continue;
    }
    for (let i = 1; i < newlines; i++) lines.push('');
    lines.push(renderBlock(token, style, depth));
    newlines = /\n*$/.exec(token.raw)![0].length;
  }
  return lines.join('\n');
}

function renderBlock(token: Token, style: Style, depth: number): string {
  switch (token.type) {
    case 'paragraph':
    case 'text':
      return inlineOf(token, style, depth);
    case 'heading':
      return style.heading(inlineOf(token, style, depth), (token as Tokens.Heading).depth);
    case 'code': {
      const code = token as Tokens.Code;
      return style.codeBlock((code.lang ?? '').split(/\s/)[0] ?? '', code.text);
    }
    case 'blockquote': {
      const quote = token as Tokens.Blockquote;
      return depth < MAX_DEPTH
        ? style.quote(renderBlocks(quote.tokens, style, depth + 1).split('\n'))
        : style.text(quote.text);
    }
    case 'list':
      return renderList(token as Tokens.List, style, 0, depth);
    case 'table': {
      const table = token as Tokens.Table;
      const rows = [table.header, ...table.rows].map((row) => row.map((cell) => cell.text));
      return style.codeBlock('', formatTable(rows));
    }
    case 'hr':
      return RULE;
    default:
      // html, link definitions and anything else marked knows: the text as written.
      return style.text(token.raw.replace(/\n+$/, ''));
  }
}

/** Lists become one item per line, indented by nesting, with the marker the agent wrote. */
function renderList(list: Tokens.List, style: Style, indent: number, depth: number): string {
  const lines: string[] = [];
  for (const item of list.items) {
    const marker = /^\s*([-*+]|\d{1,9}[.)])/.exec(item.raw)?.[1] ?? '-';
    // A tight task item ("- [ ] x") starts with a checkbox token: written as the agent wrote it.
    const checkbox = item.tokens[0]?.type === 'checkbox' ? style.text(item.tokens[0].raw) : '';
    const [first, ...rest] = checkbox ? item.tokens.slice(1) : item.tokens;
    const lead = first?.type === 'text' || first?.type === 'paragraph' ? first : undefined;
    const text = lead ? inlineOf(lead, style, depth) : '';
    lines.push(' '.repeat(Math.min(indent, 12)) + style.bullet(marker) + checkbox + text);
    for (const token of lead ? rest : item.tokens) {
      if (token.type === 'list' && depth < MAX_DEPTH)
        lines.push(renderList(token as Tokens.List, style, indent + 2, depth + 1));
      else if (token.type !== 'space') lines.push(renderBlock(token, style, depth + 1));
    }
  }
  return lines.join('\n');
}

/** Chat apps do not render tables; aligned monospace text reads well everywhere. */
export function formatTable(rows: string[][]): string {
  // Counted in code points, not UTF-16 units, so an emoji outside the BMP is one column.
  const width = (cell = ''): number => [...cell].length;
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => width(r[c]))));
  const line = (row: string[]): string =>
    widths
      .map((w, c) => (row[c] ?? '') + ' '.repeat(w - width(row[c])))
      .join(' | ')
      .trimEnd();
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------- inline

const EMPHASIS: ReadonlySet<string> = new Set<Emphasis>(['strong', 'em', 'del', 'spoiler']);

/** A token's inline tokens, or its text as written (inline HTML, escapes, plain text). */
function inlineOf(token: Token, style: Style, depth: number, active?: Set<Emphasis>): string {
  const children = (token as { tokens?: Token[] }).tokens;
  return children
    ? renderInline(children, style, depth, active)
    : style.text((token as { text?: string }).text ?? token.raw);
}

/** `active` holds the emphasis already open around these tokens. */
function renderInline(tokens: Token[], style: Style, depth: number, active = new Set<Emphasis>()): string {
  return tokens
    .map((token) => {
      if (EMPHASIS.has(token.type)) {
        const emphasis = token.type as Emphasis;
        if (depth >= MAX_DEPTH) return style.text(token.raw);
        const children = (token as { tokens?: Token[] }).tokens ?? [];
        const inner = renderInline(children, style, depth + 1, new Set([...active, emphasis]));
        // The same style nested in itself ("*a _b_ c*") cannot be expressed: render it once.
        return active.has(emphasis) ? inner : style.wrap(emphasis, inner);
      }
      switch (token.type) {
        case 'codespan':
          return style.code((token as Tokens.Codespan).text);
        case 'link':
        case 'image': {
          const link = token as Tokens.Link | Tokens.Image;
          // Links do not nest (an image inside one at most); emphasis in the label counts as deeper.
          const label = link.tokens.length
            ? renderInline(link.tokens, style, depth + 1, active)
            : style.text(link.href);
          return SAFE_URL.test(link.href) ? style.link(link.href, label, plainText([link])) : label;
        }
        case 'br':
          return style.text('\n');
        default:
          return inlineOf(token, style, depth, active);
      }
    })
    .join('');
}

/** A link's label without formatting: Slack shows it so, Discord and WhatsApp compare it with the URL. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((token) => {
      if (token.type === 'br') return '\n';
      const { tokens: children, href, text } = token as { tokens?: Token[]; href?: string; text?: string };
      // A link or image without a label reads as its URL.
      return children?.length ? plainText(children) : (href ?? text ?? token.raw);
    })
    .join('');
}

/**
 * Agents write (GitHub-flavoured) Markdown; each chat app speaks its own dialect. This file
 * renders the tree markdown-parse.ts builds for a platform:
 * Telegram HTML or MarkdownV2 (escaped, so Telegram never rejects the entities), Discord
 * Markdown, Slack mrkdwn and WhatsApp. Pure functions; unmatched markers stay literal text.
 */
import { parseMarkdown, type Block, type Inline } from './markdown-parse.js';

export { parseInline, parseMarkdown, type Block, type Inline } from './markdown-parse.js';

export type Dialect = 'telegram-html' | 'telegram-markdownv2' | 'discord' | 'slack' | 'whatsapp';

export function renderMarkdown(markdown: string, dialect: Dialect): string {
  return RENDERERS[dialect](parseMarkdown(markdown));
}

// ---------------------------------------------------------------- rendering

interface Style {
  text(text: string): string;
  code(text: string): string;
  codeBlock(lang: string, text: string): string;
  wrap(kind: 'bold' | 'italic' | 'strike' | 'spoiler', inner: string): string;
  link(url: string, label: string, plainLabel: string): string;
  heading(inner: string, level: number): string;
  quote(lines: string[]): string;
  bullet(marker: string): string;
  rule: string;
}

const SAFE_URL = /^(https?:|mailto:|tg:)/i;

function renderInline(nodes: Inline[], style: Style, active: ReadonlySet<string> = new Set()): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return style.text(node.text);
        case 'code':
          return style.code(node.text);
        case 'link': {
          const label = renderInline(node.children, style, active);
          return SAFE_URL.test(node.url) ? style.link(node.url, label, plainText(node.children)) : label;
        }
        default: {
          // The same style nested in itself ("*a _b_ c*") cannot be expressed: render it once.
          const inner = renderInline(node.children, style, new Set([...active, node.kind]));
          return active.has(node.kind) ? inner : style.wrap(node.kind, inner);
        }
      }
    })
    .join('');
}

function plainText(nodes: Inline[]): string {
  return nodes.map((n) => ('children' in n ? plainText(n.children) : n.text)).join('');
}

function renderBlocks(blocks: Block[], style: Style): string {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.kind) {
      case 'paragraph':
        out.push(renderInline(block.inline, style));
        break;
      case 'heading':
        out.push(style.heading(renderInline(block.inline, style), block.level));
        break;
      case 'code':
        out.push(style.codeBlock(block.lang, block.text));
        break;
      case 'quote':
        out.push(style.quote(renderBlocks(block.blocks, style).split('\n')));
        break;
      case 'item':
        out.push(
          ' '.repeat(Math.min(block.indent, 12)) +
            style.bullet(block.marker) +
            renderInline(block.inline, style),
        );
        break;
      case 'table':
        out.push(style.codeBlock('', formatTable(block.rows)));
        break;
      case 'rule':
        out.push(style.rule);
        break;
      case 'blank':
        out.push('');
        break;
    }
  }
  return out.join('\n');
}

/** Chat apps do not render tables; aligned monospace text reads well everywhere. */
export function formatTable(rows: string[][]): string {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(...rows.map((r) => [...(r[c] ?? '')].length)),
  );
  const line = (row: string[]): string =>
    widths
      .map((w, c) => (row[c] ?? '') + ' '.repeat(w - [...(row[c] ?? '')].length))
      .join(' | ')
      .trimEnd();
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, '&quot;');
const bulletOf = (marker: string): string => (/\d/.test(marker) ? `${marker} ` : '• ');

const telegramHtml: Style = {
  text: escapeHtml,
  code: (t) => `<code>${escapeHtml(t)}</code>`,
  codeBlock: (lang, t) =>
    /^[\w+#.-]{1,32}$/.test(lang)
      ? `<pre><code class="language-${lang}">${escapeHtml(t)}</code></pre>`
      : `<pre>${escapeHtml(t)}</pre>`,
  wrap: (kind, inner) => {
    const tag = { bold: 'b', italic: 'i', strike: 's', spoiler: 'tg-spoiler' }[kind];
    return `<${tag}>${inner}</${tag}>`;
  },
  link: (url, label) => `<a href="${escapeAttr(url)}">${label}</a>`,
  heading: (inner) => `<b>${inner}</b>`,
  // Telegram rejects nested blockquotes: strip inner tags, keep the text.
  quote: (lines) => `<blockquote>${lines.join('\n').replace(/<\/?blockquote>/g, '')}</blockquote>`,
  bullet: bulletOf,
  rule: '──────────',
};

const escapeV2 = (s: string): string => s.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
const escapeV2Code = (s: string): string => s.replace(/[`\\]/g, '\\$&');

const telegramMarkdownV2: Style = {
  text: escapeV2,
  code: (t) => `\`${escapeV2Code(t)}\``,
  codeBlock: (lang, t) => `\`\`\`${/^[\w+#.-]{1,32}$/.test(lang) ? lang : ''}\n${escapeV2Code(t)}\n\`\`\``,
  wrap: (kind, inner) => {
    const mark = { bold: '*', italic: '_', strike: '~', spoiler: '||' }[kind];
    // "___" would read as underline + italic; a zero-length \r separates them (Telegram's advice).
    return kind === 'italic' && inner.endsWith('_') ? `_${inner}\r_` : `${mark}${inner}${mark}`;
  },
  link: (url, label) => `[${label}](${url.replace(/[)\\]/g, '\\$&')})`,
  heading: (inner) => `*${inner}*`,
  quote: (lines) => lines.map((l) => `>${l}`).join('\n'),
  bullet: (marker) => (/\d/.test(marker) ? `${escapeV2(marker)} ` : '• '),
  rule: '──────────',
};

const discord: Style = {
  // Discord speaks Markdown itself: text passes through as the agent wrote it.
  text: (t) => t,
  code: (t) => (t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``),
  codeBlock: (lang, t) => `\`\`\`${lang}\n${t.replace(/```/g, '`\u200b``')}\n\`\`\``,
  wrap: (kind, inner) => {
    const mark = { bold: '**', italic: '*', strike: '~~', spoiler: '||' }[kind];
    return `${mark}${inner}${mark}`;
  },
  link: (url, label, plain) => (plain === url ? url : `[${label}](<${url}>)`),
  // Discord renders only #, ## and ###.
  heading: (inner, level) => (level <= 3 ? `${'#'.repeat(level)} ${inner}` : `**${inner}**`),
  quote: (lines) => lines.map((l) => `> ${l}`).join('\n'),
  bullet: (marker) => (/\d/.test(marker) ? `${marker} ` : '- '),
  rule: '──────────',
};

const slack: Style = {
  text: escapeHtml,
  code: (t) => `\`${escapeHtml(t)}\``,
  codeBlock: (_lang, t) => `\`\`\`\n${escapeHtml(t)}\n\`\`\``,
  wrap: (kind, inner) => {
    if (kind === 'spoiler') return inner;
    const mark = { bold: '*', italic: '_', strike: '~' }[kind];
    return `${mark}${inner}${mark}`;
  },
  link: (url, _label, plain) =>
    `<${url.replace(/[|>]/g, encodeURIComponent)}|${escapeHtml(plain).replace(/[|>]/g, '')}>`,
  heading: (inner) => `*${inner}*`,
  quote: (lines) => lines.map((l) => `> ${l}`).join('\n'),
  bullet: bulletOf,
  rule: '──────────',
};

const whatsapp: Style = {
  text: (t) => t,
  code: (t) => `\`${t}\``,
  codeBlock: (_lang, t) => `\`\`\`${t}\`\`\``,
  wrap: (kind, inner) => {
    if (kind === 'spoiler') return inner;
    const mark = { bold: '*', italic: '_', strike: '~' }[kind];
    return `${mark}${inner}${mark}`;
  },
  link: (url, _label, plain) => (plain === url ? url : `${plain} (${url})`),
  heading: (inner) => `*${inner}*`,
  quote: (lines) => lines.map((l) => `> ${l}`).join('\n'),
  bullet: bulletOf,
  rule: '──────────',
};

const RENDERERS: Record<Dialect, (blocks: Block[]) => string> = {
  'telegram-html': (b) => renderBlocks(b, telegramHtml),
  'telegram-markdownv2': (b) => renderBlocks(b, telegramMarkdownV2),
  discord: (b) => renderBlocks(b, discord),
  slack: (b) => renderBlocks(b, slack),
  whatsapp: (b) => renderBlocks(b, whatsapp),
};

/** Telegram HTML → the plain text a user would see; the fallback when Telegram rejects entities. */
export function markdownToPlainText(markdown: string): string {
  return renderBlocks(parseMarkdown(markdown), plain);
}

const plain: Style = {
  text: (t) => t,
  code: (t) => t,
  codeBlock: (_lang, t) => t,
  wrap: (_kind, inner) => inner,
  link: (url, label, plainLabel) => (plainLabel === url ? url : `${label} (${url})`),
  heading: (inner) => inner,
  quote: (lines) => lines.map((l) => `> ${l}`).join('\n'),
  bullet: bulletOf,
  rule: '──────────',
};

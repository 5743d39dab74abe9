/**
 * How each chat app writes what Markdown means: one style table per dialect (Telegram HTML or
 * MarkdownV2, escaped so Telegram never rejects the entities; Discord Markdown; Slack mrkdwn;
 * WhatsApp) plus the plain text a user would see. markdown.ts walks marked's tokens and calls
 * these; they only escape and wrap strings. Pure.
 */

export type Dialect = 'telegram-html' | 'telegram-markdownv2' | 'discord' | 'slack' | 'whatsapp';

/** marked's names for emphasis tokens (strong, em, del: as in HTML), plus the spoiler extension. */
export type Emphasis = 'strong' | 'em' | 'del' | 'spoiler';

export interface Style {
  text(text: string): string;
  code(text: string): string;
  codeBlock(lang: string, text: string): string;
  wrap(kind: Emphasis, inner: string): string;
  /** `label` is rendered; `plainLabel` is the same text without formatting. */
  link(url: string, label: string, plainLabel: string): string;
  heading(inner: string, level: number): string;
  quote(lines: string[]): string;
  bullet(marker: string): string;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, '&quot;');
const bulletOf = (marker: string): string => (/\d/.test(marker) ? `${marker} ` : '• ');
const quoteLines = (lines: string[]): string => lines.map((l) => `> ${l}`).join('\n');
/** A code block's language is written into markup, so only a plain name is kept. */
const SAFE_LANG = /^[\w+#.-]{1,32}$/;

/** Emphasis written as the same mark on both sides; a kind without a mark is left plain. */
const marks =
  (mark: Partial<Record<Emphasis, string>>) =>
  (kind: Emphasis, inner: string): string =>
    mark[kind] ? `${mark[kind]}${inner}${mark[kind]}` : inner;
/** Slack and WhatsApp mark emphasis alike and have no spoilers. */
const singleMarks = marks({ strong: '*', em: '_', del: '~' });
const v2Marks = marks({ strong: '*', em: '_', del: '~', spoiler: '||' });

const telegramHtml: Style = {
  text: escapeHtml,
  code: (t) => `<code>${escapeHtml(t)}</code>`,
  codeBlock: (lang, t) =>
    SAFE_LANG.test(lang)
      ? `<pre><code class="language-${lang}">${escapeHtml(t)}</code></pre>`
      : `<pre>${escapeHtml(t)}</pre>`,
  wrap: (kind, inner) => {
    const tag = { strong: 'b', em: 'i', del: 's', spoiler: 'tg-spoiler' }[kind];
    return `<${tag}>${inner}</${tag}>`;
  },
  link: (url, label) => `<a href="${escapeAttr(url)}">${label}</a>`,
  heading: (inner) => `<b>${inner}</b>`,
  // Telegram rejects nested blockquotes: strip inner tags, keep the text.
  quote: (lines) => `<blockquote>${lines.join('\n').replace(/<\/?blockquote>/g, '')}</blockquote>`,
  bullet: bulletOf,
};

const escapeV2 = (s: string): string => s.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
const escapeV2Code = (s: string): string => s.replace(/[`\\]/g, '\\$&');

const telegramMarkdownV2: Style = {
  text: escapeV2,
  code: (t) => `\`${escapeV2Code(t)}\``,
  codeBlock: (lang, t) => `\`\`\`${SAFE_LANG.test(lang) ? lang : ''}\n${escapeV2Code(t)}\n\`\`\``,
  // "___" would read as underline + italic; a zero-length \r separates them (Telegram's advice).
  wrap: (kind, inner) => (kind === 'em' && inner.endsWith('_') ? `_${inner}\r_` : v2Marks(kind, inner)),
  link: (url, label) => `[${label}](${url.replace(/[)\\]/g, '\\$&')})`,
  heading: (inner) => `*${inner}*`,
  quote: (lines) => lines.map((l) => `>${l}`).join('\n'),
  bullet: (marker) => (/\d/.test(marker) ? `${escapeV2(marker)} ` : '• '),
};

const discord: Style = {
  // Discord speaks Markdown itself: text passes through as the agent wrote it.
  text: (t) => t,
  code: (t) => (t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``),
  codeBlock: (lang, t) => `\`\`\`${lang}\n${t.replace(/```/g, '`\u200b``')}\n\`\`\``,
  wrap: marks({ strong: '**', em: '*', del: '~~', spoiler: '||' }),
  link: (url, label, plain) => (plain === url ? url : `[${label}](<${url}>)`),
  // Discord renders only #, ## and ###.
  heading: (inner, level) => (level <= 3 ? `${'#'.repeat(level)} ${inner}` : `**${inner}**`),
  quote: quoteLines,
  bullet: (marker) => (/\d/.test(marker) ? `${marker} ` : '- '),
};

const slack: Style = {
  text: escapeHtml,
  code: (t) => `\`${escapeHtml(t)}\``,
  codeBlock: (_lang, t) => `\`\`\`\n${escapeHtml(t)}\n\`\`\``,
  wrap: singleMarks,
  link: (url, _label, plain) =>
    `<${url.replace(/[|>]/g, encodeURIComponent)}|${escapeHtml(plain).replace(/[|>]/g, '')}>`,
  heading: (inner) => `*${inner}*`,
  quote: quoteLines,
  bullet: bulletOf,
};

const whatsapp: Style = {
  text: (t) => t,
  code: (t) => `\`${t}\``,
  codeBlock: (_lang, t) => `\`\`\`${t}\`\`\``,
  wrap: singleMarks,
  link: (url, _label, plain) => (plain === url ? url : `${plain} (${url})`),
  heading: (inner) => `*${inner}*`,
  quote: quoteLines,
  bullet: bulletOf,
};

/** What a user sees of Telegram HTML; the fallback when Telegram rejects entities. */
const plain: Style = {
  text: (t) => t,
  code: (t) => t,
  codeBlock: (_lang, t) => t,
  wrap: marks({}),
  link: (url, label, plainLabel) => (plainLabel === url ? url : `${label} (${url})`),
  heading: (inner) => inner,
  quote: quoteLines,
  bullet: bulletOf,
};

export const STYLES: Record<Dialect | 'plain', Style> = {
  'telegram-html': telegramHtml,
  'telegram-markdownv2': telegramMarkdownV2,
  discord,
  slack,
  whatsapp,
  plain,
};

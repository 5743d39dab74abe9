import { describe, expect, it } from 'vitest';
import { markdownToPlainText, renderMarkdown, type Dialect } from '../../src/channels/markdown.js';

const cases: { name: string; md: string; out: Partial<Record<Dialect, string>> }[] = [
  {
    name: 'bold, italic, strike',
    md: '**bold** and *it* and ~~gone~~',
    out: {
      'telegram-html': '<b>bold</b> and <i>it</i> and <s>gone</s>',
      'telegram-markdownv2': '*bold* and _it_ and ~gone~',
      discord: '**bold** and *it* and ~~gone~~',
      slack: '*bold* and _it_ and ~gone~',
      whatsapp: '*bold* and _it_ and ~gone~',
    },
  },
  {
    name: 'html special characters',
    md: 'a < b && c > d',
    out: {
      'telegram-html': 'a &lt; b &amp;&amp; c &gt; d',
      slack: 'a &lt; b &amp;&amp; c &gt; d',
      discord: 'a < b && c > d',
      whatsapp: 'a < b && c > d',
    },
  },
  {
    name: 'MarkdownV2 reserved characters are escaped',
    md: 'Price: 1.5 (approx) - see #3! a=b {x} [y] |z| ~ >q',
    out: {
      'telegram-markdownv2':
        'Price: 1\\.5 \\(approx\\) \\- see \\#3\\! a\\=b \\{x\\} \\[y\\] \\|z\\| \\~ \\>q',
    },
  },
  {
    name: 'inline code keeps its content literal',
    md: 'run `rm -rf <dir> *now*` please',
    out: {
      'telegram-html': 'run <code>rm -rf &lt;dir&gt; *now*</code> please',
      'telegram-markdownv2': 'run `rm -rf <dir> *now*` please',
      discord: 'run `rm -rf <dir> *now*` please',
      slack: 'run `rm -rf &lt;dir&gt; *now*` please',
    },
  },
  {
    name: 'fenced code block with language',
    md: '```ts\nconst a = 1 < 2;\n```',
    out: {
      'telegram-html': '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>',
      'telegram-markdownv2': '```ts\nconst a = 1 < 2;\n```',
      discord: '```ts\nconst a = 1 < 2;\n```',
      slack: '```\nconst a = 1 &lt; 2;\n```',
      whatsapp: '```const a = 1 < 2;```',
    },
  },
  {
    name: 'hostile code language is dropped',
    md: '```"><script>\nx\n```',
    out: { 'telegram-html': '<pre>x</pre>' },
  },
  {
    name: 'links',
    md: 'see [the docs](https://example.org/a_(b)) now',
    out: {
      // Balanced parentheses belong to the URL (CommonMark), as on Wikipedia links.
      'telegram-html': 'see <a href="https://example.org/a_(b)">the docs</a> now',
      slack: 'see <https://example.org/a_(b)|the docs> now',
      whatsapp: 'see the docs (https://example.org/a_(b)) now',
    },
  },
  {
    name: 'simple link in every dialect',
    md: '[docs](https://example.org/x?a=1&b=2)',
    out: {
      'telegram-html': '<a href="https://example.org/x?a=1&amp;b=2">docs</a>',
      'telegram-markdownv2': '[docs](https://example.org/x?a=1&b=2)',
      discord: '[docs](<https://example.org/x?a=1&b=2>)',
      slack: '<https://example.org/x?a=1&b=2|docs>',
      whatsapp: 'docs (https://example.org/x?a=1&b=2)',
    },
  },
  {
    name: 'javascript: links are not links',
    md: '[click](javascript:alert(1))',
    out: { 'telegram-html': 'click', discord: 'click' },
  },
  {
    name: 'headings',
    md: '# Title\n#### Small',
    out: {
      'telegram-html': '<b>Title</b>\n<b>Small</b>',
      discord: '# Title\n**Small**',
      slack: '*Title*\n*Small*',
      whatsapp: '*Title*\n*Small*',
    },
  },
  {
    name: 'lists',
    md: '- one\n- two\n  - nested\n1. first',
    out: {
      'telegram-html': '• one\n• two\n  • nested\n1. first',
      'telegram-markdownv2': '• one\n• two\n  • nested\n1\\. first',
      discord: '- one\n- two\n  - nested\n1. first',
    },
  },
  {
    name: 'task lists keep their boxes, tight or loose',
    md: '- [ ] todo\n- [x] done\n\n1. [ ] loose\n\n2. [x] list',
    out: {
      'telegram-html': '• [ ] todo\n• [x] done\n\n1. [ ] loose\n2. [x] list',
      'telegram-markdownv2': '• \\[ \\] todo\n• \\[x\\] done\n\n1\\. \\[ \\] loose\n2\\. \\[x\\] list',
      discord: '- [ ] todo\n- [x] done\n\n1. [ ] loose\n2. [x] list',
    },
  },
  {
    name: 'quotes',
    md: '> quoted *text*\n> more',
    out: {
      'telegram-html': '<blockquote>quoted <i>text</i>\nmore</blockquote>',
      'telegram-markdownv2': '>quoted _text_\n>more',
      slack: '> quoted _text_\n> more',
    },
  },
  {
    name: 'snake_case is not italic',
    md: 'call my_long_function_name now',
    out: {
      'telegram-html': 'call my_long_function_name now',
      'telegram-markdownv2': 'call my\\_long\\_function\\_name now',
    },
  },
  {
    name: 'unmatched markers stay literal',
    md: '2 * 3 = 6 and a ** b',
    out: { 'telegram-html': '2 * 3 = 6 and a ** b', 'telegram-markdownv2': '2 \\* 3 \\= 6 and a \\*\\* b' },
  },
  {
    name: 'backslash escapes',
    md: '\\*not italic\\*',
    out: { 'telegram-html': '*not italic*', 'telegram-markdownv2': '\\*not italic\\*' },
  },
  {
    name: 'nested emphasis',
    md: '**a *b* c**',
    out: {
      'telegram-html': '<b>a <i>b</i> c</b>',
      'telegram-markdownv2': '*a _b_ c*',
      discord: '**a *b* c**',
      slack: '*a _b_ c*',
      whatsapp: '*a _b_ c*',
    },
  },
  {
    name: 'nested same style is rendered once',
    md: '*a _b_ c*',
    out: { 'telegram-markdownv2': '_a b c_', 'telegram-html': '<i>a b c</i>' },
  },
  {
    name: 'spoilers',
    md: '||secret||',
    out: { 'telegram-html': '<tg-spoiler>secret</tg-spoiler>', discord: '||secret||', slack: 'secret' },
  },
  {
    name: 'tables become aligned monospace',
    md: '| a | bb |\n|---|---|\n| ccc | d |',
    out: {
      'telegram-html': '<pre>a   | bb\n----+---\nccc | d</pre>',
      discord: '```\na   | bb\n----+---\nccc | d\n```',
    },
  },
  {
    name: 'paragraph breaks are kept',
    md: 'one\n\ntwo',
    out: { 'telegram-html': 'one\n\ntwo', slack: 'one\n\ntwo' },
  },
  {
    name: 'several blank lines are kept',
    md: 'one\n\n\n\ntwo\n\n\nthree',
    out: { 'telegram-html': 'one\n\n\n\ntwo\n\n\nthree', discord: 'one\n\n\n\ntwo\n\n\nthree' },
  },
  {
    name: 'nested quotes (Telegram HTML rejects them: flattened)',
    md: '> - in quote\n>\n> > nested',
    out: {
      'telegram-html': '<blockquote>• in quote\n\nnested</blockquote>',
      discord: '> - in quote\n> \n> > nested',
    },
  },
  {
    name: 'only the first word of a fence info string is the language',
    md: '```ts extra words\nx\n```',
    out: { 'telegram-html': '<pre><code class="language-ts">x</code></pre>', discord: '```ts\nx\n```' },
  },
  {
    name: 'a linked image is labelled by its alt text',
    md: '[![badge](https://b.svg)](https://ci)',
    out: { slack: '<https://ci|badge>' },
  },
];

describe('renderMarkdown', () => {
  for (const { name, md, out } of cases) {
    for (const [dialect, expected] of Object.entries(out)) {
      it(`${name} → ${dialect}`, () => {
        expect(renderMarkdown(md, dialect as Dialect)).toBe(expected);
      });
    }
  }

  it.each(['telegram-html', 'telegram-markdownv2', 'discord', 'slack', 'whatsapp'] as const)(
    'survives hostile input in %s',
    (dialect) => {
      const hostile = [
        '*'.repeat(100_000),
        '_'.repeat(50_000) + 'x',
        '['.repeat(20_000) + '](',
        '>'.repeat(5_000) + ' deep',
        '`'.repeat(10_000),
        'שלום \u202Eevil\u202C 👨‍👩‍👧‍👦 \u200B a\uD800b',
        '**a *b ~~c ||d __e__ d|| c~~ b* a**'.repeat(500),
        // Nesting marked would recurse into once per marker, and spoiler openers without a closer.
        '- '.repeat(3_000) + 'x',
        '> - 1. '.repeat(2_000) + 'x',
        Array.from({ length: 200 }, (_, i) => ' '.repeat(i * 2) + '- x').join('\n'),
        '||a '.repeat(30_000),
      ];
      for (const md of hostile) {
        const started = performance.now();
        const out = renderMarkdown(md, dialect);
        expect(typeof out).toBe('string');
        // Not a timing assertion on speed, only a guard against quadratic blow-ups hanging the host.
        expect(performance.now() - started).toBeLessThan(5_000);
      }
    },
  );

  it('escapes every MarkdownV2 special character outside entities', () => {
    const specials = '_*[]()~`>#+-=|{}.!';
    const rendered = renderMarkdown(`x ${specials.split('').join(' ')} x`, 'telegram-markdownv2');
    for (const c of specials) expect(rendered).toContain(`\\${c}`);
  });
});

describe('markdownToPlainText', () => {
  it('drops markers and spells out links', () => {
    expect(markdownToPlainText('**Hi** [docs](https://x.org) `c`')).toBe('Hi docs (https://x.org) c');
  });
});

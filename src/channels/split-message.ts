/**
 * Splits a long reply into chunks that each fit a platform's message limit.
 *
 * Cuts prefer, in order: a blank line outside a code block, a line break outside a code
 * block, a line break inside a code block (the block is closed at the end of the chunk and
 * reopened, with its language, at the start of the next), a space, and finally a hard cut
 * that never splits a surrogate pair or (when cheap to tell) a grapheme cluster.
 * Lengths are JavaScript string lengths (UTF-16 code units), which is what Telegram counts
 * and never less than what Discord, Slack or WhatsApp count.
 */

interface Fence {
  /** The opening line, e.g. "```ts", reused to reopen the block in the next chunk. */
  openLine: string;
  marker: string;
}

interface Boundary {
  /** Chunk is text.slice(0, cut). */
  cut: number;
  /** The rest starts at text.slice(resume). */
  resume: number;
  /** The code block open at the cut, if any. */
  fence?: Fence;
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** A chunk smaller than this fraction of the limit is only accepted to keep a code block whole. */
const MIN_FILL = 0.3;

export function splitMessage(text: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`splitMessage: limit must be a positive integer, got ${limit}`);
  if (!text.trim()) return [];
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const { chunk, next } = takeChunk(rest, limit);
    if (chunk.trim()) chunks.push(chunk);
    rest = next;
  }
  if (rest.trim()) chunks.push(rest);
  return chunks;
}

function takeChunk(text: string, limit: number): { chunk: string; next: string } {
  const boundary = chooseBoundary(text, limit);
  let chunk = text.slice(0, boundary.cut).trimEnd();
  let next = text.slice(boundary.resume);
  const fence = boundary.fence;
  if (fence && canReopen(fence, limit)) {
    chunk = `${chunk}\n${fence.marker}`;
    next = `${fence.openLine}\n${next}`;
  }
  // Progress is guaranteed: every boundary consumes at least one character of the text.
  return { chunk, next };
}

/** Reopening a fence costs its opening line in the next chunk; a hostile 5 kB info string must not loop. */
function canReopen(fence: Fence, limit: number): boolean {
  return fence.openLine.length + fence.marker.length + 2 <= limit / 2;
}

function chooseBoundary(text: string, limit: number): Boundary {
  const first = findBoundary(text, limit);
  if (!first.fence || !canReopen(first.fence, limit)) return first;
  // Inside a code block the chunk also needs room for the closing fence line.
  const reserve = first.fence.marker.length + 1;
  const second = findBoundary(text, limit - reserve);
  return second;
}

function findBoundary(text: string, max: number): Boundary {
  const lines = scanLines(text, max);
  const minFill = Math.floor(max * MIN_FILL);
  let paragraph: Boundary | undefined;
  let lineOutside: Boundary | undefined;
  let earlyLineOutside: Boundary | undefined;
  let lineInside: Boundary | undefined;
  for (const line of lines) {
    const { end, fence } = line;
    if (end === 0 || end > max) continue;
    const boundary: Boundary = { cut: end, resume: skipNewlines(text, end), fence };
    if (fence) {
      lineInside = boundary;
      continue;
    }
    if (end >= minFill) {
      lineOutside = boundary;
      if (text[end + 1] === '\n' || (text[end + 1] === '\r' && text[end + 2] === '\n')) paragraph = boundary;
    } else {
      earlyLineOutside = boundary;
    }
  }
  if (paragraph ?? lineOutside) return (paragraph ?? lineOutside)!;
  // A short first chunk is only worth it when it keeps the code block that follows whole.
  if (lineInside) return earlyLineOutside ?? lineInside;
  return wordOrHardBoundary(text, max, lines);
}

interface ScannedLine {
  /** Index of the line break that ends the line. */
  end: number;
  /** The code block still open after this line. */
  fence?: Fence;
}

/** Walks the lines that start within the first `max` characters, tracking open code blocks. */
function scanLines(text: string, max: number): ScannedLine[] {
  const lines: ScannedLine[] = [];
  let fence: Fence | undefined;
  let start = 0;
  while (start <= max && start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).replace(/\r$/, '');
    fence = nextFenceState(fence, line);
    if (newline === -1) break;
    lines.push({ end: newline, fence });
    start = newline + 1;
  }
  return lines;
}

function nextFenceState(open: Fence | undefined, line: string): Fence | undefined {
  const match = FENCE_LINE.exec(line);
  if (!match) return open;
  const run = match[1]!;
  const info = match[2]!;
  if (open) {
    const closes = run[0] === open.marker[0] && run.length >= open.marker.length && !info.trim();
    return closes ? undefined : open;
  }
  // A backtick fence's info string may not contain backticks (CommonMark); then it is inline code.
  if (run[0] === '`' && info.includes('`')) return undefined;
  return { openLine: line.trimStart(), marker: run };
}

function skipNewlines(text: string, index: number): number {
  let i = index;
  while (text[i] === '\n' || text[i] === '\r') i++;
  return i;
}

function wordOrHardBoundary(text: string, max: number, lines: ScannedLine[]): Boundary {
  const fence = fenceAt(lines, max);
  const space = lastSpace(text, max);
  if (space > 0) return { cut: space, resume: fence ? space + 1 : skipSpaces(text, space), fence };
  const cut = safeHardCut(text, max);
  return { cut, resume: cut, fence };
}

function fenceAt(lines: ScannedLine[], index: number): Fence | undefined {
  let fence: Fence | undefined;
  for (const line of lines) {
    if (line.end >= index) break;
    fence = line.fence;
  }
  return fence;
}

function lastSpace(text: string, max: number): number {
  for (let i = Math.min(max, text.length - 1); i > 0; i--) {
    const c = text[i];
    if (c === ' ' || c === '\t') return i;
  }
  return -1;
}

function skipSpaces(text: string, index: number): number {
  let i = index;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

const segmenter =
  typeof Intl.Segmenter === 'function'
    ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
    : undefined;
/** How far back a hard cut may move to land on a grapheme boundary (emoji ZWJ sequences are < 40). */
const GRAPHEME_WINDOW = 64;

/** A cut at or before `max` that splits neither a surrogate pair nor, if possible, a grapheme. */
export function safeHardCut(text: string, max: number): number {
  let cut = Math.max(1, Math.min(max, text.length));
  if (segmenter && cut < text.length) {
    const from = Math.max(0, cut - GRAPHEME_WINDOW);
    let best = -1;
    for (const { index } of segmenter.segment(
      text.slice(from, Math.min(text.length, cut + GRAPHEME_WINDOW)),
    )) {
      const absolute = from + index;
      if (absolute > cut) break;
      if (absolute > from || from === 0) best = absolute;
    }
    if (best > 0) cut = best;
  }
  const code = text.charCodeAt(cut - 1);
  if (cut > 1 && code >= 0xd800 && code <= 0xdbff && cut < text.length) cut -= 1;
  return cut;
}

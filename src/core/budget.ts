/**
 * Daily cost control: may an agent start another run today? Pure decisions; the caller
 * sums today's usage from the runs table (from `startOfDay` in the instance time zone) and
 * tells the chat the message when the budget is spent.
 */
export interface DailyBudget {
  dailyTokens?: number;
  dailyUsd?: number;
}

export interface UsageToday {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type BudgetDecision = { allowed: true } | { allowed: false; message: string };

export interface BudgetMessageContext {
  /** The agent's display name, for the message. */
  agentName?: string;
  /** Epoch ms when the day's budget starts over (see startOfNextDay). */
  resetsAt?: number;
  /** IANA time zone the reset time is shown in. */
  timezone?: string;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number): string => `$${n.toFixed(2)}`;

/** Tokens counted against the budget: what the model read and wrote (cache reads excluded). */
export const tokensUsed = (usage: UsageToday): number => usage.inputTokens + usage.outputTokens;

/** A run may start while usage is below every configured limit; reaching a limit spends the budget. */
export function checkBudget(
  budget: DailyBudget | undefined,
  usedToday: UsageToday,
  context: BudgetMessageContext = {},
): BudgetDecision {
  if (!budget) return { allowed: true };
  const spent: string[] = [];
  const tokens = tokensUsed(usedToday);
  if (budget.dailyTokens !== undefined && tokens >= budget.dailyTokens) {
    spent.push(`${count(tokens)} of ${count(budget.dailyTokens)} tokens`);
  }
  if (budget.dailyUsd !== undefined && usedToday.costUsd >= budget.dailyUsd) {
    spent.push(`${usd(usedToday.costUsd)} of ${usd(budget.dailyUsd)}`);
  }
  if (spent.length === 0) return { allowed: true };

  const who = context.agentName ? `${context.agentName}'s` : "This agent's";
  let resets = 'It resets at midnight.';
  if (context.resetsAt !== undefined && context.timezone) {
    const when = new Intl.DateTimeFormat('en-GB', {
      timeZone: context.timezone,
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(context.resetsAt);
    resets = `It resets at midnight (${context.timezone}), ${when}.`;
  }
  return {
    allowed: false,
    message: `${who} daily budget is spent (${spent.join(' and ')} used today), so this message was not answered. ${resets}`,
  };
}

// ---------------------------------------------------------------- days in a time zone

const formatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
      });
    } catch {
      throw new RangeError(
        `unknown time zone "${timezone}" (instance.timezone in omniclaw.yaml); use an IANA name such as "Europe/Berlin"`,
      );
    }
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The local calendar date at `t` as one comparable number, yyyymmdd. */
function localDate(t: number, timezone: string): number {
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of dateFormatter(timezone).formatToParts(t)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return year * 10_000 + month * 100 + day;
}

/**
 * The first millisecond in (lo, hi] whose local date passes `test`, given that `lo` fails
 * and `hi` passes. Searching the instant itself (rather than adding 24 h or assuming 00:00
 * exists) keeps 23- and 25-hour DST days and zones whose midnight is skipped right.
 */
function firstInstant(lo: number, hi: number, test: (t: number) => boolean): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (test(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** No calendar day is longer than this, so ±50 h always crosses a date boundary. */
const SEARCH_SPAN_MS = 50 * 3600_000;

/** Epoch ms when the local day containing `now` began in `timezone` (IANA). */
export function startOfDay(now: number, timezone: string): number {
  const t = Math.floor(now);
  const today = localDate(t, timezone);
  return firstInstant(t - SEARCH_SPAN_MS, t, (x) => localDate(x, timezone) >= today);
}

/** Epoch ms when the next local day begins in `timezone`: when a daily budget resets. */
export function startOfNextDay(now: number, timezone: string): number {
  const t = Math.floor(now);
  const today = localDate(t, timezone);
  return firstInstant(t, t + SEARCH_SPAN_MS, (x) => localDate(x, timezone) > today);
}

/**
 * Daily cost control: may an agent start another run today? Pure decisions; the caller
 * sums today's usage from the runs table (from `startOfDay` in the instance time zone) and
 * tells the chat the message when the budget is spent.
 */
import { createRequire } from 'node:module';
import type * as Luxon from 'luxon';

// Luxon is loaded on the first day computation (a budget, a status request), not at start:
// an idle daemon without budgets never needs it and kept its 0.5 MB of source in the heap.
const require = createRequire(import.meta.url);
let luxon: typeof Luxon | undefined;
const loadLuxon = (): typeof Luxon => (luxon ??= require('luxon') as typeof Luxon);

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
  /** What the refusal means; default: the message was not answered (said to the chat). */
  refused?: string;
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
    message: `${who} daily budget is spent (${spent.join(' and ')} used today), so ${context.refused ?? 'this message was not answered'}. ${resets}`,
  };
}

// ---------------------------------------------------------------- days in a time zone

function zoned(now: number, timezone: string): Luxon.DateTime {
  const local = loadLuxon().DateTime.fromMillis(Math.floor(now), { zone: timezone });
  if (!local.isValid) {
    throw new RangeError(
      `unknown time zone "${timezone}" (instance.timezone in omniclaw.yaml); use an IANA name such as "Europe/Berlin"`,
    );
  }
  return local;
}

/**
 * Epoch ms when the local day containing `now` began in `timezone` (IANA). Luxon handles
 * 23- and 25-hour DST days and zones whose midnight is skipped (the day starts at 01:00).
 */
export function startOfDay(now: number, timezone: string): number {
  return zoned(now, timezone).startOf('day').toMillis();
}

/** Epoch ms when the next local day begins in `timezone`: when a daily budget resets. */
export function startOfNextDay(now: number, timezone: string): number {
  return zoned(now, timezone).startOf('day').plus({ days: 1 }).startOf('day').toMillis();
}

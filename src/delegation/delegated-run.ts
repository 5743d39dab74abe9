/**
 * What a delegated run is made of (issue 11): the isolated task the target runs, the prompt
 * it reads, and how the run's outcome reads to the requester. Pure: setup.ts starts the run
 * and records the end.
 */
import type { DelegationEnd, Delegation } from '../domain/multi-agent.js';
import type { Usage } from '../protocol/runner-protocol.js';
import type { TaskRunOutcome } from '../scheduler/task-run.js';
import type { Task } from '../store/tasks.js';

/** The scheduler's isolated one-time task that carries `d` out in `chat` of the target. */
export function delegatedTask(d: Delegation, chat: string, at: number): Task {
  return {
    id: d.id,
    agent: d.to,
    chat,
    prompt: d.description,
    kind: 'task',
    source: 'agent',
    scheduleType: 'once',
    scheduleValue: '',
    contextMode: 'isolated',
    output: 'send_message',
    status: 'active',
    createdBy: d.from,
    createdAt: at,
    updatedAt: at,
  };
}

/** What the delegated agent reads: who asked, where its answer goes, its files, then the request. */
export function delegatedPrompt(d: Delegation, files: string): string {
  const request = d.description.replaceAll('</delegated_task', '<\\/delegated_task');
  return (
    `<delegated_task id="${d.id}" from="${d.from}">\n` +
    `[Agent "${d.from}" delegated this task to you. Your final answer goes back to "${d.from}", not to any chat. ` +
    `This run is apart from your chats: it does not see their history.]${files}\n\n${request}\n</delegated_task>`
  );
}

export const interruptedText = (d: Delegation): string =>
  `Delegation ${d.id} to "${d.to}" was interrupted: the host stopped while "${d.to}" was working on it, ` +
  'so there is no answer. Delegate it again if it is still needed.';

/** How a delegated run ended, in the words the requester reads. */
export function delegationEnd(
  d: Delegation,
  outcome: TaskRunOutcome,
): { status: DelegationEnd; text: string; detail: { usage?: Usage; error?: string } } {
  const { usage, error } = outcome;
  if (outcome.ok)
    return {
      status: 'done',
      text: `Result of delegation ${d.id} from agent "${d.to}":\n\n${outcome.result ?? '(no answer)'}`,
      detail: { usage },
    };
  if (outcome.interrupted)
    return { status: 'interrupted', text: interruptedText(d), detail: { usage, error } };
  return {
    status: 'failed',
    text: `Delegation ${d.id} to "${d.to}" failed: ${error ?? 'unknown error'}`,
    detail: { usage, error },
  };
}

/**
 * The seven scheduling tools (schedule_task, list_tasks, pause_task, resume_task,
 * cancel_task, update_task, configure_heartbeat). They replace the host-provided placeholders
 * handlers by name; the rules live in TaskService, these only translate arguments and
 * answers. A refused or invalid request is a ToolError the agent reads verbatim.
 */
import { defineAgentTool } from '../tools/define-tool.js';
import { ToolError, type ToolContext, type ToolHandler } from '../tools/types.js';
import { describeTask, localTime } from './format.js';
import { TaskRequestError, type Caller, type TaskService } from './task-service.js';

const callerOf = (context: ToolContext): Caller => ({ agent: context.agent, chat: context.chat });

/** Runs a service call; its rule violations become errors the agent sees. */
function attempt<T>(tool: string, action: () => T): T {
  try {
    return action();
  } catch (err) {
    if (err instanceof TaskRequestError) throw new ToolError(`${tool}: ${err.message}`);
    throw err;
  }
}

export function schedulerTools(service: TaskService): ToolHandler[] {
  const tz = (): string => service.timezone;
  return [
    defineAgentTool('schedule_task', async (args, context) => {
      const task = attempt('schedule_task', () =>
        service.create(callerOf(context), {
          prompt: args.prompt,
          scheduleType: args.schedule_type,
          scheduleValue: args.schedule_value,
          contextMode: args.context_mode,
          chat: args.target_group_jid,
        }),
      );
      return (
        `Scheduled task ${task.id} for ${task.chat}; first run ${localTime(task.nextRunAt, tz())} (${tz()}). ` +
        'When it runs, your final answer is not sent: use send_message to tell the chat.'
      );
    }),
    defineAgentTool('list_tasks', async (_args, context) => {
      const tasks = service.list(callerOf(context));
      if (!tasks.length) return 'No scheduled tasks.';
      return tasks.map((t) => describeTask(t, tz())).join('\n');
    }),
    defineAgentTool('pause_task', async (args, context) => {
      const task = attempt('pause_task', () => service.pause(callerOf(context), args.task_id));
      return `Task ${task.id} is paused; resume_task starts it again.`;
    }),
    defineAgentTool('resume_task', async (args, context) => {
      const task = attempt('resume_task', () => service.resume(callerOf(context), args.task_id));
      return `Task ${task.id} is active; next run ${localTime(task.nextRunAt, tz())} (${tz()}).`;
    }),
    defineAgentTool('cancel_task', async (args, context) => {
      const task = attempt('cancel_task', () => service.cancel(callerOf(context), args.task_id));
      return `Task ${task.id} is cancelled and will not run again.`;
    }),
    defineAgentTool('update_task', async (args, context) => {
      if (args.prompt === undefined && args.schedule_value === undefined && args.schedule_type === undefined)
        throw new ToolError('update_task: give a new prompt, schedule_value (and schedule_type), or both');
      const task = attempt('update_task', () =>
        service.update(callerOf(context), args.task_id, {
          prompt: args.prompt,
          scheduleType: args.schedule_type,
          scheduleValue: args.schedule_value,
        }),
      );
      return `Task ${task.id} updated; next run ${localTime(task.nextRunAt, tz())} (${tz()}).`;
    }),
    defineAgentTool('configure_heartbeat', async (args, context) => {
      const task = attempt('configure_heartbeat', () =>
        service.configureHeartbeat(callerOf(context), {
          enabled: args.enabled,
          scheduleType: args.schedule_type,
          value: args.interval,
          chat: args.target_group_jid,
        }),
      );
      // A heartbeat declared in omniclaw.yaml keeps this change until its entry there is edited.
      const declared =
        task?.source === 'config'
          ? ' This lasts until the heartbeat entry in omniclaw.yaml is changed; then that applies.'
          : '';
      if (!args.enabled)
        return task ? `Heartbeat ${task.id} is off.${declared}` : 'There was no heartbeat; nothing changed.';
      return (
        `Heartbeat ${task!.id} is on; next ${localTime(task!.nextRunAt, tz())} (${tz()}). It runs only while your ` +
        `CLAUDE.md has a "## Heartbeat" or "## Goals" section, and reads what to do from there.${declared}`
      );
    }),
  ];
}

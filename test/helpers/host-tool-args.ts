/** Arguments each host-provided tool accepts (all its required ones), for tests that only care who answers. */
import type { hostProvidedToolNames } from '../../src/tools/host-provided-tools.js';

export const HOST_TOOL_ARGS: Record<(typeof hostProvidedToolNames)[number], Record<string, unknown>> = {
  schedule_task: { prompt: 'p', schedule_type: 'cron', schedule_value: '0 9 * * *' },
  list_tasks: {},
  pause_task: { task_id: 't1' },
  resume_task: { task_id: 't1' },
  cancel_task: { task_id: 't1' },
  update_task: { task_id: 't1' },
  configure_heartbeat: { enabled: false },
  register_group: { jid: 'mem:new-group', name: 'n', folder: 'newgroup' },
  share_request: { description: 'd' },
  delegate_task: { description: 'd' },
  request_context: { description: 'd' },
  read_context: { topic: 'overview' },
  list_context_topics: {},
};

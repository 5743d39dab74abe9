/** Prometheus metrics, all prefixed omniclaw_. One registry per host (tests run several). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const EVENT_LOOP_SAMPLE_MS = 500;

export class Metrics {
  readonly registry = new Registry();
  readonly messagesIn = new Counter({
    name: 'omniclaw_messages_in_total',
    help: 'Inbound messages stored, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'omniclaw_messages_out_total',
    help: 'Outbound messages by channel and result (sent, retry, failed)',
    labelNames: ['channel', 'result'] as const,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'omniclaw_run_duration_seconds',
    help: 'Agent run duration (sandbox start to exit), by agent and result',
    labelNames: ['agent', 'result'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800],
    registers: [this.registry],
  });
  readonly replyLatency = new Histogram({
    name: 'omniclaw_reply_latency_seconds',
    help: 'From a message being handed to an agent to its reply entering the outbox',
    labelNames: ['agent'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'omniclaw_queue_depth',
    help: 'Agents waiting for a run slot',
    registers: [this.registry],
  });
  readonly activeSandboxes = new Gauge({
    name: 'omniclaw_active_sandboxes',
    help: 'Agent runs (sandboxes) alive, busy or warm',
    registers: [this.registry],
  });
  readonly taskResults = new Counter({
    name: 'omniclaw_task_results_total',
    help: 'Scheduled task runs by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly channelConnected = new Gauge({
    name: 'omniclaw_channel_connected',
    help: '1 when the channel is connected, else 0',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'omniclaw_tokens_total',
    help: 'Model tokens used, by agent and kind (input, output, cache_read, cache_write)',
    labelNames: ['agent', 'kind'] as const,
    registers: [this.registry],
  });
  readonly costUsd = new Counter({
    name: 'omniclaw_cost_usd_total',
    help: 'Model cost in USD where the runtime reports it, by agent',
    labelNames: ['agent'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // The event-loop lag monitor samples on a timer; prom-client's 10 ms default woke an idle
    // daemon ~100 times a second (bench/idle-cpu.bench.ts). 500 ms still shows a stalled loop.
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({
        register: this.registry,
        prefix: 'omniclaw_',
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
  }
}

/**
 * The environment for what the openai and codex runtimes start (bash commands, the Codex CLI):
 * the runner's own, plus the gateway's web proxy when the agent may browse. The model endpoint
 * is on loopback (the gateway forwarder), so loopback never goes through the proxy.
 */
export function withWebProxy(base: NodeJS.ProcessEnv, httpProxy: string | undefined): NodeJS.ProcessEnv {
  if (!httpProxy) return { ...base };
  return {
    ...base,
    HTTP_PROXY: httpProxy,
    HTTPS_PROXY: httpProxy,
    http_proxy: httpProxy,
    https_proxy: httpProxy,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  };
}

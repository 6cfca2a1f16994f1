/** What web/server hands the app at start-up (GET /config.json): where the gateway is, and the dev sign-in. */
export interface RuntimeConfig {
  gatewayUrl: string;
  devSignIn: { tenants: { id: string; name: string }[] } | null;
}

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`The panel's configuration could not be read (HTTP ${response.status})`);
  return (await response.json()) as RuntimeConfig;
}

import type { WebhookFormat } from './settings.js';

/**
 * A registered app as on Intuit's developer portal: development keys, the Keys-tab list of redirect URIs
 * (exact match, §1.2), and the webhook section (endpoint URL, verifier token, payload format toggle, §7).
 */
export interface RegisteredApp {
  appId: string;
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  webhookUrl: string | null;
  verifierToken: string;
  webhookFormat: WebhookFormat;
}

export type AppInput = Partial<RegisteredApp> & { clientId?: string };

/** Deterministic so the product's local config and e2e tests can hard-code it. */
export const DEFAULT_APP: RegisteredApp = {
  appId: 'sandbox-default-app',
  name: 'Sandbox Development App',
  clientId: 'ABsandboxDevClientId0000000000000000000000000000',
  clientSecret: 'sandboxDevClientSecret000000000000000000',
  // The subgraph's OAuth callback (src/config.ts QUICKBOOKS_CALLBACK_PATH) on `npm start`'s port.
  redirectUris: [
    'http://localhost:4001/integrations/quickbooks/callback',
    'http://127.0.0.1:4001/integrations/quickbooks/callback',
    'https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl',
  ],
  webhookUrl: null,
  verifierToken: 'sandbox-default-verifier-token',
  webhookFormat: 'cloudevents',
};

export class AppError extends Error {
  override readonly name = 'AppError';
}

export class AppRegistry {
  private readonly apps = new Map<string, RegisteredApp>();
  private counter = 0;

  constructor(initial: AppInput[]) {
    this.reset(initial);
  }

  reset(initial: AppInput[]): void {
    this.apps.clear();
    this.counter = 0;
    for (const app of initial) this.register(app);
  }

  register(input: AppInput): RegisteredApp {
    this.counter += 1;
    const clientId = input.clientId ?? `ABsandboxClient${String(this.counter).padStart(4, '0')}`;
    if (this.apps.has(clientId)) throw new AppError(`app ${clientId} is already registered`);
    const app: RegisteredApp = {
      appId: input.appId ?? `sandbox-app-${this.counter}`,
      name: input.name ?? `Sandbox App ${this.counter}`,
      clientId,
      clientSecret: input.clientSecret ?? `sandboxSecret${String(this.counter).padStart(4, '0')}`,
      redirectUris: [...(input.redirectUris ?? DEFAULT_APP.redirectUris)],
      webhookUrl: input.webhookUrl ?? null,
      verifierToken: input.verifierToken ?? `sandbox-verifier-${this.counter}`,
      webhookFormat: input.webhookFormat ?? 'cloudevents',
    };
    this.apps.set(clientId, app);
    return app;
  }

  update(clientId: string, patch: Partial<Omit<RegisteredApp, 'clientId'>>): RegisteredApp {
    const app = this.apps.get(clientId);
    if (!app) throw new AppError(`no app with client id ${clientId}`);
    Object.assign(app, patch);
    return app;
  }

  get(clientId: string): RegisteredApp | undefined {
    return this.apps.get(clientId);
  }

  list(): RegisteredApp[] {
    return [...this.apps.values()];
  }

  /** A plain compare is enough: the emulator holds development keys only and is not a security boundary. */
  authenticate(clientId: string, clientSecret: string): RegisteredApp | undefined {
    const app = this.apps.get(clientId);
    return app && app.clientSecret === clientSecret ? app : undefined;
  }
}

import { pino, type Logger } from 'pino';
import {
  mintDevToken,
  startHostSubgraph,
  type DevTokenClaims,
  type HostSubgraph,
  type HostSubgraphOptions,
} from '../src/index.js';

export const TEST_SECRET = 'host-subgraph-test-secret-0123456789abcdef';

export const ACME = 'cust-acme-us';
export const NORDLYS = 'cust-nordlys-no';
export const THAMES = 'cust-thames-gb';

export function startTestHost(options: Partial<HostSubgraphOptions> = {}): Promise<HostSubgraph> {
  return startHostSubgraph({ port: 0, auth: { secret: TEST_SECRET }, ...options });
}

export function token(
  tenants: string[],
  claims: Partial<DevTokenClaims> = {},
  secret = TEST_SECRET,
): Promise<string> {
  return mintDevToken(secret, { userId: 'user-1', tenants, ...claims });
}

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
  errors?: GraphQLErrorShape[];
}

/** One POST over real HTTP; the bearer token is sent when given. */
export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  bearer?: string,
): Promise<GraphQLResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResult, 'status'>;
  return { status: response.status, ...body };
}

export function codes(result: GraphQLResult): (string | undefined)[] {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}

/** A pino logger that keeps every JSON line it writes. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(chunk: string) {
        lines.push(JSON.parse(chunk) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

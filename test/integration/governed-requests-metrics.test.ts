import { describe, expect, it } from '@jest/globals';
import { startTestApi } from '../support/api.js';

/** /metrics on the API's own HTTP server, as the composition root wires it. */
describe("the API's /metrics", () => {
  it('answers the Prometheus text format with queue depths outside production, without a token', async () => {
    const api = await startTestApi();
    try {
      const response = await fetch(api.url.replace(/\/graphql$/, '/metrics'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await response.text();
      expect(text).toContain('# TYPE qbo_requests_total counter');
      expect(text).toMatch(
        /qbo_queue_jobs\{queue="[^"]*invoice-push[^"]*",state="waiting",process="api"\} \d+/,
      );
      expect(text).toContain('process_cpu_user_seconds_total');
    } finally {
      await api.close();
    }
  });

  it('requires METRICS_TOKEN as a bearer token when one is configured', async () => {
    const token = 'a-metrics-token-of-at-least-32-chars';
    const api = await startTestApi({ METRICS_TOKEN: token });
    try {
      const url = api.url.replace(/\/graphql$/, '/metrics');
      expect((await fetch(url)).status).toBe(401);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('qbo_pushes_total');
    } finally {
      await api.close();
    }
  });
});

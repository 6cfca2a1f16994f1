import { startApi } from './api.js';
import { runMain } from './process-main.js';

runMain('api', async (config, logger) => {
  const api = await startApi(config, logger);
  return () => api.close();
});

import { runMain } from '../process-main.js';
import { startWorkers } from './runtime.js';

runMain('worker', async (config, logger) => {
  const running = await startWorkers(config, logger);
  return async () => {
    const { drained } = await running.shutdown();
    logger.info({ drained }, 'in-flight jobs drained');
  };
});

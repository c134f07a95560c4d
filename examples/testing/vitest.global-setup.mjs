// Vitest: one Tidings for the whole run. In vitest.config.mjs:
//   export default defineConfig({ test: { globalSetup: './vitest.global-setup.mjs' } })
// Test files read the URL with inject('redisUrl') (or process.env.REDIS_URL).
import { startServer } from 'tidings';

export default async function setup({ provide }) {
  const broker = await startServer();
  process.env.REDIS_URL = broker.url;
  provide?.('redisUrl', broker.url);
  return async () => broker.close(); // Vitest calls this as the teardown
}

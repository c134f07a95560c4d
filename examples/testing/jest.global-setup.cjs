// Jest: one Tidings for the whole run. In jest.config.js:
//   globalSetup: './jest.global-setup.cjs', globalTeardown: './jest.global-teardown.cjs'
// Test files then connect to process.env.REDIS_URL (Jest passes globalSetup's env to the workers).
const { startServer } = require('tidings');

module.exports = async function globalSetup() {
  const broker = await startServer();
  globalThis.__TIDINGS__ = broker;
  process.env.REDIS_URL = broker.url;
};

module.exports = async function globalTeardown() {
  await globalThis.__TIDINGS__?.close();
};

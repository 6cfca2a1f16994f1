export default async function globalTeardown() {
  // Both projects that started services name this teardown; the first call stops them.
  const services = globalThis.__qbsServices;
  globalThis.__qbsServices = undefined;
  await services?.stop();
}

import { jest } from '@jest/globals';

// Each browser test walks a whole scenario (OAuth round trip, a push through a worker) on a shared machine.
jest.setTimeout(120_000);

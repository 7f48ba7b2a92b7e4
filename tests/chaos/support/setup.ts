import { killAll } from './apps';

// Faults take time to inject and to recover from.
jest.setTimeout(1_800_000);

// A scenario that failed half-way must not leave its apps running into the next one.
afterEach(() => killAll());

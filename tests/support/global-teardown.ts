import { releaseStack, stackCommand } from './stack-process';

/** Stops the stack global-setup started (and only that one). ANNALS_KEEP_TEST_STACK=1 keeps it for debugging. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.ANNALS_TEST_STACK !== 'test' || process.env.ANNALS_KEEP_TEST_STACK === '1') return;
  delete process.env.ANNALS_TEST_STACK; // the integration and chaos projects share it: destroy it once
  try {
    await stackCommand('destroy', 'test');
  } finally {
    releaseStack('test');
  }
}

import { closeOnFailedStart } from '@annals/platform';

function app(close: () => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  return {
    calls,
    close: async () => {
      calls.push('close');
      await close();
    },
  };
}

describe("closeOnFailedStart: a start that fails leaves nothing of the app running", () => {
  it('closes the app when its last start step fails, then throws that step\'s error', async () => {
    const half = app();
    await expect(closeOnFailedStart(half, () => Promise.reject(new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000')))).rejects.toThrow(
      'listen EADDRINUSE: address already in use 127.0.0.1:3000',
    );
    expect(half.calls).toEqual(['close']);
  });

  it('a close that fails too does not hide why the start failed', async () => {
    const half = app(() => Promise.reject(new Error('the consumer was never connected')));
    await expect(closeOnFailedStart(half, () => Promise.reject(new Error('listen EADDRINUSE')))).rejects.toThrow('listen EADDRINUSE');
    expect(half.calls).toEqual(['close']);
  });

  it('a start that succeeds returns the app, open', async () => {
    const started = app();
    await expect(closeOnFailedStart(started, async () => undefined)).resolves.toBe(started);
    expect(started.calls).toEqual([]);
  });
});

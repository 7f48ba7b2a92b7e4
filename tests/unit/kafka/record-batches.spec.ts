import { BATCH_OVERHEAD, recordBatches, recordBytes } from '@annals/kafka';

describe('recordBatches: one partition\'s messages in batches a topic takes', () => {
  const message = (id: number, bytes: number) => ({ key: `k${id}`, value: Buffer.alloc(bytes, 'x'), headers: { 'x-id': String(id) } });

  it('keeps every message once, in order, and each batch within the limit', () => {
    const messages = [500_000, 900_000, 10, 900_000, 300_000, 300_000, 300_000, 1_000_000].map((bytes, id) => message(id, bytes));
    const limit = 2 * 1024 * 1024;
    const batches = recordBatches(messages, limit);
    expect(batches.flat()).toEqual(messages);
    for (const batch of batches) expect(BATCH_OVERHEAD + batch.reduce((n, m) => n + recordBytes(m), 0)).toBeLessThanOrEqual(limit);
    // and no more batches than needed: two neighbours fit together only when the limit allows
    for (let i = 1; i < batches.length; i++) {
      const joined = [...batches[i - 1]!, batches[i]![0]!];
      expect(BATCH_OVERHEAD + joined.reduce((n, m) => n + recordBytes(m), 0)).toBeGreaterThan(limit);
    }
  });

  it('sends a message too large for any batch alone, for Kafka to refuse by itself', () => {
    const batches = recordBatches([message(0, 10), message(1, 3_000_000), message(2, 10)], 1_048_588);
    expect(batches.map((b) => b.map((m) => m.key))).toEqual([['k0'], ['k1'], ['k2']]);
  });

  it('counts strings by their UTF-8 bytes and every header value', () => {
    const ascii = recordBytes({ key: null, value: 'aaaa' });
    expect(recordBytes({ key: null, value: 'éééé' })).toBe(ascii + 4);
    expect(recordBytes({ key: null, value: 'aaaa', headers: { h: ['12345', Buffer.alloc(10)] } })).toBeGreaterThanOrEqual(ascii + 15);
  });
});

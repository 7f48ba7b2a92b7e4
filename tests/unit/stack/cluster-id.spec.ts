import { newClusterId } from '../../../tools/stack/kafka-server';

describe('the local stack: Kafka cluster ids', () => {
  it('are 16 random bytes in base64url and never start with "-" (kafka-storage would take one for an option)', () => {
    // one random id in 64 starts with "-": 5,000 draws meet that case with near certainty
    const ids = Array.from({ length: 5_000 }, () => newClusterId());
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    for (const id of ids.slice(0, 50)) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** read_model.versions, for the simple reads TypeORM owns (the switch itself is hand-written SQL). */
@Entity({ schema: 'read_model', name: 'versions' })
export class ProjectionVersionEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  state!: 'building' | 'active' | 'retired';

  /** A building version: 'loading' (facts only, unindexed), then 'ready' (complete, kept live). */
  @Column({ type: 'text' })
  phase!: 'loading' | 'ready';

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}

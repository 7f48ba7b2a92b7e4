export * from './coalition-membership/fact-row';
export * from './coalition-membership/coalition-membership.projection';
export * from './coalition-membership/membership-row-diff';
export * from './projection-versions';
export * from './projector-runner';
export * from './projections.module';
export * from './projection-version.entity';
export * from './read-model-busy.error';

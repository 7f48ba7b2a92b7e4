export * from './report-stream';
export * from './report-digest';
export * from './report-events';
export * from './report-stream-state';
export * from './record-report';
export * from './membership/membership-fact';
export * from './membership/fold-membership';
export * from './membership/membership-history';

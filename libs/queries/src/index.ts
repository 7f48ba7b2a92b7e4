export * from './bad-parameter.error';
export * from './not-found.error';
export * from './coalition-queries';
export * from './state-copy/coalition-states';
export * from './state-copy/state-copy';
export * from './state-copy/state-copy-builder';
export * from './state-copy/read-model-mark';

import { join } from 'node:path';

/** Where the chaos suite leaves what a failed run needs to be understood: app logs, the summary. */
export const ARTIFACTS = join(__dirname, '../../artifacts');
export const SUMMARY = join(ARTIFACTS, 'chaos-summary.jsonl');

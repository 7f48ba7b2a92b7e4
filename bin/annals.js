#!/usr/bin/env node
// The `annals` command: the CLI's TypeScript sources run through SWC, so it works in a
// fresh clone right after npm ci, and always runs the code you see.
const { join } = require('node:path');

const root = join(__dirname, '..');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || join(root, 'tsconfig.json');
require('@swc-node/register');
require(join(root, 'apps/cli/src/main.ts'));

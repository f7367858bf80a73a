#!/usr/bin/env node
// Entry point of the `pos` command. The sources are TypeScript, run through tsx's loader
// so that `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

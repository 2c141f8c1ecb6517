/**
 * commander, loaded with require rather than `import`: importing a CommonJS
 * package from an ES module makes Node scan its source for exports, which
 * costs resident memory that a scan never gets back (see
 * ../model/xml/saxes.ts).
 */
import { createRequire } from 'node:module';
import type * as Commander from 'commander';

export const { Command, CommanderError, Help } = createRequire(import.meta.url)('commander') as typeof Commander;
export type Command = Commander.Command;
export type CommanderError = Commander.CommanderError;
export type Help = Commander.Help;

/**
 * Shared by the command modules: several of them add subcommands under the
 * same parent (`vigil xccdf eval`, `vigil xccdf generate fix`).
 */
import type { Command } from 'commander';

/** The subcommand `name` of `parent`, created when another module has not already. */
export function subcommand(parent: Command, name: string, description: string): Command {
  return parent.commands.find((c) => c.name() === name) ?? parent.command(name).description(description);
}

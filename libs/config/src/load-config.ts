import { z } from 'zod';
import { appSettings, type AppName, type ConfigOf } from './app-settings';

/** A configuration that cannot start the app. The message names every bad setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly app: string,
    readonly problems: ReadonlyArray<{ setting: string; problem: string }>,
  ) {
    super(
      `Invalid configuration for ${app}:\n` +
        problems.map((p) => `  - ${p.setting} ${p.problem}`).join('\n') +
        '\nSet these environment variables (see README.md, "Configuration") and start again.',
    );
  }
}

/** Validates the environment for one app; unknown variables are ignored (the environment holds many). */
export function loadConfig<A extends AppName>(app: A, env: Record<string, string | undefined> = process.env): ConfigOf<A> {
  return loadSettings(app, appSettings[app] as unknown as z.ZodType<ConfigOf<A>>, env);
}

/** Validates the environment against any settings schema (the CLI reads only the parts it needs). */
export function loadSettings<T>(who: string, schema: z.ZodType<T>, env: Record<string, string | undefined> = process.env): T {
  // Empty strings are how shells and compose files say "unset".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    setting: issue.path.map(String).join('.') || '(environment)',
    problem: describe(issue, present),
  }));
  throw new ConfigError(who, problems);
}

function describe(issue: z.core.$ZodIssue, env: Record<string, unknown>): string {
  const key = String(issue.path[0] ?? '');
  const value = env[key];
  if (value === undefined) return issue.message.startsWith('is required') ? issue.message : `is required: ${issue.message}`;
  const shown = key.includes('PASSWORD') || key.includes('TOKEN') ? '(hidden)' : JSON.stringify(value);
  return `${issue.message} (got ${shown})`;
}

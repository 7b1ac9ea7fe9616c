/**
 * `ciro config show|set|path`: the profile file without an editor, and
 * every effective setting with where it came from (flag, env, profile,
 * default), since "which relay am I talking to?" is the first question when
 * something is refused. The account key is described by its source only.
 */
import type { Command } from 'commander';
import { configFile, setProfileValue, SETTINGS, type SettingName } from './config.ts';
import { usage } from './errors.ts';
import type { Runner } from './main.ts';

export function registerConfig(program: Command, run: Runner): void {
  const config = program.command('config').description('profiles and effective settings');

  config
    .command('show')
    .description('each setting, its value and its source (API key secret masked; the account key never shown)')
    .action(run(async (ctx) => {
      const settings = ctx.settings.describe();
      const src = ctx.settings.keySource();
      const key = src.kind === 'env' ? { source: 'env', from: 'CIRO_PRIVATE_KEY', address: src.address ?? null } : { source: src.source, file: src.path };
      ctx.out.result(
        { command: 'config show', profile: ctx.settings.profile, config_file: configFile(), settings, key },
        [
          `profile   ${ctx.settings.profile}   (${configFile()})`,
          ...Object.entries(settings).map(([k, r]) => `${k.padEnd(9)} ${r.value ?? '-'}   [${r.source}${r.from ? `: ${r.from}` : ''}]`),
          `key       ${src.kind === 'env' ? `CIRO_PRIVATE_KEY for ${src.address ?? '(CIRO_ACCOUNT_ADDRESS unset)'}` : `${src.path}   [${src.source}]`}`,
        ],
      );
    }));

  config
    .command('set <name> <value>')
    .description(`write a setting into the profile (${Object.keys(SETTINGS).join(', ')})`)
    .action(run(async (ctx, name, value) => {
      if (!(name as string in SETTINGS)) throw usage(`unknown setting '${String(name)}'`, `Settings: ${Object.keys(SETTINGS).join(', ')}`);
      const path = setProfileValue(ctx.settings.profile, name as SettingName, value as string);
      const shown = name === 'api_key' ? `${(value as string).split('.')[0]}.…` : (value as string);
      ctx.out.result({ command: 'config set', profile: ctx.settings.profile, name, value: shown, config_file: path }, `[profiles.${ctx.settings.profile}] ${String(name)} = ${shown}   (${path})`);
    }));

  config
    .command('path')
    .description('where the config file is (honours XDG_CONFIG_HOME)')
    .action(run(async (ctx) => ctx.out.result({ command: 'config path', config_file: configFile() }, configFile())));
}

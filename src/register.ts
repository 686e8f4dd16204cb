import { REST, Routes } from 'discord.js';
import { commands, messageCommands } from './commands/index.js';
import { applicationIdOf, ConfigError, loadConfig, loadDotEnv } from './config.js';

/** `npm run register`: guild-scoped (instant) with DISCORD_GUILD_ID, global otherwise. */
loadDotEnv();
try {
	const config = loadConfig({ RELAYDANCE_API_KEY: 'unused-by-register', ...process.env });
	const applicationId = applicationIdOf(config);
	const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
	const body = [...commands.map((command) => command.data.toJSON()), ...messageCommands.map((command) => command.data.toJSON())];
	const route = config.DISCORD_GUILD_ID ? Routes.applicationGuildCommands(applicationId, config.DISCORD_GUILD_ID) : Routes.applicationCommands(applicationId);
	const saved = (await rest.put(route, { body })) as Array<{ name: string }>;
	const scope = config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID} (live now)` : 'every guild (global commands can take up to an hour to appear)';
	console.log(`Registered ${saved.map((command) => (/^[a-z0-9_-]+$/.test(command.name) ? `/${command.name}` : `"${command.name}"`)).join(', ')} for ${scope}.`);
} catch (error) {
	console.error(error instanceof ConfigError ? error.message : `Registration failed: ${(error as Error).message}`);
	process.exit(1);
}

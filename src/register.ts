import { REST, Routes } from 'discord.js';
import { registrable } from './commands/index.js';
import { DEFAULT_ACCESS, registrationBodies } from './commands/registration.js';
import { applicationIdOf, ConfigError, loadConfig, loadDotEnv } from './config.js';
import { readAccess } from './services/guilds/guild-settings.js';
import { openStore } from './services/store/store.js';

/**
 * `npm run register`: guild-scoped (instant) with DISCORD_GUILD_ID, global otherwise. Each
 * command's `contexts` and `integration_types` follow the access settings in the store
 * (`/relaydance-admin where access`), so it reads them first.
 */
loadDotEnv();
try {
	const config = loadConfig({ RELAYDANCE_API_KEY: 'unused-by-register', ...process.env });
	const applicationId = applicationIdOf(config);
	const access = await readStoredAccess(config.STORE_URL);
	const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
	const body = registrationBodies(registrable(), access);
	const route = config.DISCORD_GUILD_ID ? Routes.applicationGuildCommands(applicationId, config.DISCORD_GUILD_ID) : Routes.applicationCommands(applicationId);
	const saved = (await rest.put(route, { body })) as Array<{ name: string }>;
	const scope = config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID} (live now)` : 'every guild (global commands can take up to an hour to appear)';
	console.log(`Registered ${saved.map((command) => (/^[a-z0-9_-]+$/.test(command.name) ? `/${command.name}` : `"${command.name}"`)).join(', ')} for ${scope}.`);
	console.log(`Usable in servers; DMs with the bot ${access.dms ? 'on' : 'off'}, user installs ${access.userInstall ? 'on' : 'off'} (/relaydance-admin where access); /relaydance-admin in servers only.`);
} catch (error) {
	console.error(error instanceof ConfigError ? error.message : `Registration failed: ${(error as Error).message}`);
	process.exit(1);
}

async function readStoredAccess(url: string) {
	let store;
	try {
		store = await openStore(url);
	} catch (error) {
		throw new Error(`could not open STORE_URL to read the access settings (${(error as Error).message})`);
	}
	try {
		return await readAccess(store, DEFAULT_ACCESS);
	} finally {
		await store.disconnect().catch(() => {});
	}
}

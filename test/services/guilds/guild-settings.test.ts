import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { emptySettings, GuildSettingsStore } from '../../../src/services/guilds/guild-settings.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';

function settingsStore() {
	const store = new Keyv();
	return new GuildSettingsStore(store, new WriteBehind(store, 1), { dms: true, userInstall: true });
}

describe('GuildSettingsStore', () => {
	it('reads a server without settings as the empty settings, which no caller can change in place', () => {
		const settings = settingsStore().get('123')!;
		expect(settings).toEqual(emptySettings());
		expect(() => (settings.channels as string[]).push('456')).toThrow(TypeError);
		expect(() => ((settings.roles as Record<string, object>).role = {})).toThrow(TypeError);
	});

	it('gives a server its own settings once an admin changes them, the empty ones untouched', async () => {
		const guilds = settingsStore();
		await guilds.update('123', (settings) => settings.channels.push('456'));
		expect(guilds.get('123')!.channels).toEqual(['456']);
		expect(guilds.get('789')!.channels).toEqual([]);
	});
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf, titleOf, textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
	h = await startHarness({ POLL_TIMEOUT_MS: '4000' });
});
afterAll(async () => {
	await h?.close();
});

const marker = () => `m${randomUUID().slice(0, 8)}`;

describe('languages, through the real bot', () => {
	it('a member whose client is German, in a server whose language is Japanese: a German refusal only they see, a Japanese result everyone sees', async () => {
		const refused = await h.discord.invoke('video', { prompt: `@image2 dances ${marker()}` }, { locale: 'de', guildLocale: 'ja' });
		await refused.waitFor((handle) => handle.original !== undefined);
		expect(refused.original!.ephemeral).toBe(true);
		expect(refused.original!.content).toBe('🚫 Dein Prompt nennt @image2, aber es ist kein Bild angehängt. Häng es als Option `image2` an oder ändere den Prompt.');

		const made = await h.discord.invoke('video', { prompt: `a kite over dunes ${marker()}`, seconds: 5 }, { locale: 'de', guildLocale: 'ja' });
		await made.finished();
		expect(made.history.some((message) => titleOf(message).startsWith('🎬 動画を生成中'))).toBe(true);
		const text = textOf(made.original);
		for (const expected of ['✅ 動画ができました', 'モデル: doubao-seedance-2-0-1080p', '長さ: 5 秒', '音声: オン', `リクエスト: <@${made.userId}>`]) expect(text).toContain(expected);
		const again = buttonsOf(made.original).find((button) => button.custom_id?.startsWith('rd:again:'));
		expect(again?.label).toBe('もう一度');
		expect(buttonsOf(made.original).find((button) => button.custom_id?.startsWith('rd:edit:'))?.label).toBe('編集');
		expect(h.discord.violations).toEqual([]);
	});

	it('a locale the bot does not keep reads US English (en-GB, Dutch), and the server’s falls back the same way', async () => {
		const refused = await h.discord.invoke('video', { prompt: `@image2 dances ${marker()}` }, { locale: 'nl', guildLocale: 'en-GB' });
		await refused.waitFor((handle) => handle.original !== undefined);
		expect(refused.original!.content).toBe('🚫 Your prompt cites @image2, but no image is attached. Attach it as the `image2` option or change the prompt.');

		const made = await h.discord.invoke('video', { prompt: `a quiet lake ${marker()}`, seconds: 5 }, { locale: 'nl', guildLocale: 'nl' });
		await made.finished();
		expect(textOf(made.original)).toContain('✅ Video ready');
		expect(textOf(made.original)).toContain('Length: 5 s');
	});

	it('Latin American Spanish reads the Spanish dictionary', async () => {
		const refused = await h.discord.invoke('video', { prompt: `@image2 dances ${marker()}` }, { locale: 'es-419', guildLocale: 'es-419' });
		await refused.waitFor((handle) => handle.original !== undefined);
		expect(refused.original!.content).toContain('Tu prompt cita @image2');
	});
});

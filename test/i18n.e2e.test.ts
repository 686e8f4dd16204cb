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

	it('Delete and Edit under a Japanese-server result: the buttons read Japanese, the confirmation and the Edit form the German member’s language', async () => {
		const made = await h.discord.invoke('video', { prompt: `a paper boat ${marker()}`, seconds: 5 }, { locale: 'de', guildLocale: 'ja' });
		await made.finished();
		const labelled = (label: string) => buttonsOf(made.original).find((button) => button.label === label)?.custom_id;
		expect(labelled('削除')).toMatch(/delete/);
		expect(labelled('報告')).toBeDefined();

		const asked = await h.discord.press(made.original!, labelled('削除')!, { userId: made.userId, locale: 'de' });
		await asked.waitFor((handle) => handle.original !== undefined && textOf(handle.original) !== '');
		expect(asked.original!.ephemeral).toBe(true);
		expect(textOf(asked.original)).toBe('Dieses Video für alle löschen? Das lässt sich nicht rückgängig machen, und das verbrauchte Kontingent gibt es nicht zurück (es wurde ja erstellt).');
		expect(buttonsOf(asked.original).map((button) => button.label)).toEqual(['Ja, löschen', 'Behalten']);
		const keep = buttonsOf(asked.original).find((button) => button.label === 'Behalten')!.custom_id!;
		await (await h.discord.press(asked.original!, keep, { userId: made.userId, locale: 'de' })).waitFor(() => textOf(asked.original) === 'Behalten: nichts wurde gelöscht.');

		const edit = buttonsOf(made.original).find((button) => button.custom_id?.startsWith('rd:edit:'))!.custom_id!;
		const form = await h.discord.press(made.original!, edit, { userId: made.userId, locale: 'de' });
		await form.waitFor((handle) => handle.modal !== undefined);
		expect(form.modal!.title).toBe('Video bearbeiten');
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

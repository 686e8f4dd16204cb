import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
	ButtonStyle,
	Client,
	ComponentType,
	GatewayIntentBits,
	MessageFlags,
	TextInputStyle,
	type APIActionRowComponent,
	type APIButtonComponent,
	type APIModalInteractionResponseCallbackData,
	type Interaction,
	type ModalMessageModalSubmitInteraction,
	type TextChannel,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../../stand-ins/discord/payloads.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../stand-ins/discord/stand-in.js';

const CAT_PNG = readFileSync(fileURLToPath(new URL('../../stand-ins/fixtures/cat.png', import.meta.url)));

let discord: DiscordStandIn;
let client: Client;
/** What the bot does with the next interaction; each test sets it. */
let answer: ((interaction: Interaction) => Promise<void>) | undefined;
const failures: unknown[] = [];

beforeAll(async () => {
	discord = await startDiscordStandIn();
	client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl }, allowedMentions: { parse: [] } });
	client.on('interactionCreate', (interaction) => {
		const handler = answer;
		answer = undefined;
		handler?.(interaction).catch((error: unknown) => failures.push(error));
	});
	await Promise.all([new Promise((resolve) => client.once('clientReady', resolve)), client.login(discord.botToken)]);
});
afterAll(async () => {
	await client?.destroy();
	await discord?.close();
});
afterEach(() => {
	// Cleared whatever happens, so one failing test does not spill into the next.
	answer = undefined;
	const failed = failures.splice(0);
	const violations = discord.violations.splice(0);
	expect(failed).toEqual([]);
	expect(violations).toEqual([]);
});

/** The bot's next interaction: `handle` runs on it, and the promise gives it back with what `handle` returned. */
function nextInteraction<T>(handle: (interaction: Interaction) => Promise<T>): Promise<{ interaction: Interaction; result: T }> {
	return new Promise((resolve, reject) => {
		answer = async (interaction) => {
			try {
				resolve({ interaction, result: await handle(interaction) });
			} catch (error) {
				reject(error);
			}
		};
	});
}

const button = (customId: string, label = customId): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Secondary, custom_id: customId, label });
const row = (...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> => ({ type: ComponentType.ActionRow, components: buttons });

/** A slash command the bot answers with a message carrying buttons `again` and `cancel`; resolves with its handle once replied. */
async function replyWithButtons(content = 'Video ready') {
	const replied = nextInteraction(async (interaction) => {
		if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
		await interaction.reply({ content, components: [row(button('rd:again:job1'), button('rd:cancel:job1'))] });
	});
	const handle = await discord.invoke('video', { prompt: 'a cat' });
	await replied;
	await handle.waitFor((reply) => reply.original !== undefined);
	return handle;
}

describe('buttons', () => {
	it('a press reaches the bot as a ButtonInteraction with the button’s custom id, the presser and the message', async () => {
		const command = await replyWithButtons();
		expect(command.original!.components).toEqual([
			{ type: 1, id: 1, components: [expect.objectContaining({ type: 2, id: 2, custom_id: 'rd:again:job1' }), expect.objectContaining({ type: 2, id: 3, custom_id: 'rd:cancel:job1' })] },
		]);
		const presser = snowflake();
		const pressed = nextInteraction(async (interaction) => {
			if (!interaction.isButton()) throw new Error(`expected a button, got type ${interaction.type}`);
			await interaction.deferUpdate();
			return { customId: interaction.customId, userId: interaction.user.id, messageId: interaction.message.id, rows: interaction.message.components.length, metadataUser: interaction.message.interactionMetadata?.user.id };
		});
		const press = await discord.press(command.original!, 'rd:again:job1', { userId: presser });
		const { result } = await pressed;
		expect(result).toEqual({ customId: 'rd:again:job1', userId: presser, messageId: command.original!.id, rows: 1, metadataUser: command.userId });
		await press.waitFor((handle) => handle.callback?.type === 6);
		expect(command.history).toHaveLength(1);
	});

	it('update() changes the message the button is on, and the command’s reply shows it', async () => {
		const command = await replyWithButtons('Working…');
		const updated = nextInteraction(async (interaction) => {
			if (!interaction.isButton()) throw new Error('expected a button');
			await interaction.update({ content: 'Cancelled', components: [] });
		});
		const press = await discord.press(command.original!, 'rd:cancel:job1');
		await updated;
		await press.waitFor((handle) => handle.callback?.type === 7);
		expect(discord.findMessage(command.original!.id)).toMatchObject({ content: 'Cancelled', components: [] });
		expect(command.original!.content).toBe('Cancelled');
		expect(command.history.map((message) => message.content)).toEqual(['Working…', 'Cancelled']);
		expect(press.original!.id).toBe(command.original!.id);
	});

	it('after deferUpdate(), editReply() through the press’s token edits the message the button is on', async () => {
		const command = await replyWithButtons('Video ready');
		const edited = nextInteraction(async (interaction) => {
			if (!interaction.isButton()) throw new Error('expected a button');
			await interaction.deferUpdate();
			await interaction.editReply({ components: [row({ ...button('rd:again:job1'), disabled: true })] });
		});
		await discord.press(command.original!, 'rd:again:job1');
		await edited;
		// A body without content keeps the content; one with components replaces them.
		expect(command.original!.content).toBe('Video ready');
		expect(command.original!.components).toEqual([{ type: 1, id: 1, components: [expect.objectContaining({ custom_id: 'rd:again:job1', disabled: true })] }]);
		await expect(discord.press(command.original!, 'rd:again:job1')).rejects.toThrow(/disabled/);
		await expect(discord.press(command.original!, 'rd:cancel:job1')).rejects.toThrow(/no button/);
	});

	it('a button on a channel post or a DM is pressed there, and update() edits that post', async () => {
		const channel = client.channels.cache.get(discord.world.channelId) as TextChannel;
		const sent = await channel.send({ content: 'Posted here', components: [row(button('rd:again:job2'))] });
		const post = discord.channelMessages.find((message) => message.id === sent.id)!;
		expect(post.components).toHaveLength(1);
		const inChannel = nextInteraction(async (interaction) => {
			if (!interaction.isButton()) throw new Error('expected a button');
			const response = await interaction.update({ content: 'Again, in the channel', withResponse: true });
			return { guild: interaction.inGuild(), answered: response.resource?.message?.content, answeredId: response.resource?.message?.id };
		});
		await discord.press(post, 'rd:again:job2');
		expect((await inChannel).result).toEqual({ guild: true, answered: 'Again, in the channel', answeredId: sent.id });
		expect(discord.findMessage(sent.id)).toMatchObject({ content: 'Again, in the channel', components: post.components });
		expect(discord.historyOf(sent.id).map((message) => message.content)).toEqual(['Posted here', 'Again, in the channel']);
		// The bot can also edit its post with its own token (`message.edit`).
		const edited = await sent.edit({ components: [] });
		expect(edited.content).toBe('Again, in the channel');
		expect(discord.findMessage(sent.id)).toMatchObject({ content: 'Again, in the channel', components: [] });
		expect(edited.editedTimestamp).not.toBeNull();

		const member = snowflake();
		await client.users.send(member, { content: 'Your video', components: [row(button('rd:again:job3'))] });
		const dm = discord.dms.get(member)![0]!;
		const inDm = nextInteraction(async (interaction) => {
			if (!interaction.isButton()) throw new Error('expected a button');
			await interaction.update({ content: 'Again, in the DM', components: [] });
			return { guild: interaction.inGuild(), userId: interaction.user.id, dm: interaction.channel?.isDMBased() };
		});
		await discord.press(dm, 'rd:again:job3');
		expect((await inDm).result).toEqual({ guild: false, userId: member, dm: true });
		expect(discord.dms.get(member)![0]).toMatchObject({ id: dm.id, content: 'Again, in the DM', components: [] });
	});
});

describe('modals', () => {
	const form: APIModalInteractionResponseCallbackData = {
		custom_id: 'rd:form:animate:job4:1',
		title: 'Animate this image',
		components: [
			{ type: ComponentType.TextDisplay, content: 'Describe the motion.' },
			{ type: ComponentType.Label, label: 'Prompt', component: { type: ComponentType.TextInput, custom_id: 'prompt', style: TextInputStyle.Paragraph, value: 'a cat' } },
			{
				type: ComponentType.Label,
				label: 'Ratio',
				component: {
					type: ComponentType.StringSelect,
					custom_id: 'ratio',
					options: [
						{ label: '16:9', value: '16:9', default: true },
						{ label: '9:16', value: '9:16' },
					],
				},
			},
			{ type: ComponentType.Label, label: 'Audio', component: { type: ComponentType.StringSelect, custom_id: 'audio', options: [{ label: 'on', value: 'on', default: true }, { label: 'off', value: 'off' }] } },
			{ type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, custom_id: 'seconds', label: 'Seconds', style: TextInputStyle.Short, value: '5' }] },
		],
	};

	/** A button press the bot answers with `form`; resolves with the press's handle once the modal is shown. */
	async function openForm() {
		const command = await replyWithButtons();
		const shown = nextInteraction(async (interaction) => {
			if (!interaction.isButton()) throw new Error('expected a button');
			await interaction.showModal(form);
		});
		const press = await discord.press(command.original!, 'rd:again:job1');
		await shown;
		await press.waitFor((handle) => handle.modal !== undefined);
		return { command, press };
	}

	it('showModal is recorded with the ids Discord gives, and the submit gives the typed text and chosen options', async () => {
		const { command, press } = await openForm();
		expect(press.callback!.type).toBe(9);
		expect(press.modal).toMatchObject({ custom_id: form.custom_id, title: form.title });
		expect(press.modal!.components.map((component) => component.id)).toEqual([1, 2, 4, 6, 8]);

		const submitted = nextInteraction(async (interaction) => {
			if (!interaction.isModalSubmit() || !interaction.isFromMessage()) throw new Error(`expected a modal submit from a message, got type ${interaction.type}`);
			await interaction.update({ content: 'Animating…', components: [] });
			return {
				customId: interaction.customId,
				prompt: interaction.fields.getTextInputValue('prompt'),
				ratio: interaction.fields.getStringSelectValues('ratio'),
				audio: interaction.fields.getStringSelectValues('audio'),
				seconds: interaction.fields.getTextInputValue('seconds'),
				fromMessage: interaction.isFromMessage(),
				messageId: interaction.message?.id,
				userId: interaction.user.id,
			};
		});
		const submit = await discord.submitModal(press, { prompt: 'a cat dancing in the rain', ratio: ['9:16'] });
		const { result } = await submitted;
		expect(result).toEqual({
			customId: form.custom_id,
			prompt: 'a cat dancing in the rain',
			ratio: ['9:16'],
			audio: ['on'],
			seconds: '5',
			fromMessage: true,
			messageId: command.original!.id,
			userId: press.userId,
		});
		await submit.waitFor((handle) => handle.callback?.type === 7);
		expect(command.original).toMatchObject({ content: 'Animating…', components: [] });
	});

	it('a modal submit can be answered with a new reply, which is that interaction’s own', async () => {
		const { command, press } = await openForm();
		const replied = nextInteraction(async (interaction) => {
			if (!interaction.isModalSubmit()) throw new Error('expected a modal submit');
			await interaction.deferReply({ flags: MessageFlags.Ephemeral });
			await interaction.editReply({ content: 'Queued' });
		});
		const submit = await discord.submitModal(press, {});
		await replied;
		await submit.waitFor((handle) => handle.original?.content === 'Queued');
		expect(submit.original!.ephemeral).toBe(true);
		expect(submit.original!.id).not.toBe(command.original!.id);
		expect(command.original!.content).toBe('Video ready');
	});

	it('a modal opened from a slash command submits without a message, and update() on it is refused as Discord refuses it', async () => {
		const shown = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.showModal(form);
		});
		const command = await discord.invoke('video', {});
		await shown;
		await command.waitFor((handle) => handle.modal !== undefined);
		const submitted = nextInteraction(async (interaction) => {
			if (!interaction.isModalSubmit()) throw new Error('expected a modal submit');
			const fromMessage = interaction.isFromMessage();
			// discord.js types allow update() only from a message; the stand-in refuses it as Discord does.
			const refused = await (interaction as unknown as ModalMessageModalSubmitInteraction).update({ content: 'nope' }).then(
				() => 'accepted',
				(error: { code?: number }) => error.code,
			);
			await interaction.reply({ content: `Got ${interaction.fields.getTextInputValue('prompt')}` });
			return { fromMessage, refused };
		});
		const submit = await discord.submitModal(command, { prompt: 'from a command' });
		expect((await submitted).result).toEqual({ fromMessage: false, refused: 50035 });
		await submit.waitFor((handle) => handle.original?.content === 'Got from a command');
		expect(discord.violations).toEqual([expect.stringContaining('needs a component interaction')]);
		discord.violations.splice(0);
	});

	it('submitModal refuses what Discord’s client would not let a user send', async () => {
		const { press } = await openForm();
		await expect(discord.submitModal(press, { prompt: '' })).rejects.toThrow(/required/);
		await expect(discord.submitModal(press, { ratio: ['1:1'] })).rejects.toThrow(/no option 1:1/);
		await expect(discord.submitModal(press, { nickname: 'x' })).rejects.toThrow(/no field nickname/);
		const command = await replyWithButtons();
		await expect(discord.submitModal(command, {})).rejects.toThrow(/not answered with a modal/);
	});
});

describe('a member’s message and a message command', () => {
	it('the command’s target message carries the member’s attachments, and their links download the posted bytes after one redirect', async () => {
		const notes = Buffer.from('motion: slow zoom\n');
		const author = snowflake();
		const posted = discord.postUserMessage({ userId: author, content: 'animate this', attachments: [{ data: CAT_PNG, name: 'cat.png', contentType: 'image/png' }, { data: notes, name: 'notes 1.txt', contentType: 'text/plain' }] });
		const ran = nextInteraction(async (interaction) => {
			if (!interaction.isMessageContextMenuCommand()) throw new Error(`expected a message command, got type ${interaction.type}`);
			await interaction.deferReply({ flags: MessageFlags.Ephemeral });
			const target = interaction.targetMessage;
			return {
				name: interaction.commandName,
				targetId: target.id,
				author: target.author.id,
				content: target.content,
				files: [...target.attachments.values()].map((attachment) => ({ id: attachment.id, name: attachment.name, url: attachment.url, contentType: attachment.contentType, size: attachment.size })),
			};
		});
		const handle = await discord.invokeMessageCommand('Animate', posted);
		const { result } = await ran;
		await handle.waitFor((reply) => reply.callback?.type === 5);
		expect(result).toMatchObject({ name: 'Animate', targetId: posted.id, author, content: 'animate this' });
		expect(result.files).toEqual([
			{ id: posted.files[0]!.id, name: 'cat.png', url: expect.stringMatching(/\/attachments\/\d+\/\d+\/cat\.png\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]{64}&$/), contentType: 'image/png', size: CAT_PNG.length },
			{ id: posted.files[1]!.id, name: 'notes 1.txt', url: expect.stringContaining('/notes%201.txt?'), contentType: 'text/plain', size: notes.length },
		]);

		const first = await fetch(result.files[0]!.url, { redirect: 'manual' });
		expect(first.status).toBe(302);
		const stored = await fetch(first.headers.get('location')!, { redirect: 'manual' });
		expect(stored.status).toBe(200);
		expect(stored.headers.get('content-type')).toBe('image/png');
		expect(stored.headers.get('content-length')).toBe(String(CAT_PNG.length));
		expect(Buffer.from(await stored.arrayBuffer()).equals(CAT_PNG)).toBe(true);
		const followed = await fetch(result.files[1]!.url);
		expect(Buffer.from(await followed.arrayBuffer()).equals(notes)).toBe(true);

		const tampered = result.files[0]!.url.replace(/hm=[0-9a-f]/, (hm) => `hm=${hm.endsWith('0') ? '1' : '0'}`);
		expect((await fetch(tampered, { redirect: 'manual' })).status).toBe(404);
		const unsigned = result.files[0]!.url.split('?')[0]!;
		expect((await fetch(unsigned, { redirect: 'manual' })).status).toBe(404);
	});

	it('a slash command’s attachment option still arrives from the ephemeral CDN', async () => {
		const ran = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.deferReply();
			const image = interaction.options.getAttachment('image', true);
			return { url: image.url, name: image.name, contentType: image.contentType };
		});
		await discord.invoke('video', { prompt: 'a cat', image: { data: CAT_PNG, name: 'cat.png', contentType: 'image/png' } });
		const { result } = await ran;
		expect(result).toMatchObject({ name: 'cat.png', contentType: 'image/png', url: expect.stringContaining('/ephemeral-attachments/') });
		expect(Buffer.from(await (await fetch(result.url)).arrayBuffer()).equals(CAT_PNG)).toBe(true);
	});

	it('a bot post answering a member’s message shows as a reply to it', async () => {
		const posted = discord.postUserMessage({ content: 'make this move', attachments: [] });
		const channel = client.channels.cache.get(discord.world.channelId) as TextChannel;
		const reply = await channel.send({ content: 'On it', reply: { messageReference: posted.id, failIfNotExists: false } });
		expect(reply.reference?.messageId).toBe(posted.id);
		expect(discord.channelMessages.find((message) => message.id === reply.id)!.repliesTo).toBe(posted.id);
		const fetched = await channel.messages.fetch({ message: posted.id, force: true });
		expect(fetched.author.id).toBe(posted.authorId);
	});

	it('files the bot posts get stable ids and are served at their links too', async () => {
		const video = Buffer.from('not really an mp4');
		const replied = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.deferReply();
			const message = await interaction.editReply({ content: 'Video ready', files: [{ attachment: video, name: 'clip.mp4' }] });
			const fetched = await interaction.fetchReply();
			return { sent: [...message.attachments.values()].map((file) => file.url), fetched: [...fetched.attachments.values()].map((file) => file.url) };
		});
		const handle = await discord.invoke('video', { prompt: 'a clip' });
		const { result } = await replied;
		expect(result.fetched).toEqual(result.sent);
		expect(result.sent[0]).toContain(`/${handle.original!.files[0]!.id}/clip.mp4?`);
		const download = await fetch(result.sent[0]!);
		expect(download.status).toBe(200);
		expect(Buffer.from(await download.arrayBuffer()).equals(video)).toBe(true);
	});
});

/**
 * The plain way, for comparison: a one-file discord.js bot doing the same job as the real one, with
 * none of its care (no store, no quota, no retries, no progress): defer, submit to RelayDance,
 * poll, download the video, attach it to the reply. Its own process, like the built bot.
 * Usage: node bench/plain-bot.mjs <Discord API base> <RelayDance base URL, …/v1> <bot token>
 */
import { AttachmentBuilder, Client, Events, GatewayIntentBits } from 'discord.js';

const [api, relaydance, token] = process.argv.slice(2);
const headers = { authorization: 'Bearer sk-plain', 'content-type': 'application/json' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api }, allowedMentions: { parse: [] } });

client.on(Events.InteractionCreate, async (interaction) => {
	if (!interaction.isChatInputCommand()) return;
	try {
		await interaction.deferReply();
		const prompt = interaction.options.getString('prompt', true);
		const body = JSON.stringify({ model: 'doubao-seedance-2-0-1080p', prompt, seconds: '5', metadata: { generate_audio: true } });
		const created = await (await fetch(`${relaydance}/video/generations`, { method: 'POST', headers, body })).json();
		let task;
		do {
			await sleep(500);
			task = await (await fetch(`${relaydance}/video/generations/${created.task_id}`, { headers })).json();
		} while (task.status !== 'succeeded' && task.status !== 'failed');
		if (task.status === 'failed') return void (await interaction.editReply('Video failed'));
		const video = Buffer.from(await (await fetch(task.url)).arrayBuffer());
		await interaction.editReply({ content: 'Video ready', files: [new AttachmentBuilder(video, { name: 'video.mp4' })] });
	} catch (error) {
		console.error(error);
	}
});
await client.login(token);

/**
 * The plain way, for comparison: a one-file discord.js bot doing the same job as the real one, with
 * none of its care (no store, no quota, no retries, no progress): defer, submit to RelayDance,
 * poll, download the video, attach it to the reply. Its own process, like the built bot.
 *
 * Given a Redis URL it is the plain way on Redis: before deferring, one script takes the member's
 * seconds against a limit and writes the job (one round trip, ioredis as it comes, untuned), and
 * refuses ephemerally past the limit. Everything else is the same.
 * Usage: node bench/plain-bot.mjs <Discord API base> <RelayDance base URL, …/v1> <bot token> [redis URL]
 */
import { AttachmentBuilder, Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';

const [api, relaydance, token, redisUrl] = process.argv.slice(2);
// Loaded only when asked for, so the plain bot without Redis is the same process it always was.
const redis = redisUrl ? new (await import('ioredis')).Redis(redisUrl) : undefined;
redis?.defineCommand('take', {
	numberOfKeys: 2,
	lua: "local used = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]) if used > tonumber(ARGV[3]) then redis.call('HINCRBY', KEYS[1], ARGV[1], -ARGV[2]) return 0 end redis.call('HSET', KEYS[2], ARGV[4], ARGV[5]) return 1",
});
const headers = { authorization: 'Bearer sk-plain', 'content-type': 'application/json' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api }, allowedMentions: { parse: [] } });

client.on(Events.InteractionCreate, async (interaction) => {
	if (!interaction.isChatInputCommand()) return;
	try {
		const prompt = interaction.options.getString('prompt', true);
		if (redis && !(await redis.take('plain:seconds', 'plain:jobs', interaction.user.id, 5, 1_000_000, interaction.id, prompt))) {
			return void (await interaction.reply({ content: 'Out of seconds', flags: MessageFlags.Ephemeral }));
		}
		await interaction.deferReply();
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

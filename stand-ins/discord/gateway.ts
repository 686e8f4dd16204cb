import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { botUser, type StandInWorld } from './payloads.js';

const HEARTBEAT_INTERVAL_MS = 41_250;

/**
 * A minimal Discord gateway: HELLO, IDENTIFY → READY + a GUILD_CREATE per guild, heartbeat ACKs,
 * and dispatches pushed by the stand-in (INTERACTION_CREATE, GUILD_CREATE for a guild joined
 * later, CHANNEL_CREATE, GUILD_ROLE_CREATE). RESUME is answered with an invalid session, so the
 * client identifies afresh.
 */
/** A guild's shard, as Discord computes it: `(guild_id >> 22) % shard_count`. */
export function shardOf(guildId: string, shardCount: number): number {
	return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

interface Session {
	socket: WebSocket;
	seq: number;
	/** `[shard_id, shard_count]` from IDENTIFY (`[0, 1]` when the client sends none). */
	shard: [number, number];
}

export class StandInGateway {
	private readonly wss: WebSocketServer;
	private readonly sessions = new Set<Session>();
	private readyWaiters: Array<() => void> = [];
	/** Each dispatch that carried a guild, and the shard ids of the sessions it went to. */
	readonly routed: Array<{ event: string; guildId: string; shards: number[] }> = [];

	constructor(
		server: Server,
		private readonly world: StandInWorld,
		private readonly url: () => string,
		/** GUILD_CREATE payloads of every guild the bot is in, the world's first. */
		private readonly guilds: () => Array<{ id: string }>,
	) {
		this.wss = new WebSocketServer({ server, path: '/gateway', perMessageDeflate: false });
		this.wss.on('connection', (socket) => this.accept(socket));
	}

	/** True once any session (shard) has identified; each dispatch goes to the shards that are there. */
	get connected(): boolean {
		return this.sessions.size > 0;
	}

	whenIdentified(): Promise<void> {
		return this.connected ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
	}

	/**
	 * Sends a dispatch to the sessions that should see it, as Discord routes them: an event of a
	 * guild goes to the one shard that guild is on (`(guild_id >> 22) % shard_count`), anything else
	 * (a DM) to shard 0. Resolves once it is written to the sockets.
	 */
	dispatch(event: string, data: unknown): Promise<void> {
		const guildId = guildOf(event, data);
		const targets = [...this.sessions].filter((session) => (guildId ? shardOf(guildId, session.shard[1]) === session.shard[0] : session.shard[0] === 0));
		if (guildId) this.routed.push({ event, guildId, shards: targets.map((session) => session.shard[0]) });
		const sends = targets.map(
			(session) => new Promise<void>((resolve) => session.socket.send(JSON.stringify({ op: 0, t: event, s: ++session.seq, d: data }), () => resolve())),
		);
		return Promise.all(sends).then(() => undefined);
	}

	close(): void {
		for (const client of this.wss.clients) client.terminate();
		this.wss.close();
	}

	private accept(socket: WebSocket): void {
		const session: Session = { socket, seq: 0, shard: [0, 1] };
		socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } }));
		socket.on('message', (raw) => {
			const packet = JSON.parse(String(raw)) as { op: number; d: unknown };
			if (packet.op === 1) socket.send(JSON.stringify({ op: 11 }));
			else if (packet.op === 2) {
				const shard = (packet.d as { shard?: [number, number] } | undefined)?.shard;
				if (shard) session.shard = [shard[0], shard[1]];
				this.identify(session);
			}
			else if (packet.op === 6) socket.send(JSON.stringify({ op: 9, d: false }));
		});
		socket.on('close', () => this.sessions.delete(session));
	}

	private identify(session: Session): void {
		const send = (t: string, d: unknown) => session.socket.send(JSON.stringify({ op: 0, t, s: ++session.seq, d }));
		const [shardId, shardCount] = session.shard;
		const guilds = this.guilds().filter((guild) => shardOf(guild.id, shardCount) === shardId);
		send('READY', {
			v: 10,
			user: botUser(this.world),
			guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
			session_id: randomBytes(16).toString('hex'),
			resume_gateway_url: this.url(),
			shard: [shardId, shardCount],
			application: { id: this.world.applicationId, flags: 0 },
			private_channels: [],
			user_settings: {},
			relationships: [],
			presences: [],
			guild_join_requests: [],
			geo_ordered_rtc_regions: [],
		});
		for (const guild of guilds) send('GUILD_CREATE', guild);
		this.sessions.add(session);
		for (const resolve of this.readyWaiters.splice(0)) resolve();
	}
}

/** The guild an event belongs to: its `guild_id`, or for GUILD_CREATE its own `id`. */
function guildOf(event: string, data: unknown): string | undefined {
	const payload = data as { guild_id?: unknown; id?: unknown } | null;
	if (typeof payload?.guild_id === 'string') return payload.guild_id;
	if (event === 'GUILD_CREATE' && typeof payload?.id === 'string') return payload.id;
	return undefined;
}

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
export class StandInGateway {
	private readonly wss: WebSocketServer;
	private readonly sessions = new Set<{ socket: WebSocket; seq: number }>();
	private readyWaiters: Array<() => void> = [];

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

	/** True once a client has identified. */
	get connected(): boolean {
		return this.sessions.size > 0;
	}

	whenIdentified(): Promise<void> {
		return this.connected ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
	}

	/** Sends a dispatch to every identified session; resolves once it is written to the socket. */
	dispatch(event: string, data: unknown): Promise<void> {
		const sends = [...this.sessions].map(
			(session) => new Promise<void>((resolve) => session.socket.send(JSON.stringify({ op: 0, t: event, s: ++session.seq, d: data }), () => resolve())),
		);
		return Promise.all(sends).then(() => undefined);
	}

	close(): void {
		for (const client of this.wss.clients) client.terminate();
		this.wss.close();
	}

	private accept(socket: WebSocket): void {
		const session = { socket, seq: 0 };
		socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } }));
		socket.on('message', (raw) => {
			const packet = JSON.parse(String(raw)) as { op: number; d: unknown };
			if (packet.op === 1) socket.send(JSON.stringify({ op: 11 }));
			else if (packet.op === 2) this.identify(session);
			else if (packet.op === 6) socket.send(JSON.stringify({ op: 9, d: false }));
		});
		socket.on('close', () => this.sessions.delete(session));
	}

	private identify(session: { socket: WebSocket; seq: number }): void {
		const send = (t: string, d: unknown) => session.socket.send(JSON.stringify({ op: 0, t, s: ++session.seq, d }));
		const guilds = this.guilds();
		send('READY', {
			v: 10,
			user: botUser(this.world),
			guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
			session_id: randomBytes(16).toString('hex'),
			resume_gateway_url: this.url(),
			shard: [0, 1],
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

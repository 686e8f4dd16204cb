import type { Keyv } from 'keyv';
import { scanStore } from '../store/store.js';
import type { WriteBehind } from '../store/write-behind.js';

/** An amount of each unit a quota counts; unset means "not set here" (the next, less specific setting applies). */
export interface Limits {
	videoSeconds?: number;
	images?: number;
}
export type LimitUnit = keyof Limits;
export const LIMIT_UNITS: readonly LimitUnit[] = ['videoSeconds', 'images'];

/** A server's own defaults for `/video` (and Animate, Make a video). */
export interface JobDefaults {
	model?: string;
	seconds?: number;
	audio?: boolean;
	ratio?: string;
	resolution?: string;
	/**
	 * Members confirm (Start, within the interaction's token life) any job whose estimated cost
	 * (`MODEL_PRICES`) is above this; unset: no job waits. Kept with the defaults since it is set
	 * with them (`/relaydance-admin defaults confirm_above`).
	 */
	confirmAbove?: number;
}

/** Everything a server's admins set with `/relaydance-admin`, kept in the store under `guild:<id>`. */
export interface GuildSettings {
	/** Each member's limit per window in this server, unless a role or a grant says otherwise. */
	memberDefault: Limits;
	/** Per-role limits: a member gets the best of their roles'. */
	roles: Record<string, Limits>;
	/** Per-member grants: they win over roles and the default. */
	grants: Record<string, Limits>;
	/** What the whole server may spend per window (all members together). */
	budget: Limits;
	/** Channels the bot takes requests in; empty: every channel. */
	channels: string[];
	/** A role a member must have to make anything; undefined: none. */
	requiredRole?: string;
	defaults: JobDefaults;
	/** Words and `/patterns/` a prompt must not contain (matched after NFKD, mark removal, look-alike folding and case folding: see `prompt-rules.ts`). */
	blocklist: string[];
	/** Where every job posts one line, and refusals and credit alerts go. */
	auditChannelId?: string;
	/**
	 * Channels under review (their threads too), each with the moderators' channel its results go to
	 * first: request channel id → review channel id (`/relaydance-admin review`).
	 */
	reviewChannels?: Record<string, string>;
}

/** Where the bot may be used beyond servers: bot-wide, kept under `bot:access`. */
export interface AccessSettings {
	dms: boolean;
	userInstall: boolean;
}

export const GUILD_KEY_PREFIX = 'guild:';
export const ACCESS_KEY = 'bot:access';

export function emptySettings(): GuildSettings {
	return { memberDefault: {}, roles: {}, grants: {}, budget: {}, channels: [], defaults: {}, blocklist: [] };
}

/** What `get` answers for a server with no settings: one frozen copy, read on every command, never built per call. */
const NO_SETTINGS: GuildSettings = deepFreeze(emptySettings());

function deepFreeze<T extends object>(value: T): T {
	for (const inner of Object.values(value)) if (inner && typeof inner === 'object') deepFreeze(inner as object);
	return Object.freeze(value);
}

/**
 * Every server's settings, held in memory (loaded once at start) and written behind each change,
 * so a command reads them without a store round trip and they survive restarts.
 */
export class GuildSettingsStore {
	private readonly byGuild = new Map<string, GuildSettings>();
	private access: AccessSettings;
	/** Told the key of every change this process writes (on Redis: so every other process reads it again). */
	onChange: (key: string) => void = () => {};

	constructor(
		private readonly store: Keyv,
		private readonly writer: WriteBehind,
		defaultAccess: AccessSettings,
	) {
		this.access = { ...defaultAccess };
	}

	async load(): Promise<this> {
		for (const [guildId, raw] of await scanStore<Partial<GuildSettings>>(this.store, GUILD_KEY_PREFIX)) {
			this.byGuild.set(guildId, { ...emptySettings(), ...raw });
		}
		const access = await this.store.get<AccessSettings>(ACCESS_KEY);
		if (access) this.access = { ...this.access, ...access };
		return this;
	}

	/** A server's settings (the empty ones, frozen, when it has none); never null for a guild id, `undefined` for DMs. Read only: change them with `update`. */
	get(guildId: string | null): Readonly<GuildSettings> | undefined {
		if (!guildId) return undefined;
		return this.byGuild.get(guildId) ?? NO_SETTINGS;
	}

	/** Every server that has settings. */
	entries(): IterableIterator<[string, GuildSettings]> {
		return this.byGuild.entries();
	}

	/** Changes a server's settings and writes them now; resolves once stored. When the write fails, nothing changes. */
	async update(guildId: string, change: (settings: GuildSettings) => void): Promise<GuildSettings> {
		const before = this.byGuild.get(guildId);
		const settings = structuredClone(before ?? emptySettings());
		change(settings);
		this.byGuild.set(guildId, settings);
		try {
			const written = this.writer.write(`${GUILD_KEY_PREFIX}${guildId}`, () => this.byGuild.get(guildId));
			await this.writer.writeNow();
			await written;
		} catch (error) {
			if (before) this.byGuild.set(guildId, before);
			else this.byGuild.delete(guildId);
			throw error;
		}
		this.onChange(`${GUILD_KEY_PREFIX}${guildId}`);
		return settings;
	}

	getAccess(): AccessSettings {
		return { ...this.access };
	}

	async setAccess(change: Partial<AccessSettings>): Promise<AccessSettings> {
		this.access = { ...this.access, ...change };
		await this.writer.write(ACCESS_KEY, () => this.access);
		await this.writer.writeNow();
		this.onChange(ACCESS_KEY);
		return this.getAccess();
	}

	/**
	 * After the store lost its data: writes back each record this process holds that the store no
	 * longer has (a record written meanwhile is newer and stays), and has every process read it again.
	 */
	async restore(): Promise<number> {
		const held: Array<[string, unknown]> = [...this.byGuild].map(([guildId, settings]) => [`${GUILD_KEY_PREFIX}${guildId}`, settings]);
		held.push([ACCESS_KEY, this.access]);
		let restored = 0;
		for (const [key, value] of held) {
			if (await this.store.has(key)) continue;
			await this.store.set(key, value);
			this.onChange(key);
			restored++;
		}
		return restored;
	}

	/** Reads one record again from the store (`guild:<id>` or `bot:access`): another process changed it. */
	async refresh(key: string): Promise<void> {
		if (key === ACCESS_KEY) {
			const access = await this.store.get<AccessSettings>(ACCESS_KEY);
			if (access) this.access = { ...this.access, ...access };
			return;
		}
		if (!key.startsWith(GUILD_KEY_PREFIX)) return;
		const raw = await this.store.get<Partial<GuildSettings>>(key);
		const guildId = key.slice(GUILD_KEY_PREFIX.length);
		if (raw) this.byGuild.set(guildId, { ...emptySettings(), ...raw });
		else this.byGuild.delete(guildId);
	}
}

/** Reads the bot-wide access settings straight from a store (`npm run register` runs without the bot). */
export async function readAccess(store: Keyv, defaults: AccessSettings): Promise<AccessSettings> {
	return { ...defaults, ...((await store.get<AccessSettings>(ACCESS_KEY)) ?? {}) };
}

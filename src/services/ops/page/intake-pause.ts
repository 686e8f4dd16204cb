import type { Keyv } from 'keyv';

/** Where the operator's pause is kept: in the store, so a restart (and, on Redis, every process) keeps it. */
export const INTAKE_KEY = 'bot:intake';

/** What the store holds while intake is paused. */
export interface IntakeState {
	paused: boolean;
	/** When the operator paused it (ms since the epoch). */
	since: number;
}

/** Told to a member who asks for something while intake is paused. */
export const INTAKE_PAUSED = "The bot's operator has paused new requests for a while. Jobs already accepted go on. Please try again later.";

/**
 * The operator's bot-wide pause of intake: while paused, `/video`, `/image` and every other way to
 * start a job are refused with a plain message, and jobs already accepted go on. The store is the
 * truth (read at start); `announce` tells the other processes of a cluster at once, and `heard`
 * is how they take it.
 */
export class IntakePause {
	private state: IntakeState | undefined;

	constructor(
		private readonly store: Keyv,
		/** On Redis: tells every process (this one too) of a change. */
		private readonly announce: (paused: boolean) => Promise<void> = async () => {},
		private readonly now: () => number = Date.now,
	) {}

	/** Reads the pause a previous process (or another one) left. */
	async load(): Promise<this> {
		const stored = await this.store.get<IntakeState>(INTAKE_KEY);
		this.state = stored?.paused ? stored : undefined;
		return this;
	}

	get paused(): boolean {
		return this.state !== undefined;
	}

	/** Since when intake is paused, if it is. */
	get since(): number | undefined {
		return this.state?.since;
	}

	/** Pauses (or resumes) intake: written to the store before it is announced, so a process that starts meanwhile reads it. */
	async set(paused: boolean): Promise<void> {
		if (paused === this.paused) return;
		if (paused) {
			this.state = { paused: true, since: this.now() };
			await this.store.set(INTAKE_KEY, this.state);
		} else {
			this.state = undefined;
			await this.store.delete(INTAKE_KEY);
		}
		await this.announce(paused);
	}

	/** Another process changed it: read the store again (it holds `since`); until it answers, take what was said. */
	heard(paused: boolean): Promise<void> {
		if (!paused) this.state = undefined;
		else this.state ??= { paused: true, since: this.now() };
		return this.load().then(
			() => {},
			() => {},
		);
	}
}

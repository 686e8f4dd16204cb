import { randomUUID } from 'node:crypto';
import type { Keyv } from 'keyv';
import { LocalClaims } from '../store/local-claims.js';
import type { ReferenceInput } from './video-request.js';

/** What "Make a video" took from a message, kept while its form is open. */
export interface VideoDraft {
	userId: string;
	references: ReferenceInput[];
	leftOut: string[];
}

const DRAFT_KEY_PREFIX = 'draft:';
/** A form left open longer than this has to be opened again. */
export const DRAFT_TTL_MS = 60 * 60_000;

/**
 * Drafts between a context-menu command and its form: the form's submit is a new interaction that
 * carries only the form's id, so the attachments wait in the store (a restart in between loses nothing).
 */
export class DraftStore {
	/** Drafts being turned into a job in this process: a form sent twice starts one job. */
	private readonly claims = new LocalClaims();

	constructor(private readonly store: Keyv) {}

	/**
	 * Takes the draft for one submit: undefined when there is none, or another submit has it now.
	 * Call `done(true)` once the job started (the draft is deleted), `done(false)` to give it back.
	 */
	async claim(id: string): Promise<{ draft: VideoDraft; done: (used: boolean) => Promise<void> } | undefined> {
		const claimed = await this.claims.claim(id, () => this.get(id).catch(() => undefined), () => this.delete(id));
		return claimed && { draft: claimed.value, done: claimed.done };
	}

	async put(draft: VideoDraft): Promise<string> {
		const id = randomUUID();
		await this.store.set(`${DRAFT_KEY_PREFIX}${id}`, draft, DRAFT_TTL_MS);
		return id;
	}

	async get(id: string): Promise<VideoDraft | undefined> {
		return (await this.store.get<VideoDraft>(`${DRAFT_KEY_PREFIX}${id}`)) ?? undefined;
	}

	async delete(id: string): Promise<void> {
		await this.store.delete(`${DRAFT_KEY_PREFIX}${id}`);
	}
}

/** A record one caller holds until `done`: `done(true)` removes it (it was used), `done(false)` gives it back. */
export interface Claimed<T> {
	value: T;
	done: (used: boolean) => Promise<void>;
}

/**
 * Records taken by one caller at a time within this process (a form sent twice, a button pressed
 * twice): a second claim of an id that is held answers undefined, so only one job starts.
 */
export class LocalClaims {
	private readonly held = new Set<string>();

	/** Reads the record for `id` and holds it; undefined when it is held already or `read` finds none. */
	async claim<T>(id: string, read: () => Promise<T | undefined>, remove: () => Promise<void>): Promise<Claimed<T> | undefined> {
		if (this.held.has(id)) return undefined;
		this.held.add(id);
		let value: T | undefined;
		try {
			value = await read();
		} catch (error) {
			this.held.delete(id);
			throw error;
		}
		if (value === undefined) {
			this.held.delete(id);
			return undefined;
		}
		return {
			value,
			done: async (used) => {
				try {
					if (used) await remove();
				} finally {
					this.held.delete(id);
				}
			},
		};
	}
}

/** One dependency the process needs to do its work: answers true when up. */
export type ReadinessCheck = () => Promise<boolean> | boolean;

/** How long one check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

export interface Readiness {
	ready: boolean;
	/** Each check by name: `up` or `down`. */
	checks: Record<string, 'up' | 'down'>;
}

/** Runs every check at once, each bounded in time; a check that throws or overruns is down. */
export async function readiness(checks: Record<string, ReadinessCheck>, timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
	const entries = await Promise.all(
		Object.entries(checks).map(async ([name, check]) => {
			let timer: NodeJS.Timeout | undefined;
			const overrun = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
			const up = await Promise.race([Promise.resolve().then(check).then((answer) => answer === true, () => false), overrun]);
			clearTimeout(timer);
			return [name, up ? 'up' : 'down'] as const;
		}),
	);
	return { ready: entries.every(([, state]) => state === 'up'), checks: Object.fromEntries(entries) };
}

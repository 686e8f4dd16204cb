/**
 * Reading the bot's `/metrics` (Prometheus text) without a parser library: the demo and the
 * benchmark only need a few sums, and the exposition format puts one series on each line.
 */

/** The sum of a metric's series whose labels include every `key="value"` in `match` (0 when none). */
export function seriesSum(text: string, name: string, match: Record<string, string> = {}): number {
	let total = 0;
	for (const line of text.split('\n')) {
		if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
		if (!Object.entries(match).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
		total += Number(line.slice(line.lastIndexOf(' ') + 1));
	}
	return total;
}

/** Every value one label takes in a metric's series, in the order they appear. */
export function labelValues(text: string, name: string, label: string): string[] {
	const values = new Set<string>();
	const pattern = new RegExp(`[{,]${label}="([^"]*)"`);
	for (const line of text.split('\n')) {
		if (!line.startsWith(`${name}{`)) continue;
		const match = pattern.exec(line);
		if (match) values.add(match[1]!);
	}
	return [...values];
}

/** A few lines an operator would look at first: jobs started and ended by kind and outcome, first responses, calls out. */
export function metricsHighlights(text: string): string[] {
	const jobs = (['video', 'image'] as const).map((kind) => {
		const ended = labelValues(text, 'relaydance_bot_jobs_ended_total', 'outcome')
			.map((outcome) => [outcome, seriesSum(text, 'relaydance_bot_jobs_ended_total', { kind, outcome })] as const)
			.filter(([, count]) => count > 0)
			.map(([outcome, count]) => `${count} ${outcome}`);
		return `${kind}: ${seriesSum(text, 'relaydance_bot_jobs_started_total', { kind })} started, ended ${ended.join(', ') || 'none'}`;
	});
	const answered = seriesSum(text, 'relaydance_bot_first_response_seconds_count');
	const answeredSeconds = seriesSum(text, 'relaydance_bot_first_response_seconds_sum');
	const within = seriesSum(text, 'relaydance_bot_first_response_seconds_bucket', { le: '0.25' });
	return [
		`jobs ${jobs.join('; ')}`,
		`interactions answered: ${answered} (mean first response ${answered ? ((answeredSeconds / answered) * 1000).toFixed(0) : '—'} ms, ${within} within 250 ms)`,
		`RelayDance requests: ${seriesSum(text, 'relaydance_bot_relaydance_requests_total')}; Discord REST answers: ${seriesSum(text, 'relaydance_bot_discord_responses_total')}`,
	];
}

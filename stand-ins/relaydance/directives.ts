/**
 * Per-task behaviour, written into the prompt as `sim:name` or `sim:name=value`, so concurrent
 * tests sharing one simulator never step on each other's knobs:
 * - `sim:fail` or `sim:fail=CODE`: the task ends `failed` with that error code
 * - `sim:stuck`: the task stays `running` forever
 * - `sim:duration=MS`, `sim:queued=MS`: how long it runs, and waits before running
 * - `sim:bytes=N`: size of the finished video
 * - `sim:submit429=N`, `sim:submit503=N`: the first N submissions of this prompt answer 429 / 503
 * - `sim:submit500`: every submission answers 500 (the task's fate unknown to the client)
 * - `sim:submitdelay=MS`: the task is created at once, but the answer to the submission comes MS later (a slow gateway)
 * - `sim:poll500=N`, `sim:malformed=M`: the first N polls answer 500, the M after them a body off the contract
 * - `sim:gateway`: answers in the gateway variants (`{code, data}`, `IN_PROGRESS`, `"50%"`)
 * - `sim:nocallback`: the callback is never delivered (a lost webhook)
 * - `sim:chunked`: the finished video is served without a Content-Length
 * - `sim:redirect=N`: the succeeded task's `url` is a simulator path that answers 302 N times
 *   (each hop to the next) before the real output, to test that redirects are followed and counted
 * - `sim:resulthost=HOST`: the succeeded task's `url` names HOST (e.g. `127.0.0.2`) with the
 *   simulator's port; the simulator does not listen there, so a test binds its own counting server
 *   on HOST to check the bot never fetches it
 * - `sim:notvideo`: the output is served as `video/mp4` but its bytes are a PNG
 * - `sim:broke` or `sim:broke=403|429`: this submission is refused as if the account's balance had
 *   run out (default 402; the shapes are `BALANCE_REFUSALS` in simulator.ts, the same the
 *   `setBalance` knob gives), before anything else: no task, no `sim:submit429` count. Works on
 *   video and image submissions.
 *
 * Image requests (`POST /v1/images/generations`) also obey `sim:submit429=N`, `sim:submit503=N`,
 * `sim:submit500` and `sim:submitdelay=MS` (counted per prompt, apart from video submissions; the
 * delay comes on top of the generation time), `sim:redirect=N` and `sim:resulthost=HOST` (on each
 * item's `url`), and these:
 * - `sim:b64`: every item comes as `b64_json` (the PNG, base64), without `url`
 * - `sim:b64=K`: the first K items come as `b64_json`, the rest as `url`
 * - `sim:revised`: each item also carries `revised_prompt` (the prompt without its `sim:` words,
 *   then `, in a vivid illustrated style`)
 * - `sim:partial=K`: only K items come back (at most the `n` asked for; a bare `sim:partial`, 1)
 * - `sim:imagems=MS`: generation takes MS before the answer (default: the `imageMs` knob)
 * - `sim:reject` or `sim:reject=CODE`: a 400 `invalid_request_error` "Your request was rejected by
 *   the safety system", code `content_policy_violation` or CODE
 */
export interface Directives {
	fail?: string;
	stuck: boolean;
	durationMs?: number;
	queuedMs?: number;
	bytes?: number;
	submit429: number;
	submit503: number;
	submit500: boolean;
	submitDelayMs: number;
	poll500: number;
	malformed: number;
	gateway: boolean;
	noCallback: boolean;
	chunked: boolean;
	redirects: number;
	resultHost?: string;
	notVideo: boolean;
	/** Items answered as `b64_json`: all of them for a bare `sim:b64`. */
	b64: number;
	revised: boolean;
	partial?: number;
	imageMs?: number;
	reject?: string;
	/** `sim:broke`: how the submission is refused for want of balance. */
	broke?: '402' | '403' | '429';
}

const DIRECTIVE = /\bsim:([a-z0-9]+)(?:=([\w.-]+))?/gi;

/** The prompt without its `sim:` directives, as a gateway's `revised_prompt` would start. */
export function withoutDirectives(prompt: string): string {
	return prompt.replace(DIRECTIVE, ' ').replace(/\s+/g, ' ').trim();
}

export function directivesOf(prompt: string): Directives {
	const found = new Map<string, string>();
	for (const match of prompt.matchAll(DIRECTIVE)) found.set(match[1]!.toLowerCase(), match[2] ?? '');
	const number = (name: string, fallback?: number) => (found.has(name) ? Number(found.get(name)) || fallback : undefined);
	/** A count or a time where 0 means 0: absent → undefined, bare (or not a whole number) → `bare`. */
	const count = (name: string, bare?: number) => {
		if (!found.has(name)) return undefined;
		const value = Number(found.get(name) || NaN);
		return Number.isInteger(value) && value >= 0 ? value : bare;
	};
	return {
		fail: found.has('fail') ? found.get('fail') || 'InternalServiceError' : undefined,
		stuck: found.has('stuck'),
		durationMs: number('duration'),
		queuedMs: number('queued', 0),
		bytes: number('bytes'),
		submit429: number('submit429', 1) ?? 0,
		submit503: number('submit503', 1) ?? 0,
		submit500: found.has('submit500'),
		submitDelayMs: number('submitdelay', 1000) ?? 0,
		poll500: number('poll500', 1) ?? 0,
		malformed: number('malformed', 1) ?? 0,
		gateway: found.has('gateway'),
		noCallback: found.has('nocallback'),
		chunked: found.has('chunked'),
		redirects: number('redirect', 1) ?? 0,
		resultHost: found.get('resulthost') || undefined,
		notVideo: found.has('notvideo'),
		b64: count('b64', Number.POSITIVE_INFINITY) ?? 0,
		revised: found.has('revised'),
		partial: count('partial', 1),
		imageMs: count('imagems'),
		reject: found.has('reject') ? found.get('reject') || 'content_policy_violation' : undefined,
		broke: found.has('broke') ? (['403', '429'].includes(found.get('broke')!) ? (found.get('broke') as '403' | '429') : '402') : undefined,
	};
}

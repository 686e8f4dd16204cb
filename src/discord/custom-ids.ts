/**
 * The custom ids of the bot's buttons and forms. A button names its job (the settings live in the
 * store under it), so it keeps working after a restart and for as long as the job record is kept:
 * no in-memory map, no collector. Each id stays well under Discord's 100 characters.
 */
export type JobAction = 'again' | 'animate' | 'cancel' | 'edit';

const BUTTON = /^rd:(again|animate|cancel|edit):([\w-]{1,64})(?::(\d))?$/;
const FORM = /^rd:form:(animate|make-video|edit):([\w-]{1,64})(?::(\d))?$/;

/** `rd:again:<job id>`, `rd:animate:<job id>:<image number>`, `rd:cancel:<job id>`, `rd:edit:<job id>`. */
export function jobButtonId(action: JobAction, jobId: string, index?: number): string {
	return `rd:${action}:${jobId}${index === undefined ? '' : `:${index}`}`;
}

export function parseJobButton(customId: string): { action: JobAction; jobId: string; index?: number } | undefined {
	const match = BUTTON.exec(customId);
	if (!match) return undefined;
	return { action: match[1] as JobAction, jobId: match[2]!, ...(match[3] && { index: Number(match[3]) }) };
}

export type FormKind = 'animate' | 'make-video' | 'edit';

/** A modal's id: `rd:form:animate:<job id>:<image number>`, `rd:form:make-video:<draft id>`, or `rd:form:edit:<job id>`. */
export function formId(kind: FormKind, key: string, index?: number): string {
	return `rd:form:${kind}:${key}${index === undefined ? '' : `:${index}`}`;
}

export function parseForm(customId: string): { kind: FormKind; key: string; index?: number } | undefined {
	const match = FORM.exec(customId);
	if (!match) return undefined;
	return { kind: match[1] as FormKind, key: match[2]!, ...(match[3] && { index: Number(match[3]) }) };
}

/** The text inputs and selects of the forms (Animate, Make a video, Edit). The prompt's id says "prompt". */
export const FORM_FIELDS = { prompt: 'prompt', seconds: 'seconds', ratio: 'ratio', audio: 'audio', imageRole: 'image_role', count: 'count', size: 'size' } as const;

/**
 * Moderation buttons: under a result (`delete`, `report`), on the ephemeral confirmation
 * (`delete-yes`, `delete-no`), on a report in the audit channel (`hide`, `dismiss`, `mod-delete`) and
 * on a result in the review channel (`approve`, `reject`). Each names the job, so they keep working
 * after a restart and on any process.
 */
export type ModerationAction = 'delete' | 'report' | 'delete-yes' | 'delete-no' | 'hide' | 'dismiss' | 'mod-delete' | 'approve' | 'reject';

const MODERATION = /^rd:(delete|report|delete-yes|delete-no|hide|dismiss|mod-delete|approve|reject):([\w-]{1,64})$/;

export function moderationButtonId(action: ModerationAction, jobId: string): string {
	return `rd:${action}:${jobId}`;
}

export function parseModerationButton(customId: string): { action: ModerationAction; jobId: string } | undefined {
	const match = MODERATION.exec(customId);
	return match ? { action: match[1] as ModerationAction, jobId: match[2]! } : undefined;
}

/**
 * The cost prompt's buttons (`rd:start:<id>`, `rd:start-cancel:<id>`). The id is the asking
 * interaction's: a snowflake, so the press itself tells when the prompt's token dies, and the key
 * of the request kept for it (`PendingStarts`).
 */
export type StartAction = 'start' | 'start-cancel';

const START = /^rd:(start|start-cancel):(\d{17,20})$/;

export function startButtonId(action: StartAction, interactionId: string): string {
	return `rd:${action}:${interactionId}`;
}

export function parseStartButton(customId: string): { action: StartAction; interactionId: string } | undefined {
	const match = START.exec(customId);
	return match ? { action: match[1] as StartAction, interactionId: match[2]! } : undefined;
}

import { SOURCE_LOCALE, render, text, type MessageKey, type Params, type Text } from '../i18n/index.js';

/**
 * A refusal meant for the user: a stable `identifier` for logs and tests, and a message written
 * for the person who typed the command, as a dictionary key and its values (`text`), shown in
 * their own language; `message` is the source locale's wording. Anything else that goes wrong is
 * logged with context, and the user gets a short generic reply with a reference id.
 */
export class UserError extends Error {
	override name = 'UserError';
	readonly text: Text;
	constructor(
		readonly identifier: UserErrorId,
		key: MessageKey | Text,
		params?: Params,
	) {
		const said = typeof key === 'string' ? text(key, params) : key;
		super(render(SOURCE_LOCALE, said));
		this.text = said;
	}
}

export type UserErrorId =
	| 'PromptBlank'
	| 'TooSlowHere'
	| 'PromptTooLong'
	| 'UnknownModel'
	| 'SecondsOutOfRange'
	| 'AttachmentWrongType'
	| 'AttachmentTooLarge'
	| 'AttachmentUnreadable'
	| 'CitationMissing'
	| 'AudioOnlyReference'
	| 'FramesWithReferences'
	| 'LastFrameAlone'
	| 'FrameCited'
	| 'QuotaExceeded'
	| 'TooManyActiveJobs'
	| 'CountOutOfRange'
	| 'SizeNotOffered'
	| 'NotRequester'
	| 'JobGone'
	| 'NoUsableAttachments'
	| 'BadModalValue'
	| 'FormExpired'
	| 'BudgetExceeded'
	| 'NotAllowedHere'
	| 'PromptRefused'
	| 'CreditExhausted'
	| 'IntakePaused'
	| 'StoreUnavailable'
	| 'NotAdmin'
	| 'BadSetting'
	| 'AlreadyDeleted'
	| 'AlreadyDecided'
	| 'NotAllowedToDelete'
	| 'OwnResult'
	| 'NotInServer'
	| 'NotModerator'
	| 'StartGone';

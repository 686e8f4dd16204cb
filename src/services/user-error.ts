/**
 * A refusal meant for the user: a stable `identifier` for logs and tests, and a message written
 * for the person who typed the command. Anything else that goes wrong is logged with context,
 * and the user gets a short generic reply with a reference id.
 */
export class UserError extends Error {
	override name = 'UserError';
	constructor(
		readonly identifier: UserErrorId,
		message: string,
	) {
		super(message);
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
	| 'NotAllowedToDelete'
	| 'OwnResult'
	| 'NotInServer'
	| 'NotModerator';

/** An operator action that cannot be done, with the HTTP status and the plain words the page shows. */
export class ActionRefused extends Error {
	override name = 'ActionRefused';
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

/**
 * The member-facing words of issue 16's creative controls (start and end frames, Edit), kept in
 * one place so they move into the i18n dictionaries together. Plain strings: nothing here knows
 * discord.js, so the request checks in `src/services/` can use them too.
 */

/** The label of the Edit button under a result (fixed, like the other button labels). */
export const EDIT_LABEL = 'Edit';

/** `/video`'s attachment options for frame mode. */
export const FRAME_OPTIONS = {
	first: { name: 'first_frame', description: 'Image the video starts from (not with image/video/audio references)' },
	last: { name: 'last_frame', description: 'Image the video ends on (needs first_frame)' },
} as const;

/** How a frame is named in messages: its `/video` option. */
export function frameName(role: 'first_frame' | 'last_frame'): string {
	return role === 'first_frame' ? '`first_frame`' : '`last_frame`';
}

/** Refused: frames mixed with `imageN`/`videoN`/`audioN` (RelayDance's frame mode excludes reference mode). */
export function framesWithReferences(references: string[]): string {
	return `Start and end frames (\`first_frame\`, \`last_frame\`) cannot go with reference media; you also attached ${references.join(', ')}. Use either the frames or the references.`;
}

/** Refused: `last_frame` alone. */
export const LAST_FRAME_ALONE = 'A `last_frame` needs a `first_frame`: attach the image the video starts from too, or attach your image as `first_frame`.';

/** Refused: a frame-mode prompt citing `@imageN` (frames are not cited; there are no references to cite). */
export function frameCited(citation: string): string {
	return `Your prompt cites ${citation}, but with start and end frames there are no references to cite. Describe what happens between the frames without ${citation}.`;
}

/** The Animate / Make a video form's question for a single image. */
export const IMAGE_ROLE_FIELD = {
	label: 'Use the image as',
	firstFrame: 'Start frame: the video begins on it',
	reference: 'Reference: cite it as @image1',
} as const;

/** The hint under Animate's prompt, now that the image is the start frame unless the form says otherwise. */
export const ANIMATE_PROMPT_HINT = 'Start frame: describe what happens. As a reference, cite it as @image1.';

/** The Edit form: its title, and the labels only the image form has (the video form shares Animate's). */
export const EDIT_FORM = {
	videoTitle: 'Edit the video',
	imageTitle: 'Edit the images',
	prompt: 'Prompt',
	count: 'Images',
	size: 'Size',
	countOption: (count: number) => (count === 1 ? '1 image' : `${count} images`),
} as const;

/** The settings line of a video made from frames. */
export const FRAMES_FIELD = {
	name: 'Frames',
	value: (roles: Array<'first_frame' | 'last_frame'>) => roles.map((role) => (role === 'first_frame' ? 'start' : 'end')).join(' and '),
} as const;

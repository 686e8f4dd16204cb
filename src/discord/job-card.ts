import {
	ActionRowBuilder,
	ButtonBuilder,
	ButtonStyle,
	ContainerBuilder,
	MediaGalleryBuilder,
	MediaGalleryItemBuilder,
	MessageFlags,
	SeparatorBuilder,
	TextDisplayBuilder,
	type APIMessageTopLevelComponent,
	type RESTPatchAPIWebhookWithTokenMessageJSONBody,
} from 'discord.js';
import { clip } from '../services/text.js';
import type { Rendered } from './render.js';
import { NO_MENTIONS } from './respond.js';

/** Discord's limit on the text of all text displays of one Components V2 message. */
export const CARD_TEXT_LIMIT = 4000;
/** Discord's limit on components in one message, nested ones included. */
export const CARD_COMPONENT_LIMIT = 40;
/** Discord's limit on a media gallery item's description (the alt text). */
const ALT_TEXT_LIMIT = 1024;

/**
 * A job's message as one Components V2 card: a container holding the headline and what was asked
 * (a text display), the video or images themselves (a media gallery of the message's attachments,
 * the prompt as alt text), the settings and the job id (small text), and the buttons in its own
 * action rows (5 a row); a result sent as a link gets a Link button. A note outside the card (why the result
 * is in a DM, say) is a text display above it. With the flag, Discord refuses `content` and
 * `embeds`, so the body carries neither; `attachments` are set by the caller where files go.
 */
export function toCardBody(rendered: Rendered): RESTPatchAPIWebhookWithTokenMessageJSONBody & { flags: number } {
	const embed = rendered.embeds?.[0];
	const components: APIMessageTopLevelComponent[] = [];
	// Text is shared out in order: the note, the headline and story, the settings; each clipped to what is left.
	let room = CARD_TEXT_LIMIT;
	const take = (text: string) => {
		const kept = clip(text, Math.max(1, room));
		room -= kept.length;
		return kept;
	};
	if (rendered.content) components.push(new TextDisplayBuilder().setContent(take(rendered.content)).toJSON());
	const card = new ContainerBuilder();
	if (embed?.color !== undefined) card.setAccentColor(embed.color);
	card.addTextDisplayComponents(new TextDisplayBuilder().setContent(take([embed?.title && `### ${embed.title}`, embed?.description].filter(Boolean).join('\n'))));
	const media = (rendered.media ?? []).slice(0, 10);
	if (media.length > 0) {
		card.addMediaGalleryComponents(
			new MediaGalleryBuilder().addItems(
				media.map((item) => {
					const shown = new MediaGalleryItemBuilder().setURL(`attachment://${item.fileName}`);
					return item.description ? shown.setDescription(clip(item.description, ALT_TEXT_LIMIT)) : shown;
				}),
			),
		);
	}
	const settings = (embed?.fields ?? []).map((field) => `${field.name}: ${field.value}`).join(' · ');
	const footer = [settings, embed?.footer?.text].filter(Boolean).map((line) => `-# ${line}`).join('\n');
	if (footer) {
		card.addSeparatorComponents(new SeparatorBuilder().setDivider(true));
		card.addTextDisplayComponents(new TextDisplayBuilder().setContent(take(footer)));
	}
	// The rendered rows as they come (the job's own buttons, then Delete and Report), each split at
	// Discord's 5 buttons a row; the Link button goes after the first row's when it has room.
	const rows = (rendered.components ?? []).flatMap((row) => {
		const buttons = row.components.map((button) => ButtonBuilder.from(button));
		const chunks: ButtonBuilder[][] = [];
		for (let start = 0; start < buttons.length; start += 5) chunks.push(buttons.slice(start, start + 5));
		return chunks;
	});
	if (rendered.link) {
		const link = new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(rendered.link.url).setLabel(rendered.link.label);
		if (rows[0] && rows[0].length < 5) rows[0].push(link);
		else rows.unshift([link]);
	}
	for (const buttons of rows.slice(0, 5)) card.addActionRowComponents(new ActionRowBuilder<ButtonBuilder>().addComponents(buttons));
	components.push(card.toJSON());
	return { flags: MessageFlags.IsComponentsV2, components, allowed_mentions: NO_MENTIONS };
}

import { ButtonStyle, ComponentType, type APIButtonComponent } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { toCardBody } from '../../src/discord/job-card.js';

const button = (label: string, index: number): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Secondary, label, custom_id: `rd:x:${index}` });

describe('toCardBody', () => {
	it('puts at most 5 buttons in a row: 4 Animate, Again and Edit take two rows, none dropped', () => {
		const labels = ['Animate', 'Animate', 'Animate', 'Animate', 'Again', 'Edit'];
		const body = toCardBody({ embeds: [{ title: 'done' }], components: [{ type: ComponentType.ActionRow, components: labels.map(button) }] });
		const card = body.components!.find((component) => component.type === ComponentType.Container) as { components: Array<{ type: number; components?: Array<{ label?: string }> }> };
		const rows = card.components.filter((component) => component.type === ComponentType.ActionRow);
		expect(rows.map((row) => row.components!.map((candidate) => candidate.label))).toEqual([labels.slice(0, 5), ['Edit']]);
	});
});

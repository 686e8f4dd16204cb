import type { APIModalSubmission, ModalSubmitComponent, ModalSubmitLabelComponent, ModalSubmitActionRowComponent, ModalSubmitTextDisplayComponent } from 'discord.js';
import type { ShownModal } from './interaction-handle.js';
import { snowflake } from './payloads.js';

type Component = Record<string, unknown>;

/** What a test says a user entered in a modal field, by the field's `custom_id`. */
export type ModalValue = string | string[] | boolean | null;

/**
 * Components as Discord stores them: a copy in which every component has an `id`. Ids the bot set
 * are kept; the others are numbered from 1 in document order (a parent before its children),
 * skipping ids already used, as Discord does for a message or a modal.
 */
export function withComponentIds(components: readonly Component[]): Component[] {
	const used = new Set<number>();
	const collect = (component: Component) => {
		if (typeof component.id === 'number') used.add(component.id);
		for (const child of childrenOf(component)) collect(child);
	};
	components.forEach(collect);
	let next = 1;
	const assign = (component: Component): Component => {
		const copy: Component = { ...component };
		if (typeof copy.id !== 'number') {
			while (used.has(next)) next += 1;
			copy.id = next;
			used.add(next);
		}
		if (Array.isArray(copy.components)) copy.components = (copy.components as Component[]).map(assign);
		if (isComponent(copy.component)) copy.component = assign(copy.component);
		if (isComponent(copy.accessory)) copy.accessory = assign(copy.accessory);
		return copy;
	};
	return components.map(assign);
}

/** A message's components as Discord answers them: ids given, and the defaults its responses carry. */
export function messageComponents(components: readonly Component[]): Component[] {
	const defaults = (component: Component): Component => {
		const copy: Component = { ...component };
		if ([3, 5, 6, 7, 8].includes(Number(copy.type))) {
			copy.min_values ??= 1;
			copy.max_values ??= 1;
		}
		if (copy.type === 3) copy.options = ((copy.options as Component[] | undefined) ?? []).map((option) => ({ ...option }));
		if (copy.type === 17) {
			copy.accent_color ??= null;
			copy.spoiler ??= false;
		}
		if (copy.type === 11) Object.assign(copy, { media: unfurled(copy.media), description: copy.description ?? null, spoiler: copy.spoiler ?? false });
		if (copy.type === 12) {
			copy.items = ((copy.items as Component[] | undefined) ?? []).map((item) => ({ ...item, media: unfurled(item.media), description: item.description ?? null, spoiler: item.spoiler ?? false }));
		}
		if (copy.type === 13) Object.assign(copy, { file: unfurled(copy.file), name: copy.name ?? null, size: copy.size ?? null, spoiler: copy.spoiler ?? false });
		if (copy.type === 14) Object.assign(copy, { spacing: copy.spacing ?? 1, divider: copy.divider ?? true });
		if (Array.isArray(copy.components)) copy.components = (copy.components as Component[]).map(defaults);
		if (isComponent(copy.accessory)) copy.accessory = defaults(copy.accessory);
		return copy;
	};
	return withComponentIds(components.map(stripNulls)).map(defaults);
}

/** A modal's components as Discord keeps them: ids given, `null` fields dropped. */
export function modalComponents(components: readonly Component[]): Component[] {
	return withComponentIds(components.map(stripNulls));
}

/** The component with this `custom_id`, searched through rows, sections, containers and labels. */
export function findComponent(components: readonly Component[], customId: string): Component | undefined {
	for (const component of components) {
		if (component.custom_id === customId) return component;
		const found = findComponent(childrenOf(component), customId);
		if (found) return found;
	}
	return undefined;
}

/**
 * `data` of the MODAL_SUBMIT Discord sends when a user submits `modal` with `values` (by
 * custom_id): a Label gives `{ type: 18, id, component }`, an action row `{ type: 1, id,
 * components }` of text inputs, a Text Display `{ type: 10, id }`. A text input not in `values`
 * keeps its prefilled `value` (or ''), a select its options marked `default` (or none). Throws
 * when Discord's client would not let the user submit these values.
 */
export function modalSubmission(modal: ShownModal, values: Readonly<Record<string, ModalValue | undefined>>, fileIds: ReadonlyMap<string, string[]> = new Map()): APIModalSubmission {
	const known = new Set<string>();
	const field = (component: Component): ModalSubmitComponent => {
		const customId = String(component.custom_id);
		known.add(customId);
		const given = values[customId];
		const id = Number(component.id);
		const label = `modal ${modal.custom_id}: field ${customId}`;
		switch (component.type) {
			case 4: {
				if (given !== undefined && typeof given !== 'string') throw new Error(`${label} is a text input: give a string`);
				const value = given ?? (typeof component.value === 'string' ? component.value : '');
				checkText(label, component, value);
				return { type: 4, id, custom_id: customId, value };
			}
			case 3: {
				const allowed = (component.options as Component[] | undefined) ?? [];
				const chosen = given ?? allowed.filter((option) => option.default === true).map((option) => String(option.value));
				if (!Array.isArray(chosen)) throw new Error(`${label} is a string select: give an array of option values`);
				const unknown = chosen.filter((value) => !allowed.some((option) => option.value === value));
				if (unknown.length > 0) throw new Error(`${label} has no option ${unknown.join(', ')}`);
				checkCount(label, component, chosen.length);
				return { type: 3, id, custom_id: customId, values: chosen };
			}
			case 5:
			case 6:
			case 7:
			case 8: {
				const chosen = given ?? ((component.default_values as Array<{ id: string }> | null | undefined) ?? []).map((value) => value.id);
				if (!Array.isArray(chosen)) throw new Error(`${label} is a select: give an array of ids`);
				checkCount(label, component, chosen.length);
				return { type: component.type as 5 | 6 | 7 | 8, id, custom_id: customId, values: chosen };
			}
			case 19: {
				if (given !== undefined) throw new Error(`${label} is a file upload: give its files as attachments`);
				const files = fileIds.get(customId) ?? [];
				checkCount(label, component, files.length);
				return { type: 19, id, custom_id: customId, values: files };
			}
			case 21: {
				if (given !== undefined && given !== null && typeof given !== 'string') throw new Error(`${label} is a radio group: give one option value`);
				const options = (component.options as Component[] | undefined) ?? [];
				const value = given === undefined ? ((options.find((option) => option.default === true)?.value as string | undefined) ?? null) : given;
				if (value !== null && !options.some((option) => option.value === value)) throw new Error(`${label} has no option ${value}`);
				if (value === null && component.required !== false) throw new Error(`${label} is required`);
				return { type: 21, id, custom_id: customId, value };
			}
			case 22: {
				const options = (component.options as Component[] | undefined) ?? [];
				const chosen = given ?? options.filter((option) => option.default === true).map((option) => String(option.value));
				if (!Array.isArray(chosen)) throw new Error(`${label} is a checkbox group: give an array of option values`);
				const unknown = chosen.filter((value) => !options.some((option) => option.value === value));
				if (unknown.length > 0) throw new Error(`${label} has no option ${unknown.join(', ')}`);
				checkCount(label, component, chosen.length, { min: 0, max: options.length });
				return { type: 22, id, custom_id: customId, values: chosen };
			}
			case 23: {
				if (given !== undefined && typeof given !== 'boolean') throw new Error(`${label} is a checkbox: give true or false`);
				return { type: 23, id, custom_id: customId, value: given ?? component.default === true };
			}
			default:
				throw new Error(`${label}: the stand-in cannot submit a component of type ${String(component.type)}`);
		}
	};
	const components = modal.components.map((component): ModalSubmitLabelComponent | ModalSubmitActionRowComponent | ModalSubmitTextDisplayComponent => {
		const id = Number(component.id);
		if (component.type === 18) return { type: 18, id, component: field(component.component as Component) };
		if (component.type === 10) return { type: 10, id };
		if (component.type === 1) {
			const inputs = (component.components as Component[]).map((input) => {
				const submitted = field(input);
				if (submitted.type !== 4) throw new Error(`modal ${modal.custom_id}: an action row in a modal holds text inputs only`);
				return submitted;
			});
			return { type: 1, id, components: inputs };
		}
		throw new Error(`modal ${modal.custom_id}: a modal cannot hold a component of type ${String(component.type)} at the top`);
	});
	const strangers = [...Object.keys(values), ...fileIds.keys()].filter((customId) => !known.has(customId));
	if (strangers.length > 0) throw new Error(`modal ${modal.custom_id} has no field ${strangers.join(', ')}`);
	return { custom_id: modal.custom_id, components };
}

/** The file upload fields of a modal, by custom_id. */
export function fileUploadFields(modal: ShownModal): Set<string> {
	const found = new Set<string>();
	const walk = (component: Component) => {
		if (component.type === 19) found.add(String(component.custom_id));
		childrenOf(component).forEach(walk);
	};
	modal.components.forEach(walk);
	return found;
}

function checkText(label: string, component: Component, value: string): void {
	const required = component.required !== false;
	if (required && value === '') throw new Error(`${label} is required: Discord would not let the user submit it empty`);
	if (value === '') return;
	const min = typeof component.min_length === 'number' ? component.min_length : 0;
	const max = typeof component.max_length === 'number' ? component.max_length : 4000;
	if (value.length < min || value.length > max) throw new Error(`${label} takes ${min}–${max} characters, not ${value.length}`);
}

function checkCount(label: string, component: Component, count: number, defaults = { min: 1, max: 1 }): void {
	const required = component.required !== false;
	const min = typeof component.min_values === 'number' ? component.min_values : defaults.min;
	const max = typeof component.max_values === 'number' ? component.max_values : defaults.max;
	if (count === 0 && !required) return;
	if (count < min || count > max) throw new Error(`${label} takes ${min}–${max} choices, not ${count}`);
}

/** An unfurled media item as Discord answers it (`id`, `url`, `proxy_url`); its id stays once given. */
function unfurled(media: unknown): Component {
	const given = isComponent(media) ? media : {};
	const url = typeof given.url === 'string' ? given.url : '';
	return { ...given, id: typeof given.id === 'string' ? given.id : snowflake(), url, proxy_url: typeof given.proxy_url === 'string' ? given.proxy_url : url };
}

function childrenOf(component: Component): Component[] {
	const children: Component[] = [];
	if (Array.isArray(component.components)) children.push(...(component.components as Component[]));
	if (isComponent(component.component)) children.push(component.component);
	if (isComponent(component.accessory)) children.push(component.accessory);
	return children;
}

function isComponent(value: unknown): value is Component {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops `null` fields (a request may send `id: null`, `placeholder: null`; a stored component has none). */
function stripNulls(component: Component): Component {
	const copy: Component = {};
	for (const [key, value] of Object.entries(component)) {
		if (value === null) continue;
		if (Array.isArray(value)) copy[key] = value.map((item) => (isComponent(item) ? stripNulls(item) : item));
		else copy[key] = isComponent(value) ? stripNulls(value) : value;
	}
	return copy;
}

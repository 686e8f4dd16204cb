import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** Discord's official OpenAPI spec (discord/discord-api-spec, MIT), vendored beside this file. */
export function defaultSpecPath(): string {
	return process.env.DISCORD_OPENAPI_SPEC ?? fileURLToPath(new URL('./spec/discord-openapi.json', import.meta.url));
}

/** A route the stand-in checks: the spec's path template, method, and a regex for real paths. */
interface CheckedRoute {
	template: string;
	method: string;
	pattern: RegExp;
	validate: ValidateFunction;
}

/**
 * Checks each JSON body the bot sends against Discord's official OpenAPI spec (3.1, so JSON
 * Schema 2020-12). Only the routes the stand-in serves are compiled, once, at start.
 */
export class OpenApiValidator {
	private readonly routes: CheckedRoute[] = [];
	private readonly ajv: Ajv2020;
	private readonly schemas = new Map<string, ValidateFunction>();

	/** `schemas` (names in `components.schemas`) are compiled now for `checkSchema`, not on first use in the middle of a test. */
	constructor(specPath: string, checked: Array<[method: string, template: string]>, schemas: readonly string[] = []) {
		const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
			paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: object }> } }>>;
			components: { schemas: Record<string, object> };
		};
		acceptStringPermissions(spec.components.schemas);
		checked.forEach(([method, template], index) => {
			const schema = spec.paths[template]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
			if (!schema) throw new Error(`the spec has no JSON body for ${method} ${template}`);
			spec.components.schemas[`__standIn${index}`] = schema;
		});
		const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false, validateSchema: false });
		ajv.addSchema(spec, 'discord.json');
		this.ajv = ajv;
		checked.forEach(([method, template], index) => {
			const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/@/g, '@')}$`);
			this.routes.push({ template, method, pattern, validate: ajv.compile({ $ref: `discord.json#/components/schemas/__standIn${index}` }) });
		});
		for (const name of schemas) this.schema(name);
	}

	/** Problems with `body` for `method path` (a path below `/api/v10`), or an empty list. */
	check(method: string, path: string, body: unknown): string[] {
		const route = this.routes.find((candidate) => candidate.method === method && candidate.pattern.test(path));
		if (!route) return [];
		if (route.validate(body)) return [];
		return (route.validate.errors ?? []).map((error) => `${method} ${route.template}: ${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}`);
	}

	/**
	 * Problems with `value` as the spec's `components.schemas[name]` (`MessageResponse`, …), or an
	 * empty list: for what the stand-in itself sends. Each schema is compiled once (at start if listed).
	 */
	checkSchema(name: string, value: unknown, label = name): string[] {
		const validate = this.schema(name);
		if (validate(value)) return [];
		return (validate.errors ?? []).map((error) => `${label}: ${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}`);
	}

	private schema(name: string): ValidateFunction {
		let validate = this.schemas.get(name);
		if (!validate) {
			validate = this.ajv.compile({ $ref: `discord.json#/components/schemas/${name}` });
			this.schemas.set(name, validate);
		}
		return validate;
	}
}

/** Request fields the spec types as integer bit fields of permissions. */
const PERMISSION_FIELDS = new Set(['default_member_permissions', 'permissions', 'allow', 'deny']);

/**
 * The spec types permission bit fields in requests (`default_member_permissions`, a role's
 * `permissions`, an overwrite's `allow`/`deny`) as integers, while Discord's docs call them strings
 * ("set of permissions represented as a bit set"), discord-api-types types them `Permissions`
 * (a string), and discord.js sends strings (`setDefaultMemberPermissions`), which Discord accepts.
 * So such a field also takes a string of decimal digits; anything else is still refused.
 */
function acceptStringPermissions(node: unknown): void {
	if (!node || typeof node !== 'object') return;
	const properties = (node as { properties?: Record<string, { type?: string | string[] }> }).properties;
	for (const [name, property] of Object.entries(properties ?? {})) {
		if (PERMISSION_FIELDS.has(name) && [property.type].flat().includes('integer')) {
			properties![name] = { anyOf: [property, { type: 'string', pattern: '^[0-9]{1,20}$' }] } as typeof property;
		}
	}
	for (const child of Object.values(node)) acceptStringPermissions(child);
}

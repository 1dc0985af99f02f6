/** Shared inputs of the patch and apply tests: a Deployment that exercises every list strategy, and JSON values without nulls. */
import fc from 'fast-check';
import type {JsonObject} from '../../../source/sim/patch/json.js';
import {schemaFor} from '../../../source/sim/schema/kinds.js';

export const deploymentSchema = schemaFor('apps/v1', 'Deployment');
export const podSchema = schemaFor('v1', 'Pod');
export const serviceSchema = schemaFor('v1', 'Service');

export function deployment(): JsonObject {
	return {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {
			name: 'web',
			namespace: 'shop',
			labels: {app: 'web', tier: 'front'},
			finalizers: ['example.com/keep'],
			ownerReferences: [{apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1'}],
		},
		spec: {
			replicas: 3,
			selector: {matchLabels: {app: 'web'}},
			strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}},
			template: {
				metadata: {labels: {app: 'web'}},
				spec: {
					containers: [
						{
							name: 'app',
							image: 'shop:1.0',
							ports: [{containerPort: 8080, protocol: 'TCP'}],
							env: [
								{name: 'MODE', value: 'prod'},
								{name: 'LOG', value: 'info'},
							],
							resources: {requests: {cpu: '100m'}},
							volumeMounts: [{name: 'data', mountPath: '/data'}],
						},
						{name: 'proxy', image: 'envoy:1.30'},
					],
					volumes: [{name: 'data', emptyDir: {}}],
					tolerations: [{key: 'spot', operator: 'Exists'}],
				},
			},
		},
		status: {conditions: [{type: 'Available', status: 'True'}]},
	};
}

export function podSpecOf(object: unknown): JsonObject {
	return ((object as JsonObject).spec as JsonObject & {template: {spec: JsonObject}}).template.spec;
}

export function containers(object: unknown): JsonObject[] {
	return podSpecOf(object).containers as JsonObject[];
}

export function names(items: unknown): unknown[] {
	return (items as JsonObject[]).map((item) => item.name);
}

export function templatePatch(spec: JsonObject): JsonObject {
	return {spec: {template: {spec}}};
}

/** JSON values without nulls (merge patch cannot express a null value). */
export const plainJson = fc.letrec((tie) => ({
	value: fc.oneof(
		{depthSize: 'small', withCrossShrink: true},
		fc.string({maxLength: 4}),
		fc.integer(),
		fc.boolean(),
		fc.array(tie('value'), {maxLength: 3}),
		tie('object'),
	),
	object: fc.dictionary(
		fc.string({maxLength: 3}).filter((key) => !key.startsWith('$')),
		tie('value'),
		{maxKeys: 4},
	),
}));

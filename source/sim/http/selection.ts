/**
 * Which stored records a LIST, a WATCH or a DELETE of a collection sees: the namespace,
 * the label selector and the field selector (with the field labels of the storage
 * version and of the version asked for; events.k8s.io names core Event fields its own way).
 */
import type {SimApi} from '../api.js';
import {parseFieldSelector, parseLabelSelector} from '../selectors.js';
import type {StoredRecord} from '../store.js';
import type {Query, Route} from './request.js';

export interface Selection {
	filter: (record: StoredRecord) => boolean;
	/** A label or field selector narrows the list (then it has no remainingItemCount). */
	selected: boolean;
}

/** Build the filter for a list or watch: namespace, label selector, field selector. */
export function selectionOf(api: SimApi, route: Route, query: Query): Selection {
	const {type, namespace} = route;
	const storageType = api.storageType(type.storage) ?? type;
	const supported = ['metadata.name', 'metadata.namespace', ...Object.keys(storageType.fieldLabels?.({}) ?? {}), ...Object.keys(type.fieldLabels?.({}) ?? {})];
	const labelSelector = parseLabelSelector(query.labelSelector);
	let fieldText = query.fieldSelector;
	if (route.legacyWatch && route.name) fieldText = fieldText ? `${fieldText},metadata.name=${route.name}` : `metadata.name=${route.name}`;
	const fieldSelector = parseFieldSelector(fieldText, supported);
	const filter = (record: StoredRecord): boolean => {
		if (namespace && record.namespace !== namespace) return false;
		if (labelSelector && !labelSelector(record.labels)) return false;
		if (fieldSelector) {
			const values = type.fieldLabels && type.convert ? {...record.fields, ...v1FieldAliases(record)} : record.fields;
			if (!fieldSelector.matches(values)) return false;
		}
		return true;
	};
	return {filter, selected: Boolean(labelSelector || fieldSelector)};
}

function v1FieldAliases(record: StoredRecord): Record<string, string> {
	const f = record.fields;
	return {
		'regarding.kind': f['involvedObject.kind'] ?? '',
		'regarding.namespace': f['involvedObject.namespace'] ?? '',
		'regarding.name': f['involvedObject.name'] ?? '',
		'regarding.uid': f['involvedObject.uid'] ?? '',
		reportingController: f.reportingComponent ?? '',
		'deprecatedSource.component': f.source ?? '',
	};
}

/** The records a route and query select, in key order. */
export function selectRecords(api: SimApi, route: Route, query: Query): StoredRecord[] {
	const {filter} = selectionOf(api, route, query);
	const out: StoredRecord[] = [];
	for (const record of api.store.resource(route.type.storage).sorted()) if (filter(record)) out.push(record);
	return out;
}

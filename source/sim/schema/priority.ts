/**
 * The kinds that set priorities: scheduling.k8s.io PriorityClass for pods, and
 * flowcontrol's FlowSchema and PriorityLevelConfiguration for API requests.
 */
import {atomicList, conditions, kind, struct} from './builders.js';

export const priorityClass = kind('PriorityClass', {});

export const flowSchema = kind(
	'FlowSchema',
	{
		spec: struct('FlowSchemaSpec', {rules: atomicList()}, {present: ['priorityLevelConfiguration']}),
		status: struct('FlowSchemaStatus', {conditions}),
	},
	{statusSubresource: true},
);

export const priorityLevelConfiguration = kind(
	'PriorityLevelConfiguration',
	{
		spec: struct('PriorityLevelConfigurationSpec', {
			limited: struct('LimitedPriorityLevelConfiguration', {}, {present: ['limitResponse']}),
		}),
		status: struct('PriorityLevelConfigurationStatus', {conditions}),
	},
	{statusSubresource: true},
);

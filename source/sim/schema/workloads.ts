/** The apps/v1 and batch/v1 kinds: the workload controllers and their pod templates. */
import {atomicList, conditions, keyedList, kind, labelSelector, objectMeta, objectReference, setList, struct} from './builders.js';
import {podTemplateSpec} from './core.js';

// ---------------------------------------------------------------------------------------
// apps/v1

export const deployment = kind(
	'Deployment',
	{
		spec: struct(
			'DeploymentSpec',
			{selector: labelSelector, template: podTemplateSpec, strategy: struct('DeploymentStrategy', {})},
			{present: ['template', 'strategy']},
		),
		status: struct('DeploymentStatus', {conditions}),
	},
	{statusSubresource: true},
);

export const replicaSet = kind(
	'ReplicaSet',
	{
		spec: struct('ReplicaSetSpec', {selector: labelSelector, template: podTemplateSpec}, {present: ['template']}),
		status: struct('ReplicaSetStatus', {conditions}),
	},
	{statusSubresource: true},
);

export const statefulSet = kind(
	'StatefulSet',
	{
		spec: struct(
			'StatefulSetSpec',
			{
				selector: labelSelector,
				template: podTemplateSpec,
				volumeClaimTemplates: atomicList(),
				updateStrategy: struct('StatefulSetUpdateStrategy', {}),
			},
			{present: ['template', 'updateStrategy']},
		),
		status: struct('StatefulSetStatus', {conditions}),
	},
	{statusSubresource: true},
);

export const daemonSet = kind(
	'DaemonSet',
	{
		spec: struct(
			'DaemonSetSpec',
			{selector: labelSelector, template: podTemplateSpec, updateStrategy: struct('DaemonSetUpdateStrategy', {})},
			{present: ['template', 'updateStrategy']},
		),
		status: struct('DaemonSetStatus', {conditions}),
	},
	{statusSubresource: true},
);

// ---------------------------------------------------------------------------------------
// batch/v1

const jobSpec = struct(
	'JobSpec',
	{
		selector: labelSelector,
		template: podTemplateSpec,
		podFailurePolicy: struct('PodFailurePolicy', {rules: atomicList()}),
		successPolicy: struct('SuccessPolicy', {rules: atomicList()}),
	},
	{present: ['template']},
);

export const job = kind(
	'Job',
	{
		spec: jobSpec,
		status: struct('JobStatus', {
			// Strategic merge patch merges conditions by type; SSA owns the list whole.
			conditions: keyedList(undefined, 'type', {ssaAtomic: true}),
			uncountedTerminatedPods: struct('UncountedTerminatedPods', {succeeded: setList(false), failed: setList(false)}),
		}),
	},
	{statusSubresource: true},
);

export const cronJob = kind(
	'CronJob',
	{
		spec: struct(
			'CronJobSpec',
			{jobTemplate: struct('JobTemplateSpec', {metadata: objectMeta, spec: jobSpec}, {present: ['metadata', 'spec']})},
			{present: ['jobTemplate']},
		),
		status: struct('CronJobStatus', {active: atomicList(objectReference)}),
	},
	{statusSubresource: true},
);

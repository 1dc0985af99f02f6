/** The autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler. */
import {atomicList, conditions, kind, struct} from './builders.js';

const scalingRules = struct('HPAScalingRules', {policies: atomicList()});

export const hpaV2 = kind(
	'HorizontalPodAutoscaler',
	{
		spec: struct(
			'HorizontalPodAutoscalerSpec',
			{
				metrics: atomicList(),
				behavior: struct('HorizontalPodAutoscalerBehavior', {scaleUp: scalingRules, scaleDown: scalingRules}),
			},
			{present: ['scaleTargetRef']},
		),
		status: struct('HorizontalPodAutoscalerStatus', {currentMetrics: atomicList(), conditions}),
	},
	{statusSubresource: true},
);

export const hpaV1 = kind(
	'HorizontalPodAutoscaler',
	{
		spec: struct('HorizontalPodAutoscalerSpec', {}, {present: ['scaleTargetRef']}),
		status: struct('HorizontalPodAutoscalerStatus', {}),
	},
	{statusSubresource: true},
);

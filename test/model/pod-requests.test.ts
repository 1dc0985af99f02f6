import test from 'ava';
import {podRequests} from '../../source/model/pod-requests.js';
import {container} from '../helpers/slim.js';

test('pod requests follow defaulting, sidecars and init containers', (t) => {
	t.deepEqual(podRequests({containers: [container({cpu: '250m', memory: '256Mi'}), container({cpu: '50m', memory: '64Mi'})]}), {
		cpuMillis: 300,
		memoryBytes: 320 * 1024 ** 2,
	});
	// Limits-only: requests default to limits.
	t.deepEqual(podRequests({containers: [container({}, {cpu: '500m', memory: '1Gi'})]}), {cpuMillis: 500, memoryBytes: 1024 ** 3});
	// A missing request for one resource leaves that resource unknown.
	t.deepEqual(podRequests({containers: [container({cpu: '100m'})]}), {cpuMillis: 100});
	// Init containers count when larger; sidecars add to the app containers and to later init containers.
	t.deepEqual(
		podRequests({
			containers: [
				container({cpu: '1', memory: '1Gi'}, {}, 'init', 'i1'),
				container({cpu: '100m', memory: '64Mi'}, {}, 'sidecar', 's'),
				container({cpu: '200m', memory: '128Mi'}),
			],
		}),
		{cpuMillis: 1000, memoryBytes: 1024 ** 3},
	);
	t.deepEqual(
		podRequests({
			containers: [
				container({cpu: '100m', memory: '64Mi'}, {}, 'sidecar', 's'),
				container({cpu: '1', memory: '1Gi'}, {}, 'init', 'i1'),
				container({cpu: '200m', memory: '128Mi'}),
			],
		}),
		{cpuMillis: 1100, memoryBytes: 1024 ** 3 + 64 * 1024 ** 2},
	);
	// Pod-level resources decide alone.
	t.deepEqual(podRequests({containers: [container({})], podResources: {requests: {cpu: '2', memory: '2Gi'}, limits: {}}}), {
		cpuMillis: 2000,
		memoryBytes: 2 * 1024 ** 3,
	});
});

import test from 'ava';
import {resourcePath} from '../../source/plans/request.js';

test('resourcePath builds core, grouped, namespaced and cluster-scoped paths', (t) => {
	t.is(resourcePath('', 'v1', 'pods', 'ns', 'p'), '/api/v1/namespaces/ns/pods/p');
	t.is(resourcePath('batch', 'v1', 'jobs', 'ns', 'j'), '/apis/batch/v1/namespaces/ns/jobs/j');
	t.is(resourcePath('', 'v1', 'persistentvolumes', undefined, 'pv-1'), '/api/v1/persistentvolumes/pv-1');
	t.is(resourcePath('', 'v1', 'resourcequotas', 'ns'), '/api/v1/namespaces/ns/resourcequotas');
	t.is(resourcePath('', 'v1', 'pods', 'ns', 'a/b'), '/api/v1/namespaces/ns/pods/a%2Fb');
});

import test from 'ava';
import {builtinTypes, type ResourceType} from '../../source/sim/resources.js';
import {tableColumnDefinitions, tableRow} from '../../source/sim/tables.js';

const configMaps = builtinTypes().find((type) => type.resource === 'configmaps') as ResourceType;
const now = Date.parse('2026-03-10T14:00:00Z');

function age(createdIso: string | undefined): unknown {
	const columns = tableColumnDefinitions(configMaps).map((column) => column.name);
	const row = tableRow(configMaps, {metadata: {name: 'c', creationTimestamp: createdIso}}, now, 'None');
	return (row.cells as unknown[])[columns.indexOf('Age')];
}

test('the Age column prints HumanDuration of the time since creation', (t) => {
	t.is(age('2026-03-10T13:59:00Z'), '60s');
	t.is(age('2026-03-10T13:51:00Z'), '9m');
	t.is(age('2026-03-10T06:30:00Z'), '7h30m');
	t.is(age('2026-03-03T12:00:00Z'), '7d2h');
	t.is(age(undefined), '<unknown>');
	t.is(age('yesterday'), '<unknown>');
});

test('the Age column takes a creation up to 2 s ahead of the server clock as now, as HumanDuration truncates seconds', (t) => {
	// apimachinery's duration.HumanDuration: seconds := int(d.Seconds()) truncates toward zero,
	// so -1.5 s is -1 (shown as 0s) and only -2 s or more is <invalid>.
	t.is(age('2026-03-10T14:00:01.500Z'), '0s');
	t.is(age('2026-03-10T14:00:01.999Z'), '0s');
	t.is(age('2026-03-10T14:00:02Z'), '<invalid>');
});

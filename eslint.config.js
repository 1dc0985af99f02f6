// Lint: a small rule set that catches real mistakes (typescript-eslint's recommended set,
// promises left floating or passed where a callback's result is ignored, unused names,
// `any` where a type can be said). Style is Prettier's job (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/**', 'release/**', 'node_modules/**', 'test/fixtures/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}},
		linterOptions: {reportUnusedDisableDirectives: 'error'},
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': 'error',
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
			'@typescript-eslint/no-explicit-any': 'error',
		},
	},
	{
		// A terminal tool matches control characters on purpose: the sanitizer, key input,
		// escape sequences in the tests' frames.
		rules: {'no-control-regex': 'off'},
	},
	{files: ['**/*.js'], ...tseslint.configs.disableTypeChecked},
	{files: ['**/*.js'], languageOptions: {globals: {process: 'readonly', console: 'readonly'}}},
);

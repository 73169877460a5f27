// ESLint (flat config) for the whole repository: TypeScript everywhere, React hooks rules in the webapp.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    {
        ignores: ['**/node_modules/**', '**/dist/**', 'webapp/src/manifest.ts', 'test/artifacts/**', 'bench/**/*.json', '**/*.d.ts'],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {globals: {...globals.node}},
        rules: {
            '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
            '@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
            'no-console': 'error',
            eqeqeq: ['error', 'always'],
            curly: 'error',
        },
    },
    {
        files: ['webapp/**/*.{ts,tsx}', 'test/browser/**/*.{ts,js}'],
        plugins: {'react-hooks': reactHooks},
        languageOptions: {globals: {...globals.browser}},
        rules: {...reactHooks.configs.recommended.rules},
    },
    {
        files: ['**/*.test.{ts,tsx}', '**/test/**/*.{ts,mjs,js}', 'test/**/*.{ts,mjs,js}', 'scripts/**/*.mjs', '**/*.config.js', 'webapp/scripts/**'],
        // Tests read arbitrary JSON answers: `any` there is a deliberate convenience.
        rules: {'no-console': 'off', '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-explicit-any': 'off'},
    },
);

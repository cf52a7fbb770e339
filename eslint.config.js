// Module boundaries: apps -> libs -> nothing above; an app never imports another app.
// Tags live in each project.json: type:app|lib|e2e|native and scope:<system>|shared.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** The deliberately wrong imports that tools/workspace's test lints with this same config. */
export const boundaryFixtures = { ignores: ['tools/boundary-fixtures/**'] };

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'docs/**'] },
  boundaryFixtures,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    // Test harness wiring, not product code: every vitest.config.ts imports the root preset, and
    // native/<lib> C projects run their ASan C tests through @fastpath/native/testing (whose lib in
    // turn builds after them), which the graph would otherwise call a cycle.
    files: ['**/vitest.config.ts', 'native/*/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];

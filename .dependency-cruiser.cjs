// @ts-check
/**
 * The layers of src/, top to bottom (docs/architecture.md draws them). A file may import from its
 * own folder and from any layer BELOW its own; never from a layer above, never from a sibling
 * folder of the same layer. `npm run lint` runs this (depcruise) next to ESLint's import-x/no-cycle.
 *
 * To add a folder: put it in the layer whose imports it needs, or lower one of its imports first.
 */
const LAYERS = [
  { name: 'main', folders: ['main.ts'] },
  { name: 'process', folders: ['cluster.ts', 'bootstrap.ts'] },
  { name: 'composition', folders: ['app.modules.ts'] },
  { name: 'http', folders: ['chat', 'admin', 'health', 'server'] },
  { name: 'policy', folders: ['policy'] },
  { name: 'intent', folders: ['intent'] },
  { name: 'routing', folders: ['routing'] },
  { name: 'accounting', folders: ['caching', 'billing'] },
  { name: 'providers', folders: ['providers'] },
  { name: 'auth', folders: ['auth'] },
  { name: 'audit', folders: ['audit'] },
  { name: 'infrastructure', folders: ['telemetry', 'database', 'redis'] },
  { name: 'config', folders: ['config'] },
  { name: 'common', folders: ['common'] },
];

const escape = (/** @type {string} */ text) => text.replace(/[.]/g, '\\.');
/** A path pattern for a folder (or top-level file) of src/. */
const pattern = (/** @type {string[]} */ folders) =>
  `^src/(${folders.map((folder) => (folder.endsWith('.ts') ? escape(folder) + '$' : `${folder}/`)).join('|')})`;

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layerRules = [];
LAYERS.forEach((layer, index) => {
  const above = LAYERS.slice(0, index).flatMap((upper) => upper.folders);
  if (above.length > 0) {
    layerRules.push({
      name: `no-upward-import-from-${layer.name}`,
      comment: `${layer.name} (${layer.folders.join(', ')}) may not import a layer above it`,
      severity: 'error',
      from: { path: pattern(layer.folders) },
      to: { path: pattern(above) },
    });
  }
  for (const folder of layer.folders) {
    const siblings = layer.folders.filter((other) => other !== folder);
    if (siblings.length === 0) continue;
    layerRules.push({
      name: `no-sibling-import-from-${folder.replace(/\.ts$/, '')}`,
      comment: `${folder} may not import its sibling(s) in layer ${layer.name}: move the shared piece down`,
      severity: 'error',
      from: { path: pattern([folder]) },
      to: { path: pattern(siblings) },
    });
  }
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-cycle',
      comment: 'no circular imports (also checked by ESLint import-x/no-cycle)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'common-imports-nothing-of-ours',
      comment: 'common/ is the floor: it imports only from itself and from packages',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^(src/(?!common/)|test/|bench/|scripts/|migrations/)' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench|scripts)/|\\.spec\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};

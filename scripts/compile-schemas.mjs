// Build step: compiles schemas/*.schema.json into standalone validators (dist/schemas/validators.cjs),
// so the CLI validates chain.yaml without loading and compiling Ajv on every run.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = new URL('..', import.meta.url);
const read = (name) => JSON.parse(readFileSync(new URL(`schemas/${name}`, root), 'utf8'));
const ajvOptions = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true, code: { source: true } };
const ajv = new Ajv(ajvOptions);
ajv.addSchema(read('layer.schema.json'));
ajv.addSchema(read('chain.schema.json'));
ajv.addSchema(read('policy.schema.json'));
const code = standaloneCode.default(ajv, {
  chain: 'https://chain.dev/schemas/chain.schema.json',
  layer: 'https://chain.dev/schemas/layer.schema.json',
  policy: 'https://chain.dev/schemas/policy.schema.json',
});
mkdirSync(new URL('dist/schemas/', root), { recursive: true });
writeFileSync(new URL('dist/schemas/validators.cjs', root), code);

// The .proto files of chain's BuildKit session and trace decoding go beside the compiled adapter.
cpSync(new URL('chain/adapters/buildkit/proto/', root), new URL('dist/chain/adapters/buildkit/proto/', root), { recursive: true, filter: (src) => !/\.[^/]+$/.test(src) || src.endsWith('.proto') });

// Enforces the dependency direction of DEVELOPERS.md:
//   protocols ← hardware ← terminal, protocols ← switch; terminal and switch never import each other;
//   protocols is pure (node's own modules only, no npm packages, no I/O modules).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
type Layer = 'protocols' | 'hardware' | 'terminal' | 'switch';

const allowedLayers: Record<Layer, Layer[]> = {
  protocols: ['protocols'],
  hardware: ['protocols', 'hardware'],
  terminal: ['protocols', 'hardware', 'terminal'],
  switch: ['protocols', 'switch'],
};
/** Node modules that do I/O or keep time: protocols/ is bytes in, values out. */
const impureNodeModules = ['fs', 'net', 'http', 'https', 'tls', 'dgram', 'child_process', 'worker_threads', 'timers', 'readline'];

function sourceFiles(dir: string): string[] {
  let files: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files = files.concat(sourceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) files.push(path);
  }
  return files;
}

export function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1]!);
  return specifiers;
}

/** The violations of one file's imports, as readable lines. */
export function violations(layer: Layer, file: string, specifiers: string[]): string[] {
  const found: string[] = [];
  for (const spec of specifiers) {
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec)).split(sep)[0] as Layer;
      if (!(target in allowedLayers)) found.push(`${relative(root, file)} imports ${spec} outside the layers`);
      else if (!allowedLayers[layer].includes(target)) found.push(`${relative(root, file)} (${layer}) imports ${target}: ${spec}`);
    } else if (layer === 'protocols') {
      const nodeModule = spec.startsWith('node:') ? spec.slice(5).split('/')[0]! : undefined;
      if (nodeModule === undefined) found.push(`${relative(root, file)} (protocols) imports a package: ${spec}`);
      else if (impureNodeModules.includes(nodeModule)) found.push(`${relative(root, file)} (protocols) does I/O through ${spec}`);
    }
  }
  return found;
}

describe('dependency direction', () => {
  for (const layer of Object.keys(allowedLayers) as Layer[]) {
    it(`${layer}/ imports only ${allowedLayers[layer].join(', ')}`, () => {
      const found = sourceFiles(join(root, layer)).flatMap((file) =>
        violations(layer, file, importsOf(readFileSync(file, 'utf8'))),
      );
      expect(found).toEqual([]);
    });
  }

  it('catches the violations it is meant to catch', () => {
    const file = join(root, 'terminal', 'x.ts');
    expect(violations('terminal', file, importsOf(`import { a } from '../switch/store.js';`))).toHaveLength(1);
    expect(violations('switch', join(root, 'switch', 'x.ts'), importsOf(`const h = await import('../hardware/a.js');`))).toHaveLength(1);
    expect(violations('protocols', join(root, 'protocols', 'x.ts'), importsOf(`import pino from 'pino';`))).toHaveLength(1);
    expect(violations('protocols', join(root, 'protocols', 'x.ts'), importsOf(`import { readFileSync } from 'node:fs';`))).toHaveLength(1);
    expect(violations('protocols', join(root, 'protocols', 'x.ts'), importsOf(`import { createCipheriv } from 'node:crypto';`))).toEqual([]);
    expect(violations('terminal', file, importsOf(`export * from '../protocols/tlv/index.js';`))).toEqual([]);
  });
});

#!/usr/bin/env node
// A solc-compatible command over the official solc-js build (npm "solc", pinned in
// package-lock.json). py-solc-x, brownie and slither call it exactly as they call a
// native solc: `--version` and `--standard-json` (input on stdin, output on stdout).
//
// Output is written with process.stdout.write and the process is left to end on its
// own: calling process.exit() straight after a write truncates piped output at 64 KiB.
'use strict';

const fs = require('fs');
const path = require('path');

const USAGE = 'usage: solc --version | solc --standard-json [--base-path P] [--include-path P]... [--allow-paths P,...]';

function fail(message) {
  process.stderr.write(`solc (solc-js wrapper): ${message}\n${USAGE}\n`);
  process.exitCode = 1;
}

function parseArgs(argv) {
  const opts = { mode: null, basePath: null, includePaths: [], allowPaths: [], unknown: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--version': opts.mode = opts.mode || 'version'; break;
      case '--standard-json': opts.mode = 'standard-json'; break;
      case '--base-path': opts.basePath = value(); break;
      case '--include-path': opts.includePaths.push(value()); break;
      case '--allow-paths': opts.allowPaths.push(...String(value()).split(',').filter(Boolean)); break;
      default: opts.unknown.push(arg);
    }
  }
  return opts;
}

// The directories an import may be read from, like native solc: the base path, the
// include paths and the allowed paths; plus the working directory and its node_modules,
// so `@openzeppelin/...` resolves without a remapping too.
function searchRoots(opts) {
  const cwd = process.cwd();
  const roots = [];
  if (opts.basePath) roots.push(path.resolve(opts.basePath));
  for (const p of opts.includePaths) roots.push(path.resolve(p));
  roots.push(cwd, path.join(cwd, 'node_modules'));
  return roots;
}

function allowedRoots(opts) {
  return [...searchRoots(opts), ...opts.allowPaths.map((p) => path.resolve(p))];
}

function isInside(file, root) {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function makeImportResolver(opts) {
  const roots = searchRoots(opts);
  const allowed = allowedRoots(opts);
  return function findImports(sourceUnitName) {
    const candidates = path.isAbsolute(sourceUnitName)
      ? [sourceUnitName]
      : roots.map((root) => path.join(root, sourceUnitName));
    for (const candidate of candidates) {
      const file = path.resolve(candidate);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) continue;
      if (!allowed.some((root) => isInside(file, root))) {
        return { error: `File outside of allowed directories: ${file}` };
      }
      return { contents: fs.readFileSync(file, 'utf8') };
    }
    return { error: `File not found. Searched: ${candidates.join(', ')}` };
  };
}

function loadCompiler() {
  // Resolve solc-js from the project first, then from next to this script.
  const here = path.dirname(fs.realpathSync(__filename));
  const projectRoot = process.env.HEITJE_ROOT || path.resolve(here, '..', '..');
  const paths = [process.cwd(), projectRoot, here];
  return require(require.resolve('solc', { paths }));
}

function nativeVersionText(solc) {
  // py-solc-x reads "Version: X.Y.Z+commit..." from this text, as native solc prints it.
  return `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`;
}

function readStdin() {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (err) {
    return '';
  }
}

function main(argv) {
  const opts = parseArgs(argv);
  if (opts.unknown.length) return fail(`unsupported arguments: ${opts.unknown.join(' ')}`);
  if (!opts.mode) return fail('nothing to do');
  let solc;
  try {
    solc = loadCompiler();
  } catch (err) {
    return fail(`cannot load solc-js (run "npm ci"): ${err.message}`);
  }
  if (opts.mode === 'version') {
    process.stdout.write(nativeVersionText(solc));
    return;
  }
  // Invalid JSON is reported by the compiler itself, inside its JSON output, as native solc does.
  const output = solc.compile(readStdin(), { import: makeImportResolver(opts) });
  process.stdout.write(output.endsWith('\n') ? output : output + '\n');
}

main(process.argv.slice(2));

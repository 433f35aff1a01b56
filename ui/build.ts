// Builds the analyst UI into ui/dist (git-ignored): one bundled, minified app.js plus the page and
// its stylesheet. Run by `npm run build:ui`, and by the test and start scripts before they need it.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export async function buildUi(outDir = here('./dist/')): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [here('./src/main.ts')],
    outfile: `${outDir}/app.js`,
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  await copyFile(here('./index.html'), `${outDir}/index.html`);
  await copyFile(here('./styles.css'), `${outDir}/styles.css`);
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = await buildUi();
  console.log(`[ui] built ${outDir}`);
}

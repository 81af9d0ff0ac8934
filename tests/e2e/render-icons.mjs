// Renders www/icons/icon.svg to the PNG sizes the web app manifest lists (Chromium installs an app
// only with raster icons of 192 and 512 px). Run after editing the SVG:
//   node tests/e2e/render-icons.mjs
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, root } from './harness.mjs';

const svg = await readFile(join(root, 'icons', 'icon.svg'), 'utf8');
const browser = await launch();
for (const size of [192, 512]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
  await page.screenshot({ path: join(root, 'icons', `icon-${size}.png`), omitBackground: true });
  await page.close();
}
await browser.close();

import { startServer, launch, openPage } from './harness.mjs';
const { server, origin } = await startServer();
const browser = await launch();
const { page } = await openPage(browser, origin, { hash: process.argv[2] ?? '', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
for (const id of ['chart-allocation', 'chart-contours', 'chart-isoflop']) await page.locator('#' + id).screenshot({ path: `/tmp/narrow-${id}.png` });
await page.locator('section.panel').first().screenshot({ path: '/tmp/narrow-budget.png' });
await browser.close(); server.close();

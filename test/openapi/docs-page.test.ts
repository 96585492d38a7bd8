/**
 * /docs as a reader sees it (issue 18, item 4), in a real Chromium: every door is a section of its
 * own, one per tag of the document in its order, and "Try it out" pre-fills the document's example,
 * which the server accepts when executed from the page with a key given to "Authorize". Skipped
 * without Chromium (as test/console is), failing instead under CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';
import { TAGS } from '../../src/http/openapi.ts';
import { REQUEST_EXAMPLES } from '../../src/http/openapi-examples.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP = !HAVE_CHROMIUM && !process.env.CI ? `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)` : false;

describe('/docs in Chromium', () => {
  const t = useListeningApp(DATABASES[0]!, { edge: { keepAliveTimeoutMs: 60_000 } });
  let browser: Browser | undefined;
  before(async () => {
    if (SKIP) return;
    if (!HAVE_CHROMIUM) throw new Error(`CI is set but there is no Chromium at ${CHROMIUM}: .ci/run installs the chromium package.`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => void (await browser?.close()));

  test('every door grouped by tag; Try it out pre-fills an example the server accepts', { skip: SKIP, timeout: 120_000 }, async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const outside: string[] = [];
    page.on('request', (request) => void (!request.url().startsWith(t.base) && !request.url().startsWith('data:') && outside.push(request.url())));
    await page.goto(`${t.base}/docs/`);

    const headings = page.locator('.opblock-tag-section h3.opblock-tag');
    await headings.first().waitFor();
    const tags = await headings.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-tag')));
    assert.deepEqual(tags, TAGS.map((tag) => tag.name), 'one section per tag, in the order of TAGS');

    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input').first().fill(TEST_ADMIN_KEY);
    await page.locator('.modal-ux button.authorize').click();
    await page.locator('.modal-ux button.close-modal').click();

    const operation = page.locator('[id$="-users_create"]').first();
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    const body = operation.locator('textarea.body-param__text');
    assert.deepEqual(JSON.parse(await body.inputValue()), REQUEST_EXAMPLES.users_create, 'the pre-filled body is the example');
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    assert.equal((await status.textContent())?.trim(), '201', await operation.locator('.live-responses-table').textContent() ?? '');
    assert.deepEqual(outside, [], 'the page fetches nothing from elsewhere');
    assert.deepEqual(problems, []);
    await context.close();
  });
});

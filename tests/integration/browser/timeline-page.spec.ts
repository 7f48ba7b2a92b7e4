import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { CHROMIUM, CHROMIUM_ARGS } from '../../support/chromium';
import { TestSystem } from '../../support/system';

const ROOT = join(__dirname, '../../..');
const C = 'coalition-against-isis';
const ARTIFACTS = join(ROOT, 'tests/artifacts');
const missing = process.env.ANNALS_CHROMIUM_MISSING;
if (missing) console.warn(`\n\n!!! BROWSER TESTS SKIPPED: ${missing}\n\n`);

(missing ? describe.skip : describe)('the timeline page, in Chromium', () => {
  let db: TestDatabase;
  let system: TestSystem;
  let browser: Browser;
  let page: Page;
  const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    const seed = readFileSync(join(ROOT, 'data/seed/coalition-against-isis.ndjson'), 'utf8').trim().split('\n');
    // a report whose text tries to inject script into the page
    const injection = {
      id: 'hostile-report',
      type: 'stance.declared',
      occurredAt: '2014-09-10',
      source: { publisher: hostile, url: 'https://example.org/"><script>window.__xss=3</script>', publishedAt: '2015-12-09', title: hostile },
      data: { country: 'IR', subject: hostile, stance: 'condemns', coalitionId: C },
    };
    await produce(system.topics.KAFKA_TOPIC, [...seed, JSON.stringify(injection)].map((value) => ({ key: C, value })));
    await system.caughtUp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
    page.on('dialog', (dialog) => void dialog.dismiss());
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
    await db?.drop();
  });

  const ready = () => page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
  const historyCountries = () => page.$$eval('#history tbody tr', (rows) => rows.map((r) => r.getAttribute('data-country')));

  it('draws a bar per member, lists the members at the cursor exactly as the API does, and vanishes what was not yet published', async () => {
    await page.goto(`${system.baseUrl}/?coalition=${C}&at=2014-10-08`);
    await ready();
    // the bars, through their text alternative
    const countries = await historyCountries();
    for (const country of ['US', 'FR', 'DK', 'GB', 'SA', 'QA']) expect(countries).toContain(country);
    const us = await page.$$eval('#history tbody tr[data-country="US"] td', (cells) => cells.map((c) => c.textContent));
    expect(us[0]).toBe('2014-08-08');
    // the canvas has drawn something: non-white pixels where the bars are
    const chart = await page.$('#chart canvas');
    expect(chart).not.toBeNull();

    // the member table at the cursor is GET /coalitions/{id}?at=
    const api = await system.get<{ members: Array<{ country: string }> }>(`/coalitions/${C}?at=2014-10-08`);
    await page.waitForFunction(() => document.body.dataset.members !== undefined);
    expect(await page.evaluate(() => document.body.dataset.members)).toBe(api.body.members.map((m) => m.country).join(','));
    expect(await page.$$eval('#members tbody tr', (rows) => rows.length)).toBe(13);

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'timeline.png');
    await page.screenshot({ path: screenshot, fullPage: false });
    console.log(`timeline page screenshot: ${screenshot}`);

    // known at: the day before the article -- the keyboard takes the slider there
    await page.fill('#known-at-date', '2015-12-08');
    await page.dispatchEvent('#known-at-date', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length === 0, undefined, { timeout: 30_000 });
    await ready();
    expect(await historyCountries()).toEqual([]);
    expect(await page.$$eval('#members tbody tr', (rows) => rows.length)).toBe(0);
    expect(await page.textContent('#members-caption')).toMatch(/0 member\(s\) .* as known at 2015-12-08/);
    const before = join(ARTIFACTS, 'timeline-known-2015-12-08.png');
    await page.screenshot({ path: before });
    console.log(`timeline page, known at 2015-12-08: ${before}`);

    // and back with the slider, by keyboard: End moves it to now
    await page.focus('#known-at');
    await page.keyboard.press('End');
    await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length > 0, undefined, { timeout: 30_000 });
    expect(await historyCountries()).toContain('FR');
  });

  it('shows text from reports as text: no script from a report runs', async () => {
    await page.goto(`${system.baseUrl}/?coalition=${C}`);
    await ready();
    // open every tooltip-bearing element the page renders from report text: the facts panel
    await page.click('#members tbody tr[data-country="FR"] button');
    await page.waitForSelector('#details li');
    const injected = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: number }).__xss,
      images: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
    }));
    expect(injected.xss).toBeUndefined();
    expect(injected.images).toBe(0);
    expect(injected.scripts).toEqual(['/assets/echarts.min.js', '/timeline.js']);
    // the hostile stance is on the timeline data the page uses, as plain text in its tooltip
    const tooltip = await page.evaluate(async () => {
      const response = await fetch('/coalitions/coalition-against-isis/timeline');
      const body = (await response.json()) as { items: Array<{ reportId: string; publisher: string }> };
      return body.items.find((i) => i.reportId === 'hostile-report')!.publisher;
    });
    expect(tooltip).toBe(hostile);
  });

  it('keyboard reaches every control', async () => {
    await page.goto(`${system.baseUrl}/?coalition=${C}`);
    await ready();
    const reached = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
      if (id) reached.add(id);
    }
    for (const control of ['coalition', 'known-at', 'known-at-date', 'cursor', 'chart']) expect(reached).toContain(control);
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// Debian's Chromium driven by playwright-core (never a downloaded browser), and what the browser tests check on
// every page: axe-core, the focus ring, errors in the console.

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // playwright gives every launch a fresh --user-data-dir of its own
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Everything the browser logs as an error, and every script error, on any page of a context: a missing favicon, a
 * script or style that failed or was blocked. Only the status of the page itself is left out: Chromium logs a 4xx
 * document (an error page, which must keep its 4xx status) as a resource that failed to load.
 */
export function consoleErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const ownStatus = /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text());
      if (ownStatus && msg.location().url === page.url()) return;
      errors.push(`${page.url()}: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return errors;
}

const AXE = readFileSync(join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now, as `rule: target` lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the pages' CSP (no inline script) does not govern.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
    type AxeResults = { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

interface FocusStop {
  element: string;
  outline: string;
  width: number;
  contrast: number;
}

/**
 * Tabs through the page from the top and reports each control that gets focus, with its focus ring: width and
 * contrast of the outline against what is behind it (WCAG 2.2 2.4.13 asks for 2px and 3:1). Ends when focus
 * comes back round.
 */
export async function tabThrough(page: Page): Promise<FocusStop[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const stops: FocusStop[] = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (el === null || el === document.body) return null;
      const rgb = (text: string) => (text.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
        const c = [r, g, b].map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
      };
      // The ring is drawn outside the control (offset), on the first ancestor with a background of its own.
      let behind = 'rgb(255, 255, 255)';
      for (let p = el.parentElement; p !== null; p = p.parentElement) {
        const bg = getComputedStyle(p).backgroundColor;
        const parts = rgb(bg);
        if (parts.length === 3 || (parts.length === 4 && parts[3]! > 0)) {
          behind = bg;
          break;
        }
      }
      const style = getComputedStyle(el);
      const [a, b] = [luminance(rgb(style.outlineColor)), luminance(rgb(behind))];
      // Its place in the document tells two "Copy" buttons apart.
      const place = Array.from(document.getElementsByTagName('*')).indexOf(el);
      const label = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}" @${place}`;
      return {
        element: label,
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      };
    });
    if (stop === null) break;
    if (stops.some((s) => s.element === stop.element)) break;
    stops.push({ element: stop.element, outline: stop.outline, width: stop.width, contrast: stop.contrast });
  }
  return stops;
}

/** Asserts that every control reached with Tab shows a ring of at least 2px at 3:1 contrast. */
export async function assertFocusRings(page: Page, atLeast: number): Promise<void> {
  const stops = await tabThrough(page);
  assert.ok(stops.length >= atLeast, `${stops.length} controls reached with Tab on ${page.url()}`);
  for (const s of stops) {
    assert.notEqual(s.outline, 'none', `${s.element} shows a focus ring`);
    assert.ok(s.width >= 2, `${s.element}: focus ring ${s.width}px`);
    assert.ok(s.contrast >= 3, `${s.element}: focus ring contrast ${s.contrast.toFixed(2)}:1`);
  }
}

/** Saves a PNG of the page when SCREENSHOTS names a folder (for a person to look at; nothing is asserted). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** True when the page can be scrolled sideways (something is wider than the viewport). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

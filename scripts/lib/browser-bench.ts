/**
 * Drives `bench.html` in Debian's Chromium: builds the app (unless told not to), serves it with
 * `vite preview` (cross-origin isolated, so wasm gets its threads), opens the page and returns its rows.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import type { BrowserBenchRow } from '../../src/bench/bench.worker';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export interface BrowserBenchOptions {
  backends: string[];
  pools?: ('tfjs' | 'per-core')[];
  cases?: string[] | null;
  port?: number;
  build?: boolean;
  timeoutMs?: number;
  log?: (line: string) => void;
}

async function waitForServer(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with ${server.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`vite preview did not answer at ${url} within ${timeoutMs} ms`);
}

export async function runBrowserBench(options: BrowserBenchOptions): Promise<BrowserBenchRow[]> {
  const log = options.log ?? console.log;
  const port = options.port ?? 4390;
  if (options.build ?? true) {
    log('building the app and bench page (vite build)');
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
  const server = spawn(
    'npx',
    ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    {
      stdio: 'ignore',
      detached: true,
    },
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }).catch((e) => {
    if (server.pid) process.kill(-server.pid);
    throw e;
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(`${base}/bench.html`, server, 30_000);
    const q = new URLSearchParams({ backends: options.backends.join(',') });
    if (options.pools) q.set('pools', options.pools.join(','));
    if (options.cases) q.set('cases', options.cases.join(','));
    const page = await browser.newPage();
    let printed = 0;
    const timer = setInterval(async () => {
      const text = await page
        .locator('#log')
        .textContent()
        .catch(() => null);
      const lines = (text ?? '').split('\n').filter(Boolean);
      for (const line of lines.slice(printed)) log(`chromium: ${line}`);
      printed = Math.max(printed, lines.length);
    }, 1000);
    try {
      await page.goto(`${base}/bench.html?${q}`);
      await page.waitForFunction(() => window.benchResult, null, { timeout: options.timeoutMs ?? 1_200_000 });
      const result = await page.evaluate(() => window.benchResult);
      if (!result?.ok)
        throw new Error(`the bench page failed: ${result && !result.ok ? result.error : 'no result'}`);
      return result.rows;
    } finally {
      clearInterval(timer);
    }
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
}

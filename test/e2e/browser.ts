/**
 * A real browser for the console's tests: Debian's `chromium` driven by
 * playwright-core. Never a downloaded browser. When /usr/bin/chromium is
 * missing it is installed with apt-get when running as root (as CI does);
 * otherwise the tests fail naming the one command that fixes it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get install -y chromium';

export function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium with \`sudo ${INSTALL}\``);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${INSTALL} did not install ${CHROMIUM}`);
}

/**
 * Chromium headless with no background network of its own. playwright-core
 * gives every launch a fresh temporary profile (it refuses a
 * --user-data-dir argument) and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where the tests save screenshots (test artifacts; the README's come from here). */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', '.build', 'console');

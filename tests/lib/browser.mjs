// Debian's chromium for the browser tests and make screenshots: launched
// the same way everywhere (no sandbox inside containers, nothing fetched
// from Google's services), and where screenshots go.
import { chromium } from 'playwright-core';

export const SHOTS = process.env.DRIVE_TEST_SCREENSHOTS
  || `${process.env.DRIVE_TEST_WORK}/screenshots`;

export async function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      ...extraArgs],
  });
}

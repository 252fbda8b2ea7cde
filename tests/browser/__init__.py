"""Browser end-to-end tests: the built web app in Debian's Chromium, driven by Playwright."""

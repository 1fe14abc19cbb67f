// The console as a person uses it: navigation, themes, phone width.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, suite } from "./harness.mjs";

const env = suite();

const PAGES = [
  { link: "Tables", heading: "Tables", path: "tables", notBuilt: false },
  { link: "Functions", heading: "Functions", path: "functions", notBuilt: false },
  { link: "APIs", heading: "APIs", path: "apis", notBuilt: false },
  { link: "Storage", heading: "Storage", path: "storage", notBuilt: true },
  { link: "CDN", heading: "CDN", path: "cdn", notBuilt: true },
  { link: "Logs and metrics", heading: "Logs and metrics", path: "logs", notBuilt: true },
  { link: "Settings", heading: "Settings", path: "settings", notBuilt: false },
  { link: "Dashboard", heading: "Dashboard", path: "", notBuilt: false },
];

test("the navigation reaches every page and deep links load", async () => {
  const { context, page } = await openPage(env.browser, { colorScheme: "light" });
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  const header = page.locator("header.topbar");
  assert.match(await header.innerText(), /Stratus/);
  assert.match(await header.innerText(), /us-east-1/);
  await shot(page, "dashboard");

  const nav = page.getByRole("navigation", { name: "Services" });
  for (const p of PAGES) {
    await nav.getByRole("link", { name: p.link, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: p.heading, exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/stratus/" + p.path);
    const current = nav.locator('a[aria-current="page"]');
    assert.equal(await current.innerText(), p.link, "the current page is marked in the navigation");
    assert.equal(await page.getByRole("heading", { name: "Not built yet" }).isVisible(), p.notBuilt, `${p.link}: says whether it is built`);
    if (p.path) await shot(page, p.path);
  }

  // A deep link loads the app directly (the static host answers with 404.html).
  await page.goto(env.server.url + "functions");
  await page.getByRole("heading", { level: 1, name: "Functions" }).waitFor();

  // An unknown console path says so.
  await page.goto(env.server.url + "no/such/page");
  await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
  await page.getByRole("link", { name: "Go to the dashboard" }).click();
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  page.assertNoErrors();
  await context.close();
});

test("the theme toggle switches light and dark and is remembered", async () => {
  const { context, page } = await openPage(env.browser, { colorScheme: "light" });
  await page.goto(env.server.url);
  const toggle = page.getByRole("button", { name: /^Theme:/ });
  await toggle.waitFor();
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();

  while ((await toggle.innerText()) !== "Theme: dark") await toggle.click();
  assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
  const dark = await background();
  assert.notEqual(dark, light, "dark theme changes the page colours");
  await shot(page, "dashboard-dark");

  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  assert.equal(await page.locator("html").getAttribute("data-theme"), "dark", "the choice survives a reload");
  assert.equal(await background(), dark);

  // "system" follows the operating system's preference.
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("radio", { name: "system" }).check();
  assert.equal(await page.locator("html").getAttribute("data-theme"), "system");
  assert.equal(await background(), light);
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal(await background(), dark);
  await shot(page, "settings-dark");
  page.assertNoErrors();
  await context.close();
});

test("at phone width the navigation is a drawer", async () => {
  const { context, page } = await openPage(env.browser, { viewport: { width: 390, height: 844 }, colorScheme: "light" });
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  const nav = page.getByRole("navigation", { name: "Services" });
  assert.equal(await nav.isVisible(), false, "navigation starts closed");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
  await shot(page, "phone-dashboard");

  await page.getByRole("button", { name: "Menu" }).click();
  await nav.waitFor({ state: "visible" });
  await shot(page, "phone-menu");
  await nav.getByRole("link", { name: "Functions" }).click();
  await page.getByRole("heading", { level: 1, name: "Functions" }).waitFor();
  await nav.waitFor({ state: "hidden" });
  await shot(page, "phone-functions");
  page.assertNoErrors();
  await context.close();
});

/**
 * For tests that open figures in a real browser: a page script (for playwright's `addInitScript`)
 * that counts how many times plotly.js ran in the page, in `window.__plotlyRuns`. Each run of
 * plotly.min.js assigns `window.Plotly`; the count is what shows a second load, since Chromium
 * serves concurrent loads of one URL from one request. A string, not a function: tsx would wrap a
 * function's inner functions in a `__name` helper that does not exist in the page.
 * @example await page.addInitScript(COUNT_PLOTLY_RUNS); ...; await page.evaluate("window.__plotlyRuns") // 1
 */
export const COUNT_PLOTLY_RUNS = `(() => {
  let plotly;
  window.__plotlyRuns = 0;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get() { return plotly; },
    set(value) { window.__plotlyRuns++; plotly = value; },
  });
})();`;

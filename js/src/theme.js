/**
 * Light or dark: the `theme` trait says `light`, `dark`, or `auto`, which follows JupyterLab's
 * theme (`data-jp-theme-light` on the body) and, outside JupyterLab (classic notebook, VS Code,
 * a plain page), the system's colour scheme.
 */

/**
 * @param {string | null | undefined} pref the `theme` trait
 * @param {{jpLight?: string | null, prefersDark?: boolean}} env what the page says
 * @returns {"light" | "dark"}
 */
export function resolveTheme(pref, env) {
  if (pref === "light" || pref === "dark") return pref;
  if (env.jpLight === "true") return "light";
  if (env.jpLight === "false") return "dark";
  return env.prefersDark ? "dark" : "light";
}

/** What the page says about its theme now. */
export function pageTheme() {
  const body = document.body;
  return {
    jpLight: body?.dataset.jpThemeLight ?? null,
    prefersDark: Boolean(window.matchMedia?.("(prefers-color-scheme: dark)").matches),
  };
}

/**
 * Call `onChange` whenever the page's theme may have changed.
 * @param {() => void} onChange
 * @returns {() => void} stops watching
 */
export function watchPageTheme(onChange) {
  const obs = new MutationObserver(onChange);
  if (document.body) obs.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  const mq = window.matchMedia?.("(prefers-color-scheme: dark)");
  mq?.addEventListener?.("change", onChange);
  return () => {
    obs.disconnect();
    mq?.removeEventListener?.("change", onChange);
  };
}

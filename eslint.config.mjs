// Lint rules: typescript-eslint's recommended type-aware set, no `any` holes in the public API.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The stages of lib/ and what each may import (besides itself). Imports flow one way; a backwards
// import fails the lint with the rule's message. lib/index.ts lists the same order for readers.
const CHAIN = [
  "core",
  "net",
  "packets",
  "flows",
  "protocols",
  "simulate",
  "datasets",
  "features",
  "detectors",
];
const upTo = (stage) => CHAIN.slice(0, CHAIN.indexOf(stage));
const STAGES = {
  ...Object.fromEntries(CHAIN.map((stage) => [stage, upTo(stage)])),
  eval: [...CHAIN, "events", "detections", "model", "sources", "monitor"],
  plots: [...CHAIN, "events", "detections", "model", "eval"],
  report: [...CHAIN, "events", "detections", "model", "eval", "plots"],
  events: ["core"],
  detections: [...CHAIN, "events"],
  model: [...CHAIN, "events", "detections"],
  sources: [...upTo("detectors"), "events"],
  monitor: [...CHAIN, "events", "detections", "model", "sources"],
};
const ALL_STAGES = [...Object.keys(STAGES), "cli", "testing"];
// Tests beside a stage may also import lib/testing (shared fixtures) and build their fixtures with
// later stages (a monitor test fits a bundle); lib/testing is never imported by library code.
const boundaries = [
  ...Object.entries(STAGES).flatMap(([stage, allowed]) => [
    restrict(stage, allowed, [`lib/${stage}/**/*.ts`], [`lib/${stage}/**/*.test.ts`]),
    restrict(stage, [...Object.keys(STAGES), "testing"], [`lib/${stage}/**/*.test.ts`], []),
  ]),
  restrict("cli", [...Object.keys(STAGES)], ["lib/cli/**/*.ts"], []),
];
/**
 * The rules of one folder: `import` / `export ... from` through no-restricted-imports, and
 * `require(...)`, `import(...)` and `import x = require(...)` through no-restricted-syntax, with one
 * pattern: a path that climbs out of the folder (`../`, after any `./`) into a stage not allowed.
 * (esquery's regular expressions cannot hold a `/`: it is written `\u002F` there.)
 */
function restrict(stage, allowed, files, ignores) {
  const banned = ALL_STAGES.filter((s) => s !== stage && !allowed.includes(s));
  const stagePattern = `^(\\./)*(\\.\\./)+(\\./)*(${banned.join("|")})(/|$)`;
  const surfacePattern = "^(\\./)*(\\.\\./)+index$|^@detective/lib";
  const stageMessage = `lib/${stage} may import only ${allowed.length ? allowed.join(", ") : "nothing outside itself"} (the one-way order of lib/index.ts).`;
  const surfaceMessage = "Inside lib/, import the module itself, not the public surface.";
  const syntax = (pattern, message) => {
    const re = pattern.replaceAll("/", "\\u002F");
    return [
      { selector: `CallExpression[callee.name='require'] > Literal.arguments[value=/${re}/]`, message },
      { selector: `ImportExpression > Literal.source[value=/${re}/]`, message },
      { selector: `TSExternalModuleReference > Literal[value=/${re}/]`, message },
    ];
  };
  return {
    files,
    ignores,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...(banned.length ? [{ regex: stagePattern, message: stageMessage }] : []),
            { regex: surfacePattern, message: surfaceMessage },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        ...(banned.length ? syntax(stagePattern, stageMessage) : []),
        ...syntax(surfacePattern, surfaceMessage),
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "data/**",
      "figures/**",
      "report/**",
      "bench/results/**",
      "notebooks/**",
      ".cache/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { project: ["./tsconfig.json"], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // The library loads heavy optional modules (danfojs, TensorFlow backends) lazily with require.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  // node:test's describe/test return promises the runner tracks itself.
  { files: ["**/*.test.ts"], rules: { "@typescript-eslint/no-floating-promises": "off" } },
  ...boundaries,
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
  },
);

// Builds dist/chromium and dist/firefox from the one manifest, then zips each with web-ext.
// The content scripts' matches come from the site adapters (src/extract/sites.js).
//   node scripts/build.mjs            -> dist/chromium.zip, dist/firefox.zip
//   node scripts/build.mjs --no-zip   -> only the two folders (used by `npm run lint`)
//   node scripts/build.mjs --manifest -> rewrite manifest.json's matches after adding a site
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { withSiteMatches } from "./sites.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const zip = !process.argv.includes("--no-zip");
const base = withSiteMatches(JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")));

if (process.argv.includes("--manifest")) {
  // The unpacked extension (extension/ itself) loads manifest.json as it is.
  writeFileSync(join(root, "manifest.json"), JSON.stringify(base, null, 2) + "\n");
  console.log("wrote manifest.json");
  process.exit(0);
}

const targets = {
  chromium(m) {
    m.background = { service_worker: m.background.service_worker, type: m.background.type };
    delete m.browser_specific_settings;
    return m;
  },
  firefox(m) {
    m.background = { scripts: m.background.scripts, type: m.background.type };
    delete m.minimum_chrome_version;
    return m;
  },
};

mkdirSync(dist, { recursive: true });
for (const [name, adapt] of Object.entries(targets)) {
  const out = join(dist, name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const part of ["src", "icons"]) cpSync(join(root, part), join(out, part), { recursive: true });
  const manifest = adapt(structuredClone(base));
  writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  if (zip) {
    const bin = join(root, "node_modules", ".bin", "web-ext");
    const run = spawnSync(bin, ["build", "--source-dir", out, "--artifacts-dir", dist, "--filename", `${name}.zip`, "--overwrite-dest"], {
      stdio: "inherit",
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  console.log(`built ${out}${zip ? ` and dist/${name}.zip` : ""}`);
}

// Builds the playground's page into dist/: app.js (the page's code with CodeMirror,
// bundled and minified by esbuild), app.css and index.html. The output depends only on
// the sources and the locked package versions, so `.ci/run` can rebuild it and compare
// it with the committed files, which the `lox` binary embeds.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("dist", { recursive: true });
await esbuild.build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  charset: "utf8",
  loader: { ".potato": "text", ".lox": "text" },
  outfile: "dist/app.js",
  logLevel: "warning",
});
copyFileSync("src/style.css", "dist/app.css");
copyFileSync("src/index.html", "dist/index.html");

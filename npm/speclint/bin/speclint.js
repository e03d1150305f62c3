#!/usr/bin/env node
// Runs the speclint binary of this platform's package (@speclint/cli-<platform>-<arch>), the
// pattern biome and esbuild use: npm installs only the optional dependency that matches the
// machine. SPECLINT_BINARY points at another binary.
"use strict";

const { spawnSync } = require("child_process");
const fs = require("fs");

function isMusl() {
  if (process.platform !== "linux") return false;
  try {
    const report = process.report && process.report.getReport();
    const glibc = report && report.header && report.header.glibcVersionRuntime;
    return !glibc;
  } catch (error) {
    return fs.existsSync("/etc/alpine-release");
  }
}

function packageName() {
  const platform = process.platform;
  const arch = process.arch;
  if (platform === "linux" && arch === "x64" && isMusl()) return "@speclint/cli-linux-x64-musl";
  return `@speclint/cli-${platform}-${arch}`;
}

function binaryPath() {
  if (process.env.SPECLINT_BINARY) return process.env.SPECLINT_BINARY;
  const name = packageName();
  const executable = process.platform === "win32" ? "speclint.exe" : "speclint";
  try {
    return require.resolve(`${name}/bin/${executable}`);
  } catch (error) {
    console.error(
      `speclint: no binary for ${process.platform}-${process.arch} (${name} is not installed).\n` +
        "Reinstall without --no-optional / --omit=optional, or install speclint with pip or cargo."
    );
    process.exit(2);
  }
}

const result = spawnSync(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  console.error(`speclint: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status === null ? 2 : result.status);

#!/usr/bin/env sh
# Copy the browser libraries installed by npm (package-lock.json pins them) into static/vendor/,
# with their licences, so that Django serves them locally: no CDN, no internet needed.
set -eu
cd "$(dirname "$0")/.."
rm -rf static/vendor
mkdir -p static/vendor/echarts static/vendor/htmx
cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE static/vendor/echarts/
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE static/vendor/htmx/
echo "static/vendor: echarts $(node -p 'require("./node_modules/echarts/package.json").version' 2>/dev/null || echo '?'), htmx $(node -p 'require("./node_modules/htmx.org/package.json").version' 2>/dev/null || echo '?')"

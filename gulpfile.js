const { src, dest } = require('gulp');

/** tsc does not copy icons: without this step n8n shows nodes and credentials without them. */
function copyIcons() {
  return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports['build:icons'] = copyIcons;

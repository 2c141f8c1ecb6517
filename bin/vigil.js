#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm run build).
import '../dist/cli/bin.js';

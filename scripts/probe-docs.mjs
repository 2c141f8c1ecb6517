#!/usr/bin/env node
// Writes docs/PROBES.md from the probe registry (run after npm run build).
import { writeFileSync } from 'node:fs';
import { probesMarkdown } from '../dist/oval/probes/docs.js';
import { PROBES } from '../dist/oval/probes/registry.js';

writeFileSync(new URL('../docs/PROBES.md', import.meta.url), probesMarkdown(PROBES));

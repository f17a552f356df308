// Preloaded into a measured process (`node --import …/max-rss.js`): when the process exits, its peak resident
// memory (KiB, from getrusage) is written to the file MAX_RSS_FILE names. Nothing else changes in the process.
import { writeFileSync } from 'node:fs';

const file = process.env.MAX_RSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
}

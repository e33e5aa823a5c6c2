// `next build` leaves the static assets and public/ outside .next/standalone; the standalone server serves
// them from beside itself, so they are copied in (as the Dockerfile does) to make `npm start` complete.
import { cpSync, existsSync, rmSync } from 'node:fs';

const standalone = '.next/standalone';
if (!existsSync(`${standalone}/server.js`)) {
  console.error('standalone-assets: .next/standalone/server.js is missing (is output: "standalone" set?)');
  process.exit(1);
}
rmSync(`${standalone}/.next/static`, { recursive: true, force: true });
cpSync('.next/static', `${standalone}/.next/static`, { recursive: true });
if (existsSync('public')) cpSync('public', `${standalone}/public`, { recursive: true });
console.log('standalone-assets: copied .next/static and public/ into .next/standalone');

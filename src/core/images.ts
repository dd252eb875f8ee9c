/**
 * Container-image functions (PackageType Image, docs/images.md) as the data plane sees them: what
 * a function version records about its image, and the one thing the sandbox needs from the
 * registry, the image's unpacked root. The registry (src/registry) implements `ImageRoots`; the
 * composition root hands it to the invoker, which never imports the registry itself.
 */

/** The image's own settings (its config's ENTRYPOINT, CMD, ENV, WORKDIR), read at create/update. */
export interface ImageRunConfig {
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
  /** `KEY=value` entries, as the image config has them. */
  env?: string[] | undefined;
  workdir?: string | undefined;
}

/** ImageConfig: the function's overrides of the image's settings. */
export interface ImageOverrides {
  entryPoint?: string[] | undefined;
  command?: string[] | undefined;
  workingDirectory?: string | undefined;
}

/** What a function version records about its image (FunctionVersion.image). */
export interface ImageCode {
  /** Code.ImageUri as given. */
  uri: string;
  /** `<repository>@sha256:...`: the digest the URI's tag pointed at when the code was set. */
  resolvedUri: string;
  /** The digest ResolvedImageUri names (a manifest, or an index for multi-architecture images). */
  digest: string;
  /** The single-platform manifest the sandbox runs (the index's entry for this host's architecture). */
  manifestDigest: string;
  config: ImageRunConfig;
  overrides?: ImageOverrides | undefined;
}

/** The argv, working directory and image environment a sandbox of `image` starts with. */
export function imageLaunch(image: ImageCode): { argv: string[]; workdir: string; env: Record<string, string> } {
  const o = image.overrides ?? {};
  const entrypoint = o.entryPoint ?? image.config.entrypoint ?? [];
  // As with docker run: a new ENTRYPOINT drops the image's CMD unless a command is given too.
  const cmd = o.command ?? (o.entryPoint ? [] : (image.config.cmd ?? []));
  const env: Record<string, string> = {};
  for (const e of image.config.env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return { argv: [...entrypoint, ...cmd], workdir: o.workingDirectory || image.config.workdir || '/', env };
}

/** The handler Lambda reports for an image function: its CMD's first word (the base images' handler). */
export function imageHandler(image: ImageCode): string {
  const o = image.overrides ?? {};
  const cmd = o.command ?? (o.entryPoint ? [] : (image.config.cmd ?? []));
  return cmd[0] ?? '';
}

/** Unpacks an image once and hands its read-only root directory to sandboxes. */
export interface ImageRoots {
  rootfs(image: ImageCode): Promise<string>;
}

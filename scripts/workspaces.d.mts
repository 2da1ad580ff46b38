/** Types of scripts/workspaces.mjs, for the TypeScript tests that use it. */
export function productionWorkspaces(root: string, name?: string): string[];
export function installOffline(root: string, dir: string, workspaces: readonly { dir: string; tarball: string }[], options?: { as?: string; npmArgs?: string[] }): void;

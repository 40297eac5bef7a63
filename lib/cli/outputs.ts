/**
 * Checks of the files and folders a command will write, made before any work (a study runs for
 * minutes before it writes its results): the one rule for every command is that Detective creates
 * the file or folder the user named, never the folders above it, so a mistyped path fails at once
 * with one line naming it instead of a stack trace at the end or a folder tree nobody asked for.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, systemError } from "../core/errors";

/** The folder that will hold `path`: it must exist and be a folder, and be writable when `create`. */
function checkParent(where: string, path: string, create: boolean): void {
  const parent = dirname(resolve(path));
  let isFolder: boolean;
  try {
    isFolder = statSync(parent).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ConfigError(
        `${where} ${path}: folder ${parent} does not exist; create it (mkdir -p ${parent}) or choose another path.`,
      );
    if (code === "ENOTDIR")
      throw new ConfigError(
        `${where} ${path}: a file stands where a folder of ${parent} should be; choose another path.`,
      );
    throw systemError(err, `${where}: cannot write`, path);
  }
  if (!isFolder)
    throw new ConfigError(`${where} ${path}: ${parent} is a file, not a folder; choose another path.`);
  if (!create) return;
  try {
    accessSync(parent, constants.W_OK);
  } catch (err) {
    throw systemError(err, `${where} ${path}: cannot create files in`, parent);
  }
}

/** What is at `path`: "file", "folder", "other", or undefined when nothing is. */
function kindOf(path: string): "file" | "folder" | "other" | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "folder" : stat.isFile() ? "file" : "other";
  } catch {
    return undefined;
  }
}

/**
 * Checks a file the command will create or replace: not a folder, in an existing writable folder,
 * and writable itself when it exists.
 * @throws ConfigError (a folder, a missing folder) or PermissionError, naming the path and what to do.
 * @example checkOutputFile("train --out", "models/b.json")
 */
export function checkOutputFile(where: string, path: string): void {
  const kind = kindOf(path);
  if (kind === "folder")
    throw new ConfigError(
      `${where} ${path} is a folder; give the path of a file (e.g. ${path.replace(/\/+$/, "")}/NAME).`,
    );
  checkParent(where, path, kind === undefined);
  if (kind !== undefined) {
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      throw systemError(err, `${where}: cannot write`, path);
    }
  }
}

/**
 * Checks a folder the command will write into (and create when missing): not a file, writable, and
 * inside an existing folder when it is to be created.
 * @throws ConfigError or PermissionError, naming the path and what to do.
 */
export function checkOutputFolder(where: string, path: string): void {
  const kind = kindOf(path);
  if (kind === undefined) return checkParent(where, path, true);
  if (kind !== "folder")
    throw new ConfigError(
      `${where} ${path} is a file, not a folder; give a folder (it is created if missing).`,
    );
  try {
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw systemError(err, `${where}: cannot write into`, path);
  }
}

/**
 * Checks of the files and folders a command will write, made before any work (a study runs for
 * minutes before it writes its results): the one rule for every command is that Detective creates
 * the file or folder the user named, never the folders above it, so a mistyped path fails at once
 * with one line naming it instead of a stack trace at the end or a folder tree nobody asked for.
 * And a file is written only as a regular file on a disk: a FIFO, a device, or a path on /proc,
 * /sys or /dev is refused here, before the work, as the write itself (`core/outputFile`) would.
 */
import { accessSync, constants, lstatSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, systemError } from "../core/errors";
import { checkOutputFileSystem, checkOutputTarget } from "../core/outputFile";

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

/**
 * What is at `path`: "file", "folder", "link" (a symbolic link to anything but a folder: it is
 * replaced, not followed), "other", or undefined when nothing is.
 */
function kindOf(path: string): "file" | "folder" | "link" | "other" | undefined {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return "folder";
  } catch {
    // a dangling link, or nothing: lstat tells
  }
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? "link" : stat.isFile() ? "file" : "other";
  } catch {
    return undefined;
  }
}

/**
 * Checks a file the command will create or replace: not a folder, not a FIFO or device, not on
 * /proc, /sys or /dev, in an existing writable folder (the file is written beside and renamed into
 * place), and writable itself when it exists.
 * @throws ConfigError (a folder, a FIFO, a device, /proc, a missing folder) or PermissionError,
 *   naming the path and what to do.
 * @example checkOutputFile("train --out", "models/b.json")
 */
export function checkOutputFile(where: string, path: string): void {
  const kind = kindOf(path);
  if (kind === "folder")
    throw new ConfigError(
      `${where} ${path} is a folder; give the path of a file (e.g. ${path.replace(/\/+$/, "")}/NAME).`,
    );
  checkOutputTarget(path, where);
  if (kind === "file") {
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      throw systemError(err, `${where}: cannot write`, path);
    }
  }
  checkParent(where, path, true);
}

/**
 * Checks a folder the command will write into (and create when missing): not a file, writable, and
 * inside an existing folder when it is to be created.
 * @throws ConfigError or PermissionError, naming the path and what to do.
 */
export function checkOutputFolder(where: string, path: string): void {
  const kind = kindOf(path);
  checkOutputFileSystem(kind === "folder" ? path : dirname(resolve(path)), where, path);
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

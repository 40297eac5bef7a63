/** The part of fs-native-extensions (https://github.com/holepunchto/fs-native-extensions) Detective uses. */
declare module "fs-native-extensions" {
  /**
   * Requests an advisory lock on the open file `fd` (Linux: an open-file-description lock,
   * `fcntl(F_OFD_SETLK)`); true when granted, false when another descriptor holds it. An exclusive
   * lock needs a descriptor open for writing.
   */
  export function tryLock(
    fd: number,
    offset?: number,
    length?: number,
    options?: { shared?: boolean },
  ): boolean;
  /** Releases a lock taken on `fd` (closing the descriptor releases it too). */
  export function unlock(fd: number): void;
}

/**
 * The type of a body from its first bytes, as Zeek's file analysis reports it in
 * `orig_mime_types` / `resp_mime_types` (Zeek matches its libmagic-derived signatures,
 * base/frameworks/files/magic). Only common types are told apart here: images, executables,
 * archives, PDF, and for text HTML, XML, JSON and plain text. What cannot be told from a prefix
 * (JavaScript from plain text, office formats inside a zip, audio and video) stays plain text or
 * unknown (`undefined`); see docs/zeek-parity/http.md.
 */

/** Bytes of a body kept for sniffing (Zeek's default_file_bof_buffer_size is 4 KiB). */
export const HTTP_SNIFF_BYTES = 4096;

const MAGIC: readonly [readonly number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], "image/png"],
  [[0xff, 0xd8, 0xff], "image/jpeg"],
  [[0x47, 0x49, 0x46, 0x38], "image/gif"], // GIF8
  [[0x25, 0x50, 0x44, 0x46, 0x2d], "application/pdf"], // %PDF-
  [[0x50, 0x4b, 0x03, 0x04], "application/zip"],
  [[0x1f, 0x8b], "application/x-gzip"],
  [[0x4d, 0x5a], "application/x-dosexec"], // MZ
  [[0x7f, 0x45, 0x4c, 0x46], "application/x-executable"], // ELF
  [[0x42, 0x5a, 0x68], "application/x-bzip2"],
  [[0x37, 0x7a, 0xbc, 0xaf], "application/x-7z-compressed"],
  [[0x00, 0x00, 0x01, 0x00], "image/x-icon"],
  [[0x43, 0x57, 0x53], "application/x-shockwave-flash"], // CWS
  [[0x46, 0x57, 0x53], "application/x-shockwave-flash"], // FWS
];

const HTML = /^\s*(<!doctype html|<html|<head|<body|<title|<script|<iframe|<h1|<div|<table|<a\s|<p>|<!--)/i;
const XML = /^\s*<\?xml/i;
const JSON_START = /^\s*(\{\s*"|\[\s*[{["\d-]|\[\s*\])/;

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** True when the bytes read as text: no NUL and few control characters. */
function isText(bytes: Uint8Array): boolean {
  let control = 0;
  for (const c of bytes) {
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) control++;
  }
  return control * 100 <= bytes.length;
}

/** The MIME type of a body starting with `bytes`, or undefined when it cannot be told (or is empty). */
export function sniffMime(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  for (const [magic, type] of MAGIC) if (startsWith(bytes, magic)) return type;
  if (!isText(bytes)) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 512)).toString("latin1");
  if (XML.test(text)) return /<svg/i.test(text) ? "image/svg+xml" : "text/xml";
  if (HTML.test(text)) return "text/html";
  if (JSON_START.test(text)) return "text/json";
  return "text/plain";
}

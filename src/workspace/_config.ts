// Private helpers: the `.signac/config` file (a small INI file) of signac schema 2.

/** Parses `key = value` lines of an INI file, ignoring sections and comments. */
export function parseIni(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/** The content `signac init` writes for schema version 2. */
export const SIGNAC_CONFIG = "schema_version = 2\n";

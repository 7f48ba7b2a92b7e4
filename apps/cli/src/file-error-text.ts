/**
 * Node's file error without the path it names ("ENOENT: no such file or directory, open
 * '<path>'" → "ENOENT: no such file or directory"): the command names the file as it was given,
 * not a temporary one.
 */
export const fileErrorText = (error: unknown): string => (error instanceof Error ? error.message.split(', ')[0]! : String(error));

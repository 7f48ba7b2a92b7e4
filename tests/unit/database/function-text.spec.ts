import { insertAfter, insertBefore, replaceOnce } from '@annals/database/function-text';

/** A migration's next function version, made by editing the one before at anchors. */
describe('database: editing a function text at an anchor', () => {
  const body = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n      BEGIN\n        PERFORM 1;\n      END $$";

  it('puts lines before or after the anchor, or in its place, and keeps the rest byte for byte', () => {
    expect(insertAfter(body, '      BEGIN\n', '        PERFORM 0;\n')).toBe(body.replace('BEGIN\n', 'BEGIN\n        PERFORM 0;\n'));
    expect(insertBefore(body, '      END', '        PERFORM 2;\n')).toBe(body.replace('      END', '        PERFORM 2;\n      END'));
    expect(replaceOnce(body, 'PERFORM 1;', 'PERFORM 3;')).toBe(body.replace('PERFORM 1;', 'PERFORM 3;'));
  });

  it("keeps a new text's $$ quotes and $ signs as they are", () => {
    const quoted = "EXECUTE $f$SELECT '$$' || $1$f$;";
    expect(replaceOnce(body, 'PERFORM 1;', quoted)).toContain(quoted);
    expect(insertAfter(body, '      BEGIN\n', quoted)).toContain(quoted);
    expect(insertBefore(body, '      END', quoted)).toContain(quoted);
  });

  it('fails, naming the anchor, when it is missing or there more than once', () => {
    expect(() => replaceOnce(body, 'PERFORM 9;', 'x')).toThrow(/anchor is not there exactly once: "PERFORM 9;"/);
    expect(() => insertAfter(body, '$$', 'x')).toThrow(/anchor is not there exactly once: "\$\$"/);
  });
});

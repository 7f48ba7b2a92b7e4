// Prints the chaos suite's summary table at the end of a run: scenario, messages, faults
// injected, lost, duplicated, time to recover (tests/artifacts/chaos-summary.jsonl).
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const SUMMARY = join(__dirname, '../artifacts/chaos-summary.jsonl');

class ChaosSummaryReporter {
  onRunStart() {
    rmSync(SUMMARY, { force: true });
  }

  onRunComplete() {
    if (!existsSync(SUMMARY)) return;
    const rows = readFileSync(SUMMARY, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    const header = ['scenario', 'messages', 'faults', 'lost', 'duplicated', 'recovery (s)'];
    const table = [header, ...rows.map((r) => [r.scenario, String(r.messages), String(r.faults), String(r.lost), String(r.duplicated), String(r.recoverSeconds)])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    process.stdout.write(`\nChaos summary\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.slice(1).map(line).join('\n')}\n\n`);
  }
}

module.exports = ChaosSummaryReporter;

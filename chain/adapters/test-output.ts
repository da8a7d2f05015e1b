/**
 * A test's output, bounded: lines are passed on until a byte budget is spent, then only the last
 * lines are kept and given at the end, after a line saying how much was left out. Chain's memory
 * stays bounded whatever a test prints (a test printing 700 MB in one line included). Pure.
 */
export interface OutputBudget {
  maxBytes: number;
  tailLines: number;
}

export function cappedLines(onLine: (line: string) => void, budget: OutputBudget): { line(line: string): void; end(): void } {
  let spent = 0;
  let hiddenLines = 0;
  let hiddenBytes = 0;
  const tail: string[] = [];
  return {
    line: (line) => {
      const bytes = Buffer.byteLength(line) + 1;
      if (spent + bytes <= budget.maxBytes && tail.length === 0) {
        spent += bytes;
        onLine(line);
        return;
      }
      tail.push(line);
      if (tail.length > budget.tailLines) {
        hiddenBytes += Buffer.byteLength(tail.shift() as string) + 1;
        hiddenLines += 1;
      }
    },
    end: () => {
      if (hiddenLines > 0) onLine(`# ... ${hiddenLines} lines (${mebibytes(hiddenBytes)}) of test output left out: past ${mebibytes(budget.maxBytes)}, only the last ${budget.tailLines} lines are kept`);
      for (const line of tail.splice(0)) onLine(line);
    },
  };
}

const mebibytes = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

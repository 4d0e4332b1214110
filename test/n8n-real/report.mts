/** What the run did, for the summary: phases with their durations, checks that passed, versions. */
export const report = {
  timings: [] as Array<{ phase: string; seconds: number }>,
  passed: [] as string[],
  facts: [] as string[],
  current: 'start',
};

export async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  report.current = name;
  console.log(`▶ ${name}`);
  const started = Date.now();
  const result = await run();
  const seconds = (Date.now() - started) / 1000;
  report.timings.push({ phase: name, seconds });
  console.log(`✓ ${name} (${seconds.toFixed(1)} s)`);
  return result;
}

/** Records a check that passed. */
export function passedCheck(description: string): void {
  report.passed.push(description);
  console.log(`  · ${description}`);
}

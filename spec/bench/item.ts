/**
 * The small item of the Queue benchmarks and of the machine check, built fresh for every use as a program
 * builds its items: a new object and a new 32-character string each time.
 */
export function freshItem(id: number): { id: number; payload: string } {
  return { id, payload: `payload-${String(id).padStart(10, '0')}-abcdefghijklm` };
}

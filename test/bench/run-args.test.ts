import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/run.js';

describe('npm run bench: its command line', () => {
  it('reads every option', () => {
    expect(parseBenchArgs(['--json', '--filter', 'pipeline/', '--rounds', '3', '--time', '50', '--no-results'])).toEqual({
      json: true, filter: 'pipeline/', rounds: 3, timeMs: 50, noResults: true,
    });
    expect(parseBenchArgs([])).toEqual({});
  });

  it('answers --help instead of running every benchmark', () => {
    expect(parseBenchArgs(['--help'])).toBe('help');
    expect(parseBenchArgs(['--rounds', '2', '-h'])).toBe('help');
  });

  it('refuses what it does not know, naming it', () => {
    expect(() => parseBenchArgs(['--filtr', 'x'])).toThrow(/unknown argument '--filtr'/);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds must be a positive integer, got '0'/);
    expect(() => parseBenchArgs(['--time', '1e3'])).toThrow(/--time must be a positive integer/);
    expect(() => parseBenchArgs(['--filter'])).toThrow(/--filter needs a value/);
  });
});

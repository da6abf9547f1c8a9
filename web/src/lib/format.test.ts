import { formatDuration } from './format';

describe('formatDuration', () => {
  it('reads as a clock under a day and as days and hours beyond', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(42_000)).toBe('0:42');
    expect(formatDuration(12 * 60_000 + 5_000)).toBe('12:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration((3 * 24 + 4) * 3_600_000 + 59_000)).toBe('3d 4h');
    expect(formatDuration(-5_000)).toBe('0:00');
  });
});

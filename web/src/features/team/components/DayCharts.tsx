import { useId } from 'react';
import type { DurationBin, HourFigures, MetricsSummary } from '@/lib/api-types';

/**
 * The day at a glance for supervisors: the queue over the last 24 hours, the longest wait, the
 * bot's answers against the escalations it handed over, and how long agents take to resolve.
 * Everything comes from the metrics summary the page already reads (its hourly counters), so
 * the charts cost no request of their own. Each chart is an image with a spoken summary and a
 * table of its figures a keyboard or screen-reader user can open.
 */

type Series = { name: string; className: string; values: number[] };

const WIDTH = 480;
const HEIGHT = 120;
const GAP = 2;
/** Room above the tallest bar for the scale's label. */
const TOP = 14;

/** `2026-07-03T10` → `10:00` in the viewer's time zone (the buckets are UTC hours). */
export function hourLabel(hour: string): string {
  const at = new Date(`${hour}:00:00Z`);
  if (Number.isNaN(at.getTime())) return hour;
  return `${String(at.getHours()).padStart(2, '0')}:00`;
}

/** A bin bound in the unit that reads best: `30s`, `20m`, `4h`, `1d`. */
export function compactDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.round(seconds / 360) / 10}h`;
  return `${Math.round(seconds / 8640) / 10}d`;
}

/** `under 10s`, `10s – 30s`, …, `over 1d` for the open last bin. */
export function binLabel(bins: DurationBin[], index: number): string {
  const bin = bins[index];
  const lower = index > 0 ? bins[index - 1]?.below_seconds ?? null : 0;
  const show = compactDuration;
  if (!bin) return '';
  if (bin.below_seconds === null) return `over ${show(lower ?? 0)}`;
  if (!lower) return `under ${show(bin.below_seconds)}`;
  return `${show(lower)} – ${show(bin.below_seconds)}`;
}

/** Grouped bars, one group per label; the scale starts at 0 and ends at the largest value. */
export function BarChart({
  testId,
  title,
  summary,
  labels,
  series,
  format = String,
  tickEvery = 6,
  ticks = labels,
  axisName = 'Hour',
}: {
  testId: string;
  title: string;
  summary: string;
  labels: string[];
  series: Series[];
  format?: (v: number) => string;
  tickEvery?: number;
  /** Shorter labels for the axis; the table and the bars' tooltips use `labels`. */
  ticks?: string[];
  axisName?: string;
}) {
  const titleId = useId();
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const groupWidth = WIDTH / Math.max(1, labels.length);
  const barWidth = Math.max(1, (groupWidth - GAP * (series.length + 1)) / series.length);
  return (
    <figure className="chart" data-testid={testId} aria-labelledby={titleId}>
      <figcaption id={titleId} className="chart-title">
        {title}
      </figcaption>
      {series.length > 1 ? (
        <ul className="chart-legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.name}>
              <span className={`chart-swatch ${s.className}`} /> {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 18}`} role="img" aria-label={summary} preserveAspectRatio="none" className="chart-svg">
        <line x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
        {labels.map((label, i) =>
          series.map((s, j) => {
            const value = s.values[i] ?? 0;
            const h = (value / max) * (HEIGHT - TOP);
            return (
              <rect
                key={`${label}-${s.name}`}
                x={i * groupWidth + GAP + j * (barWidth + GAP)}
                y={HEIGHT - h}
                width={barWidth}
                height={h}
                className={`chart-bar ${s.className}`}
              >
                <title>{`${label}: ${s.name} ${format(value)}`}</title>
              </rect>
            );
          }),
        )}
        {labels.map((label, i) =>
          i % tickEvery === 0 ? (
            <text key={label} x={i * groupWidth + 2} y={HEIGHT + 14} className="chart-tick">
              {ticks[i]}
            </text>
          ) : null,
        )}
        <line x1={0} x2={WIDTH} y1={TOP} y2={TOP} className="chart-grid" />
        <text x={WIDTH - 2} y={TOP - 3} textAnchor="end" className="chart-tick">
          {format(max)}
        </text>
      </svg>
      <details className="chart-table">
        <summary>Figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{axisName}</th>
              {series.map((s) => (
                <th key={s.name} scope="col">
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, i) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {series.map((s) => (
                  <td key={s.name}>{format(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function peak(hours: HourFigures[], pick: (h: HourFigures) => number): { value: number; hour: string } {
  let best = { value: 0, hour: '' };
  for (const h of hours) if (pick(h) > best.value) best = { value: pick(h), hour: hourLabel(h.hour) };
  return best;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const waitText = (v: number) => (v === 0 ? '—' : `≤ ${compactDuration(v)}`);

export function DayCharts({ m }: { m: MetricsSummary }) {
  const hours = m.hours ?? [];
  const bins = m.handle_time_bins ?? [];
  if (hours.length === 0) return null;
  const labels = hours.map((h) => hourLabel(h.hour));
  const queue = peak(hours, (h) => h.queue_length);
  const wait = peak(hours, (h) => h.longest_wait_seconds ?? 0);
  const escalated = hours.map((h) => h.escalated);
  const answered = hours.map((h) => h.bot_answered);
  const handled = bins.map((b) => b.count);
  const busiestBin = handled.indexOf(Math.max(...handled));
  return (
    <div className="charts" data-testid="day-charts">
      <BarChart
        testId="chart-queue"
        title="Queue length, last 24 hours"
        summary={`Sessions waiting at the end of each hour. Now ${hours[hours.length - 1]?.queue_length ?? 0}; the most was ${queue.value}${queue.hour ? ` at ${queue.hour}` : ''}.`}
        labels={labels}
        series={[{ name: 'Waiting', className: 'series-queue', values: hours.map((h) => h.queue_length) }]}
      />
      <BarChart
        testId="chart-wait"
        title="Longest wait accepted, per hour"
        summary={wait.value ? `The longest wait an agent picked up in each hour; up to ${compactDuration(wait.value)}, at ${wait.hour}.` : 'No session was accepted in the last 24 hours.'}
        labels={labels}
        series={[{ name: 'Longest wait', className: 'series-wait', values: hours.map((h) => h.longest_wait_seconds ?? 0) }]}
        format={waitText}
      />
      <BarChart
        testId="chart-bot"
        title="Bot answers and escalations per hour"
        summary={`In the last 24 hours the bot answered ${sum(answered)} turns and handed ${sum(escalated)} conversations to people.`}
        labels={labels}
        series={[
          { name: 'Bot answered', className: 'series-bot', values: answered },
          { name: 'Escalated', className: 'series-escalated', values: escalated },
        ]}
      />
      {bins.length > 0 ? (
        <BarChart
          testId="chart-handle"
          title="Handle time, last 24 hours"
          summary={
            sum(handled) > 0
              ? `${sum(handled)} ${sum(handled) === 1 ? 'session' : 'sessions'} resolved; most took ${binLabel(bins, busiestBin)} from accept to resolve.`
              : 'No session was resolved in the last 24 hours.'
          }
          labels={bins.map((_, i) => binLabel(bins, i))}
          series={[{ name: 'Resolved', className: 'series-handle', values: handled }]}
          ticks={bins.map((b) => (b.below_seconds === null ? 'more' : `<${compactDuration(b.below_seconds)}`))}
          tickEvery={3}
          axisName="Handle time"
        />
      ) : null}
    </div>
  );
}

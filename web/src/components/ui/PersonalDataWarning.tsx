import { findPersonalData, PERSONAL_DATA_LABEL, type PersonalDataKind } from '@/lib/personal-data';

/**
 * A FAQ is shown to every customer: a warning when a candidate's text holds what looks like a
 * name, an email, a phone or an order number, naming each so it can be edited out.
 */
export function PersonalDataWarning({ texts, testId = 'personal-data-warning' }: { texts: string[]; testId?: string }) {
  const hits = texts.flatMap((t) => findPersonalData(t));
  if (hits.length === 0) return null;
  const kinds = [...new Set(hits.map((h) => h.kind))] as PersonalDataKind[];
  const found = [...new Set(hits.map((h) => h.text))];
  return (
    <div className="notice notice-warning" role="alert" data-testid={testId} data-kinds={kinds.join(' ')}>
      <strong>Personal data?</strong> This looks like it contains {kinds.map((k) => PERSONAL_DATA_LABEL[k]).join(', ')}:{' '}
      {found.map((t, i) => (
        <span key={t}>
          {i > 0 ? ', ' : ''}
          <mark>{t}</mark>
        </span>
      ))}
      . Every customer sees an approved answer: take it out or make it general.
    </div>
  );
}

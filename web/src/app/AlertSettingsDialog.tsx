import { useState } from 'react';
import { Dialog } from '@/components/ui/Dialog';
import { enableNotifications, notificationsSupported, useAlertSettings, writeAlertSettings } from './alerts';

/** Alerts for new escalations: desktop notifications and a sound, both off until turned on. */
export function AlertSettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useAlertSettings();
  const [refused, setRefused] = useState(false);
  const supported = notificationsSupported();
  return (
    <Dialog title="Alerts for new escalations" onClose={onClose} labelledBy="alerts-title">
      <p className="muted small">The tab's title always counts the waiting sessions.</p>
      <label className="check">
        <input
          type="checkbox"
          data-testid="alert-notifications"
          checked={settings.notifications}
          disabled={!supported}
          onChange={(e) => {
            void enableNotifications(e.target.checked).then((granted) => setRefused(e.target.checked && !granted));
          }}
        />
        Desktop notification
      </label>
      {!supported ? <p className="muted small">This browser has no desktop notifications.</p> : null}
      {refused ? (
        <p className="field-error" role="alert">
          The browser refused notifications for this site; allow them in its site settings.
        </p>
      ) : null}
      <label className="check">
        <input type="checkbox" data-testid="alert-sound" checked={settings.sound} onChange={(e) => writeAlertSettings({ ...settings, sound: e.target.checked })} />
        Sound
      </label>
      <div className="dialog-actions">
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

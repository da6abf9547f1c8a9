import { Dialog } from '@/components/ui/Dialog';

export const SHORTCUTS: [string, string][] = [
  ['j / k', 'Next / previous session in the queue'],
  ['a', 'Accept the selected session'],
  ['n', 'Take the next session in the queue'],
  ['c', 'Write a reply (focus the composer)'],
  ['Enter', 'Send the reply (Shift+Enter: new line)'],
  ['r', 'Resolve the open session'],
  ['/', 'Search the knowledge base'],
  ['b', 'Ask business assist'],
  ['?', 'Show or hide this help'],
  ['Esc', 'Leave the composer, close a dialog'],
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} labelledBy="help-title">
      <table className="shortcuts" data-testid="help-overlay">
        <tbody>
          {SHORTCUTS.map(([key, what]) => (
            <tr key={key}>
              <th scope="row">
                <kbd>{key}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}

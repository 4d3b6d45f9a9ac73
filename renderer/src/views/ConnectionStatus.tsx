import { notConnectedText, useConnection } from '../state/connection';

/**
 * Says plainly when the host cannot be reached (`stillframe serve` stopped or restarting). The polite live
 * region is always in the page, so screen readers announce the message when it comes; the status inside it is
 * there only while the host is away.
 */
export function ConnectionStatus() {
  const { connected, waiting } = useConnection();
  return (
    <div className="connection-status" aria-live="polite">
      {!connected && (
        <p className="banner offline" role="status" aria-label="Connection">
          {notConnectedText(waiting)} to the Stillframe host. Reconnecting… Your edits are kept in this page and sent once it is back.
        </p>
      )}
    </div>
  );
}

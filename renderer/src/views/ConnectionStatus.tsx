import { notConnectedText, useConnection } from '../state/connection';

/**
 * Says plainly when the host cannot be reached (`stillframe serve` stopped or restarting). The live region is
 * always in the page, so screen readers announce the change, politely, when it comes and when it goes.
 */
export function ConnectionStatus() {
  const { connected, waiting } = useConnection();
  return (
    <div className={connected ? 'connection-status' : 'banner connection-status offline'} role="status" aria-label="Connection">
      {!connected && (
        <p>
          {notConnectedText(waiting)} to the Stillframe host. Reconnecting… Your edits are kept in this page and sent once it is back.
        </p>
      )}
    </div>
  );
}

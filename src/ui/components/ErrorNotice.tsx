/** An error a panel reports, with a way to dismiss it. */
export function ErrorNotice({
  message,
  onDismiss,
  testId,
}: {
  message: string;
  onDismiss: () => void;
  testId: string;
}) {
  return (
    <div className="notice error" role="alert" data-testid={testId}>
      {message}{' '}
      <button type="button" className="link" onClick={onDismiss}>
        dismiss
      </button>
    </div>
  );
}

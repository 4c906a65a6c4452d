namespace Coupon.Worker;

// The `Worker` configuration section; the defaults suit production, tests shorten the periods.
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    public string Instance { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    // A batch closes at this many events or this long after its first event, whichever comes first.
    public int BatchSize { get; set; } = 500;
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    // Backoff while MySQL (or the dead-letter topic) refuses a batch: doubles up to the maximum.
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(2);

    // A winner older than the grace period without a row is re-published. Keep it longer than the
    // api's longest decision (about 3.5 s from its script to a withdrawal recorded in MySQL), so
    // a winner the api is still deciding about is never re-published.
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan ReconcileGrace { get; set; } = TimeSpan.FromSeconds(30);

    // A re-published winner still without a row (its event lost again) is re-published after this.
    public TimeSpan ReconcileRepeat { get; set; } = TimeSpan.FromMinutes(5);

    // Campaigns ended longer ago than this are no longer reconciled.
    public TimeSpan ReconcileLookback { get; set; } = TimeSpan.FromDays(1);

    // How often campaigns are checked for a lost Redis state, and how long an acceptance may
    // still be on its way to Kafka when the loss is seen (longer than the api's delivery timeout, 1.5 s).
    public TimeSpan RebuildCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RebuildSettle { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan RebuildDrainTimeout { get; set; } = TimeSpan.FromMinutes(2);

    // How often draws are looked for, and how long after a draw window's end its draw is made:
    // longer than the api's longest decision (an entry is acknowledged by Kafka before its 202)
    // plus any skew between Redis's clock, which closes the window, and the workers'.
    public TimeSpan DrawCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan DrawGrace { get; set; } = TimeSpan.FromSeconds(5);
}

using System.Diagnostics.Metrics;
using Coupon.Worker.Persisting;

namespace Coupon.Worker;

// The worker's instruments; the running totals also feed the status written to Redis.
public sealed class WorkerMetrics
{
    private readonly Counter<long> _batches;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _excess;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _repairs;
    private readonly Counter<long> _rebuilds;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<int> _batchSize;
    private long _rowsPersisted;
    private long _reconcilerRepairs;
    private long _deadLetteredTotal;
    private long _consumerLag;

    public WorkerMetrics(IMeterFactory meterFactory)
    {
        var persisting = meterFactory.Create(CouponTelemetry.Persisting);
        _batches = persisting.CreateCounter<long>("coupon.worker.batches", "{batch}", "Batches committed to MySQL.");
        _rows = persisting.CreateCounter<long>("coupon.worker.rows", "{row}", "Coupon issues inserted.");
        _duplicates = persisting.CreateCounter<long>("coupon.worker.duplicates", "{event}", "Events whose issue was already persisted.");
        _excess = persisting.CreateCounter<long>("coupon.worker.excess", "{event}", "Events refused because the campaign's quantity was reached.");
        _deadLettered = persisting.CreateCounter<long>("coupon.worker.dead_lettered", "{event}", "Events sent to the dead-letter topic.");
        _batchDuration = persisting.CreateHistogram<double>("coupon.worker.batch.duration", "s", "Time to persist one batch.");
        _batchSize = persisting.CreateHistogram<int>("coupon.worker.batch.size", "{event}", "Well-formed events in one persisted batch.");
        persisting.CreateObservableGauge("coupon.worker.consumer.lag", () => Volatile.Read(ref _consumerLag), "{event}",
            "Events behind the high watermarks of the assigned partitions.");

        var reconciling = meterFactory.Create(CouponTelemetry.Reconciling);
        _repairs = reconciling.CreateCounter<long>("coupon.reconciler.repairs", "{winner}", "Winners without a row re-published.");
        _rebuilds = reconciling.CreateCounter<long>("coupon.reconciler.rebuilds", "{campaign}", "Campaign Redis states rebuilt from MySQL.");
    }

    public long RowsPersisted => Interlocked.Read(ref _rowsPersisted);
    public long ReconcilerRepairs => Interlocked.Read(ref _reconcilerRepairs);
    public long DeadLettered => Interlocked.Read(ref _deadLetteredTotal);
    public long ConsumerLag => Volatile.Read(ref _consumerLag);

    public void BatchPersisted(BatchResult result, TimeSpan duration)
    {
        _batches.Add(1);
        _rows.Add(result.Inserted);
        _duplicates.Add(result.Duplicates);
        _excess.Add(result.Excess.Count);
        _batchDuration.Record(duration.TotalSeconds);
        _batchSize.Record(result.Inserted + result.Duplicates + result.Excess.Count + result.UnknownCampaign.Count + result.NoDrawPending.Count);
        Interlocked.Add(ref _rowsPersisted, result.Inserted);
    }

    public void EventDeadLettered(string reason)
    {
        _deadLettered.Add(1, new KeyValuePair<string, object?>("reason", reason));
        Interlocked.Increment(ref _deadLetteredTotal);
    }

    public void WinnerRepublished()
    {
        _repairs.Add(1);
        Interlocked.Increment(ref _reconcilerRepairs);
    }

    public void CampaignRebuilt() => _rebuilds.Add(1);

    public void ConsumerLagMeasured(long lag) => Volatile.Write(ref _consumerLag, lag);
}

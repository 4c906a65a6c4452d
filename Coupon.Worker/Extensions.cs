using Confluent.Kafka;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Coupon.Worker;
using Coupon.Worker.Drawing;
using Coupon.Worker.Persisting;
using Coupon.Worker.Reconciling;
using Coupon.Worker.Rebuilding;
using Coupon.Worker.Status;

namespace Microsoft.Extensions.Hosting;

public static class Extensions
{
    private const string ConsumerGroup = CouponTopics.WorkerGroup;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName);
        // Time for the batch in hand to be persisted and committed on SIGTERM.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.AddRedisClient("redis");
        // The worker retries whole batches itself; EF's own retries would only stall its loops.
        builder.AddMySqlDbContext<CouponDbContext>("coupondb", settings => settings.DisableRetry = true);
        builder.AddKafkaConsumer<byte[], byte[]>("kafka", settings => JoinGroup(settings.Config, ConsumerGroup));
        builder.AddKafkaConsumer<Ignore, Ignore>("kafka", settings => JoinGroup(settings.Config, $"{ConsumerGroup}-progress"));
        // Dead letters and re-published winners. Both are retried by their loops, so a send gives
        // up after 30 s rather than librdkafka's 5 minutes, which would stall those loops.
        builder.AddKafkaProducer<byte[], byte[]>("kafka", settings =>
        {
            settings.Config.LingerMs ??= 2;
            settings.Config.MessageTimeoutMs ??= 30000;
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<MigrationGate>();
        builder.Services.AddSingleton<IssueBatchWriter>();
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.AddSingleton<GroupProgress>();
        builder.Services.AddSingleton<CampaignRedisState>();

        builder.Services.AddHostedService<IssuedEventConsumer>();
        builder.Services.AddHostedService<WinnerReconciler>();
        builder.Services.AddHostedService<RedisStateRebuilder>();
        builder.Services.AddHostedService<CampaignDraws>();
        builder.Services.AddHostedService<WorkerStatusPublisher>();
    }

    // Settings of the worker's group against the embedded cluster as well as a real one: manual
    // commits after the DB commit, and a short session so a restarted instance rejoins quickly.
    private static void JoinGroup(ConsumerConfig config, string clientId)
    {
        config.GroupId ??= ConsumerGroup;
        config.ClientId ??= clientId;
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.SessionTimeoutMs ??= 6000;
        config.HeartbeatIntervalMs ??= 1000;
        // Also the rebalance timeout: a member gone mid-rebalance stalls the whole group this
        // long. A batch retried past it (MySQL down) is replayed by the next owner, harmlessly.
        config.MaxPollIntervalMs ??= 20000;
        // A broker that dies with a fetch in flight leaves it unanswered; the default 60 s socket
        // timeout would stall the partition that long before the fetch is retried.
        config.SocketTimeoutMs ??= 10000;
        // A fetch that finds nothing waits this long at the broker. The embedded Kafka holds it
        // the whole time even when events arrive meanwhile, so librdkafka's 500 ms default was
        // most of the accept-to-row latency (p50 483 ms in the bench); 20 ms costs an idle group
        // 50 empty fetches a second.
        config.FetchWaitMaxMs ??= 20;
    }
}

using System.Diagnostics;
using System.Text;
using Coupon.Core.Messaging;
using Coupon.Tests.Fixture;
using Coupon.Worker.Persisting;
using Xunit.Abstractions;

namespace Coupon.Tests.Worker;

[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class PersistingTests(StackFixture stack, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    private readonly WorkerScenario _scenario = new(stack);

    [Fact]
    public async Task The_same_event_twice_is_one_row_counted_once()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 10);

        await _scenario.ProduceAsync(campaignId, [1, 1, 2]);
        await _scenario.WaitForRowsAsync(campaignId, 2, DrainTimeout);
        // Replayed after it was persisted, then an event that shows the replay has been handled.
        await _scenario.ProduceAsync(campaignId, [1]);
        await _scenario.ProduceAsync(campaignId, [3]);
        await _scenario.WaitForRowsAsync(campaignId, 3, DrainTimeout);

        Assert.Equal(3, await _scenario.AssertInvariantsAsync(campaignId));
    }

    [Fact]
    public async Task A_poison_event_goes_to_the_dead_letter_topic_and_the_next_events_are_persisted()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 10);
        // One key, so the poison and the events after it share a partition.
        var key = Guid.NewGuid().ToString("N");
        var malformed = $"not an event {key}";
        var unknownCampaign = Encoding.UTF8.GetString(new CouponIssuedEvent(long.MaxValue, 1, DateTimeOffset.UtcNow).ToJson());

        await _scenario.ProduceRawAsync(key, malformed);
        await _scenario.ProduceRawAsync(key, unknownCampaign);
        foreach (var userId in new long[] { 1, 2, 3 })
            await _scenario.ProduceRawAsync(key, Encoding.UTF8.GetString(new CouponIssuedEvent(campaignId, userId, DateTimeOffset.UtcNow).ToJson()));

        await _scenario.WaitForRowsAsync(campaignId, 3, DrainTimeout);
        var deadLetters = _scenario.ReadDeadLetters([malformed, unknownCampaign], DrainTimeout);
        Assert.Equal(
            new[] { (malformed, DeadLetters.MalformedEvent), (unknownCampaign, DeadLetters.UnknownCampaign) }.Order(),
            deadLetters.Select(m => (Encoding.UTF8.GetString(m.Value), Reason(m))).Order());
        Assert.All(deadLetters, m => Assert.True(m.Headers.TryGetLastBytes(DeadLetters.SourceHeader, out _)));
        Assert.Equal(3, await _scenario.AssertInvariantsAsync(campaignId));

        static string Reason(Confluent.Kafka.Message<string, byte[]> message) =>
            Encoding.UTF8.GetString(message.Headers.GetLastBytes(DeadLetters.ReasonHeader));
    }

    [Fact]
    public async Task Events_past_the_quantity_are_dead_lettered_as_over_quantity()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 3);
        var key = Guid.NewGuid().ToString("N");
        var events = Enumerable.Range(1, 5)
            .Select(userId => Encoding.UTF8.GetString(new CouponIssuedEvent(campaignId, userId, DateTimeOffset.UtcNow.AddMilliseconds(userId)).ToJson()))
            .ToList();

        foreach (var issued in events)
            await _scenario.ProduceRawAsync(key, issued);

        await _scenario.WaitForRowsAsync(campaignId, 3, DrainTimeout);
        var deadLetters = _scenario.ReadDeadLetters(events[3..], DrainTimeout);
        Assert.Equal(events[3..], deadLetters.Select(m => Encoding.UTF8.GetString(m.Value)).Order());
        Assert.All(deadLetters, m => Assert.Equal(DeadLetters.OverQuantity, Encoding.UTF8.GetString(m.Headers.GetLastBytes(DeadLetters.ReasonHeader))));
        Assert.Equal(3, await _scenario.AssertInvariantsAsync(campaignId));
    }

    [Fact]
    public async Task A_batch_of_nothing_but_poison_is_dead_lettered_and_its_partition_moves_on()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 10);
        var key = Guid.NewGuid().ToString("N");
        var malformed = $"not an event {key}";

        // The valid event is produced only once the poison is dead-lettered: the poison was a batch alone.
        await _scenario.ProduceRawAsync(key, malformed);
        Assert.Single(_scenario.ReadDeadLetters([malformed], DrainTimeout));
        await _scenario.ProduceRawAsync(key, Encoding.UTF8.GetString(new CouponIssuedEvent(campaignId, 1, DateTimeOffset.UtcNow).ToJson()));

        await _scenario.WaitForRowsAsync(campaignId, 1, DrainTimeout);
        Assert.Equal(1, await _scenario.AssertInvariantsAsync(campaignId));
    }

    [Fact]
    public async Task A_worker_killed_mid_batch_and_restarted_loses_and_duplicates_nothing()
    {
        const int Events = 30_000;
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: null);
        // This test's worker is the group's only member; the shared one comes back on next use.
        await shared.Worker.StopAsync();
        await using var first = await stack.StartProjectAsync(CouponProject.Worker);

        await _scenario.ProduceAsync(campaignId, Enumerable.Range(1, Events).Select(u => (long)u));
        var clock = Stopwatch.StartNew();
        long firstRows, atKill;
        while ((firstRows = await _scenario.RowsAsync(campaignId)) == 0 && clock.Elapsed < DrainTimeout)
            await Task.Delay(10);
        var persisting = Stopwatch.StartNew();
        while ((atKill = await _scenario.RowsAsync(campaignId)) < Events / 3 && clock.Elapsed < DrainTimeout)
            await Task.Delay(10);
        first.Kill();
        var persistedBeforeKill = await _scenario.RowsAsync(campaignId);
        output.WriteLine($"persisted {atKill - firstRows} rows in {persisting.ElapsedMilliseconds} ms " +
            $"({(atKill - firstRows) / persisting.Elapsed.TotalSeconds:0} rows/s) before the kill");
        Assert.InRange(persistedBeforeKill, 1, Events - 1);

        await using var second = await stack.StartProjectAsync(CouponProject.Worker);
        await _scenario.WaitForRowsAsync(campaignId, Events, DrainTimeout);

        Assert.Equal(Events, await _scenario.AssertInvariantsAsync(campaignId));
    }

    [Fact]
    public async Task A_worker_stopped_with_sigterm_commits_exactly_the_batches_it_persisted()
    {
        const int Events = 40_000;
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: null);
        // This test's worker is the group's only member; the shared one comes back on next use.
        await shared.Worker.StopAsync();
        await using var worker = await stack.StartProjectAsync(CouponProject.Worker);

        // Stopped while events are still being produced, so that some are surely unread.
        var producing = _scenario.ProduceAsync(campaignId, Enumerable.Range(1, Events).Select(u => (long)u));
        var clock = Stopwatch.StartNew();
        while (await _scenario.RowsAsync(campaignId) < Events / 10 && clock.Elapsed < DrainTimeout)
            await Task.Delay(10);
        await worker.StopAsync();
        var produced = await producing;

        Assert.True(worker.ExitCode == 0, $"The worker exited with {worker.ExitCode}: " + string.Join(Environment.NewLine, await worker.RecentOutputAsync()));
        var rows = await _scenario.AssertInvariantsAsync(campaignId);
        Assert.InRange(rows, Events / 10, Events - 1);
        // Judged by offsets, not counts: other campaigns' events (a reconciler's re-publishing)
        // may share the partitions. Every event below a committed offset is a row, none above.
        // The offsets are the delivery reports': the embedded Kafka deletes what the group
        // committed 2 s ago, so the topic cannot be read back this long after.
        var committed = _scenario.CommittedOffsets();
        var committedUsers = produced
            .Where(e => e.Position.Offset.Value < committed[e.Position.Partition.Value])
            .Select(e => e.UserId);
        Assert.Equal(committedUsers.Order(), (await _scenario.UsersWithRowsAsync(campaignId)).Order());
    }

    [Fact]
    public async Task MySql_stopped_for_ten_seconds_under_load_loses_nothing()
    {
        const int Rounds = 40;
        const int EventsPerRound = 150;
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: null);

        var load = Task.Run(async () =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                await _scenario.ProduceAsync(campaignId, Enumerable.Range(round * EventsPerRound + 1, EventsPerRound).Select(u => (long)u));
                await Task.Delay(300);
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stack.StopResourceAsync("mysql");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await stack.StartResourceAsync("mysql");
        }
        await load;

        await _scenario.WaitForRowsAsync(campaignId, Rounds * EventsPerRound, DrainTimeout);
        Assert.Equal(Rounds * EventsPerRound, await _scenario.AssertInvariantsAsync(campaignId));
    }

    public void Dispose() => _scenario.Dispose();
}

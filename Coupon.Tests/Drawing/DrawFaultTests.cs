using System.Net;
using Coupon.Core.Contracts;
using Coupon.Core.Drawing;
using Coupon.Tests.Faults;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Xunit.Abstractions;

namespace Coupon.Tests.Drawing;

// Entering and drawing when the servers misbehave: judged as the fault campaign judges issues
// (HistoryChecker, with the draw's entries as the rows), then the draw against its seed.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class DrawFaultTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack)
{
    private const int Quantity = 100;
    private static readonly TimeSpan DrawGrace = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Entering_while_redis_and_kafka_answer_late_and_an_api_is_killed_puts_exactly_the_users_told_entered_in_the_draw()
    {
        var seed = Random.Shared.Next();
        var shared = await Stack.SharedProjectsAsync();
        await using var spare = await Stack.StartProjectAsync(CouponProject.Api);
        ProjectHandle[] apis = [shared.Api, spare];
        using var first = new IssuingClient(shared.Api.BaseAddress, Stack.Tokens);
        using var second = new IssuingClient(spare.BaseAddress, Stack.Tokens);
        first.Http.Timeout = second.Http.Timeout = TimeSpan.FromSeconds(10);

        var start = (await Redis.NowAsync()).AddSeconds(2);
        const int window = 40;
        var campaign = await first.CreateDrawAsync(Quantity, start, start.AddMinutes(10), window);
        await Redis.WaitUntilAsync(start);

        var history = new History();
        var clients = new CampaignClients([(shared.Api.Resource, first), (spare.Resource, second)], [campaign.Id], history, seed);
        var faults = new StackFaults(Stack, apis, shared.Worker);
        var kills = new List<(string Api, TimeSpan From, TimeSpan To)>();
        using var stop = new CancellationTokenSource();
        var load = clients.RunAsync(12, stop.Token);
        try
        {
            foreach (var fault in new PlannedFault[]
            {
                new(FaultKind.RedisStall, TimeSpan.FromSeconds(3), 0, default, default),
                new(FaultKind.KafkaSlow, TimeSpan.FromSeconds(4), 0, TimeSpan.FromSeconds(4), default),
                new(FaultKind.ApiKilled, TimeSpan.FromSeconds(1), 1, default, default),
                new(FaultKind.MySqlStall, TimeSpan.FromSeconds(3), 0, default, default),
            })
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                var at = history.Now;
                output.WriteLine($"{at.TotalSeconds,6:0.0} s  {fault}");
                var faulty = await faults.InjectAsync(fault);
                if (fault.Kind == FaultKind.ApiKilled)
                    kills.Add((apis[fault.ApiReplica].Resource, at, at + faulty));
            }
            // The load goes on past the window's end (503 drawing), as impatient clients would.
            await Redis.WaitUntilAsync(start.AddSeconds(window + 1));
        }
        finally
        {
            await faults.HealAsync();
            await stop.CancelAsync();
        }
        await load;

        var drawn = await DrawTiming.DrawnAsync(first, campaign.Id);
        Assert.NotNull(drawn.Draw?.Seed);
        var entrants = await Invariants.EntrantsAsync(campaign.Id);
        var requests = history.Requests.Select(request => kills.Any(kill => kill.Api == request.Api && request.Start <= kill.To && request.End >= kill.From)
            ? request with { Answer = request.Answer.AcrossKill() }
            : request).ToList();
        var violations = HistoryChecker.Check(requests, [new CampaignRows(campaign.Id, null, entrants, entrants.Count)]);
        output.WriteLine($"seed {seed}: {requests.Count} requests, {requests.Count(r => r.Answer.Verdict == Verdict.Accepted)} entered, "
            + $"{requests.Count(r => r.Answer.Verdict == Verdict.Indeterminate)} indeterminate; {entrants.Count} entrants, {drawn.Draw.Winners} winners");
        foreach (var violation in violations.Take(50))
            output.WriteLine(violation);
        Assert.True(violations.Count == 0, $"seed {seed}: {violations.Count} violations: {string.Join("; ", violations.Take(10))}");

        Assert.Equal(entrants.Count, drawn.Draw.Entrants);
        Assert.Equal(DrawAlgorithm.Winners(drawn.Draw.Seed!, entrants, Quantity).Order(), (await Invariants.RowsAsync(campaign.Id)).Order());
        Assert.Equal(Math.Min(Quantity, entrants.Count), await Invariants.IssuedQuantityAsync(campaign.Id));
    }

    [Fact]
    public async Task Redis_restarted_empty_in_the_window_and_the_worker_and_api_killed_at_the_draw_still_give_one_draw_of_every_entrant()
    {
        var shared = await Stack.SharedProjectsAsync();
        // The worker that makes the draw when the shared one is killed at its instant.
        await using var worker = await Stack.StartProjectAsync(CouponProject.Worker);
        var start = (await Redis.NowAsync()).AddSeconds(2);
        const int window = 30;
        var campaign = await Api.CreateDrawAsync(15, start, start.AddMinutes(10), window);
        await Redis.WaitUntilAsync(start);
        List<long> entrants = [.. Enumerable.Range(1, 30).Select(user => (long)user)];
        foreach (var user in entrants.Take(20))
            Assert.Equal(HttpStatusCode.Accepted, await IssueOnceBackAsync(campaign.Id, user));

        await Stack.RestartRedisEmptyAsync();
        // 503 until the worker has rebuilt the campaign from MySQL, with its entrants.
        Assert.Equal(HttpStatusCode.Conflict, await IssueOnceBackAsync(campaign.Id, 5, TimeSpan.FromSeconds(25)));
        foreach (var user in entrants.Skip(20))
            Assert.Equal(HttpStatusCode.Accepted, await IssueOnceBackAsync(campaign.Id, user));
        Assert.True(await Redis.NowAsync() < start.AddSeconds(window), "The window ended before every user entered; the machine is too slow for this test.");

        await Redis.WaitUntilAsync(start.AddSeconds(window) + DrawGrace);
        foreach (var killed in new[] { shared.Worker, shared.Api })
        {
            killed.Kill();
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        await Stack.SharedProjectsAsync();
        // New connections: DCP's proxy may hold a kept-alive one to the killed api unanswered.
        using var api = new IssuingClient(shared.Api.BaseAddress, Stack.Tokens);
        var drawn = await DrawTiming.DrawnAsync(api, campaign.Id);
        var draw = drawn.Draw!;
        Assert.Equal(entrants, await Invariants.EntrantsAsync(campaign.Id));
        Assert.Equal(DrawAlgorithm.Winners(draw.Seed!, entrants, 15).Order(), (await Invariants.RowsAsync(campaign.Id)).Order());

        // Both workers running again: nothing draws a second time.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var again = (await api.CampaignAsync(campaign.Id)).Draw!;
        Assert.Equal((draw.DrawnAt, draw.Seed, 15), (again.DrawnAt, again.Seed, await Invariants.IssuedQuantityAsync(campaign.Id)));
        Assert.Equal(15, (await Invariants.RowsAsync(campaign.Id)).Count);
        using var latecomer = await api.IssueAsync(campaign.Id, 99);
        await ProblemAssert.IsProblemAsync(latecomer, HttpStatusCode.Conflict, ProblemCodes.SoldOut);
    }
}
